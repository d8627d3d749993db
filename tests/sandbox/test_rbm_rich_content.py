"""The fake RBM API takes rich cards and suggestions within RBM's limits, refuses the rest."""

from __future__ import annotations

import pytest

from recaudo.delivery.channels.rcs import RbmChannel
from recaudo.outreach.contract import OutboundMessage, Suggestion
from tests.sandbox.conftest import CREDENTIALS

RBM_AUTH = {"Authorization": f"Bearer {CREDENTIALS.rbm_access_token}"}
RCS_PHONE = "+5215512345671"  # odd last digit: has RCS
URL = f"/rbm/v1/phones/{RCS_PHONE}/agentMessages"


def post(api, content: dict, message_id: str = "m-1"):
    params = {"messageId": message_id, "agentId": CREDENTIALS.rbm_agent_id}
    return api.post(URL, params=params, json={"contentMessage": content}, headers=RBM_AUTH)


def reply(text: str = "Ya pagué", postback: str = "recaudo:paid") -> dict:
    return {"reply": {"text": text, "postbackData": postback}}


def card(**content: object) -> dict:
    return {
        "richCard": {
            "standaloneCard": {"cardOrientation": "VERTICAL", "cardContent": dict(content)}
        }
    }


def test_the_channel_sends_a_rich_card_the_fake_accepts_and_logs(server, sandbox):
    channel = RbmChannel(
        {
            "base_url": f"{server.url}/rbm",
            "agent_id": CREDENTIALS.rbm_agent_id,
            "access_token": CREDENTIALS.rbm_access_token,
            "client_token": CREDENTIALS.rbm_client_token,
        }
    )
    message = OutboundMessage(
        outreach_id=3,
        channel="rcs",
        to=RCS_PHONE,
        text="Ana, tu pago de $1,250 vence hoy.",
        idempotency_key="outreach-3-0",
        card_title="Tienda Sol",
        suggestions=(
            Suggestion("Pagar", "recaudo:pay", url="https://pagos.test/p/tok"),
            Suggestion("Hablar con un asesor", "recaudo:agent"),
            Suggestion("Ya pagué", "recaudo:paid"),
        ),
    )

    result = channel.send(message)

    assert (result.outcome, result.provider_message_id) == ("accepted", "outreach-3-0")
    content = result.raw["contentMessage"]["richCard"]["standaloneCard"]["cardContent"]
    assert content["title"] == "Tienda Sol"
    logged = sandbox.log.get("outreach-3-0")
    assert logged is not None
    assert logged.text == (
        "Tienda Sol\nAna, tu pago de $1,250 vence hoy.\n"
        "[Pagar] · [Hablar con un asesor] · [Ya pagué]"
    )


def test_a_text_message_with_eleven_suggestions_is_accepted(api):
    response = post(api, {"text": "Hola", "suggestions": [reply()] * 11})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            {"text": "Hola", "suggestions": [reply()] * 12},
            "'agent_message.content_message.suggestions' has 12 suggestions; "
            "at most 11 are allowed.",
        ),
        (
            card(title="Tienda Sol", suggestions=[reply()] * 5),
            "'agent_message.content_message.rich_card.standalone_card.card_content.suggestions'"
            " has 5 suggestions; at most 4 are allowed.",
        ),
        (
            {"text": "Hola", "suggestions": [reply("Hablar con un asesor ahora")]},  # 26
            "'agent_message.content_message.suggestions[0].reply.text' exceeds 25 characters.",
        ),
        (
            {"text": "Hola", "suggestions": [reply(postback="x" * 2049)]},
            "'agent_message.content_message.suggestions[0].reply.postback_data' "
            "exceeds 2048 characters.",
        ),
        (
            card(title="T" * 201),
            "'agent_message.content_message.rich_card.standalone_card.card_content.title'"
            " exceeds 200 bytes.",
        ),
        (
            card(description="ñ" * 1001),  # 2002 bytes
            "'agent_message.content_message.rich_card.standalone_card.card_content.description'"
            " exceeds 2000 bytes.",
        ),
        (
            card(),
            "'agent_message.content_message.rich_card.standalone_card.card_content': "
            "at least one of title, description or media must be set.",
        ),
        (
            {"text": "x" * 3073},
            "'agent_message.content_message.text' exceeds 3072 characters.",
        ),
        (
            {
                "text": "Hola",
                "suggestions": [
                    {"action": {"text": "Pagar", "postbackData": "p", "openUrlAction": {}}}
                ],
            },
            "Invalid value at 'agent_message.content_message.suggestions[0].action"
            ".open_url_action.url'.",
        ),
    ],
)
def test_content_beyond_rbm_limits_gets_400_invalid_argument(api, sandbox, content, message):
    response = post(api, content)

    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}
    }
    assert len(sandbox.log) == 0
