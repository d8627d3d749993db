from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
from django.test import RequestFactory

from recaudo.delivery.channels.sms import TwilioSmsChannel
from recaudo.outreach.contract import (
    OutboundMessage,
    PayloadError,
    SignatureError,
    WebhookRequest,
)

ACCOUNT_SID = "AC" + "a" * 32
CONFIG = {
    "base_url": "https://api.twilio.test",
    "account_sid": ACCOUNT_SID,
    "auth_token": "test-auth-token",
    "from_number": "+15017122661",
    "messaging_service_sid": "",
    "public_base_url": "https://recaudo.example",
}
SID = "SM" + "b" * 32
CREATED = {
    "sid": SID,
    "account_sid": ACCOUNT_SID,
    "messaging_service_sid": None,
    "to": "+5215512345678",
    "from": "+15017122661",
    "body": "Hola Ana",
    "status": "queued",
    "num_segments": "1",
    "num_media": "0",
    "direction": "outbound-api",
    "api_version": "2010-04-01",
    "price": None,
    "price_unit": "USD",
    "error_code": None,
    "error_message": None,
    "date_created": "Tue, 26 Jul 2016 12:50:07 +0000",
    "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{SID}.json",
}
# twilio-python tests/unit/test_request_validator.py (channels-api.md §2.4).
PUBLISHED_URL_PATH = "/myapp.php?foo=1&bar=2"
PUBLISHED_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
PUBLISHED_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def sms(**changes: object) -> OutboundMessage:
    fields: dict = {
        "outreach_id": 12,
        "channel": "sms",
        "to": "+5215512345678",
        "text": "Hola Ana, tu saldo es $1,250.00",
        "idempotency_key": "outreach-12-1",
    }
    fields.update(changes)
    return OutboundMessage(**fields)


