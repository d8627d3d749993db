"""The /_sandbox/ inspection API, the SMTP server and the signature test vectors."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from recaudo.sandbox.signing import google_signature, twilio_signature, whatsapp_signature
from tests.sandbox.conftest import CREDENTIALS
from tests.sandbox.support import hub_signature_is_valid

WHATSAPP_URL = f"/whatsapp/v21.0/{CREDENTIALS.whatsapp_phone_number_id}/messages"
AUTH = {"Authorization": f"Bearer {CREDENTIALS.whatsapp_access_token}"}
PYWA_BODY = (
    b'{"object":"whatsapp_business_account","entry":[{"id":"264937493375603","changes":[{"value":'
    b'{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550953877",'
    b'"phone_number_id":"277321005464405"},"contacts":[{"profile":{"name":"PyWa Tests"},'
    b'"wa_id":"972544401243"}],"messages":[{"from":"972544401243","id":"wamid.HBgMOTcyNTQ0NDAxMj'
    b'QzFQIAEhggM0RFQTNCMEEwRTY3QzUwODYzMDc4NjQ4QzM4ODAxM0YA","timestamp":"1730231903","text":'
    b'{"body":"Hey there! I am using PyWa."},"type":"text"}]},"field":"messages"}]}]}'
)


def test_the_whatsapp_signature_matches_pywas_published_vector():
    assert whatsapp_signature("1222e786b144d0e85b9f365372d93676", PYWA_BODY) == (
        "sha256=54edfa1d7259e0eb13c677cc7d73d1b5c86cfa12433d19156e058ab9251bc441"
    )


def test_the_twilio_signature_matches_twilio_pythons_published_vector():
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_the_google_signature_matches_the_reference_vector():
    data = (
        b'{"senderPhoneNumber":"+5215512345678","eventType":"DELIVERED","eventId":"e1",'
        b'"messageId":"m1","sendTime":"2026-01-01T00:00:00Z","agentId":"a"}'
    )
    assert google_signature("SJENCPGJESMGUFPY", data) == (
        "o/oUUHibxYbhhlAzKGCddFGrEvBf4zBcscbouBQywwgWl578ladiDOKPO7c63/mGUvGLgv6HsNLMva070TJIBA=="
    )


def test_a_whatsapp_answer_reaches_recaudo_as_metas_signed_inbound_webhook(api, receiver):
    response = api.post(
        "/_sandbox/inbound",
        json={
            "channel": "whatsapp",
            "from": "+5215512345678",
            "text": "¿Cuánto debo?",
            "name": "Ana",
        },
    )
    assert response.status_code == 201
    request = receiver.wait_for(1)[0]
    assert request.path == "/webhooks/whatsapp"
    signature = request.headers["X-Hub-Signature-256"]
    assert hub_signature_is_valid(CREDENTIALS.whatsapp_app_secret, request.body, signature)
    assert b"\\u00bfCu\\u00e1nto" in request.body  # escaped unicode, like Meta
    value = request.json()["entry"][0]["changes"][0]["value"]
    assert value["contacts"] == [{"profile": {"name": "Ana"}, "wa_id": "5215512345678"}]
    message = value["messages"][0]
    assert message["from"] == "5215512345678"
    assert message["type"] == "text"
    assert message["text"] == {"body": "¿Cuánto debo?"}
    assert message["id"] == response.json()["message"]["id"]


def test_an_inbound_with_a_bad_channel_or_empty_text_is_refused(api, receiver):
    bad = api.post("/_sandbox/inbound", json={"channel": "fax", "from": "+57300", "text": "x"})
    assert bad.status_code == 400
    empty = api.post("/_sandbox/inbound", json={"channel": "sms", "from": "+57300", "text": " "})
    assert empty.status_code == 400
    assert receiver.wait_for(1, timeout=0.3) == []


def test_messages_are_listed_per_address_across_channels(api):
    api.post("/_sandbox/inbound", json={"channel": "sms", "from": "+5215512345671", "text": "a"})
    api.post("/_sandbox/inbound", json={"channel": "rcs", "from": "+5215512345671", "text": "b"})
    api.post("/_sandbox/inbound", json={"channel": "sms", "from": "+573001112233", "text": "c"})
    listed = api.get("/_sandbox/messages", params={"address": "5215512345671"}).json()
    assert [(m["channel"], m["text"]) for m in listed["messages"]] == [("sms", "a"), ("rcs", "b")]
    only_rcs = api.get("/_sandbox/messages", params={"address": "+5215512345671", "channel": "rcs"})
    assert [m["text"] for m in only_rcs.json()["messages"]] == ["b"]
    assert api.get("/_sandbox/messages").status_code == 400


def test_reset_forgets_messages_windows_and_opt_outs_but_keeps_templates(api):
    api.post(
        "/_sandbox/inbound", json={"channel": "whatsapp", "from": "+5215512345678", "text": "hola"}
    )
    api.post("/_sandbox/inbound", json={"channel": "sms", "from": "+5215512345678", "text": "STOP"})
    assert api.post("/_sandbox/reset").json() == {"ok": True}
    assert (
        api.get("/_sandbox/messages", params={"address": "+5215512345678"}).json()["messages"] == []
    )
    text = {
        "messaging_product": "whatsapp",
        "to": "5215512345678",
        "type": "text",
        "text": {"body": "x"},
    }
    assert api.post(WHATSAPP_URL, json=text, headers=AUTH).json()["error"]["code"] == 131047
    templates = api.get("/_sandbox/whatsapp/templates").json()["templates"]
    assert templates == [{"name": "recordatorio_pago", "language": "es_MX", "parameter_count": 3}]


def test_a_registered_template_can_be_sent(api):
    registered = api.post(
        "/_sandbox/whatsapp/templates",
        json={"name": "aviso_pago", "language": "es", "parameter_count": 1},
    )
    assert registered.status_code == 200
    body = {
        "messaging_product": "whatsapp",
        "to": "5215512345678",
        "type": "template",
        "template": {
            "name": "aviso_pago",
            "language": {"code": "es"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}],
        },
    }
    assert api.post(WHATSAPP_URL, json=body, headers=AUTH).status_code == 200
    bad = api.post(
        "/_sandbox/whatsapp/templates", json={"name": "x", "language": "es", "parameter_count": -1}
    )
    assert bad.status_code == 400


def test_config_changes_are_validated_and_shown(api):
    assert api.post("/_sandbox/config", json={"read_probability": 2}).status_code == 400
    assert api.post("/_sandbox/config", json={"colour": "red"}).status_code == 400
    assert api.post("/_sandbox/config", json={"whatsapp_mps": "fast"}).status_code == 400
    changed = api.post("/_sandbox/config", json={"whatsapp_mps": 2000, "pair_limit_enabled": False})
    assert changed.status_code == 200
    assert changed.json()["whatsapp_mps"] == 2000.0
    assert api.get("/_sandbox/config").json()["pair_limit_enabled"] is False


def test_the_health_endpoint_counts_messages_and_webhooks(api, receiver):
    api.post("/_sandbox/inbound", json={"channel": "sms", "from": "+5215512345678", "text": "hola"})
    receiver.wait_for(1)
    summary = api.get("/_sandbox/health").json()
    assert summary["ok"] is True
    assert summary["messages"] == 1
    assert summary["templates"] == 1


def test_every_email_sent_over_smtp_is_stored_with_headers_text_and_html(api, server):
    message = EmailMessage()
    message["From"] = "Recaudo <cobranza@recaudo.example>"
    message["To"] = "Ana@Example.com"
    message["Subject"] = "Recordatorio de pago"
    message["List-Unsubscribe"] = "<https://app.example/u/tok>, <mailto:unsub@example.com>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content("Hola Ana, tu saldo es $1.250.")
    message.add_alternative("<p>Hola Ana, tu saldo es <b>$1.250</b>.</p>", subtype="html")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=5) as smtp:
        smtp.send_message(message)
    stored = api.get("/_sandbox/messages", params={"address": "ana@example.com"}).json()
    [email] = stored["messages"]
    assert email["channel"] == "email"
    assert email["subject"] == "Recordatorio de pago"
    assert email["text"].strip() == "Hola Ana, tu saldo es $1.250."
    assert email["html"].strip() == "<p>Hola Ana, tu saldo es <b>$1.250</b>.</p>"
    assert email["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email["headers"]["List-Unsubscribe"].startswith("<https://app.example/u/tok>")
    assert email["headers"]["X-Envelope-From"] == "cobranza@recaudo.example"


def test_the_whatsapp_webhook_check_reports_when_recaudo_does_not_echo_the_challenge(api):
    result = api.post("/_sandbox/whatsapp/verify-webhook").json()
    assert result["ok"] is False  # the test receiver answers "ok", not the challenge
    assert result["url"].endswith("/webhooks/whatsapp")
