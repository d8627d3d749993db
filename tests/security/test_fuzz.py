"""Hostile input, generated, into every API operation and every webhook: never a 5xx.

The API's operations are read from its own OpenAPI schema (/api/v1/openapi.json),
so an endpoint added later is fuzzed too. Webhook bodies are signed as each
provider signs them, so the fuzz reaches the parsers, not only the signature check.
Run on PostgreSQL too: NUL, year 10000 and bigint overflow are its faults.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from unittest import mock
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from recaudo.payments.providers.base import ProviderError, hex_hmac
from recaudo.payments.providers.mercadopago import MercadoPagoProvider, manifest
from recaudo.payments.providers.sandbox import SandboxProvider, sign
from recaudo.payments.providers.stripe import StripeProvider
from recaudo.portfolio.apikeys import create_key
from tests.delivery.test_webhooks import twilio_signature
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db(transaction=False)

EXAMPLES = hypothesis_settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

HOSTILE_TEXTS = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfff",
    "\u00e9\u00f1\u4e2d\U0001f600",
    "9999-12-31T23:59:59",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "1899-12-31",
    "2026-11-01T10:00:00-23:59",
    str(2**63),
    str(-(2**63) - 1),
    "1e400",
    "NaN",
    "../../etc/passwd",
    "=cmd|' /C calc'!A0",
    "' OR 1=1 --",
    "",
    " ",
    "x" * 5000,
]
texts = st.one_of(
    st.sampled_from(HOSTILE_TEXTS),
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=30),
)
numbers = st.one_of(
    st.sampled_from([0, -1, 2**31, 2**63, 2**64 + 5, -(2**63) - 1, 10**400]),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
)
scalars = st.one_of(texts, numbers, st.booleans(), st.none())
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(texts, children, max_size=3)
    ),
    max_leaves=8,
)


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


raw_bodies = st.one_of(
    st.builds(deep, st.sampled_from([50, 100, 1000, 100_000])),
    st.sampled_from(['{"items": [', "\x00", '"\\ud800"', "1e99999", "[" + "1," * 1000 + "1]"]),
)


def _json(value: Any) -> str:
    # ensure_ascii writes lone surrogates as \\udXXX escapes, as a hostile client would.
    return json.dumps(value, ensure_ascii=True, allow_nan=False)


# --- the API, driven from its OpenAPI schema ---------------------------------------------


@pytest.fixture(scope="module")
def operations(django_db_blocker) -> list[tuple[str, str, dict[str, Any]]]:
    with django_db_blocker.unblock():
        schema = json.loads(Client().get("/api/v1/openapi.json").content)
    found = [
        (method.upper(), "/api/v1" + path.removeprefix("/api/v1"), operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    found_schema = schema.get("components", {}).get("schemas", {})
    for _method, _path, operation in found:
        operation["x-components"] = found_schema
    return found


def _properties(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema.get("properties", {})


@st.composite
def requests_for(draw: Any, operation: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Query (and path) values and a body for one operation, each field hostile or absent."""
    params: dict[str, Any] = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] in ("query", "path") and draw(st.booleans()):
            params[parameter["name"]] = draw(st.one_of(texts, numbers))
    body: Any = None
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        components = operation["x-components"]
        fields = _properties(content["application/json"]["schema"], components)
        if "items" in fields:  # a bulk body: one item of the item's schema
            fields = _properties(fields["items"].get("items", {}), components)
            make_item = st.fixed_dictionaries({}, optional={name: json_values for name in fields})
            body = draw(st.one_of(st.builds(lambda item: {"items": [item]}, make_item), raw_bodies))
        else:
            body = draw(
                st.one_of(
                    st.fixed_dictionaries({}, optional={name: json_values for name in fields}),
                    json_values,
                    raw_bodies,
                )
            )
    return params, body


