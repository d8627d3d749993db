"""The fake Twilio and RBM APIs over HTTP, with their signed callbacks."""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.sandbox.conftest import CREDENTIALS
from tests.sandbox.support import goog_signature_is_valid, twilio_signature_is_valid

SID = CREDENTIALS.twilio_account_sid
TWILIO_URL = f"/twilio/2010-04-01/Accounts/{SID}/Messages.json"
TWILIO_AUTH = (SID, CREDENTIALS.twilio_auth_token)
RBM_AUTH = {"Authorization": f"Bearer {CREDENTIALS.rbm_access_token}"}
RCS_PHONE = "+5215512345671"  # odd last digit: has RCS


def sms(to: str = "+5215512345678", **extra: str) -> dict[str, str]:
    return {"To": to, "From": CREDENTIALS.twilio_from_number, "Body": "Hola Ana", **extra}


def test_an_sms_send_answers_201_queued_with_an_sm_sid(api):
    response = api.post(TWILIO_URL, data=sms(), auth=TWILIO_AUTH)
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(r"SM[0-9a-f]{32}", body["sid"])
    assert body["status"] == "queued"
    assert body["to"] == "+5215512345678"
    assert body["from"] == CREDENTIALS.twilio_from_number
    assert body["account_sid"] == SID
    assert body["num_segments"] == "1"
    assert body["direction"] == "outbound-api"
    assert body["date_created"].endswith("+0000")


@pytest.mark.parametrize(
    "auth", [None, (SID, "wrong"), ("AC" + "1" * 32, CREDENTIALS.twilio_auth_token)]
)
def test_wrong_basic_credentials_get_401_with_20003(api, auth):
    response = api.post(TWILIO_URL, data=sms(), auth=auth)
    assert response.status_code == 401
    assert response.json()["code"] == 20003


def test_an_invalid_number_gets_21211(api):
    response = api.post(TWILIO_URL, data=sms(to="5512345"), auth=TWILIO_AUTH)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 21211
    assert body["status"] == 400
    assert body["more_info"] == "https://www.twilio.com/docs/errors/21211"


def test_a_number_that_sent_stop_gets_21610_until_it_sends_start(api, receiver):
    assert api.post(TWILIO_URL, data=sms(), auth=TWILIO_AUTH).status_code == 201
    api.post("/_sandbox/inbound", json={"channel": "sms", "from": "+5215512345678", "text": "BAJA"})
    inbound = receiver.wait_for(1)[0]
    assert inbound.path == "/webhooks/twilio"
    params = inbound.form()
    assert params["OptOutType"] == "STOP"
    assert params["Body"] == "BAJA"
    assert params["From"] == "+5215512345678"
    assert params["To"] == CREDENTIALS.twilio_from_number
    assert params["MessageSid"].startswith("SM")
    url = receiver.url + "/webhooks/twilio"
    assert twilio_signature_is_valid(
        CREDENTIALS.twilio_auth_token, url, params, inbound.headers["X-Twilio-Signature"]
    )
    refused = api.post(TWILIO_URL, data=sms(), auth=TWILIO_AUTH)
    assert refused.status_code == 400
    assert refused.json()["code"] == 21610
    api.post(
        "/_sandbox/inbound", json={"channel": "sms", "from": "+5215512345678", "text": "START"}
    )
    assert api.post(TWILIO_URL, data=sms(), auth=TWILIO_AUTH).status_code == 201


def test_status_callbacks_go_to_the_given_url_signed_over_it_exactly(api, receiver):
    callback = receiver.url + "/webhooks/twilio/status?ref=outreach-7-1"
    sid = api.post(TWILIO_URL, data=sms(StatusCallback=callback), auth=TWILIO_AUTH).json()["sid"]
    received = receiver.wait_for(2)
    assert [request.form()["MessageStatus"] for request in received] == ["sent", "delivered"]
    for request in received:
        assert request.query_string == "ref=outreach-7-1"
        params = request.form()
        assert params["MessageSid"] == sid
        assert params["AccountSid"] == SID
        assert params["To"] == "+5215512345678"
        assert "ErrorCode" not in params
        signature = request.headers["X-Twilio-Signature"]
        assert twilio_signature_is_valid(CREDENTIALS.twilio_auth_token, callback, params, signature)


