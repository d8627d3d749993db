"""The fake WhatsApp Cloud API over HTTP, with its signed status webhooks."""

from __future__ import annotations

import json

import pytest

from tests.sandbox.conftest import CREDENTIALS
from tests.sandbox.support import hub_signature_is_valid, whatsapp_statuses

URL = f"/whatsapp/v21.0/{CREDENTIALS.whatsapp_phone_number_id}/messages"
AUTH = {"Authorization": f"Bearer {CREDENTIALS.whatsapp_access_token}"}


def template(to: str = "5215512345678", parameters: int = 3, **extra) -> dict:
    body = [{"type": "text", "text": "Ana"}]
    body.append(
        {
            "type": "currency",
            "currency": {"fallback_value": "$1,250.00", "code": "MXN", "amount_1000": 1250000},
        }
    )
    body.append({"type": "date_time", "date_time": {"fallback_value": "15 de agosto"}})
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": "recordatorio_pago",
            "language": {"code": "es_MX"},
            "components": [
                {"type": "body", "parameters": body[:parameters]},
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "pay/abc"}],
                },
            ],
        },
        **extra,
    }


def text(to: str = "5215512345678") -> dict:
    return {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": "Hola"}}


def test_a_template_send_answers_like_meta(api):
    response = api.post(URL, json=template(to="+5215512345678"), headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "+5215512345678", "wa_id": "5215512345678"}]
    assert body["messages"][0]["id"].startswith("wamid.")
    assert len(body["messages"][0]["id"]) <= 128
    assert body["messages"][0]["message_status"] == "accepted"


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}]
)
def test_a_missing_or_wrong_token_gets_401_with_code_190(api, headers):
    response = api.post(URL, json=template(), headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == 190
    assert error["type"] == "OAuthException"


def test_an_unknown_phone_number_id_gets_code_100(api):
    response = api.post("/whatsapp/v21.0/123/messages", json=template(), headers=AUTH)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100


def test_an_unknown_template_or_language_gets_132001(api):
    unknown = template()
    unknown["template"]["language"]["code"] = "pt_BR"
    response = api.post(URL, json=unknown, headers=AUTH)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 132001
    assert error["message"].startswith("(#132001) ")
    assert error["error_data"]["messaging_product"] == "whatsapp"


def test_a_wrong_number_of_body_parameters_gets_132000(api, server):
    response = api.post(URL, json=template(parameters=2), headers=AUTH)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 132000


def test_free_form_text_outside_the_window_gets_131047_and_inside_is_accepted(api):
    refused = api.post(URL, json=text(), headers=AUTH)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == 131047
    answered = api.post(
        "/_sandbox/inbound", json={"channel": "whatsapp", "from": "+5215512345678", "text": "Hola"}
    )
    assert answered.status_code == 201
    accepted = api.post(URL, json=text(), headers=AUTH)
    assert accepted.status_code == 200
    assert "message_status" not in accepted.json()["messages"][0]


def test_sends_beyond_the_throughput_get_130429(api):
    assert api.post("/_sandbox/config", json={"whatsapp_mps": 3}).status_code == 200
    statuses = []
    for number in range(5):
        response = api.post(URL, json=template(to=f"521551234500{number}"), headers=AUTH)
        statuses.append(response.json().get("error", {}).get("code", response.status_code))
    assert statuses[:3] == [200, 200, 200]
    assert 130429 in statuses[3:]


def test_too_many_sends_to_one_user_get_131056_unless_disabled(api):
    api.post("/_sandbox/config", json={"pair_burst": 2})
    codes = [
        api.post(URL, json=template(), headers=AUTH).json().get("error", {}).get("code")
        for _ in range(3)
    ]
    assert codes == [None, None, 131056]
    api.post("/_sandbox/config", json={"pair_limit_enabled": False})
    assert api.post(URL, json=template(), headers=AUTH).status_code == 200


def test_status_webhooks_are_signed_and_echo_the_callback_data(api, receiver):
    response = api.post(URL, json=template(biz_opaque_callback_data="outreach-42-1"), headers=AUTH)
    wamid = response.json()["messages"][0]["id"]
    received = receiver.wait_for(3)
    assert [request.path for request in received] == ["/webhooks/whatsapp"] * 3
    for request in received:
        signature = request.headers["X-Hub-Signature-256"]
        assert hub_signature_is_valid(CREDENTIALS.whatsapp_app_secret, request.body, signature)
        payload = request.json()
        assert payload["object"] == "whatsapp_business_account"
        metadata = payload["entry"][0]["changes"][0]["value"]["metadata"]
        assert metadata["phone_number_id"] == CREDENTIALS.whatsapp_phone_number_id
    statuses = whatsapp_statuses(received)
    assert [status["status"] for status in statuses] == ["sent", "delivered", "read"]
    for status in statuses:
        assert status["id"] == wamid
        assert status["recipient_id"] == "5215512345678"
        assert status["biz_opaque_callback_data"] == "outreach-42-1"
        assert isinstance(status["timestamp"], str)
    assert statuses[0]["pricing"]["category"] == "utility"
    messages = api.get("/_sandbox/messages", params={"address": "+5215512345678"}).json()
    assert messages["messages"][0]["status"] == "read"
    assert messages["messages"][0]["reference"] == "outreach-42-1"


def test_a_number_ending_in_999_is_accepted_then_fails_with_131026(api, receiver):
    response = api.post(URL, json=template(to="5215512345999"), headers=AUTH)
    assert response.status_code == 200
    statuses = whatsapp_statuses(receiver.wait_for(1))
    assert len(statuses) == 1
    assert statuses[0]["status"] == "failed"
    assert statuses[0]["errors"][0]["code"] == 131026
    assert "biz_opaque_callback_data" not in statuses[0]


def test_out_of_order_and_duplicate_webhooks_are_injected_when_asked(api, receiver):
    api.post(
        "/_sandbox/config",
        json={
            "out_of_order_probability": 1.0,
            "duplicate_probability": 1.0,
            "read_probability": 0.0,
            "max_delay_seconds": 0.2,
        },
    )
    api.post(URL, json=template(), headers=AUTH)
    received = receiver.wait_for(4)
    assert len(received) == 4
    statuses = [status["status"] for status in whatsapp_statuses(received)]
    assert sorted(statuses) == ["delivered", "delivered", "sent", "sent"]
    assert statuses[0] == "delivered"
    bodies = [request.body for request in received]
    assert len(set(bodies)) == 2  # each duplicate is byte-for-byte the same webhook
    messages = api.get("/_sandbox/messages", params={"address": "+5215512345678"}).json()
    assert messages["messages"][0]["status"] == "delivered"


def test_a_failing_recaudo_gets_the_webhook_again(api, receiver, sandbox):
    receiver.status = 500
    api.post(URL, json=template(), headers=AUTH)
    receiver.wait_for(4, timeout=3)
    receiver.status = 200
    received = receiver.wait_for(6, timeout=5)
    bodies = [json.loads(request.body) for request in received]
    first = bodies[0]
    assert bodies.count(first) >= 2
    assert sandbox.dispatcher.stats.retried >= 3


def test_no_webhooks_are_posted_when_disabled_but_statuses_still_move(api, receiver):
    api.post("/_sandbox/config", json={"webhooks_enabled": False})
    api.post(URL, json=template(), headers=AUTH)
    assert receiver.wait_for(1, timeout=0.5) == []
    messages = api.get("/_sandbox/messages", params={"address": "5215512345678"}).json()
    assert messages["messages"][0]["status"] == "read"


# --- several business numbers, each its own account --------------------------------

SECOND_ID, SECOND = next(iter(CREDENTIALS.whatsapp_numbers.items()))
SECOND_URL = f"/whatsapp/v21.0/{SECOND_ID}/messages"
SECOND_AUTH = {"Authorization": f"Bearer {SECOND['access_token']}"}


def test_a_second_number_sends_with_its_own_token_and_signs_with_its_own_app_secret(api, receiver):
    response = api.post(SECOND_URL, json=template(to="5215599990000"), headers=SECOND_AUTH)

    assert response.status_code == 200
    received = receiver.wait_for(2)
    for request in received[:2]:
        signature = request.headers["X-Hub-Signature-256"]
        assert hub_signature_is_valid(SECOND["app_secret"], request.body, signature)
        assert not hub_signature_is_valid(CREDENTIALS.whatsapp_app_secret, request.body, signature)
        value = request.json()["entry"][0]["changes"][0]["value"]
        assert value["metadata"] == {
            "display_phone_number": SECOND["display_phone_number"],
            "phone_number_id": SECOND_ID,
        }


def test_a_token_cannot_send_from_another_accounts_number(api):
    first_token_second_number = api.post(SECOND_URL, json=template(), headers=AUTH)
    second_token_first_number = api.post(URL, json=template(), headers=SECOND_AUTH)

    for response in (first_token_second_number, second_token_first_number):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == 100


def test_a_reply_goes_to_the_number_that_wrote_last_signed_with_its_secret(api, receiver):
    api.post(SECOND_URL, json=template(to="5215577770000"), headers=SECOND_AUTH)

    api.post(
        "/_sandbox/inbound", json={"channel": "whatsapp", "from": "+5215577770000", "text": "hola"}
    )

    [request] = receiver.wait_for(1, lambda r: b'"messages":[{"from"' in r.body)
    value = request.json()["entry"][0]["changes"][0]["value"]
    assert value["metadata"]["phone_number_id"] == SECOND_ID
    assert value["messages"][0]["text"]["body"] == "hola"
    assert hub_signature_is_valid(
        SECOND["app_secret"], request.body, request.headers["X-Hub-Signature-256"]
    )
