"""RCS reminders go as rich cards with suggested actions and replies (docs/channels.md)."""

from __future__ import annotations

import json

import httpx

from recaudo.delivery.channels.rcs import RbmChannel, content_message
from recaudo.outreach.contract import OutboundMessage, Suggestion

CONFIG = {
    "base_url": "https://rbm.test",
    "agent_id": "recaudo_agent",
    "access_token": "test-token",
    "client_token": "SJENCPGJESMGUFPY",
}
CHIPS = (
    Suggestion("Pagar", "recaudo:pay", url="https://pagos.test/p/tok"),
    Suggestion("Hablar con un asesor", "recaudo:agent"),
    Suggestion("Ya pagué", "recaudo:paid"),
)
PAY_ACTION = {
    "action": {
        "text": "Pagar",
        "postbackData": "recaudo:pay",
        "openUrlAction": {"url": "https://pagos.test/p/tok"},
    }
}
AGENT_REPLY = {"reply": {"text": "Hablar con un asesor", "postbackData": "recaudo:agent"}}
PAID_REPLY = {"reply": {"text": "Ya pagué", "postbackData": "recaudo:paid"}}


def rcs(**changes: object) -> OutboundMessage:
    fields: dict = {
        "outreach_id": 12,
        "channel": "rcs",
        "to": "+5215512345678",
        "text": "Tienda Sol: Ana, tu pago de $1,250 vence hoy.",
        "idempotency_key": "outreach-12-1",
    }
    fields.update(changes)
    return OutboundMessage(**fields)


def test_a_message_with_a_title_is_sent_as_a_standalone_card_with_its_chips():
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    channel = RbmChannel(CONFIG, transport=httpx.MockTransport(handler))

    result = channel.send(rcs(card_title="Tienda Sol", suggestions=CHIPS))

    assert result.outcome == "accepted"
    [request] = sent
    assert json.loads(request.content) == {
        "contentMessage": {
            "richCard": {
                "standaloneCard": {
                    "cardOrientation": "VERTICAL",
                    "cardContent": {
                        "title": "Tienda Sol",
                        "description": "Tienda Sol: Ana, tu pago de $1,250 vence hoy.",
                        "suggestions": [PAY_ACTION, AGENT_REPLY, PAID_REPLY],
                    },
                }
            }
        }
    }


def test_a_message_without_a_title_is_text_with_the_chips_under_it():
    assert content_message(rcs(suggestions=CHIPS)) == {
        "text": "Tienda Sol: Ana, tu pago de $1,250 vence hoy.",
        "suggestions": [PAY_ACTION, AGENT_REPLY, PAID_REPLY],
    }


def test_a_card_keeps_four_suggestions_and_a_text_message_eleven():
    many = tuple(Suggestion(f"Opción {n}", f"option:{n}") for n in range(14))

    card = content_message(rcs(card_title="Tienda Sol", suggestions=many))
    text = content_message(rcs(suggestions=many))

    card_chips = card["richCard"]["standaloneCard"]["cardContent"]["suggestions"]
    assert [chip["reply"]["postbackData"] for chip in card_chips] == [
        "option:0",
        "option:1",
        "option:2",
        "option:3",
    ]
    assert len(text["suggestions"]) == 11


def test_a_text_longer_than_a_card_description_goes_as_text_message():
    long_text = "á" * 1001  # 2002 bytes: over the card's 2000

    content = content_message(rcs(card_title="Tienda Sol", text=long_text, suggestions=CHIPS))

    assert content == {"text": long_text, "suggestions": [PAY_ACTION, AGENT_REPLY, PAID_REPLY]}


def test_a_message_without_chips_or_title_is_plain_text_as_before():
    assert content_message(rcs()) == {"text": "Tienda Sol: Ana, tu pago de $1,250 vence hoy."}
