"""Payment links: strong tokens, expiry, pages that reveal nothing, openings, rate limit."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from recaudo.payments.links import live_link, payment_link, payment_token
from recaudo.payments.models import LinkRenewalRequest, PaymentLink, PaymentLinkOpen

pytestmark = pytest.mark.django_db


def test_a_link_token_carries_at_least_128_random_bits_and_expires_in_30_days(debtor):
    before = timezone.now()
    link = live_link(debtor.pk)
    # token_urlsafe: 6 bits per character.
    assert len(link.token) * 6 >= 128
    assert math.log2(64) * len(link.token) >= 256
    assert link.debtor_id == debtor.pk and link.creditor_id == debtor.creditor_id
    assert timedelta(days=30) <= link.expires_at - before < timedelta(days=30, seconds=5)
    other = live_link(debtor.pk)
    assert other.pk == link.pk


def test_the_dispatcher_functions_return_the_live_link_and_its_token(debtor, settings):
    token = payment_token(debtor.pk)
    assert payment_link(debtor.pk) == f"{settings.PUBLIC_BASE_URL}/p/{token}"
    assert PaymentLink.objects.filter(debtor=debtor).count() == 1


def test_an_expired_link_is_replaced_by_a_new_one(debtor):
    old = live_link(debtor.pk)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        new = live_link(debtor.pk)
    assert new.pk != old.pk and new.token != old.token


def test_unknown_and_expired_tokens_get_the_same_page_that_names_nothing(client, debtor):
    link = live_link(debtor.pk)
    PaymentLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = client.get(f"/p/{link.token}")
    unknown = client.get("/p/" + "A" * len(link.token))
    assert expired.status_code == unknown.status_code == 404
    text = expired.content.decode()
    assert text.replace(link.token, "T") == unknown.content.decode().replace("A" * 43, "T")
    for secret in ("Camila", "Tienda Sol", "185.000", "FV-1", "Plan hogar"):
        assert secret not in text
    assert "Pedir un enlace nuevo" in text
    assert not PaymentLinkOpen.objects.exists()


def test_asking_for_a_new_link_notes_it_for_expired_links_only_and_answers_the_same(client, debtor):
    link = live_link(debtor.pk)
    PaymentLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(days=1))
    expired = client.post(f"/p/{link.token}/nuevo-enlace")
    unknown = client.post("/p/nothing-here/nuevo-enlace")
    assert expired.status_code == unknown.status_code == 200
    assert expired.content == unknown.content
    assert list(LinkRenewalRequest.objects.values_list("link_id", flat=True)) == [link.pk]


def test_opening_a_link_is_recorded_with_a_hash_of_the_browser_not_the_address(client, debtor):
    link = live_link(debtor.pk)
    response = client.get(f"/p/{link.token}", HTTP_USER_AGENT="Mozilla/5.0 (Android)")
    assert response.status_code == 200
    opened = PaymentLinkOpen.objects.get()
    assert opened.link_id == link.pk
    assert len(opened.user_agent_hash) == 64 and "Android" not in opened.user_agent_hash


def test_opening_links_too_often_from_one_address_gets_a_clear_429_page(client, debtor, settings):
    settings.PAYMENTS = {"open_rate_per_minute": 3}
    link = live_link(debtor.pk)
    statuses = [client.get(f"/p/{link.token}").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = client.get(f"/p/{link.token}")
    unknown = client.get("/p/guessing-another-token")
    assert refused.status_code == unknown.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "Espere un minuto" in refused.content.decode()
    assert PaymentLinkOpen.objects.count() == 3
    other_address = client.get(f"/p/{link.token}", REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 200
