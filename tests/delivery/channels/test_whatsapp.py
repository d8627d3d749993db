from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import httpx
import pytest
from django.test import RequestFactory

from recaudo.delivery.channels.whatsapp import WhatsAppChannel
from recaudo.outreach.contract import (
    Choice,
    OutboundMessage,
    PayloadError,
    SignatureError,
    WebhookRequest,
)

CONFIG = {
    "base_url": "https://graph.test/v21.0",
    "phone_number_id": "106540352242922",
    "access_token": "test-token",
    "app_secret": "1222e786b144d0e85b9f365372d93676",
    "verify_token": "our-verify-token",
}
WAMID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA"
SUCCESS = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "+5215512345678", "wa_id": "5215512345678"}],
    "messages": [{"id": WAMID, "message_status": "accepted"}],
}
# pywa tests/test_server.py::test_webhook_updates_validator (channels-api.md §1.7).
PYWA_BODY = (
    b'{"object":"whatsapp_business_account","entry":[{"id":"264937493375603","changes":[{"value":'
    b'{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550953877",'
    b'"phone_number_id":"277321005464405"},"contacts":[{"profile":{"name":"PyWa Tests"},'
    b'"wa_id":"972544401243"}],"messages":[{"from":"972544401243","id":"wamid.HBgMOTcyNTQ0NDAxMjQz'
    b'FQIAEhggM0RFQTNCMEEwRTY3QzUwODYzMDc4NjQ4QzM4ODAxM0YA","timestamp":"1730231903","text":'
    b'{"body":"Hey there! I am using PyWa."},"type":"text"}]},"field":"messages"}]}]}'
)
PYWA_SIGNATURE = "sha256=54edfa1d7259e0eb13c677cc7d73d1b5c86cfa12433d19156e058ab9251bc441"


def template_message(**changes: object) -> OutboundMessage:
    fields: dict = {
        "outreach_id": 12,
        "channel": "whatsapp",
        "to": "+5215512345678",
        "text": "Hola Ana, tu saldo es $1,250.00",
        "template_name": "payment_reminder_v1",
        "template_language": "es_MX",
        "template_parameters": ("Ana", "$1,250.00", "15 de agosto de 2026"),
        "button_url_suffix": "pay/abc123",
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

    return WhatsAppChannel(CONFIG, transport=httpx.MockTransport(handler)), sent


def error(code: int, message: str = "(#{code}) Error", details: str = "") -> dict:
    return {
        "error": {
            "message": message.format(code=code),
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
        }
    }


def test_it_sends_a_template_with_body_parameters_and_the_payment_link_button():
    channel, sent = channel_answering(200, SUCCESS)

    result = channel.send(template_message())

    assert result.outcome == "accepted"
    assert result.provider_message_id == WAMID
    [request] = sent
    assert request.method == "POST"
    assert str(request.url) == "https://graph.test/v21.0/106540352242922/messages"
    assert request.headers["Authorization"] == "Bearer test-token"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5215512345678",
        "type": "template",
        "template": {
            "name": "payment_reminder_v1",
            "language": {"code": "es_MX"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Ana"},
                        {"type": "text", "text": "$1,250.00"},
                        {"type": "text", "text": "15 de agosto de 2026"},
                    ],
                },
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "pay/abc123"}],
                },
            ],
        },
        "biz_opaque_callback_data": "outreach-12-1",
    }


def test_it_sends_free_form_text_when_no_template_is_named():
    channel, sent = channel_answering(200, SUCCESS)

    result = channel.send(
        template_message(
            template_name="",
            template_parameters=(),
            button_url_suffix="",
            text="Hola Ana, paga aquí: https://pay.example/abc",
        )
    )

    assert result.outcome == "accepted"
    assert json.loads(sent[0].content) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5215512345678",
        "type": "text",
        "text": {"preview_url": True, "body": "Hola Ana, paga aquí: https://pay.example/abc"},
        "biz_opaque_callback_data": "outreach-12-1",
    }