def _url(path: str, params: dict[str, Any]) -> str:
    for name in list(params):
        if "{" + name in path:
            value = str(params.pop(name)).encode("utf-8", "surrogatepass")
            path = path.replace("{path:" + name + "}", quote(value, safe="")).replace(
                "{" + name + "}", quote(value, safe="")
            )
    path = path.replace("{path:external_id}", "X1").replace("{external_id}", "X1")
    query = {name: str(value).encode("utf-8", "surrogatepass") for name, value in params.items()}
    return path + ("?" + urlencode(query) if query else "")


@pytest.fixture
def api_client(creditor) -> Client:
    debtor = make_debtor(creditor, external_id="X1")
    make_debt(debtor, external_id="X1")
    return Client(headers={"Authorization": f"Bearer {create_key(creditor, 'ERP').key}"})


def test_no_api_operation_answers_5xx_to_hostile_input(api_client, operations):
    @EXAMPLES
    @given(data=st.data(), index=st.integers(0, len(operations) - 1))
    def run(data: Any, index: int) -> None:
        method, path, operation = operations[index]
        params, body = data.draw(requests_for(operation))
        url = _url(path, params)
        headers = {}
        if data.draw(st.booleans()):
            headers["Idempotency-Key"] = data.draw(st.sampled_from(["\x00", "k\u00e9", "x" * 300]))
        if body is None:
            response = api_client.generic(method, url, headers=headers)
        else:
            text = body if isinstance(body, str) else _json(body)
            raw = text.encode("utf-8", "surrogatepass")
            response = api_client.generic(
                method, url, raw, content_type="application/json", headers=headers
            )
        assert response.status_code < 500, (method, url, body, response.content[:300])

    run()


def test_the_api_key_header_never_answers_5xx():
    @EXAMPLES
    @given(key=st.one_of(st.sampled_from(["rk_\x00", "\x00", "rk_" + "\u00e9" * 40]), texts))
    def run(key: str) -> None:
        value = key.encode("utf-8", "surrogatepass").decode("latin-1")
        response = Client(headers={"X-API-Key": value}).get("/api/v1/debtors")
        assert response.status_code in (400, 401), response.content[:300]

    run()


# --- the webhooks, signed as each provider signs them ------------------------------------

STRIPE_SECRET = "whsec_fuzz"
MERCADOPAGO_SECRET = "mp-fuzz-secret"
SANDBOX_SECRET = "sandbox-payments-webhook-secret"


@pytest.fixture
def webhooks(settings_fixture_for_payments):
    return Client()


@pytest.fixture
def settings_fixture_for_payments(settings):
    settings.PAYMENTS = {
        "providers": {
            "stripe": {"webhook_secret": STRIPE_SECRET, "base_url": "http://127.0.0.1:9"},
            "mercadopago": {"webhook_secret": MERCADOPAGO_SECRET, "base_url": "http://127.0.0.1:9"},
        }
    }
    missing = ProviderError("no such payment (fuzz)", permanent=True)
    with (
        mock.patch.object(StripeProvider, "fetch", side_effect=missing),
        mock.patch.object(MercadoPagoProvider, "fetch", side_effect=missing),
        mock.patch.object(SandboxProvider, "fetch", side_effect=missing),
    ):
        yield


