from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import httpx
import pytest
from django.test import RequestFactory

from recaudo.delivery.channels.rcs import RbmChannel
from recaudo.outreach.contract import (
    OutboundMessage,
    PayloadError,
    SignatureError,
    WebhookRequest,
)

CONFIG = {
    "base_url": "https://rbm.test",
    "agent_id": "recaudo_agent",
    "access_token": "test-token",
    "client_token": "SJENCPGJESMGUFPY",
}
# channels-api.md §8: self-computed vector.
VECTOR_DATA = (
    b'{"senderPhoneNumber":"+5215512345678","eventType":"DELIVERED","eventId":"e1",'
    b'"messageId":"m1","sendTime":"2026-01-01T00:00:00Z","agentId":"a"}'
)
VECTOR_SIGNATURE = (
    "o/oUUHibxYbhhlAzKGCddFGrEvBf4zBcscbouBQywwgWl578ladiDOKPO7c63/mGUvGLgv6HsNLMva070TJIBA=="
)


def rcs(**changes: object) -> OutboundMessage:
    fields: dict = {
        "outreach_id": 12,
        "channel": "rcs",
        "to": "+5215512345678",
        "text": "Hola Ana, tu saldo es $1,250 MXN.",
        "idempotency_key": "outreach-12-1",
    }
    fields.update(changes)
    return OutboundMessage(**fields)