def test_it_sends_reply_buttons_as_an_interactive_message():
    channel, sent = channel_answering(200, SUCCESS)
    choices = (
        Choice("recaudo.pay", "Pagar"),
        Choice("recaudo.agent", "Hablar con un asesor"),
        Choice("recaudo.paid", "Ya pagué"),
    )

    result = channel.send(
        template_message(template_name="", template_parameters=(), button_url_suffix="",
                         text="Su saldo es $185.000.", choices=choices)
    )  # fmt: skip

    assert result.outcome == "accepted"
    assert json.loads(sent[0].content) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5215512345678",
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Su saldo es $185.000."},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "recaudo.pay", "title": "Pagar"}},
                    {"type": "reply", "reply": {"id": "recaudo.agent",
                                                "title": "Hablar con un asesor"}},
                    {"type": "reply", "reply": {"id": "recaudo.paid", "title": "Ya pagué"}},
                ]
            },
        },
        "biz_opaque_callback_data": "outreach-12-1",
    }  # fmt: skip


def test_it_sends_plan_options_as_a_list_when_the_list_button_is_named():
    channel, sent = channel_answering(200, SUCCESS)
    choices = (
        Choice("recaudo.plan.1", "1 cuota", "de $185.000"),
        Choice("recaudo.plan.2", "2 cuotas"),
    )

    channel.send(
        template_message(template_name="", template_parameters=(), button_url_suffix="",
                         text="Planes:", choices=choices, choices_label="Ver planes")
    )  # fmt: skip

    assert json.loads(sent[0].content)["interactive"] == {
        "type": "list",
        "body": {"text": "Planes:"},
        "action": {
            "button": "Ver planes",
            "sections": [
                {
                    "rows": [
                        {"id": "recaudo.plan.1", "title": "1 cuota", "description": "de $185.000"},
                        {"id": "recaudo.plan.2", "title": "2 cuotas"},
                    ]
                }
            ],
        },
    }


def test_a_template_carries_its_document_header_and_quick_reply_payloads_after_the_url_button():
    channel, sent = channel_answering(200, SUCCESS)

    channel.send(
        template_message(
            document_url="https://r.example/p/tok/estado-de-cuenta.pdf",
            document_filename="estado-de-cuenta.pdf",
            quick_replies=("recaudo.pay", "recaudo.agent", "recaudo.paid"),
        )
    )

    components = json.loads(sent[0].content)["template"]["components"]
    assert components[0] == {
        "type": "header",
        "parameters": [
            {
                "type": "document",
                "document": {
                    "link": "https://r.example/p/tok/estado-de-cuenta.pdf",
                    "filename": "estado-de-cuenta.pdf",
                },
            }
        ],
    }
    assert [c["type"] for c in components] == [
        "header",
        "body",
        "button",
        "button",
        "button",
        "button",
    ]
    assert [(c["sub_type"], c["index"], c["parameters"]) for c in components[3:]] == [
        ("quick_reply", "1", [{"type": "payload", "payload": "recaudo.pay"}]),
        ("quick_reply", "2", [{"type": "payload", "payload": "recaudo.agent"}]),
        ("quick_reply", "3", [{"type": "payload", "payload": "recaudo.paid"}]),
    ]


def test_it_leaves_out_the_button_when_there_is_no_link_suffix():
    channel, sent = channel_answering(200, SUCCESS)

    channel.send(template_message(button_url_suffix=""))

    components = json.loads(sent[0].content)["template"]["components"]
    assert [component["type"] for component in components] == ["body"]


@pytest.mark.parametrize(
    ("status", "body", "headers", "outcome", "retry_after"),
    [
        (400, error(131047, details="more than 24 hours have passed"), None, "fallback", None),
        (400, error(131049), None, "fallback", None),
        (400, error(131026, "(#131026) Message undeliverable"), None, "permanent", None),
        (429, error(130429), {"Retry-After": "30"}, "retry", 30.0),
        (400, error(131056), None, "retry", None),
        (503, error(131057), None, "retry", None),
        (400, error(132000), None, "fallback", None),
        (404, error(132001), None, "fallback", None),
        (400, error(132005), None, "fallback", None),
        (400, error(132007), None, "fallback", None),
        (400, error(132012), None, "fallback", None),
        (401, error(190, "Error validating access token"), None, "retry", 3600.0),
        (500, b"<html>Internal Server Error</html>", None, "retry", None),
        (400, error(999999), None, "fallback", None),
    ],
)
def test_it_maps_each_meta_error_to_an_outcome(status, body, headers, outcome, retry_after):
    channel, _ = channel_answering(status, body, headers)

    result = channel.send(template_message())

    assert result.outcome == outcome
    assert result.retry_after == retry_after
    assert result.invalidates_contact_point is False
    assert result.provider_message_id == ""
    expected_code = str(body["error"]["code"]) if isinstance(body, dict) else f"http_{status}"
    assert result.error_code == expected_code


