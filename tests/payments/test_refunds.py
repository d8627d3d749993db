"""Money taken back after a payment (refunds, disputes) reverses the payment once."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from django.utils import timezone

from recaudo.outreach.contract import WebhookRequest
from recaudo.outreach.models import Outreach
from recaudo.payments import webhooks
from recaudo.payments.actions import apply_provider_record
from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout
from recaudo.payments.providers.base import ProviderRecord
from recaudo.payments.providers.stripe import StripeProvider
from recaudo.portfolio.models import ChannelConsent, Debt, Payment
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db


def _paid_checkout(creditor) -> tuple[Checkout, Debt]:
    debtor = make_debtor(creditor, phone="+573001234567")
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=timezone.now(),
    )
    debt = make_debt(debtor, "150000.00")
    checkout = Checkout.objects.create(
        reference="ref-stripe",
        link=live_link(debtor.pk),
        creditor=debtor.creditor,
        debtor=debtor,
        kind=Checkout.Kind.ALL,
        provider="stripe",
        amount=debt.amount,
        currency="COP",
    )
    apply_provider_record(
        checkout.pk,
        ProviderRecord("paid", "ref-stripe", Decimal("150000.00"), "COP", "pi_123", "stripe"),
    )
    return checkout, debt


def _stripe(charge: dict) -> StripeProvider:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/v1/charges/{charge['id']}"
        assert request.headers["Authorization"] == "Bearer sk_test_1"
        return httpx.Response(200, json=charge)

    return StripeProvider(
        {"base_url": "https://api.stripe.test", "secret_key": "sk_test_1", "webhook_secret": "w"},
        transport=httpx.MockTransport(handler),
    )


def _event(kind: str, obj: dict) -> bytes:
    return json.dumps({"id": "evt_1", "type": kind, "data": {"object": obj}}).encode()


def test_a_stripe_refund_confirmed_by_the_charge_reverses_the_payment_and_reopens_the_debt(
    creditor,
):
    _checkout, debt = _paid_checkout(creditor)
    charge = {
        "id": "ch_1",
        "currency": "cop",
        "amount": 15_000_000,
        "payment_intent": "pi_123",
        "refunded": True,
        "disputed": False,
    }
    stripe = _stripe(charge)

    notice = stripe.parse_webhook(WebhookRequest(body=_event("charge.refunded", charge)))
    outcome, status = webhooks._process(stripe, "stripe", notice.fetch_id)

    assert status == 200
    assert "reversed" in outcome
    debt.refresh_from_db()
    assert (debt.status, debt.amount_paid) == ("open", Decimal("0"))
    assert Payment.objects.get().status == "reversed"
    assert Outreach.objects.filter(template_key="payment_reversed").count() == 1


def test_a_refund_event_the_charge_does_not_confirm_changes_nothing(creditor):
    _checkout, debt = _paid_checkout(creditor)
    charge = {
        "id": "ch_2",
        "currency": "cop",
        "amount": 15_000_000,
        "payment_intent": "pi_123",
        "refunded": False,
        "disputed": False,
    }
    stripe = _stripe(charge)

    notice = stripe.parse_webhook(WebhookRequest(body=_event("charge.refunded", charge)))
    webhooks._process(stripe, "stripe", notice.fetch_id)

    debt.refresh_from_db()
    assert debt.status == "paid"
    assert Payment.objects.get().status == "received"


def test_kept_and_broken_promises_are_counted_per_debtor(creditor):
    from datetime import date

    from recaudo.payments.models import Promise
    from recaudo.payments.promises import promise_record

    keeper, breaker, newcomer = (make_debtor(creditor) for _ in range(3))
    for debtor, status in ((keeper, "kept"), (keeper, "kept"), (breaker, "broken"),
                           (breaker, "kept"), (newcomer, "pending")):  # fmt: skip
        Promise.objects.create(
            creditor=creditor,
            debtor=debtor,
            amount=Decimal("1000.00"),
            currency="COP",
            promised_on=date(2026, 12, 1),
            status=status,
        )

    assert promise_record([keeper.pk, breaker.pk, newcomer.pk]) == {
        keeper.pk: (2, 0),
        breaker.pk: (1, 1),
    }


@pytest.mark.parametrize(
    ("foreground", "background"),
    [
        ("#1f2937", "#ffffff"),  # body text
        ("#4b5563", "#ffffff"),  # muted text, footer
        ("#b91c1c", "#fef2f2"),  # errors
        ("#166534", "#f0fdf4"),  # notices
        ("#1d4ed8", "#ffffff"),  # links
        ("#6b7280", "#ffffff"),  # input borders (non-text: 3:1)
    ],
)
def test_the_portals_colours_meet_wcag_aa_contrast(foreground, background):
    from pathlib import Path

    from recaudo.payments.rules import contrast_ratio

    css = (
        Path(__file__).resolve().parents[2] / "recaudo/payments/templates/payments/base.html"
    ).read_text()
    assert foreground in css and background in css
    minimum = 3.0 if foreground == "#6b7280" else 4.5
    assert contrast_ratio(foreground, background) >= minimum
