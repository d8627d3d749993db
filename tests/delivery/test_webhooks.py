"""The webhook endpoints over HTTP: signatures, storage, idempotency, processing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import get_resolver

from recaudo.delivery import provider_events as events
from recaudo.outreach.models import Outreach, WebhookEvent
from recaudo.portfolio.models import ChannelConsent
from recaudo.webhook_lane import PREFIX
from tests.delivery.test_provider_events import PHONE, make_outreach
from tests.factories import make_creditor

WHATSAPP_SECRET = settings.CHANNELS["whatsapp"]["app_secret"]
TWILIO_TOKEN = settings.CHANNELS["sms"]["auth_token"]
RBM_TOKEN = settings.CHANNELS["rcs"]["client_token"]
EPOCH = 1795000000  # 2026-11-18
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


# --- requests signed as the providers sign them (channels-api.md) -----------


def whatsapp_body(*statuses, messages=(), field="messages", **extra) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Ana"}, "wa_id": PHONE[1:], "user_id": "new-2026-key"}],
    }
    if statuses:
        value["statuses"] = list(statuses)
    if messages:
        value["messages"] = list(messages)
    change = {"field": field, "value": value, **extra}
    body = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [change]}]}
    return json.dumps(body).encode()


def wa_status(status, wamid="wamid.A1", *, seconds=0, reference="", **extra) -> dict:
    item = {
        "id": wamid,
        "status": status,
        "timestamp": str(EPOCH + seconds),
        "recipient_id": PHONE[1:],
        "pricing": {"billable": True, "pricing_model": "PMP", "category": "utility"},
        **extra,
    }
    if reference:
        item["biz_opaque_callback_data"] = reference
    return item


def post_whatsapp(client, body: bytes, signature: str | None = "good"):
    headers = {}
    if signature == "good":
        digest = hmac.new(WHATSAPP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        headers["HTTP_X_HUB_SIGNATURE_256"] = f"sha256={digest}"
    elif signature is not None:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    return client.post("/webhooks/whatsapp", body, content_type="application/json", **headers)


def twilio_signature(url: str, params: dict[str, str]) -> str:
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(TWILIO_TOKEN.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def post_twilio(client, params: dict[str, str], *, ref="", signature: str | None = "good"):
    path = "/webhooks/twilio" + (f"?{urlencode({'ref': ref})}" if ref else "")
    headers = {}
    if signature == "good":
        signature = twilio_signature(settings.PUBLIC_BASE_URL + path, params)
    if signature is not None:
        headers["HTTP_X_TWILIO_SIGNATURE"] = signature
    return client.post(
        path, urlencode(params), content_type="application/x-www-form-urlencoded", **headers
    )


def rbm_body(data: dict, message_id="pubsub-1") -> tuple[bytes, bytes]:
    decoded = json.dumps(data).encode()
    envelope = {
        "message": {
            "data": base64.b64encode(decoded).decode(),
            "messageId": message_id,
            "publishTime": "2026-11-24T15:01:00Z",
            "attributes": {},
        },
        "subscription": "projects/rbm/subscriptions/agent",
    }
    return json.dumps(envelope).encode(), decoded


def post_rbm(client, data: dict, *, message_id="pubsub-1", signature: str | None = "good"):
    body, decoded = rbm_body(data, message_id)
    headers = {}
    if signature == "good":
        digest = hmac.new(RBM_TOKEN.encode(), decoded, hashlib.sha512).digest()
        signature = base64.b64encode(digest).decode()
    if signature is not None:
        headers["HTTP_X_GOOG_SIGNATURE"] = signature
    return client.post("/webhooks/rbm", body, content_type="application/json", **headers)


TWILIO_DELIVERED = {
    "MessageSid": "SM" + "1" * 32,
    "SmsSid": "SM" + "1" * 32,
    "MessageStatus": "delivered",
    "SmsStatus": "delivered",
    "AccountSid": "AC" + "0" * 32,
    "From": "+15005550006",
    "To": PHONE,
    "ApiVersion": "2010-04-01",
}
RBM_DELIVERED = {
    "senderPhoneNumber": PHONE,
    "eventType": "DELIVERED",
    "eventId": "e1",
    "messageId": "outreach-1-1",
    "sendTime": "2026-11-24T15:01:00Z",
    "agentId": "recaudo_sandbox_agent",
}


# --- signatures: nothing is stored without a valid one -----------------------


def _post_unsigned(client, provider, signature):
    if provider == "whatsapp":
        return post_whatsapp(client, whatsapp_body(wa_status("delivered")), signature)
    if provider == "twilio":
        return post_twilio(client, TWILIO_DELIVERED, signature=signature)
    return post_rbm(client, RBM_DELIVERED, signature=signature)


@pytest.mark.django_db
@pytest.mark.parametrize("provider", ["whatsapp", "twilio", "rbm"])
def test_a_webhook_without_a_signature_is_refused_with_401_and_not_stored(client, provider):
    response = _post_unsigned(client, provider, signature=None)

    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("provider", ["whatsapp", "twilio", "rbm"])
def test_a_webhook_with_a_forged_signature_is_refused_with_403_and_not_stored(client, provider):
    forged = {"whatsapp": "sha256=" + "0" * 64, "twilio": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}
    response = _post_unsigned(client, provider, signature=forged.get(provider, "AAAA"))

    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_whatsapp_body_changed_after_signing_is_refused(client):
    body = whatsapp_body(wa_status("read"))
    digest = hmac.new(WHATSAPP_SECRET.encode(), body, hashlib.sha256).hexdigest()

    response = post_whatsapp(client, body.replace(b"read", b"sent"), f"sha256={digest}")

    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_twilio_signature_for_another_url_is_refused(client):
    signature = twilio_signature(settings.PUBLIC_BASE_URL + "/webhooks/other", TWILIO_DELIVERED)

    response = post_twilio(client, TWILIO_DELIVERED, signature=signature)

    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_the_webhooks_need_no_csrf_token():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/webhooks/whatsapp", b"{}", content_type="application/json")

    assert response.status_code == 401


def test_every_webhook_route_is_served_by_the_short_lane():
    def routes(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                yield from routes(pattern, route)
            else:
                yield "/" + route, pattern.callback

    webhooks = {route: view for route, view in routes(get_resolver()) if route.startswith(PREFIX)}

    assert set(webhooks) >= {"/webhooks/whatsapp", "/webhooks/twilio", "/webhooks/rbm"}
    assert [
        route for route, view in webhooks.items() if not getattr(view, "provider_webhook", False)
    ] == []


@pytest.mark.django_db
def test_a_webhook_is_answered_without_a_session_cookie_or_a_page_policy(client):
    make_outreach(make_creditor(), provider_message_id="wamid.L1")
    client.cookies["sessionid"] = "anything"

    response = post_whatsapp(client, whatsapp_body(wa_status("delivered", "wamid.L1")))

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Content-Security-Policy" not in response.headers
    assert Outreach.objects.get(provider_message_id="wamid.L1").status == "delivered"


@pytest.mark.django_db
def test_a_webhook_for_a_host_not_allowed_is_refused_with_400_and_not_stored(client):
    body = whatsapp_body(wa_status("delivered", "wamid.L2"))
    digest = hmac.new(WHATSAPP_SECRET.encode(), body, hashlib.sha256).hexdigest()

    response = client.post(
        "/webhooks/whatsapp",
        body,
        content_type="application/json",
        HTTP_HOST="evil.example",
        HTTP_X_HUB_SIGNATURE_256=f"sha256={digest}",
    )

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_a_webhook_to_an_unknown_path_under_webhooks_is_a_404(client):
    response = client.post("/webhooks/unknown", b"{}", content_type="application/json")

    assert response.status_code == 404


# --- WhatsApp's subscription check ---------------------------------------------


@pytest.mark.django_db
def test_whatsapp_subscription_check_echoes_the_challenge_as_plain_text(client):
    token = settings.CHANNELS["whatsapp"]["verify_token"]

    response = client.get(
        "/webhooks/whatsapp",
        {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"},
    )

    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {
            "hub.mode": "unsubscribe",
            "hub.verify_token": "sandbox-verify-token",
            "hub.challenge": "1",
        },
        {},
    ],
)
@pytest.mark.django_db
def test_whatsapp_subscription_check_with_a_wrong_token_is_forbidden(client, params):
    response = client.get("/webhooks/whatsapp", params)

    assert response.status_code == 403
    assert b"1" not in response.content


def _whatsapp_account(creditor, routing_key: str, **details):
    from recaudo.delivery.models import ChannelAccount

    return ChannelAccount.objects.create(
        creditor=creditor, channel="whatsapp", routing_key=routing_key, details=details,
        secret="EAAG-own", signing_secret="own-app-secret",
    )  # fmt: skip


@pytest.mark.django_db
def test_a_creditor_accounts_own_verify_token_passes_the_subscription_check(client):
    _whatsapp_account(make_creditor(), "222000222000222", verify_token="token-de-acme")
    _whatsapp_account(make_creditor(), "333000333000333")  # no token of its own
    check = {"hub.mode": "subscribe", "hub.challenge": "987654"}

    own = client.get("/webhooks/whatsapp", {**check, "hub.verify_token": "token-de-acme"})
    global_token = settings.CHANNELS["whatsapp"]["verify_token"]
    general = client.get("/webhooks/whatsapp", {**check, "hub.verify_token": global_token})
    wrong = client.get("/webhooks/whatsapp", {**check, "hub.verify_token": "token-de-otro"})

    assert (own.status_code, own.content) == (200, b"987654")
    assert (general.status_code, general.content) == (200, b"987654")
    assert wrong.status_code == 403


@pytest.mark.django_db
def test_an_inactive_accounts_verify_token_is_refused(client):
    account = _whatsapp_account(make_creditor(), "222000222000222", verify_token="token-viejo")
    account.active = False
    account.save()

    response = client.get(
        "/webhooks/whatsapp",
        {"hub.mode": "subscribe", "hub.challenge": "5", "hub.verify_token": "token-viejo"},
    )

    assert response.status_code == 403


# --- WhatsApp statuses ---------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_whatsapp_status_is_stored_then_applied(client):
    outreach = make_outreach()

    body = whatsapp_body(wa_status("delivered", seconds=60))
    response = post_whatsapp(client, body)

    assert response.status_code == 200
    outreach.refresh_from_db()
    assert outreach.status == "delivered"
    assert outreach.delivered_at == datetime.fromtimestamp(EPOCH + 60, tz=UTC)
    stored = WebhookEvent.objects.get()
    assert stored.provider == "whatsapp"
    assert stored.body == body.decode()
    assert stored.dedupe_key == "sha256:" + hashlib.sha256(b"whatsapp\n" + body).hexdigest()
    assert stored.headers["X-Hub-Signature-256"].startswith("sha256=")
    assert stored.headers[":path"] == "/webhooks/whatsapp"
    assert stored.outcome == f"outreach {outreach.pk}: sent -> delivered"
    assert stored.processed_at is not None


@pytest.mark.django_db
def test_the_same_whatsapp_delivery_twice_is_stored_and_applied_once(client):
    outreach = make_outreach()
    body = whatsapp_body(wa_status("delivered", seconds=60))
    post_whatsapp(client, body)
    before = Outreach.objects.filter(pk=outreach.pk).values().get()

    response = post_whatsapp(client, body)

    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 1
    assert Outreach.objects.filter(pk=outreach.pk).values().get() == before


@pytest.mark.django_db
def test_read_before_delivered_over_http_ends_read(client):
    outreach = make_outreach()

    post_whatsapp(client, whatsapp_body(wa_status("read", seconds=120)))
    post_whatsapp(client, whatsapp_body(wa_status("delivered", seconds=60)))

    outreach.refresh_from_db()
    read_at = datetime.fromtimestamp(EPOCH + 120, tz=UTC)
    assert (outreach.status, outreach.delivered_at, outreach.read_at) == ("read", read_at, read_at)
    assert WebhookEvent.objects.count() == 2


@pytest.mark.django_db
def test_a_batch_with_several_statuses_is_applied_in_order(client):
    outreach = make_outreach()

    post_whatsapp(
        client,
        whatsapp_body(wa_status("delivered", seconds=60), wa_status("read", seconds=90)),
    )

    outreach.refresh_from_db()
    assert outreach.status == "read"
    assert outreach.delivered_at == datetime.fromtimestamp(EPOCH + 60, tz=UTC)


@pytest.mark.django_db
def test_a_whatsapp_failure_over_http_falls_back_to_sms_on_the_same_phone(client):
    outreach = make_outreach()
    failed = wa_status(
        "failed",
        errors=[
            {
                "code": 131026,
                "title": "Message undeliverable",
                "message": "Message undeliverable",
                "error_data": {"details": "Not a WhatsApp user"},
            }
        ],
    )

    response = post_whatsapp(client, whatsapp_body(failed))

    assert response.status_code == 200
    outreach.refresh_from_db()
    assert (outreach.status, outreach.channel, outreach.last_error_code) == (
        "planned",
        "sms",
        "131026",
    )
    assert "whatsapp" not in outreach.contact_point.channels


@pytest.mark.django_db
def test_unknown_whatsapp_fields_and_event_types_are_kept_and_answered_200(client):
    outreach = make_outreach()
    body = whatsapp_body(
        wa_status("played", new_field={"nested": [1, 2]}),
        messages=[{"from": PHONE[1:], "id": "wamid.R", "timestamp": str(EPOCH), "type": "reaction",
                   "reaction": {"emoji": "👍", "message_id": "wamid.A1"}}],
        brand_new_key=True,
    )  # fmt: skip

    response = post_whatsapp(client, body)
    template = post_whatsapp(
        client, whatsapp_body(field="message_template_status_update", event="APPROVED")
    )

    assert (response.status_code, template.status_code) == (200, 200)
    assert WebhookEvent.objects.count() == 2
    assert set(WebhookEvent.objects.values_list("outcome", flat=True)) == {"other: kept"}
    assert WebhookEvent.objects.filter(body__contains="brand_new_key").exists()
    outreach.refresh_from_db()
    assert outreach.status == "sent"


@pytest.mark.django_db
def test_a_signed_but_unreadable_whatsapp_body_is_stored_with_the_error_and_answered_200(client):
    response = post_whatsapp(client, b"this is not json")

    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.body == "this is not json"
    assert stored.outcome.startswith("unreadable: WhatsApp webhook is not JSON")
    assert stored.processed_at is not None


@pytest.mark.django_db
def test_a_whatsapp_text_reply_is_kept_for_the_conversation(client):
    make_outreach()
    reply = {
        "from": PHONE[1:],
        "id": "wamid.IN",
        "timestamp": str(EPOCH),
        "type": "text",
        "text": {"body": "Puedo pagar el viernes"},
        "context": {"from": "x", "id": "wamid.A1"},
    }

    post_whatsapp(client, whatsapp_body(messages=[reply]))

    stored = WebhookEvent.objects.get()
    assert stored.outcome == events.INBOUND_OUTCOME
    assert list(events.inbound_webhooks()) == [stored]
    [event] = events.stored_events(stored)
    assert (event.kind, event.address, event.text) == ("inbound", PHONE, "Puedo pagar el viernes")


@pytest.mark.django_db
def test_a_processing_error_answers_500_and_the_retry_processes_it(client, monkeypatch):
    outreach = make_outreach()
    body = whatsapp_body(wa_status("delivered"))
    real = events.process_events

    def broken(found):
        raise RuntimeError("boom")

    monkeypatch.setattr(events, "process_events", broken)
    first = post_whatsapp(client, body)
    stored = WebhookEvent.objects.get()
    assert (first.status_code, stored.processed_at) == (500, None)
    assert stored.outcome == "error: RuntimeError: boom"
    outreach.refresh_from_db()
    assert outreach.status == "sent"

    monkeypatch.setattr(events, "process_events", real)
    retry = post_whatsapp(client, body)

    assert retry.status_code == 200
    outreach.refresh_from_db()
    assert outreach.status == "delivered"
    assert WebhookEvent.objects.count() == 1


# --- Twilio ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_twilio_status_for_an_unknown_row_is_reconciled_by_its_ref(client):
    outreach = make_outreach(whatsapp=False, status="unknown")

    response = post_twilio(client, TWILIO_DELIVERED, ref=f"outreach-{outreach.pk}-1")

    assert response.status_code == 200
    assert response.content.decode() == TWIML
    assert response["Content-Type"].startswith("text/xml")
    outreach.refresh_from_db()
    assert (outreach.status, outreach.provider_message_id) == ("delivered", "SM" + "1" * 32)
    stored = WebhookEvent.objects.get()
    assert stored.dedupe_key == "SM" + "1" * 32 + ":delivered"
    assert stored.headers[":path"] == f"/webhooks/twilio?ref=outreach-{outreach.pk}-1"


@pytest.mark.django_db
def test_the_same_twilio_status_twice_is_stored_once(client):
    outreach = make_outreach(whatsapp=False, provider_message_id="SM" + "1" * 32)

    post_twilio(client, TWILIO_DELIVERED)
    again = post_twilio(client, {**TWILIO_DELIVERED, "RawDlrDoneDate": "2611241501"})

    assert again.status_code == 200
    assert WebhookEvent.objects.count() == 1
    outreach.refresh_from_db()
    assert outreach.status == "delivered"


@pytest.mark.django_db
def test_an_undelivered_sms_to_a_wrong_number_invalidates_it_and_falls_back_to_email(client):
    outreach = make_outreach(whatsapp=False, provider_message_id="SM" + "1" * 32)
    params = {**TWILIO_DELIVERED, "MessageStatus": "undelivered", "SmsStatus": "undelivered"}
    params |= {"ErrorCode": "30005", "ErrorMessage": "Unknown destination handset"}

    response = post_twilio(client, params)

    assert response.status_code == 200
    outreach.refresh_from_db()
    phone = outreach.debtor.contact_points.get(kind="phone")
    assert (outreach.status, outreach.channel, outreach.contact_point.kind) == (
        "planned",
        "email",
        "email",
    )
    assert phone.invalid_since is not None
    assert phone.invalid_reason == "sms 30005: Unknown destination handset"


@pytest.mark.django_db
def test_an_inbound_stop_revokes_sms_and_cancels_planned_sms_outreach(client):
    outreach = make_outreach(whatsapp=False, status="planned")
    inbound = {
        "MessageSid": "SM" + "2" * 32,
        "SmsMessageSid": "SM" + "2" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": PHONE,
        "To": "+15005550006",
        "Body": "STOP",
        "NumMedia": "0",
        "SmsStatus": "received",
        "OptOutType": "STOP",
        "FromCountry": "CO",
    }

    response = post_twilio(client, inbound)

    assert response.status_code == 200
    assert response.content.decode() == TWIML
    outreach.refresh_from_db()
    assert outreach.status == "cancelled"
    consent = ChannelConsent.objects.get(contact_point=outreach.contact_point, channel="sms")
    assert consent.revoked_at is not None
    stored = WebhookEvent.objects.get()
    assert stored.outcome == "opt-out: sms on 1 contact point(s), 1 planned outreach cancelled"
    assert list(events.inbound_webhooks()) == [stored]
    [event] = events.stored_events(stored)
    assert (event.kind, event.address, event.text) == ("opt_out", PHONE, "STOP")


@pytest.mark.django_db
def test_a_signed_twilio_request_without_a_message_sid_is_stored_as_unreadable(client):
    response = post_twilio(client, {"Foo": "bar"})

    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.outcome.startswith("unreadable: Twilio webhook has no MessageSid")


# --- RBM -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_rbm_read_event_marks_the_row_read_and_delivered(client):
    outreach = make_outreach(whatsapp=False, provider_message_id="x")
    Outreach.objects.filter(pk=outreach.pk).update(
        channel="rcs", provider_message_id=f"outreach-{outreach.pk}-1"
    )
    event = {**RBM_DELIVERED, "eventType": "READ", "messageId": f"outreach-{outreach.pk}-1"}

    response = post_rbm(client, event)

    assert response.status_code == 200
    outreach.refresh_from_db()
    read_at = datetime(2026, 11, 24, 15, 1, tzinfo=UTC)
    assert (outreach.status, outreach.delivered_at, outreach.read_at) == ("read", read_at, read_at)
    assert WebhookEvent.objects.get().dedupe_key == "pubsub:pubsub-1"


@pytest.mark.django_db
def test_the_same_rbm_push_retried_is_stored_once(client):
    post_rbm(client, RBM_DELIVERED)
    response = post_rbm(client, RBM_DELIVERED)

    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 1


@pytest.mark.django_db
def test_an_unknown_rbm_event_type_is_kept(client):
    response = post_rbm(client, {**RBM_DELIVERED, "eventType": "SOMETHING_NEW", "extra": [1]})

    assert response.status_code == 200
    assert WebhookEvent.objects.get().outcome == "other: kept"


@pytest.mark.django_db
def test_rbm_setup_is_answered_with_its_secret_and_nothing_is_stored(client):
    body = json.dumps({"clientToken": RBM_TOKEN, "secret": "1234567890"})

    response = client.post("/webhooks/rbm", body, content_type="application/json")
    wrong = client.post(
        "/webhooks/rbm",
        json.dumps({"clientToken": "guess", "secret": "1"}),
        content_type="application/json",
    )

    assert (response.status_code, response.content) == (200, b"1234567890")
    assert wrong.status_code == 401
    assert WebhookEvent.objects.count() == 0


def moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(EPOCH + seconds, tz=UTC)


# --- concurrency (PostgreSQL) ---------------------------------------------------------


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="concurrent inserts need PostgreSQL",
)
def test_the_same_webhook_posted_by_eight_threads_at_once_is_stored_and_applied_once(
    transactional_db,
):
    row = make_outreach(make_creditor(), provider_message_id="wamid.D8")
    body = whatsapp_body(wa_status("delivered", "wamid.D8", seconds=60))
    barrier = threading.Barrier(8)
    answers: list[int] = []

    def post():
        try:
            barrier.wait(timeout=10)
            answers.append(post_whatsapp(Client(), body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert answers == [200] * 8
    assert WebhookEvent.objects.count() == 1
    assert WebhookEvent.objects.get().processed_at is not None
    row.refresh_from_db()
    assert (row.status, row.delivered_at) == ("delivered", moment(60))


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="row locks need PostgreSQL",
)
def test_delivered_and_read_posted_at_once_end_read(transactional_db):
    creditor = make_creditor()
    rows = [make_outreach(creditor, provider_message_id=f"wamid.C{n}") for n in range(12)]
    # Each message is delivered and read at the same instant by two threads.
    for row in rows:
        bodies = [
            whatsapp_body(wa_status(kind, row.provider_message_id, seconds=seconds))
            for kind, seconds in (("delivered", 60), ("read", 90))
        ]
        barrier = threading.Barrier(2)
        answers: list[int] = []

        def post(body, barrier=barrier, answers=answers):
            try:
                barrier.wait(timeout=10)
                answers.append(post_whatsapp(Client(), body).status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert answers == [200, 200]

    for row in rows:
        row.refresh_from_db()
        assert row.status == "read"
        # Whichever was applied first: delivered's time, or read's when read came first.
        assert row.delivered_at in {moment(60), moment(90)}
        assert row.read_at == moment(90)
    assert WebhookEvent.objects.count() == 24
