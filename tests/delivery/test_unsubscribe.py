"""One-click unsubscribe from the link in every email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from recaudo.outreach.links import UNSUBSCRIBE_LINK_DAYS, unsubscribe_link, unsubscribe_token
from recaudo.outreach.models import Outreach
from recaudo.portfolio.models import ChannelConsent, ContactPoint
from tests.factories import make_debtor

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def _email_point(creditor):
    debtor = make_debtor(creditor)
    point = ContactPoint.objects.create(
        debtor=debtor, kind="email", value="ana@example.com", channels=["email"]
    )
    ChannelConsent.objects.create(
        contact_point=point, channel="email", source="contrato", granted_at=NOW
    )
    return point


def test_the_one_click_post_opts_out_and_cancels_planned_contacts_on_that_address(creditor, client):
    point = _email_point(creditor)
    from recaudo.policies.models import Step

    outreach = Outreach.objects.create(
        creditor=creditor,
        debtor=point.debtor,
        step=Step.objects.first(),
        anchor_due_on=NOW.date(),
        planned_on=NOW.date(),
        action="message",
        channel="email",
        contact_point=point,
        template_key="due_today",
        tone="preventive",
        language="es",
        currency="COP",
        amount_due="1000.00",
        window_start=NOW,
        window_end=NOW + timedelta(hours=8),
    )

    response = client.post(
        f"/u/{unsubscribe_token(point.pk, 'email')}", {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    point.refresh_from_db()
    outreach.refresh_from_db()
    assert point.opted_out_at is not None
    assert ChannelConsent.objects.get(contact_point=point).revoked_at is not None
    assert (outreach.status, outreach.status_reason) == ("cancelled", "opted out (email)")


def test_opening_the_link_only_asks_for_confirmation(creditor, client):
    point = _email_point(creditor)

    response = client.get(f"/u/{unsubscribe_token(point.pk, 'email')}")

    assert response.status_code == 200
    assert "Confirmar" in response.content.decode()
    point.refresh_from_db()
    assert point.opted_out_at is None


def test_a_forged_or_altered_link_reveals_nothing_and_changes_nothing(creditor, client):
    point = _email_point(creditor)
    token = unsubscribe_token(point.pk, "email")

    response = client.post(f"/u/{token[:-2]}xx")

    assert response.status_code == 404
    assert "ana@example.com" not in response.content.decode()
    point.refresh_from_db()
    assert point.opted_out_at is None


def test_the_link_uses_the_public_address_of_the_app(creditor, settings):
    settings.PUBLIC_BASE_URL = "https://cobros.example.com"
    point = _email_point(creditor)

    assert unsubscribe_link(point.pk, "email").startswith("https://cobros.example.com/u/")


def test_the_page_shows_the_address_masked_never_whole(creditor, client):
    point = _email_point(creditor)
    link = f"/u/{unsubscribe_token(point.pk, 'email')}"

    asked = client.get(link).content.decode()
    done = client.post(link).content.decode()

    for page in (asked, done):
        assert "ana@example.com" not in page
        assert "a•••@example.com" in page


def test_an_old_link_names_nobody_but_still_stops_the_messages(creditor, client):
    point = _email_point(creditor)
    with time_machine.travel(datetime.now(UTC) - timedelta(days=UNSUBSCRIBE_LINK_DAYS + 1)):
        link = f"/u/{unsubscribe_token(point.pk, 'email')}"

    asked = client.get(link)
    done = client.post(link)

    assert asked.status_code == 200
    assert "example.com" not in asked.content.decode()
    assert "Este enlace es antiguo" in asked.content.decode()
    assert done.status_code == 200
    assert "example.com" not in done.content.decode()
    point.refresh_from_db()
    assert point.opted_out_at is not None


def test_a_link_just_inside_its_time_still_shows_the_masked_address(creditor, client):
    point = _email_point(creditor)
    with time_machine.travel(datetime.now(UTC) - timedelta(days=UNSUBSCRIBE_LINK_DAYS - 1)):
        link = f"/u/{unsubscribe_token(point.pk, 'email')}"

    assert "a•••@example.com" in client.get(link).content.decode()


def test_the_unsubscribe_page_speaks_the_debtors_language_and_register(creditor, client):
    from recaudo.policies.models import Policy

    point = _email_point(creditor)
    token = unsubscribe_token(point.pk, "email")
    Policy.objects.filter(creditor=None).update(register=Policy.Register.TU)
    spanish_tu = client.get(f"/u/{token}").content.decode()
    Policy.objects.filter(creditor=None).update(register=Policy.Register.USTED)
    spanish_usted = client.get(f"/u/{token}").content.decode()
    point.debtor.language = "pt"
    point.debtor.save(update_fields=["language"])
    portuguese = client.get(f"/u/{token}").content.decode()

    assert "sobre tus pagos." in spanish_tu and "sobre sus pagos" not in spanish_tu
    assert "sobre sus pagos." in spanish_usted
    assert '<html lang="pt-br">' in portuguese
    assert "Deixar de receber mensagens" in portuguese
    assert "sobre seus pagamentos." in portuguese