def test_a_number_ending_in_998_is_undelivered_with_30003(api, receiver):
    callback = receiver.url + "/webhooks/twilio"
    api.post(TWILIO_URL, data=sms(to="+5215512345998", StatusCallback=callback), auth=TWILIO_AUTH)
    final = receiver.wait_for(2)[-1].form()
    assert final["MessageStatus"] == "undelivered"
    assert final["ErrorCode"] == "30003"


def test_no_status_callback_without_a_status_callback_url(api, receiver):
    api.post(TWILIO_URL, data=sms(), auth=TWILIO_AUTH)
    assert receiver.wait_for(1, timeout=0.4) == []


def rbm(phone: str = RCS_PHONE, message_id: str = "m-1", agent: str | None = None) -> str:
    agent = agent or CREDENTIALS.rbm_agent_id
    return f"/rbm/v1/phones/{phone}/agentMessages?messageId={message_id}&agentId={agent}"


AGENT_MESSAGE = {"contentMessage": {"text": "Hola Ana"}, "ttl": "86400s"}


def test_an_rcs_send_echoes_the_agent_message_with_name_and_send_time(api):
    response = api.post(rbm(phone="%2B5215512345671"), json=AGENT_MESSAGE, headers=RBM_AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["contentMessage"] == {"text": "Hola Ana"}
    assert body["ttl"] == "86400s"
    assert body["name"] == f"phones/{RCS_PHONE}/agentMessages/m-1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", body["sendTime"])


def test_an_rcs_send_without_the_bearer_token_gets_401(api):
    response = api.post(rbm(), json=AGENT_MESSAGE)
    assert response.status_code == 401
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"


def test_a_number_with_an_even_last_digit_has_no_rcs(api):
    response = api.post(rbm(phone="+5215512345670"), json=AGENT_MESSAGE, headers=RBM_AUTH)
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
    }


def test_a_repeated_message_id_gets_409_already_exists(api):
    assert api.post(rbm(), json=AGENT_MESSAGE, headers=RBM_AUTH).status_code == 200
    again = api.post(rbm(), json=AGENT_MESSAGE, headers=RBM_AUTH)
    assert again.status_code == 409
    assert again.json()["error"]["status"] == "ALREADY_EXISTS"


def test_rbm_webhooks_are_pubsub_envelopes_signed_over_the_decoded_data(api, receiver):
    api.post(rbm(message_id="m-9"), json=AGENT_MESSAGE, headers=RBM_AUTH)
    received = receiver.wait_for(2)
    events = []
    for request in received:
        assert request.path == "/webhooks/rbm"
        envelope = request.json()
        data = base64.b64decode(envelope["message"]["data"])
        assert envelope["message"]["messageId"]
        assert envelope["message"]["publishTime"].endswith("Z")
        assert envelope["subscription"]
        signature = request.headers["X-Goog-Signature"]
        assert goog_signature_is_valid(CREDENTIALS.rbm_client_token, data, signature)
        events.append(json.loads(data))
    assert [event["eventType"] for event in events] == ["DELIVERED", "READ"]
    for event in events:
        assert event["messageId"] == "m-9"
        assert event["senderPhoneNumber"] == RCS_PHONE
        assert event["agentId"] == CREDENTIALS.rbm_agent_id
        assert event["eventId"]


def test_an_rcs_answer_is_a_signed_user_message(api, receiver):
    api.post("/_sandbox/inbound", json={"channel": "rcs", "from": RCS_PHONE, "text": "Pago mañana"})
    request = receiver.wait_for(1)[0]
    data = base64.b64decode(request.json()["message"]["data"])
    assert goog_signature_is_valid(
        CREDENTIALS.rbm_client_token, data, request.headers["X-Goog-Signature"]
    )
    message = json.loads(data)
    assert message["text"] == "Pago mañana"
    assert message["senderPhoneNumber"] == RCS_PHONE
    assert message["agentId"] == CREDENTIALS.rbm_agent_id
