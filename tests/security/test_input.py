"""Hostile input at every boundary is a 4xx or is repaired, never a 500 (issue 13, items 1-3).

Run on PostgreSQL too: NUL in text, year 10000 and bigint overflow are its faults.
"""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from recaudo.conversations.models import Message
from recaudo.delivery import provider_events as events
from recaudo.inputs import MAX_JSON_DEPTH, storable
from recaudo.outreach.contract import Event
from recaudo.outreach.models import Outreach, WebhookEvent
from recaudo.payments.models import PaymentWebhookEvent
from recaudo.payments.providers.base import hex_hmac
from recaudo.payments.providers.mercadopago import manifest
from recaudo.payments.providers.sandbox import sign
from recaudo.portfolio.apikeys import create_key
from recaudo.portfolio.models import AuditEvent, Debtor, Payment
from recaudo.portfolio.rules import DATE_RANGE, InputError, clean_date
from tests.delivery.test_provider_events import PHONE, make_outreach
from tests.delivery.test_webhooks import (
    EPOCH,
    post_twilio,
    post_whatsapp,
    wa_status,
    whatsapp_body,
)
from tests.factories import make_debtor

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
FAR = "9999-12-31T23:59:59"
STRIPE_SECRET = "whsec_fuzz"
MERCADOPAGO_SECRET = "mp-fuzz-secret"


@pytest.fixture
def api(creditor) -> Client:
    return Client(headers={"Authorization": f"Bearer {create_key(creditor, 'ERP').key}"})


@pytest.fixture
def payment_providers(settings):
    """Stripe and Mercado Pago with webhook secrets (their lookups never leave the process)."""
    settings.PAYMENTS = {
        "providers": {
            "stripe": {"webhook_secret": STRIPE_SECRET, "base_url": "http://127.0.0.1:9"},
            "mercadopago": {"webhook_secret": MERCADOPAGO_SECRET, "base_url": "http://127.0.0.1:9"},
        }
    }


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content.decode()[:500]
    assert response["Content-Type"] == PROBLEM
    return json.loads(response.content)


def payment_body(**fields) -> dict:
    return {
        "external_id": "P-1",
        "debtor_external_id": "X1",
        "amount": "100",
        "paid_at": "2026-11-01T10:00:00",
        **fields,
    }


# --- 1. poison timestamps --------------------------------------------------------------


def test_a_payment_paid_in_year_9999_is_refused_by_the_api_naming_the_field(api, creditor):
    make_debtor(creditor, external_id="X1")

    one = problem(api.post("/api/v1/payments", payment_body(paid_at=FAR), "application/json"), 422)
    bulk = api.post(
        "/api/v1/payments/bulk",
        {"items": [payment_body(external_id="P-2", paid_at="9999-12-31")]},
        "application/json",
    )

    assert [(e["field"], e["detail"]) for e in one["errors"]] == [
        ("paid_at", "9999-12-31T23:59:59-05:00 is not between 1900-01-01 and 2199-12-31 UTC")
    ]
    assert [e["field"] for e in problem(bulk, 422)["errors"]] == ["items[0].paid_at"]
    assert not Payment.objects.exists()
    assert api.get("/api/v1/payments").status_code == 200


def test_an_import_with_a_far_date_names_the_line_and_column(creditor, tmp_path):
    make_debtor(creditor, external_id="X1")
    path = tmp_path / "payments.csv"
    path.write_text(
        "external_id,debtor_external_id,amount,paid_at\n"
        "P-1,X1,100,2026-11-01T10:00:00\n"
        f"P-2,X1,100,{FAR}\n"
        "P-3,X1,100,01/01/1899\n",
        encoding="utf-8",
    )
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import", "payments", str(path), stdout=io.StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        "línea 3: paid_at: 9999-12-31T23:59:59-05:00 no está entre 1900-01-01 y 2199-12-31 UTC",
        "línea 4: paid_at: 1899-01-01 no está entre 1900-01-01 y 2199-12-31",
    ]
    assert not Payment.objects.exists()


def test_every_cleaned_date_lies_in_the_one_range():
    assert (date(1900, 1, 1), date(2199, 12, 31)) == DATE_RANGE
    assert clean_date("31/12/2199", "due_on") == date(2199, 12, 31)
    for text in ("2200-01-01", "31/12/9999", "1899-12-31"):
        with pytest.raises(InputError) as error:
            clean_date(text, "due_on")
        assert error.value.field == "due_on"
    with pytest.raises(InputError):
        clean_date(date(9999, 12, 31), "due_on")