def test_it_logs_a_template_refusal_loudly(caplog):
    channel, _ = channel_answering(404, error(132001, "(#132001) Template name does not exist"))

    with caplog.at_level(logging.ERROR, logger="recaudo.delivery.channels.whatsapp"):
        channel.send(template_message())

    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "payment_reminder_v1" in record.getMessage()


def test_it_keeps_the_provider_explanation_of_a_closed_window():
    channel, _ = channel_answering(400, error(131047, "(#131047) Re-engagement message", "24h"))

    result = channel.send(template_message(template_name=""))

    assert result.error_message == "(#131047) Re-engagement message: 24h"
    assert result.raw["error"]["code"] == 131047


def test_it_retries_when_the_connection_could_not_be_made():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    channel = WhatsAppChannel(CONFIG, transport=httpx.MockTransport(refuse))

    result = channel.send(template_message())

    assert (result.outcome, result.error_code) == ("retry", "connect_error")


def test_it_reports_unknown_when_the_answer_timed_out_after_sending():
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    channel = WhatsAppChannel(CONFIG, transport=httpx.MockTransport(time_out))

    result = channel.send(template_message())

    assert (result.outcome, result.error_code) == ("unknown", "timeout")


def test_it_reports_unknown_for_a_success_without_a_message_id():
    channel, _ = channel_answering(200, {"messaging_product": "whatsapp", "messages": []})

    assert channel.send(template_message()).outcome == "unknown"


# -- webhooks ------------------------------------------------------------------


def signed_post(body: bytes, signature: str | None):
    headers = {} if signature is None else {"HTTP_X_HUB_SIGNATURE_256": signature}
    return WebhookRequest.from_http(
        RequestFactory().post(
            "/webhooks/whatsapp", data=body, content_type="application/json", **headers
        )
    )


def test_it_accepts_the_signature_meta_published_for_pywa():
    WhatsAppChannel(CONFIG).verify_signature(signed_post(PYWA_BODY, PYWA_SIGNATURE))


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "54edfa1d7259e0eb13c677cc7d73d1b5c86cfa12433d19156e058ab9251bc441",  # no "sha256="
        "sha256=" + "0" * 64,
        "sha1=54edfa1d7259e0eb13c677cc7d73d1b5c86cfa12433d19156e058ab9251bc441",
    ],
)
def test_it_refuses_a_missing_or_forged_signature(signature):
    with pytest.raises(SignatureError):
        WhatsAppChannel(CONFIG).verify_signature(signed_post(PYWA_BODY, signature))


def test_it_refuses_a_signed_body_that_was_changed():
    tampered = PYWA_BODY.replace(b"Hey there!", b"Hey there?")
    with pytest.raises(SignatureError):
        WhatsAppChannel(CONFIG).verify_signature(signed_post(tampered, PYWA_SIGNATURE))


def test_it_refuses_the_signature_under_another_app_secret():
    channel = WhatsAppChannel({**CONFIG, "app_secret": "another-secret"})
    with pytest.raises(SignatureError):
        channel.verify_signature(signed_post(PYWA_BODY, PYWA_SIGNATURE))


def test_it_answers_the_subscription_check_with_the_challenge():
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": "our-verify-token",
        "hub.challenge": "42",
    }
    assert WhatsAppChannel(CONFIG).verify_subscription(params) == "42"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "42"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "our-verify-token", "hub.challenge": "42"},
        {"hub.challenge": "42"},
    ],
)
def test_it_refuses_a_subscription_check_with_the_wrong_token_or_mode(params):
    assert WhatsAppChannel(CONFIG).verify_subscription(params) is None


def envelope(value: dict, field: str = "messages") -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        **value,
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": field, "value": value}]}],
    }
    return json.dumps(body).encode()


def parse(body: bytes):
    return WhatsAppChannel(CONFIG).parse_webhook(signed_post(body, None))


