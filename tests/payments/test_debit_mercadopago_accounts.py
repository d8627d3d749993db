"""Mercado Pago direct debit for a creditor with its own Mercado Pago account.

The creditor's access token creates the preapproval, so Mercado Pago's engine
notifies the URL of that account's "Your integrations": its route
``/webhooks/payments/mercadopago/<token>``, signed with its secret. The fake
keeps one account per access token (recaudo/sandbox/preapproval.py).
"""

from __future__ import annotations

import secrets
import time
from datetime import date
from urllib.parse import urlparse

import httpx
import pytest

from recaudo.payments.accounts import notification_path
from recaudo.payments.agreements import settle_agreements
from recaudo.payments.models import DebitAttempt, PaymentWebhookEvent, ProviderAccount
from recaudo.payments.providers.base import hex_hmac
from recaudo.payments.providers.mercadopago import manifest
from recaudo.portfolio.models import Payment
from recaudo.sandbox.preapproval import DEFAULT_ACCESS_TOKEN, DEFAULT_WEBHOOK_SECRET
from recaudo.sandbox.webhooks import Webhook
from tests.factories import make_creditor
from tests.payments import test_debit_mercadopago as base
from tests.payments.test_debit_mercadopago import DOWN, deliver, enrol

pytestmark = pytest.mark.django_db

# The fixtures of the Mercado Pago tests: the sandbox's fake and the plan.
mercadopago = base.mercadopago
plan = base.plan
ACME_TOKEN = "APP_USR-acme-access-token"
ACME_SECRET = "acme-mercadopago-webhook-secret"


@pytest.fixture
def acme(debtor, mercadopago, settings) -> ProviderAccount:
    """The debtor's creditor has its own Mercado Pago account, its route pasted there."""
    account = ProviderAccount.objects.create(
        creditor=debtor.creditor,
        provider="mercadopago",
        account_id="acme-mp",
        api_key=ACME_TOKEN,
        webhook_secret=ACME_SECRET,
    )
    route = notification_path(debtor.creditor_id, "mercadopago")
    mercadopago.add_account(ACME_TOKEN, ACME_SECRET, f"{settings.PUBLIC_BASE_URL}{route}")
    return account


def signed_with(webhook: Webhook, secret: str) -> Webhook:
    """The same notice, signed with ``secret`` as Mercado Pago signs."""
    data_id = urlparse(webhook.url).query.split("data.id=")[1].split("&")[0]
    request_id = secrets.token_hex(16)
    timestamp = str(int(time.time() * 1000))
    signature = hex_hmac(secret, manifest(data_id, request_id, timestamp).encode())
    headers = {
        **webhook.headers,
        "x-signature": f"ts={timestamp},v1={signature}",
        "x-request-id": request_id,
    }
    return Webhook(url=webhook.url, body=webhook.body, headers=headers, label=webhook.label)


def post(client, webhook: Webhook, path: str = ""):
    url = urlparse(webhook.url)
    return client.post(
        f"{path or url.path}?{url.query}",
        data=webhook.body,
        content_type="application/json",
        headers={k: v for k, v in webhook.headers.items() if k != "Content-Type"},
    )


def test_a_creditors_own_account_is_notified_on_its_route_and_its_charge_lands_on_its_mandate(
    client, debtor, plan, mercadopago, acme
):
    mandate = enrol(client, debtor, mercadopago)
    preapproval = mercadopago.preapprovals[mandate.method_id]
    assert preapproval.owner == ACME_TOKEN
    route = f"/webhooks/payments/mercadopago/{acme.webhook_token}"
    assert {urlparse(w.url).path for w in mercadopago.sent} == {route}
    # The installation's token does not see the creditor's subscription.
    answer = httpx.get(
        f"{mercadopago.base_url}/preapproval/{mandate.method_id}",
        headers={"Authorization": f"Bearer {DEFAULT_ACCESS_TOKEN}"},
    )
    assert answer.status_code == 404
    outcomes = deliver(client, mercadopago.sent)
    attempt = DebitAttempt.objects.get()
    assert outcomes[3] == f"debit {attempt.pk} succeeded"
    assert (attempt.mandate_id, attempt.status, attempt.amount) == (mandate.pk, "succeeded", DOWN)
    [charge] = mercadopago.charges.values()
    payment = Payment.objects.get()
    assert (payment.external_id, payment.creditor_id) == (charge.payment_id, debtor.creditor_id)
    assert PaymentWebhookEvent.objects.count() == 4


def test_a_notice_signed_with_another_accounts_secret_is_refused_on_the_creditors_route(
    client, debtor, plan, mercadopago, acme
):
    enrol(client, debtor, mercadopago)
    charge_notice = mercadopago.sent[1]
    other = ProviderAccount.objects.create(
        creditor=make_creditor(brand_name="Otra"),
        provider="mercadopago",
        api_key="APP_USR-other",
        webhook_secret="other-mercadopago-webhook-secret",
    )
    mercadopago.add_account(other.api_key, other.webhook_secret, "https://otra.test/hook")
    for secret in (DEFAULT_WEBHOOK_SECRET, other.webhook_secret):
        assert post(client, signed_with(charge_notice, secret)).status_code == 403
    # The creditor's notice, signed by the other account, at the other's route:
    # verified there, but read with the other's token it names nothing of it.
    answer = post(
        client,
        signed_with(charge_notice, other.webhook_secret),
        f"/webhooks/payments/mercadopago/{other.webhook_token}",
    )
    assert answer.status_code == 400 and "404" in answer.content.decode()
    assert not DebitAttempt.objects.exists() and not Payment.objects.exists()
    assert post(client, charge_notice).status_code == 200
    assert DebitAttempt.objects.get().status == "succeeded"


def test_the_daily_run_reads_a_creditors_invoices_with_its_own_token(
    client, debtor, plan, mercadopago, acme
):
    mercadopago.dropped = {"subscription_authorized_payment", "payment"}
    enrol(client, debtor, mercadopago)
    deliver(client, mercadopago.sent)
    assert settle_agreements(date(2026, 11, 21))["debit_reconciled"] == 1
    [charge] = mercadopago.charges.values()
    assert Payment.objects.get().external_id == charge.payment_id


def test_the_sandbox_learns_a_creditors_account_over_http_and_refuses_half_of_one(
    mercadopago, settings
):
    base_url = settings.PAYMENTS["providers"]["mercadopago"]["base_url"]
    url = f"{base_url}/_sandbox/accounts"
    account = {
        "access_token": ACME_TOKEN,
        "webhook_secret": ACME_SECRET,
        "notification_url": "http://127.0.0.1:8000/webhooks/payments/mercadopago/abc",
    }
    assert httpx.post(url, json={**account, "webhook_secret": ""}).status_code == 400
    assert ACME_TOKEN not in mercadopago.accounts
    assert httpx.post(url, json=account).status_code == 201
    learned = mercadopago.accounts[ACME_TOKEN]
    assert (learned.webhook_secret, learned.notification_url) == (
        ACME_SECRET,
        account["notification_url"],
    )