def test_far_date_filters_are_problems_naming_the_parameter(api):
    response = api.get("/api/v1/payments", {"paid_after": FAR, "paid_before": "9999-12-31"})
    debts = api.get("/api/v1/debts", {"due_after": "0001-01-01"})

    assert [e["field"] for e in problem(response, 422)["errors"]] == ["paid_after", "paid_before"]
    assert [e["field"] for e in problem(debts, 422)["errors"]] == ["due_after"]


def test_a_provider_time_outside_the_range_is_dropped_and_the_event_still_applied():
    event = Event(
        channel="whatsapp", kind="read", occurred_at=datetime(9999, 12, 31, 23, tzinfo=UTC)
    )

    assert events.storable_event(event).occurred_at is None


def test_a_whatsapp_status_timestamped_in_year_9999_is_applied_at_the_time_received(client):
    outreach = make_outreach()
    far = int(datetime(9999, 12, 31, tzinfo=UTC).timestamp())

    response = post_whatsapp(client, whatsapp_body(wa_status("delivered", seconds=far - EPOCH)))

    assert response.status_code == 200
    outreach.refresh_from_db()
    assert outreach.status == "delivered"
    assert outreach.delivered_at.year == datetime.now(UTC).year


# --- 2. NUL bytes and lone surrogates ---------------------------------------------------


def test_a_nul_in_a_whatsapp_text_is_kept_replaced_and_its_batch_statuses_applied(client):
    outreach = make_outreach()
    reply = {
        "from": PHONE[1:],
        "id": "wamid.IN",
        "timestamp": str(EPOCH),
        "type": "text",
        "text": {"body": "pago el\u0000 viernes \ud800"},
    }

    response = post_whatsapp(client, whatsapp_body(wa_status("delivered"), messages=[reply]))

    assert response.status_code == 200
    outreach.refresh_from_db()
    assert outreach.status == "delivered"
    assert WebhookEvent.objects.get().processed_at is not None
    assert Message.objects.get(direction="in").text == "pago el\ufffd viernes \ufffd"


def test_a_nul_in_a_twilio_text_is_answered_200_and_kept_replaced(client):
    make_outreach(whatsapp=False, status="planned")
    inbound = {
        "MessageSid": "SM" + "2" * 32,
        "From": PHONE,
        "To": "+15005550006",
        "Body": "hola\x00",
        "NumMedia": "0",
        "SmsStatus": "received",
    }

    response = post_twilio(client, inbound)

    assert response.status_code == 200
    assert Message.objects.get(direction="in").text == "hola\ufffd"


def test_nul_and_lone_surrogates_in_api_text_fields_are_a_problem_naming_each_field(api):
    body = {
        "debtor_external_id": "X1",
        "full_name": "Ana\u0000",
        "email": "ana@example.com",
        "phone": "+573001234567",
        "country": "CO",
        "language": "\ud83d",
    }
    response = api.put("/api/v1/debtors/X1", body, "application/json")
    bulk = api.post("/api/v1/debtors/bulk", {"items": [{"na\u0000me": "x"}]}, "application/json")

    errors = problem(response, 422)["errors"]
    assert [(e["field"], e["detail"]) for e in errors] == [
        ("full_name", "holds a NUL character or a lone surrogate, never accepted"),
        ("language", "holds a NUL character or a lone surrogate, never accepted"),
    ]
    assert [e["field"] for e in problem(bulk, 422)["errors"]] == ["items[0].na\ufffdme"]
    assert not Debtor.objects.exists()


def test_nul_in_a_path_a_query_a_header_or_a_form_is_a_400(client, api, creditor):
    assert problem(api.get("/api/v1/debtors/a%00b"), 400)["detail"].startswith("The path")
    assert problem(api.get("/api/v1/debts", {"debtor_external_id": "\x00"}), 400)
    refused = Client(headers={"X-API-Key": "rk_\x00"}).get("/api/v1/debtors")
    assert "header X-Api-Key" in problem(refused, 400)["detail"]
    assert client.get("/p/%00").status_code == 400
    assert client.post("/p/abc/promesa", {"date": "2026-12-01\x00"}).status_code == 400
    assert client.get("/u/abc", {"x": "\x00"}).status_code == 400
    assert not AuditEvent.objects.exists()