def channel_answering(status: int, body: object, headers: dict | None = None, **config):
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if isinstance(body, bytes):
            return httpx.Response(status, content=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    channel = TwilioSmsChannel({**CONFIG, **config}, transport=httpx.MockTransport(handler))
    return channel, sent


def twilio_error(code: int, status: int, message: str = "Error") -> dict:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def test_it_posts_the_form_with_basic_auth_and_a_status_callback_naming_the_attempt():
    channel, sent = channel_answering(201, CREATED)

    result = channel.send(sms())

    assert result.outcome == "accepted"
    assert result.provider_message_id == SID
    [request] = sent
    assert request.method == "POST"
    assert str(request.url) == (
        f"https://api.twilio.test/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    )
    credentials = base64.b64encode(f"{ACCOUNT_SID}:test-auth-token".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {credentials}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode(), strict_parsing=True) == {
        "To": ["+5215512345678"],
        "From": ["+15017122661"],
        "Body": ["Hola Ana, tu saldo es $1,250.00"],
        "StatusCallback": ["https://recaudo.example/webhooks/twilio?ref=outreach-12-1"],
    }


def test_it_sends_through_the_messaging_service_when_one_is_configured():
    channel, sent = channel_answering(201, CREATED, messaging_service_sid="MG" + "c" * 32)

    channel.send(sms())

    form = parse_qs(sent[0].content.decode())
    assert form["MessagingServiceSid"] == ["MG" + "c" * 32]
    assert "From" not in form


def test_it_builds_the_status_callback_from_public_base_url(settings):
    settings.PUBLIC_BASE_URL = "https://cobranza.example"
    config = {key: value for key, value in CONFIG.items() if key != "public_base_url"}

    channel = TwilioSmsChannel(config)

    assert channel.status_callback_url("outreach-7-2") == (
        "https://cobranza.example/webhooks/twilio?ref=outreach-7-2"
    )


@pytest.mark.parametrize(
    ("status", "body", "headers", "outcome", "invalidates", "retry_after"),
    [
        (400, twilio_error(21610, 400, "Attempt to send to unsubscribed recipient"), None,
         "permanent", False, None),
        (400, twilio_error(21211, 400, "The 'To' number is not a valid phone number."), None,
         "permanent", True, None),
        (400, twilio_error(21614, 400, "'To' number is not a valid mobile number"), None,
         "permanent", False, None),
        (400, twilio_error(21408, 400, "Permission to send an SMS has not been enabled"), None,
         "permanent", False, None),
        (429, twilio_error(20429, 429, "Too Many Requests"), {"Retry-After": "5"},
         "retry", False, 5.0),
        (401, twilio_error(20003, 401, "Authenticate"), None, "retry", False, 3600.0),
        (503, b"Service Unavailable", None, "retry", False, None),
    ],
)  # fmt: skip
def test_it_maps_each_twilio_error_to_an_outcome(
    status, body, headers, outcome, invalidates, retry_after
):
    channel, _ = channel_answering(status, body, headers)

    result = channel.send(sms())

    assert result.outcome == outcome
    assert result.invalidates_contact_point is invalidates
    assert result.retry_after == retry_after
    expected_code = str(body["code"]) if isinstance(body, dict) else f"http_{status}"
    assert result.error_code == expected_code


def test_it_names_the_opt_out_code_so_the_dispatcher_records_an_opt_out():
    channel, _ = channel_answering(400, twilio_error(21610, 400, "unsubscribed recipient"))

    result = channel.send(sms())

    assert (result.error_code, result.error_message) == ("21610", "unsubscribed recipient")


def test_it_retries_when_twilio_cannot_be_reached():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out connecting", request=request)

    channel = TwilioSmsChannel(CONFIG, transport=httpx.MockTransport(refuse))

    assert channel.send(sms()).outcome == "retry"


def test_it_reports_unknown_when_the_connection_dropped_before_the_answer():
    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected", request=request)

    channel = TwilioSmsChannel(CONFIG, transport=httpx.MockTransport(drop))

    assert channel.send(sms()).outcome == "unknown"


# -- webhooks ------------------------------------------------------------------


def form_post(path: str, params: dict, signature: str | None = None):
    headers = {} if signature is None else {"HTTP_X_TWILIO_SIGNATURE": signature}
    return WebhookRequest.from_http(
        RequestFactory().post(
            path,
            data=urlencode(params),
            content_type="application/x-www-form-urlencoded",
            **headers,
        )
    )


def twilio_signature(token: str, url: str, params: dict) -> str:
    """Written out independently of the channel, from channels-api.md §2.4."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@pytest.mark.parametrize("public_base_url", ["https://mycompany.com", "https://mycompany.com:443"])
def test_it_accepts_the_signature_twilio_published(public_base_url):
    channel = TwilioSmsChannel(
        {**CONFIG, "auth_token": "12345", "public_base_url": public_base_url}
    )
    request = form_post(PUBLISHED_URL_PATH, PUBLISHED_PARAMS, PUBLISHED_SIGNATURE)

    channel.verify_signature(request)


def test_it_reads_public_base_url_from_settings_for_signatures(settings):
    settings.PUBLIC_BASE_URL = "https://mycompany.com"
    config = {key: value for key, value in CONFIG.items() if key != "public_base_url"}
    channel = TwilioSmsChannel({**config, "auth_token": "12345"})

    channel.verify_signature(form_post(PUBLISHED_URL_PATH, PUBLISHED_PARAMS, PUBLISHED_SIGNATURE))


@pytest.mark.parametrize(
    ("path", "params", "signature", "public_base_url"),
    [
        (PUBLISHED_URL_PATH, PUBLISHED_PARAMS, None, "https://mycompany.com"),
        (PUBLISHED_URL_PATH, PUBLISHED_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B9=", "https://mycompany.com"),
        (PUBLISHED_URL_PATH, {**PUBLISHED_PARAMS, "Digits": "9"}, PUBLISHED_SIGNATURE,
         "https://mycompany.com"),
        ("/myapp.php?foo=1&bar=3", PUBLISHED_PARAMS, PUBLISHED_SIGNATURE, "https://mycompany.com"),
        (PUBLISHED_URL_PATH, PUBLISHED_PARAMS, PUBLISHED_SIGNATURE, "http://mycompany.com"),
    ],
)  # fmt: skip
def test_it_refuses_a_missing_or_forged_signature(path, params, signature, public_base_url):
    channel = TwilioSmsChannel(
        {**CONFIG, "auth_token": "12345", "public_base_url": public_base_url}
    )
    with pytest.raises(SignatureError):
        channel.verify_signature(form_post(path, params, signature))


STATUS_CALLBACK = {
    "SmsSid": SID,
    "SmsStatus": "undelivered",
    "MessageStatus": "undelivered",
    "To": "+5215512345678",
    "MessageSid": SID,
    "AccountSid": ACCOUNT_SID,
    "From": "+15017122661",
    "ApiVersion": "2010-04-01",
    "ErrorCode": "30003",
    "ErrorMessage": "Unreachable destination handset",
}


def test_it_verifies_and_reads_a_status_callback_with_our_reference():
    channel = TwilioSmsChannel(CONFIG)
    url = "https://recaudo.example/webhooks/twilio?ref=outreach-12-1"
    signature = twilio_signature("test-auth-token", url, STATUS_CALLBACK)
    request = form_post("/webhooks/twilio?ref=outreach-12-1", STATUS_CALLBACK, signature)

    channel.verify_signature(request)
    [event] = channel.parse_webhook(request)

    assert event.channel == "sms"
    assert event.kind == "failed"
    assert event.provider_message_id == SID
    assert event.provider_event_id == f"{SID}:undelivered"
    assert event.reference == "outreach-12-1"
    assert event.address == "+5215512345678"
    assert (event.error_code, event.error_message) == ("30003", "Unreachable destination handset")
    assert event.raw["AccountSid"] == ACCOUNT_SID


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("sent", "sent"),
        ("delivered", "delivered"),
        ("read", "read"),
        ("failed", "failed"),
        ("queued", "other"),
        ("partially_delivered", "other"),
    ],
)
def test_it_maps_each_message_status(status, kind):
    params = {**STATUS_CALLBACK, "MessageStatus": status, "SmsStatus": status, "NewField": "x"}
    params.pop("ErrorCode")
    request = form_post("/webhooks/twilio?ref=outreach-12-1", params)

    [event] = TwilioSmsChannel(CONFIG).parse_webhook(request)

    assert (event.kind, event.error_code, event.raw["NewField"]) == (kind, "", "x")


def inbound(body: str, **extra: str) -> dict:
    return {
        "ToCountry": "US",
        "SmsMessageSid": "SM" + "d" * 32,
        "NumMedia": "0",
        "SmsSid": "SM" + "d" * 32,
        "SmsStatus": "received",
        "Body": body,
        "To": "+15017122661",
        "NumSegments": "1",
        "MessageSid": "SM" + "d" * 32,
        "AccountSid": ACCOUNT_SID,
        "From": "+5215512345678",
        "ApiVersion": "2010-04-01",
        **extra,
    }


@pytest.mark.parametrize(
    ("params", "kind"),
    [
        (inbound("¿Cuánto debo?"), "inbound"),
        (inbound("Stop", OptOutType="STOP"), "opt_out"),
        (inbound("BAJA", OptOutType="STOP"), "opt_out"),  # an Advanced Opt-Out keyword
        (inbound("START", OptOutType="START"), "inbound"),
        (inbound("HELP", OptOutType="HELP"), "inbound"),
        (inbound("  stop "), "opt_out"),  # Twilio's default keywords block even without it
        (inbound("stop please"), "inbound"),  # not a single word: Twilio does not block
        # An MMS without text (a receipt's photo) is a message; nothing at all is not.
        (inbound("", NumMedia="1", MediaUrl0="https://api.twilio.com/media/1"), "inbound"),
        (inbound(""), "other"),
    ],
)
def test_it_reads_inbound_messages_and_opt_outs(params, kind):
    [event] = TwilioSmsChannel(CONFIG).parse_webhook(form_post("/webhooks/twilio", params))

    assert event.kind == kind
    assert event.address == "+5215512345678"
    assert event.text == params["Body"]
    assert event.provider_event_id == "SM" + "d" * 32
    assert event.reference == ""


def test_it_refuses_a_post_that_is_not_a_message_event():
    request = form_post("/webhooks/twilio", {"Foo": "bar"})
    with pytest.raises(PayloadError):
        TwilioSmsChannel(CONFIG).parse_webhook(request)
