"""A creditor's own payment-provider account: its key creates and fetches its checkouts, its
webhooks arrive at its own route and are verified with its own secret."""

from __future__ import annotations

import time
from decimal import Decimal

import httpx
import pytest

from recaudo.payments.accounts import account_for, notification_path
from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout, PaymentWebhookEvent, ProviderAccount
from recaudo.payments.providers import get_provider
from recaudo.payments.providers.base import CheckoutRequest
from recaudo.payments.providers.sandbox import sign
from recaudo.portfolio.models import Payment
from recaudo.sandbox.payments import PAYMENTS_KEY

pytestmark = pytest.mark.django_db
GLOBAL_SECRET = "sandbox-payments-webhook-secret"
ACME_SECRET = "acme-payments-webhook-secret"


def sandbox_account(creditor) -> ProviderAccount:
    return ProviderAccount.objects.create(
        creditor=creditor,
        provider="sandbox",
        account_id="acme-sandbox",
        api_key="sandbox-payments-key",  # the fake knows one key
        webhook_secret=ACME_SECRET,
    )


def paid_webhook(client, debtor, payment_sandbox) -> bytes:
    token = live_link(debtor.pk).token
    assert client.post(f"/p/{token}/pagar", {"choice": "all"}).status_code == 303
    checkout = Checkout.objects.get()
    fake = payment_sandbox.runner.app[PAYMENTS_KEY]
    session = fake.sessions[checkout.provider_session_id]
    return payment_sandbox.background.call(lambda: fake.settle(session, True)).body


def post(client, path: str, body: bytes, secret: str):
    signature = sign(secret, body, int(time.time()))
    return client.post(
        path, body, content_type="application/json", HTTP_X_SANDBOX_SIGNATURE=signature
    )


def test_a_webhook_to_a_creditors_route_is_verified_with_its_secret_and_settles_its_checkout(
    client, debtor, payment_sandbox
):
    account = sandbox_account(debtor.creditor)
    body = paid_webhook(client, debtor, payment_sandbox)
    route = f"/webhooks/payments/sandbox/{account.webhook_token}"

    signed_with_the_global_secret = post(client, route, body, GLOBAL_SECRET)
    assert signed_with_the_global_secret.status_code == 403
    assert not PaymentWebhookEvent.objects.exists()

    response = post(client, route, body, ACME_SECRET)
    assert response.status_code == 200, response.content
    assert Payment.objects.get().amount == Decimal("1419567.50")
    assert Checkout.objects.get().status == "paid"


def test_the_global_route_refuses_a_webhook_signed_with_a_creditors_secret(
    client, debtor, payment_sandbox
):
    sandbox_account(debtor.creditor)
    body = paid_webhook(client, debtor, payment_sandbox)

    response = post(client, "/webhooks/payments/sandbox", body, ACME_SECRET)

    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_an_unknown_account_route_is_refused_without_reading_or_storing_anything(
    client, debtor, payment_sandbox, caplog
):
    response = post(client, "/webhooks/payments/sandbox/no-such-account", b"{}", ACME_SECRET)

    assert response.status_code == 404
    assert response.content == b"unknown account"
    assert "payment webhook from sandbox refused: unknown account" in caplog.text
    assert not PaymentWebhookEvent.objects.exists()


def test_a_creditors_account_route_does_not_settle_another_creditors_checkout(
    client, debtor, payment_sandbox
):
    from tests.factories import make_creditor

    other = sandbox_account(make_creditor())
    body = paid_webhook(client, debtor, payment_sandbox)

    response = post(client, f"/webhooks/payments/sandbox/{other.webhook_token}", body, ACME_SECRET)

    assert response.status_code == 200
    assert response.content.startswith(b"ignored: no checkout")
    assert not Payment.objects.exists()
    assert Checkout.objects.get().status == "open"


def test_stripe_checkouts_of_a_creditor_with_an_account_use_its_key(creditor, settings):
    ProviderAccount.objects.create(
        creditor=creditor, provider="stripe", api_key="sk_live_acme", webhook_secret="whsec_acme"
    )
    settings.PAYMENTS = {"providers": {"stripe": {"secret_key": "sk_live_global"}}}
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "cs_1", "url": "https://checkout.stripe.com/c/1"})

    request = CheckoutRequest(
        reference="r1",
        amount=Decimal("10.00"),
        currency="USD",
        description="d",
        success_url="https://x/ok",
        cancel_url="https://x/no",
        notification_url="https://x/n",
    )
    transport = httpx.MockTransport(answer)
    get_provider("stripe", transport, account=account_for(creditor.pk, "stripe")).create_checkout(
        request
    )
    get_provider("stripe", transport, account=None).create_checkout(request)

    assert [r.headers["Authorization"] for r in seen] == [
        "Bearer sk_live_acme",
        "Bearer sk_live_global",
    ]
    assert notification_path(creditor.pk, "stripe").startswith("/webhooks/payments/stripe/")
    assert notification_path(creditor.pk, "mercadopago") == "/webhooks/payments/mercadopago"