def test_one_failing_event_never_loses_the_others_of_its_batch():
    first = make_outreach(provider_message_id="wamid.A")
    second = make_outreach(provider_message_id="wamid.B")
    batch = [
        Event(channel="whatsapp", kind="delivered", provider_message_id="wamid.A"),
        Event(channel="whatsapp", kind="delivered", provider_message_id="wamid.BOOM"),
        Event(channel="whatsapp", kind="delivered", provider_message_id="wamid.B"),
    ]
    real = events.apply_status

    def apply_status(event):
        if event.provider_message_id == "wamid.BOOM":
            Outreach.objects.filter(pk=first.pk).update(status="cancelled")  # rolled back
            raise RuntimeError("boom")
        return real(event)

    with mock.patch.object(events, "apply_status", apply_status):
        outcome = events.process_events(batch)

    assert outcome == (
        f"outreach {first.pk}: sent -> delivered; error: delivered wamid.BOOM: RuntimeError; "
        f"outreach {second.pk}: sent -> delivered"
    )
    assert sorted(Outreach.objects.values_list("status", flat=True)) == ["delivered", "delivered"]


def test_storable_replaces_nul_and_surrogates_everywhere_in_a_value():
    assert storable({"a\x00": ["b\ud800", 1, ("c",)]}) == {"a\ufffd": ["b\ufffd", 1, ("c",)]}


# --- 3. signatures, nesting, offsets ---------------------------------------------------


def test_non_ascii_signatures_are_refused_and_nothing_is_stored(client, payment_providers):
    stamp = int(time.time())
    body = b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {}}}'

    assert post_whatsapp(client, whatsapp_body(), signature="sha256=\u00e9").status_code == 403
    for path, header in (
        ("/webhooks/payments/stripe", "HTTP_STRIPE_SIGNATURE"),
        ("/webhooks/payments/sandbox", "HTTP_X_SANDBOX_SIGNATURE"),
        ("/webhooks/payments/mercadopago?data.id=1", "HTTP_X_SIGNATURE"),
    ):
        response = client.post(
            path, body, content_type="application/json", **{header: f"t={stamp},v1=\u00e9"}
        )
        assert response.status_code == 403, path
    assert not WebhookEvent.objects.exists()
    assert not PaymentWebhookEvent.objects.exists()


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_deeply_nested_json_is_a_4xx_in_the_api_and_the_webhooks(client, api, payment_providers):
    stamp = int(time.time())
    body = deep(100_000)

    assert problem(api.post("/api/v1/debtors/bulk", body, "application/json"), 400)
    assert post_whatsapp(client, body).status_code == 200
    assert WebhookEvent.objects.get().outcome.startswith("unreadable")
    signature = hex_hmac(STRIPE_SECRET, f"{stamp}.".encode() + body)
    stripe = client.post(
        "/webhooks/payments/stripe",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=f"t={stamp},v1={signature}",
    )
    assert stripe.status_code == 400
    signed = hex_hmac(MERCADOPAGO_SECRET, manifest("", "", str(stamp)).encode())
    mercadopago = client.post(
        "/webhooks/payments/mercadopago",
        body,
        content_type="application/json",
        HTTP_X_SIGNATURE=f"ts={stamp},v1={signed}",
    )
    assert mercadopago.status_code == 400
    sandbox = client.post(
        "/webhooks/payments/sandbox",
        body,
        content_type="application/json",
        HTTP_X_SANDBOX_SIGNATURE=sign("sandbox-payments-webhook-secret", body, stamp),
    )
    assert sandbox.status_code == 400
    assert not PaymentWebhookEvent.objects.exists()
    # The limit is well above anything a provider or an integrator sends.
    nested = deep(MAX_JSON_DEPTH - 1)
    assert api.post("/api/v1/debtors/bulk", nested, "application/json").status_code == 422


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"offset": 2**63}, "offset"),
        ({"offset": 2**64 + 5}, "offset"),
        ({"offset": -1}, "offset"),
        ({"limit": 2**63}, "limit"),
        ({"limit": -(2**63) - 1}, "limit"),
    ],
)
def test_offsets_and_limits_out_of_range_are_problems_naming_them(api, query, field):
    for path in ("/api/v1/debtors", "/api/v1/debts", "/api/v1/payments"):
        body = problem(api.get(path, query), 422)
        assert [error["field"] for error in body["errors"]] == [field]
