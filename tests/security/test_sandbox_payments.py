"""The sandbox payment provider (public secrets) exists only while SANDBOX_PAYMENTS_ENABLED."""

from __future__ import annotations

import json
import time

import pytest

from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout, PaymentWebhookEvent
from recaudo.payments.providers import get_provider, is_available
from recaudo.payments.providers.base import ProviderError
from recaudo.payments.providers.sandbox import sign
from recaudo.portfolio.models import Payment
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db
PUBLIC_SECRET = "sandbox-payments-webhook-secret"  # in the source: anyone can sign with it


@pytest.fixture
def sandbox_off(settings):
    settings.SANDBOX_PAYMENTS_ENABLED = False
    settings.PAYMENTS = {}


def test_with_the_sandbox_off_a_signed_6_mb_sandbox_webhook_is_not_found_and_nothing_is_stored(
    client, sandbox_off
):
    event = {"id": "evt_forged", "type": "checkout.paid", "padding": "x" * 6_000_000}
    body = json.dumps(event).encode()
    signature = sign(PUBLIC_SECRET, body, int(time.time()))

    response = client.post(
        "/webhooks/payments/sandbox",
        body,
        content_type="application/json",
        HTTP_X_SANDBOX_SIGNATURE=signature,
    )

    assert response.status_code == 404
    assert not PaymentWebhookEvent.objects.exists()
    assert not Payment.objects.exists()


def test_with_the_sandbox_on_its_webhook_is_answered(client, settings):
    settings.SANDBOX_PAYMENTS_ENABLED = True

    response = client.post("/webhooks/payments/sandbox", b"{}", content_type="application/json")

    assert response.status_code == 401  # then checked like any provider's: no signature


def test_with_the_sandbox_off_the_provider_is_unavailable_with_a_reason(sandbox_off):
    assert not is_available("sandbox")
    assert is_available("stripe") and is_available("mercadopago")
    with pytest.raises(ProviderError, match="SANDBOX_PAYMENTS_ENABLED") as error:
        get_provider("sandbox")
    assert error.value.permanent


def test_without_a_provider_paying_from_the_portal_shows_a_clear_page_and_calls_no_one(
    client, sandbox_off
):
    debtor = make_debtor(make_creditor())
    make_debt(debtor, "50000.00")
    token = live_link(debtor.pk).token

    response = client.post(f"/p/{token}/pagar", {"choice": "all"})

    assert response.status_code == 502
    assert "No pudimos abrir el pago" in response.content.decode()
    assert Checkout.objects.get().url == ""  # the attempt is written, nothing was sent


def test_the_missing_credential_is_named_by_its_environment_variable(settings):
    settings.PAYMENTS = {"providers": {"stripe": {"secret_key": ""}}}

    with pytest.raises(ProviderError, match="stripe is not configured: set STRIPE_SECRET_KEY"):
        get_provider("stripe").fetch("cs_test_1")