def _whatsapp_body(text: Any, stamp: Any, status: Any) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "1065"},
        "contacts": [{"profile": {"name": text}, "wa_id": "573001234567"}],
        "messages": [
            {"from": text, "id": text, "timestamp": stamp, "type": "text", "text": {"body": text}}
        ],
        "statuses": [{"id": text, "status": status, "timestamp": stamp, "recipient_id": text}],
    }
    return {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": value}]}]}


whatsapp_bodies = st.one_of(
    st.builds(
        lambda *parts: _json(_whatsapp_body(*parts)),
        json_values,
        st.one_of(numbers, texts),
        st.sampled_from(["sent", "delivered", "read", "failed", "\x00"]),
    ),
    json_values.map(_json),
    raw_bodies,
)


def test_no_delivery_webhook_answers_5xx_to_hostile_signed_input(db):
    make_debtor(make_creditor(), external_id="X1")
    client = Client()
    whatsapp_secret = settings.CHANNELS["whatsapp"]["app_secret"].encode()
    rbm_token = settings.CHANNELS["rcs"]["client_token"].encode()

    @EXAMPLES
    @given(
        body=whatsapp_bodies,
        form=st.dictionaries(
            st.sampled_from(["MessageSid", "From", "To", "Body", "MessageStatus", "ErrorCode"]),
            texts.filter(lambda text: not any("\ud800" <= c <= "\udfff" for c in text)),
        ),
        signature=st.sampled_from(["good", "sha256=\u00e9", "v1=\u00e9", "\x00"]),
    )
    def run(body: str, form: dict[str, str], signature: str) -> None:
        raw = body.encode("utf-8", "surrogatepass")
        good = signature == "good"
        digest = hmac.new(whatsapp_secret, raw, hashlib.sha256).hexdigest()
        hub = f"sha256={digest}" if good else signature.encode().decode("latin-1")
        response = client.post(
            "/webhooks/whatsapp", raw, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=hub
        )
        assert response.status_code < 500, (body[:300], response.status_code)

        twilio = twilio_signature(settings.PUBLIC_BASE_URL + "/webhooks/twilio", form)
        response = client.post(
            "/webhooks/twilio",
            urlencode(form),
            content_type="application/x-www-form-urlencoded",
            HTTP_X_TWILIO_SIGNATURE=twilio if good else signature.encode().decode("latin-1"),
        )
        assert response.status_code < 500, (form, response.status_code)

        envelope = _json({"message": {"data": base64.b64encode(raw).decode(), "messageId": "m"}})
        google = base64.b64encode(hmac.new(rbm_token, raw, hashlib.sha512).digest()).decode()
        response = client.post(
            "/webhooks/rbm",
            envelope,
            content_type="application/json",
            HTTP_X_GOOG_SIGNATURE=google if good else signature.encode().decode("latin-1"),
        )
        assert response.status_code < 500, (body[:300], response.status_code)

    run()


def test_no_payment_webhook_answers_5xx_to_hostile_signed_input(webhooks):
    @EXAMPLES
    @given(
        body=st.one_of(
            st.builds(
                lambda event_id, kind, data: _json(
                    {"id": event_id, "type": kind, "data": {"object": data, "id": event_id}}
                ),
                json_values,
                st.one_of(texts, st.sampled_from(["checkout.session.completed", "payment"])),
                json_values,
            ),
            json_values.map(_json),
            raw_bodies,
        ),
        data_id=texts.filter(lambda text: not any("\ud800" <= c <= "\udfff" for c in text)),
        good=st.booleans(),
    )
    def run(body: str, data_id: str, good: bool) -> None:
        raw = body.encode("utf-8", "surrogatepass")
        stamp = str(int(time.time()))
        bad = "t=" + stamp + ",v1=\u00e9"
        stripe = f"t={stamp},v1={hex_hmac(STRIPE_SECRET, f'{stamp}.'.encode() + raw)}"
        sandbox = sign(SANDBOX_SECRET, raw, int(stamp))
        mercadopago = hex_hmac(MERCADOPAGO_SECRET, manifest(data_id, "", stamp).encode())
        for path, header, value in (
            ("/webhooks/payments/stripe", "HTTP_STRIPE_SIGNATURE", stripe),
            ("/webhooks/payments/sandbox", "HTTP_X_SANDBOX_SIGNATURE", sandbox),
            (
                "/webhooks/payments/mercadopago?" + urlencode({"data.id": data_id}),
                "HTTP_X_SIGNATURE",
                f"ts={stamp},v1={mercadopago}",
            ),
        ):
            signature = value if good else bad
            response = webhooks.post(
                path,
                raw,
                content_type="application/json",
                **{header: signature.encode().decode("latin-1")},
            )
            assert response.status_code < 500, (path, body[:300], response.content[:300])

    run()
