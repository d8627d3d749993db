"""One-click unsubscribe from the link in every email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from recaudo.outreach.links import unsubscribe_link, unsubscribe_token
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