def test_it_reads_sent_delivered_read_and_failed_statuses():
    def status(state: str, **extra: object) -> dict:
        return {
            "id": WAMID,
            "status": state,
            "timestamp": "1698266945",
            "recipient_id": "5215512345678",
            "biz_opaque_callback_data": "outreach-12-1",
            "pricing": {"billable": True, "pricing_model": "PMP", "category": "utility"},
            **extra,
        }

    failure = {
        "code": 131026,
        "title": "Message undeliverable",
        "message": "Message undeliverable",
        "error_data": {"details": "Message Undeliverable."},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }
    body = envelope(
        {
            "statuses": [
                status("sent"),
                status("delivered"),
                status("read"),
                status("failed", errors=[failure]),
            ]
        }
    )

    events = parse(body)

    assert [event.kind for event in events] == ["sent", "delivered", "read", "failed"]
    first = events[0]
    assert first.channel == "whatsapp"
    assert first.provider_message_id == WAMID
    assert first.provider_event_id == f"{WAMID}:sent"
    assert first.reference == "outreach-12-1"
    assert first.address == "+5215512345678"
    assert first.occurred_at == datetime(2023, 10, 25, 20, 49, 5, tzinfo=UTC)
    assert first.raw["pricing"]["category"] == "utility"
    assert (events[3].error_code, events[3].error_message) == (
        "131026",
        "Message undeliverable: Message Undeliverable.",
    )


def test_it_reads_an_inbound_text_a_template_button_and_an_interactive_reply():
    body = envelope(
        {
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": "5215512345678", "user_id": "x"}],
            "messages": [
                {
                    "from": "5215512345678",
                    "id": "wamid.IN1",
                    "timestamp": "1697043223",
                    "type": "text",
                    "text": {"body": "¿Cuánto debo?"},
                },
                {
                    "from": "5215512345678",
                    "id": "wamid.IN2",
                    "timestamp": "1697043224",
                    "type": "button",
                    "button": {"payload": "PROMISE_TO_PAY", "text": "Pagaré el viernes"},
                    "context": {"from": "15550783881", "id": WAMID},
                },
                {
                    "from": "5215512345678",
                    "id": "wamid.IN3",
                    "timestamp": "1697043225",
                    "type": "interactive",
                    "interactive": {
                        "type": "button_reply",
                        "button_reply": {"id": "talk_to_agent", "title": "Hablar con alguien"},
                    },
                },
            ],
        }
    )

    text, button, interactive = parse(body)

    assert (text.kind, text.text, text.address) == ("inbound", "¿Cuánto debo?", "+5215512345678")
    assert text.provider_event_id == "wamid.IN1"
    assert text.provider_message_id == ""
    assert text.choice == ""
    # A tap keeps the words the debtor saw as text and our id as the choice.
    assert (button.kind, button.text, button.choice, button.provider_message_id) == (
        "inbound",
        "Pagaré el viernes",
        "PROMISE_TO_PAY",
        WAMID,
    )
    assert (interactive.kind, interactive.text, interactive.choice) == (
        "inbound",
        "Hablar con alguien",
        "talk_to_agent",
    )


def test_it_keeps_unknown_message_types_and_fields_as_other():
    body = envelope(
        {
            "messages": [
                {
                    "from": "5215512345678",
                    "id": "wamid.IN4",
                    "timestamp": "1697043226",
                    "type": "unsupported",
                    "errors": [{"code": 131051, "title": "Message type unknown"}],
                    "brand_new_field": {"x": 1},
                },
                {"from": "5215512345678", "id": "wamid.IN5", "type": "hologram", "hologram": {}},
            ],
            "statuses": [{"id": WAMID, "status": "played", "timestamp": "1698266945"}],
        }
    )

    played, unsupported, hologram = parse(body)

    assert played.kind == "other"
    assert (unsupported.kind, unsupported.error_code) == ("other", "131051")
    assert unsupported.raw["brand_new_field"] == {"x": 1}
    assert (hologram.kind, hologram.provider_event_id) == ("other", "wamid.IN5")


def test_it_keeps_other_webhook_fields_as_other():
    body = envelope(
        {"user_preferences": [{"wa_id": "5215512345678", "value": "stop"}]},
        field="user_preferences",
    )

    [event] = parse(body)

    assert event.kind == "other"
    assert event.raw["field"] == "user_preferences"


def test_it_keeps_account_errors_without_statuses_as_other():
    body = envelope({"errors": [{"code": 131042, "title": "Business eligibility payment issue"}]})

    [event] = parse(body)

    assert (event.kind, event.error_code) == ("other", "131042")


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"object": "x"}', b'{"entry": "x"}'])
def test_it_refuses_a_body_that_is_not_a_webhook(body):
    with pytest.raises(PayloadError):
        parse(body)
