"""Stripe and Mercado Pago clients and signatures (channels-api.md §5, §6, §8)."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import parse_qsl

import httpx
import pytest

from recaudo.outreach.contract import WebhookRequest
from recaudo.payments.providers.base import CheckoutRequest, ProviderError, SignatureError
from recaudo.payments.providers.mercadopago import MercadoPagoProvider, manifest
from recaudo.payments.providers.stripe import StripeProvider, stripe_signature

STRIPE_BODY = b'{"id":"evt_1","object":"event"}'
STRIPE_HEADER = "t=1700000000,v1=4c15fb2a43f93ef61eaa3e0893866d57cad9cad4223242cfb96f362480cb4021"
MP_REQUEST_ID = "bb56a2f1-6aae-46ac-982e-9dcd3581d08e"
MP_V1 = "feacb3b594880035653849a0541efc1d33eb558f7405975f9fbff8574c019b48"

REQUEST = CheckoutRequest(
    reference="ref123",
    amount=Decimal("1250.00"),
    currency="MXN",
    description="Pago a Tienda Sol",
    success_url="https://app.example/p/t/r/ref123",
    cancel_url="https://app.example/p/t/r/ref123?cancelled=1",
    notification_url="https://app.example/webhooks/payments/stripe",
)


def webhook(headers: dict, body: bytes = STRIPE_BODY, query: str = "") -> WebhookRequest:
    return WebhookRequest(path=f"/webhooks/payments/test{query}", headers=headers, body=body)


def _stripe(handler=None, **config) -> StripeProvider:
    transport = httpx.MockTransport(handler) if handler else None
    values = {"base_url": "https://api.stripe.test", "secret_key": "sk_test_1"}
    values.update(config)
    return StripeProvider(values, transport=transport)


def test_the_stripe_signature_matches_the_reference_vector():
    assert stripe_signature("whsec_test", STRIPE_BODY, 1700000000) == STRIPE_HEADER
    provider = _stripe(webhook_secret="whsec_test")
    provider.verify_signature(webhook({"Stripe-Signature": STRIPE_HEADER}), tolerance=None)
    provider.verify_signature(
        webhook({"Stripe-Signature": STRIPE_HEADER}), tolerance=300, now=1700000100
    )


def test_a_stripe_signature_that_is_old_forged_or_missing_is_refused():
    provider = _stripe(webhook_secret="whsec_test")
    with pytest.raises(SignatureError):
        provider.verify_signature(
            webhook({"Stripe-Signature": STRIPE_HEADER}), tolerance=300, now=1700000301
        )
    with pytest.raises(SignatureError):
        provider.verify_signature(
            webhook({"Stripe-Signature": STRIPE_HEADER}, STRIPE_BODY + b" "), tolerance=None
        )
    with pytest.raises(SignatureError) as missing:
        provider.verify_signature(webhook({}), tolerance=None)
    assert missing.value.missing


def test_any_matching_v1_is_accepted_during_secret_rotation():
    provider = _stripe(webhook_secret="whsec_test")
    rotated = "t=1700000000,v1=" + "0" * 64 + "," + STRIPE_HEADER.split(",")[1]
    provider.verify_signature(webhook({"Stripe-Signature": rotated}), tolerance=None)


def test_a_stripe_checkout_session_is_created_form_encoded_in_minor_units():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"id": "cs_test_1", "url": "https://checkout.stripe.com/c/pay/cs_test_1"}
        )

    session = _stripe(handler).create_checkout(REQUEST)
    assert (session.session_id, session.url) == (
        "cs_test_1",
        "https://checkout.stripe.com/c/pay/cs_test_1",
    )
    request = seen[0]
    assert request.url == "https://api.stripe.test/v1/checkout/sessions"
    assert request.headers["Authorization"] == "Bearer sk_test_1"
    assert request.headers["Idempotency-Key"] == "ref123"
    form = dict(parse_qsl(request.content.decode()))
    assert form["line_items[0][price_data][unit_amount]"] == "125000"
    assert form["line_items[0][price_data][currency]"] == "mxn"
    assert form["client_reference_id"] == "ref123" and form["mode"] == "payment"


def test_a_paid_stripe_session_is_read_back_in_major_units():
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/checkout/sessions/cs_test_1"
        return httpx.Response(
            200,
            json={
                "id": "cs_test_1",
                "status": "complete",
                "payment_status": "paid",
                "amount_total": 125050,
                "currency": "mxn",
                "client_reference_id": "ref123",
                "payment_intent": "pi_1",
            },
        )

    record = _stripe(handler).fetch("cs_test_1")
    assert (record.status, record.amount, record.currency, record.payment_id) == (
        "paid",
        Decimal("1250.50"),
        "MXN",
        "pi_1",
    )


def test_stripe_client_errors_are_permanent_and_server_errors_are_retried():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503 if len(calls) < 3 else 400, json={"error": {}})

    with pytest.raises(ProviderError) as error:
        _stripe(handler).fetch("cs_1")
    assert error.value.permanent and len(calls) == 3
    with pytest.raises(ProviderError) as not_configured:
        _stripe(secret_key="").fetch("cs_1")
    assert "not configured" in str(not_configured.value)


def test_the_mercado_pago_signature_matches_the_reference_vector():
    text = manifest("123456", MP_REQUEST_ID, "1742505638683")
    assert text == f"id:123456;request-id:{MP_REQUEST_ID};ts:1742505638683;"
    provider = MercadoPagoProvider({"webhook_secret": "mp_secret"})
    headers = {"x-signature": f"ts=1742505638683,v1={MP_V1}", "x-request-id": MP_REQUEST_ID}
    provider.verify_signature(webhook(headers, b"{}", "?data.id=123456"))
    with pytest.raises(SignatureError):
        provider.verify_signature(webhook(headers, b"{}", "?data.id=123457"))
    assert manifest("ABC123", "", "1") == "id:abc123;ts:1;"


def test_a_mercado_pago_preference_and_payment_lookup_follow_the_api():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            body = json.loads(request.content)
            assert body["items"][0]["unit_price"] == 1250.0
            assert body["external_reference"] == "ref123" and body["auto_return"] == "approved"
            assert body["notification_url"].endswith("?source_news=webhooks")
            return httpx.Response(201, json={"id": "123-abc", "init_point": "https://mp.test/x"})
        assert request.url.path == "/v1/payments/999"
        return httpx.Response(
            200,
            json={
                "id": 999,
                "status": "approved",
                "transaction_amount": 1250.5,
                "currency_id": "MXN",
                "external_reference": "ref123",
                "payment_method_id": "oxxo",
            },
        )

    provider = MercadoPagoProvider(
        {"base_url": "https://mp.test", "access_token": "TEST-1"},
        transport=httpx.MockTransport(handler),
    )
    assert provider.create_checkout(REQUEST).url == "https://mp.test/x"
    record = provider.fetch("999")
    assert (record.status, record.amount, record.reference, record.payment_id) == (
        "paid",
        Decimal("1250.5"),
        "ref123",
        "999",
    )
    notice = provider.parse_webhook(
        webhook(
            {},
            b'{"id":1122,"type":"payment","action":"payment.updated","data":{"id":"999"}}',
            "?data.id=999&type=payment",
        )
    )
    assert (notice.event_id, notice.fetch_id) == ("1122", "999")
