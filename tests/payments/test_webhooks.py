"""Payment webhooks: signature first, stored once, and the provider's record decides."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout, PaymentWebhookEvent
from recaudo.payments.providers.sandbox import sign
from recaudo.portfolio.models import Debt, Payment
from recaudo.sandbox.payments import PAYMENTS_KEY

pytestmark = pytest.mark.django_db
SECRET = "sandbox-payments-webhook-secret"


def _start_checkout(client, debtor, **form) -> Checkout:
    token = live_link(debtor.pk).token
    response = client.post(f"/p/{token}/pagar", form)
    assert response.status_code == 303, response.content.decode()[:500]
    checkout = Checkout.objects.get()
    assert response["Location"] == checkout.url
    return checkout


def _settle(payment_sandbox, checkout: Checkout, paid: bool = True):
    """Pay (or fail) the session at the sandbox; return its webhook without sending it."""
    fake = payment_sandbox.runner.app[PAYMENTS_KEY]
    session = fake.sessions[checkout.provider_session_id]
    return payment_sandbox.background.call(lambda: fake.settle(session, paid))


def _post(client, body: bytes, signature: str | None):
    headers = {"HTTP_X_SANDBOX_SIGNATURE": signature} if signature is not None else {}
    return client.post(
        "/webhooks/payments/sandbox", body, content_type="application/json", **headers
    )


def test_a_webhook_without_or_with_a_forged_signature_is_refused_and_nothing_is_stored(
    client, debtor, payment_sandbox
):
    checkout = _start_checkout(client, debtor, choice="all")
    webhook = _settle(payment_sandbox, checkout)
    forged = sign("not-the-secret", webhook.body, int(time.time()))
    tampered = webhook.body.replace(b'"paid"', b'"paid" ')
    assert _post(client, webhook.body, None).status_code == 401
    assert _post(client, webhook.body, forged).status_code == 403
    assert _post(client, tampered, webhook.headers["X-Sandbox-Signature"]).status_code == 403
    old = sign(SECRET, webhook.body, int(time.time()) - 3600)
    assert _post(client, webhook.body, old).status_code == 403
    assert not PaymentWebhookEvent.objects.exists()
    assert not Payment.objects.exists()
    assert Checkout.objects.get().status == "open"


def test_a_repeated_webhook_records_one_payment_that_settles_every_debt(
    client, debtor, payment_sandbox
):
    checkout = _start_checkout(client, debtor, choice="all")
    webhook = _settle(payment_sandbox, checkout)
    signature = webhook.headers["X-Sandbox-Signature"]
    first = _post(client, webhook.body, signature)
    second = _post(client, webhook.body, signature)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == b"already processed"
    payment = Payment.objects.get()
    assert payment.amount == Decimal("1419567.50") and payment.currency == "COP"
    assert payment.external_id.startswith("sbx_pay_") and payment.unallocated == 0
    assert PaymentWebhookEvent.objects.count() == 1
    assert PaymentWebhookEvent.objects.get().processed_at is not None
    assert set(Debt.objects.values_list("status", flat=True)) == {"paid"}
    assert Checkout.objects.get().payment_id == payment.pk


def test_when_the_webhook_and_the_provider_disagree_on_the_amount_the_provider_wins(
    client, debtor, payment_sandbox
):
    first_debt = Debt.objects.order_by("due_on").first()
    checkout = _start_checkout(client, debtor, choice="one", debt=str(first_debt.pk))
    webhook = _settle(payment_sandbox, checkout)
    event = json.loads(webhook.body)
    event["id"] = "sbx_evt_forged_amount"
    event["data"]["amount"] = "1419567.50"  # claims everything was paid
    body = json.dumps(event).encode()
    response = _post(client, body, sign(SECRET, body, int(time.time())))
    assert response.status_code == 200
    payment = Payment.objects.get()
    assert payment.amount == Decimal("185000.50")  # the session's amount
    assert payment.debt_id == first_debt.pk
    statuses = dict(Debt.objects.values_list("invoice_number", "status"))
    assert statuses == {"FV-1": "paid", "FV-2": "open"}


def test_a_failed_payment_records_nothing_and_a_webhook_for_an_open_session_changes_nothing(
    client, debtor, payment_sandbox
):
    checkout = _start_checkout(client, debtor, choice="all")
    # A genuine-looking event for a session the provider still has open.
    early = json.dumps(
        {
            "id": "sbx_evt_early",
            "type": "checkout.session.paid",
            "data": {"session_id": checkout.provider_session_id},
        }
    ).encode()
    assert _post(client, early, sign(SECRET, early, int(time.time()))).status_code == 200
    assert Checkout.objects.get().status == "open"
    webhook = _settle(payment_sandbox, checkout, paid=False)
    assert _post(client, webhook.body, webhook.headers["X-Sandbox-Signature"]).status_code == 200
    assert Checkout.objects.get().status == "failed"
    assert not Payment.objects.exists()
    assert set(Debt.objects.values_list("status", flat=True)) == {"open"}


def test_a_webhook_for_an_unknown_provider_is_not_found(client, db):
    response = client.post("/webhooks/payments/paypal", b"{}", content_type="application/json")
    assert response.status_code == 404


def test_with_the_sandbox_disabled_its_provider_webhook_is_not_found_and_nothing_is_stored(
    client, debtor, settings
):
    # Signed with the sandbox's published secret, as anyone could.
    settings.SANDBOX_PAYMENTS_ENABLED = False
    body = json.dumps(
        {"id": "sbx_evt_1", "type": "checkout.session.paid", "data": {"session_id": "sbx_cs_1"}}
    ).encode()
    response = _post(client, body, sign(SECRET, body, int(time.time())))
    assert response.status_code == 404
    assert not PaymentWebhookEvent.objects.exists()
    assert not Payment.objects.exists()


def test_paying_the_down_payment_of_a_plan_marks_that_instalment_paid(
    client, debtor, payment_sandbox, frozen
):
    from recaudo.payments.models import Instalment

    token = live_link(debtor.pk).token
    client.post(f"/p/{token}/plan", {"down_payment": "283913.50", "count": "2"})
    response = client.post(f"/p/{token}/cuota/0")
    assert response.status_code == 303
    checkout = Checkout.objects.get()
    assert (checkout.kind, checkout.amount) == ("instalment", Decimal("283913.50"))
    webhook = _settle(payment_sandbox, checkout)
    assert _post(client, webhook.body, webhook.headers["X-Sandbox-Signature"]).status_code == 200
    statuses = dict(Instalment.objects.values_list("number", "status"))
    assert statuses == {0: "paid", 1: "pending", 2: "pending"}
    assert dict(Debt.objects.values_list("invoice_number", "amount_paid")) == {
        "FV-1": Decimal("185000.50"),
        "FV-2": Decimal("98913.00"),
    }
    assert dict(Debt.objects.values_list("invoice_number", "status")) == {
        "FV-1": "paid",
        "FV-2": "in_arrangement",
    }