def channel_answering(status: int, body: object, headers: dict | None = None):
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if isinstance(body, bytes):
            return httpx.Response(status, content=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return RbmChannel(CONFIG, transport=httpx.MockTransport(handler)), sent


def google_error(code: int, status: str, message: str = "error") -> dict:
    return {"error": {"code": code, "message": message, "status": status}}


def test_it_posts_the_agent_message_with_our_key_as_message_id():
    created = {
        "name": "phones/+5215512345678/agentMessages/outreach-12-1",
        "sendTime": "2026-08-14T15:00:00.123456789Z",
        "contentMessage": {"text": "Hola Ana, tu saldo es $1,250 MXN."},
    }
    channel, sent = channel_answering(200, created)

    result = channel.send(rcs())

    assert (result.outcome, result.provider_message_id) == ("accepted", "outreach-12-1")
    assert result.raw == created
    [request] = sent
    assert request.method == "POST"
    assert request.url.path == "/v1/phones/+5215512345678/agentMessages"
    assert dict(request.url.params) == {"messageId": "outreach-12-1", "agentId": "recaudo_agent"}
    assert request.headers["Authorization"] == "Bearer test-token"
    assert json.loads(request.content) == {
        "contentMessage": {"text": "Hola Ana, tu saldo es $1,250 MXN."}
    }


def test_it_makes_up_a_message_id_for_a_message_without_a_key():
    channel, sent = channel_answering(200, {})

    result = channel.send(rcs(idempotency_key=""))

    assert result.provider_message_id
    assert sent[0].url.params["messageId"] == result.provider_message_id


@pytest.mark.parametrize(
    ("status", "body", "headers", "outcome", "error_code", "retry_after"),
    [
        (404, google_error(404, "NOT_FOUND", "Requested entity was not found."), None,
         "fallback", "NOT_FOUND", None),
        (409, google_error(409, "ALREADY_EXISTS"), None, "accepted", "", None),
        (429, google_error(429, "RESOURCE_EXHAUSTED"), {"Retry-After": "12"},
         "retry", "RESOURCE_EXHAUSTED", 12.0),
        (503, google_error(503, "UNAVAILABLE"), None, "retry", "UNAVAILABLE", None),
        (502, b"Bad Gateway", None, "retry", "http_502", None),
        (401, google_error(401, "UNAUTHENTICATED"), None, "retry", "UNAUTHENTICATED", 3600.0),
        (400, google_error(400, "INVALID_ARGUMENT"), None, "fallback", "INVALID_ARGUMENT", None),
    ],
)  # fmt: skip
def test_it_maps_each_rbm_answer_to_an_outcome(
    status, body, headers, outcome, error_code, retry_after
):
    channel, _ = channel_answering(status, body, headers)

    result = channel.send(rcs())

    assert result.outcome == outcome
    assert result.error_code == error_code
    assert result.retry_after == retry_after
    assert result.invalidates_contact_point is False


def test_it_counts_a_duplicate_message_id_as_already_sent():
    channel, _ = channel_answering(409, google_error(409, "ALREADY_EXISTS"))

    assert channel.send(rcs()).provider_message_id == "outreach-12-1"


def test_it_reports_unknown_when_the_answer_timed_out():
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.WriteTimeout("timed out", request=request)

    channel = RbmChannel(CONFIG, transport=httpx.MockTransport(time_out))

    assert channel.send(rcs()).outcome == "unknown"


# -- webhooks ------------------------------------------------------------------


def push(data: bytes, signature: str | None = None, **message: object):
    body = {
        "message": {
            "data": base64.b64encode(data).decode(),
            "messageId": "1234567890",
            "publishTime": "2026-01-01T00:00:01.123Z",
            "attributes": {"product": "RBM", "event_type": "DELIVERED"},
            **message,
        },
        "subscription": "projects/rbm-agent/subscriptions/rbm-agent-sub",
    }
    headers = {} if signature is None else {"HTTP_X_GOOG_SIGNATURE": signature}
    return WebhookRequest.from_http(
        RequestFactory().post(
            "/webhooks/rbm", data=json.dumps(body), content_type="application/json", **headers
        )
    )


def sign(data: bytes, token: str = "SJENCPGJESMGUFPY") -> str:
    return base64.b64encode(hmac.new(token.encode(), data, hashlib.sha512).digest()).decode()


def test_it_accepts_the_signature_of_the_reference_vector():
    RbmChannel(CONFIG).verify_signature(push(VECTOR_DATA, VECTOR_SIGNATURE))


@pytest.mark.parametrize(
    "signature",
    [None, "", VECTOR_SIGNATURE.replace("o/o", "o/p"), sign(VECTOR_DATA, "another-token")],
)
def test_it_refuses_a_missing_or_forged_signature(signature):
    with pytest.raises(SignatureError):
        RbmChannel(CONFIG).verify_signature(push(VECTOR_DATA, signature))


def test_it_refuses_the_signature_of_other_data():
    changed = VECTOR_DATA.replace(b"DELIVERED", b"READ")
    with pytest.raises(SignatureError):
        RbmChannel(CONFIG).verify_signature(push(changed, VECTOR_SIGNATURE))


def test_it_refuses_a_signed_body_without_data_as_unsigned():
    request = RequestFactory().post(
        "/webhooks/rbm", data="{}", content_type="application/json", HTTP_X_GOOG_SIGNATURE="x"
    )
    request = WebhookRequest.from_http(request)
    with pytest.raises(SignatureError):
        RbmChannel(CONFIG).verify_signature(request)


def test_it_reads_a_delivered_event_with_our_message_id_as_reference():
    [event] = RbmChannel(CONFIG).parse_webhook(push(VECTOR_DATA))

    assert event.channel == "rcs"
    assert event.kind == "delivered"
    assert event.provider_message_id == "m1"
    assert event.reference == "m1"
    assert event.provider_event_id == "e1"
    assert event.address == "+5215512345678"
    assert event.occurred_at == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("event_type", "kind"), [("READ", "read"), ("IS_TYPING", "other"), ("NEW_EVENT", "other")]
)
def test_it_maps_each_user_event(event_type, kind):
    data = {
        "senderPhoneNumber": "+5215512345678",
        "eventType": event_type,
        "eventId": "e2",
        "messageId": "outreach-12-1",
        "sendTime": "2026-08-14T15:00:00.123456789Z",
        "agentId": "recaudo_agent@rbm.goog",
    }

    [event] = RbmChannel(CONFIG).parse_webhook(push(json.dumps(data).encode()))

    assert (event.kind, event.reference) == (kind, "outreach-12-1")
    assert event.occurred_at == datetime(2026, 8, 14, 15, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("content", "kind", "text"),
    [
        ({"text": "¿Puedo pagar el viernes?"}, "inbound", "¿Puedo pagar el viernes?"),
        (
            {
                "suggestionResponse": {
                    "postbackData": "talk_to_agent",
                    "text": "Hablar con alguien",
                    "type": "REPLY",
                }
            },
            "inbound",
            "Hablar con alguien",  # the chip's words; its postbackData stays in raw
        ),
        ({"location": {"latitude": 19.4, "longitude": -99.1}}, "other", ""),
        ({"userFile": {"payload": {"mimeType": "image/jpeg"}}}, "other", ""),
    ],
)
def test_it_reads_user_messages(content, kind, text):
    data = {
        "senderPhoneNumber": "+5215512345678",
        "messageId": "MsUserMessage1",
        "sendTime": "2026-08-14T15:00:00Z",
        "agentId": "recaudo_agent@rbm.goog",
        "carrier": "some carrier",
        **content,
    }

    [event] = RbmChannel(CONFIG).parse_webhook(push(json.dumps(data).encode()))

    assert (event.kind, event.text, event.address) == (kind, text, "+5215512345678")
    assert event.provider_event_id == "MsUserMessage1"
    assert event.reference == ""
    assert event.raw["carrier"] == "some carrier"


@pytest.mark.parametrize("data", [b"not json", b"[1, 2]"])
def test_it_refuses_data_that_is_not_a_json_object(data):
    with pytest.raises(PayloadError):
        RbmChannel(CONFIG).parse_webhook(push(data))


@pytest.mark.parametrize("body", ["not json", "{}", '{"message": {"data": "***"}}'])
def test_it_refuses_a_body_that_is_not_a_push_message(body):
    request = RequestFactory().post("/webhooks/rbm", data=body, content_type="application/json")
    request = WebhookRequest.from_http(request)
    with pytest.raises(PayloadError):
        RbmChannel(CONFIG).parse_webhook(request)


def test_it_answers_the_webhook_setup_with_the_secret_for_our_client_token():
    body = json.dumps({"clientToken": "SJENCPGJESMGUFPY", "secret": "1234567890"}).encode()

    assert RbmChannel(CONFIG).verify_setup(body) == "1234567890"


@pytest.mark.parametrize(
    "body",
    [
        b'{"clientToken": "WRONG", "secret": "1234567890"}',
        b'{"secret": "1234567890"}',
        b"not json",
    ],
)
def test_it_refuses_a_webhook_setup_with_another_client_token(body):
    assert RbmChannel(CONFIG).verify_setup(body) is None
