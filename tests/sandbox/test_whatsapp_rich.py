"""The fake WhatsApp API's interactive messages and template components, refused as Meta does."""

from __future__ import annotations

import json

import pytest

from tests.sandbox.conftest import CREDENTIALS
from tests.sandbox.support import hub_signature_is_valid

URL = f"/whatsapp/v21.0/{CREDENTIALS.whatsapp_phone_number_id}/messages"
AUTH = {"Authorization": f"Bearer {CREDENTIALS.whatsapp_access_token}"}
PHONE = "5215512345678"


def buttons(*titles: str, body: str = "¿Qué desea hacer?", ids: list[str] | None = None) -> dict:
    ids = ids or [f"recaudo.{n}" for n in range(len(titles))]
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": PHONE,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": i, "title": t}}
                    for i, t in zip(ids, titles, strict=True)
                ]
            },
        },
    }


def listing(rows: list[dict], label: str = "Ver planes", sections: list[dict] | None = None):
    return {
        "messaging_product": "whatsapp",
        "to": PHONE,
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Estos son sus planes:"},
            "action": {"button": label, "sections": sections or [{"rows": rows}]},
        },
    }


def row(n: int, title: str = "", description: str = "") -> dict:
    found = {"id": f"recaudo.plan.{n}", "title": title or f"{n} cuotas"}
    if description:
        found["description"] = description
    return found


def open_window(api) -> None:
    answered = api.post(
        "/_sandbox/inbound", json={"channel": "whatsapp", "from": f"+{PHONE}", "text": "Hola"}
    )
    assert answered.status_code == 201


def refused(response, code: int) -> str:
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["type"]) == (code, "OAuthException")
    assert error["message"].startswith(f"(#{code}) ")
    return error["error_data"]["details"]


def test_reply_buttons_outside_the_window_get_131047(api):
    response = api.post(URL, json=buttons("Pagar"), headers=AUTH)

    assert "24 hours" in refused(response, 131047)


def test_reply_buttons_inside_the_window_are_accepted_and_shown_with_their_titles(api, sandbox):
    open_window(api)

    response = api.post(
        URL, json=buttons("Pagar", "Hablar con un asesor", "Ya pagué"), headers=AUTH
    )

    assert response.status_code == 200
    wamid = response.json()["messages"][0]["id"]
    record = sandbox.log.get(wamid)
    assert record.text == "¿Qué desea hacer?\n[Pagar] [Hablar con un asesor] [Ya pagué]"


@pytest.mark.parametrize(
    ("message", "code", "details"),
    [
        (buttons("A", "B", "C", "D"), 131009, "Buttons count invalid. Min: 1, Max: 3"),
        (
            buttons("Hablar con un asesor!"),
            131009,
            "Button title length invalid. Min length: 1, Max length: 20",
        ),
        (
            buttons("Pagar", ids=["x" * 257]),
            131009,
            "Button id length invalid. Min length: 1, Max length: 256",
        ),
        (
            buttons("Pagar", body="x" * 1025),
            131009,
            "Body text length invalid. Min length: 1, Max length: 1024",
        ),
        (buttons("Pagar", "Pagar"), 131009, "Button title must be unique within the message."),
        (buttons("Pagar", body=""), 131008, "The parameter 'interactive.body.text' is required."),
    ],
)
def test_reply_buttons_beyond_metas_limits_are_refused_with_its_error(
    api, sandbox, message, code, details
):
    open_window(api)

    response = api.post(URL, json=message, headers=AUTH)

    assert refused(response, code) == details
    assert [r.direction for r in sandbox.log.all("whatsapp")] == ["inbound"]  # nothing sent


def test_a_list_inside_the_window_is_accepted_and_shown_with_its_rows(api, sandbox):
    open_window(api)
    rows = [row(1, "1 cuota", "de $185.000"), row(3, "3 cuotas", "de $61.667 cada una")]

    response = api.post(URL, json=listing(rows), headers=AUTH)

    assert response.status_code == 200
    record = sandbox.log.get(response.json()["messages"][0]["id"])
    assert record.text == "Estos son sus planes:\n[Ver planes] 1 cuota · 3 cuotas"


@pytest.mark.parametrize(
    ("message", "details"),
    [
        (listing([row(1)], label="Ver todos los planes!"), "Button label length invalid. "
         "Min length: 1, Max length: 20"),
        (listing([row(n) for n in range(11)]), "Rows count invalid. Max rows across all "
         "sections: 10"),
        (
            listing([], sections=[{"title": f"S{n}", "rows": [row(n)]} for n in range(11)]),
            "Sections count invalid. Min: 1, Max: 10",
        ),
        (listing([row(1, "12 cuotas mensuales fijas")]), "Row title length invalid. "
         "Min length: 1, Max length: 24"),
        (listing([row(1, "1 cuota", "x" * 73)]), "Row description length invalid. "
         "Min length: 1, Max length: 72"),
        (
            listing([{"id": "x" * 201, "title": "1 cuota"}]),
            "Row id length invalid. Min length: 1, Max length: 200",
        ),
    ],
)  # fmt: skip
def test_a_list_beyond_metas_limits_is_refused_with_131009(api, message, details):
    open_window(api)

    assert refused(api.post(URL, json=message, headers=AUTH), 131009) == details


def test_two_sections_without_titles_are_refused_with_131008(api):
    open_window(api)
    message = listing([], sections=[{"rows": [row(1)]}, {"rows": [row(2)]}])

    details = refused(api.post(URL, json=message, headers=AUTH), 131008)

    assert details == "Section title is required when there is more than one section."


def statement_template(components: list[dict]) -> dict:
    return {
        "messaging_product": "whatsapp",
        "to": PHONE,
        "type": "template",
        "template": {
            "name": "estado_cuenta",
            "language": {"code": "es"},
            "components": components,
        },
    }


DOCUMENT = {
    "type": "header",
    "parameters": [
        {
            "type": "document",
            "document": {"link": "https://r.example/p/t/estado-de-cuenta.pdf",
                         "filename": "estado-de-cuenta.pdf"},
        }
    ],
}  # fmt: skip
BODY = {"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}


def quick_reply(index: int, payload: str) -> dict:
    return {
        "type": "button",
        "sub_type": "quick_reply",
        "index": str(index),
        "parameters": [{"type": "payload", "payload": payload}],
    }


@pytest.fixture
def approved(sandbox):
    sandbox.catalog.register(
        "estado_cuenta", "es", 1, "Hola {{1}}, le enviamos su estado de cuenta.",
        header="document", buttons=("quick_reply", "quick_reply", "quick_reply"),
    )  # fmt: skip


def test_a_template_with_its_document_header_and_quick_replies_is_accepted(api, approved):
    components = [DOCUMENT, BODY, quick_reply(0, "recaudo.pay"), quick_reply(2, "recaudo.paid")]

    response = api.post(URL, json=statement_template(components), headers=AUTH)

    assert response.status_code == 200
    assert response.json()["messages"][0]["message_status"] == "accepted"


def test_a_document_template_sent_without_its_header_gets_132000(api, approved):
    details = refused(api.post(URL, json=statement_template([BODY]), headers=AUTH), 132000)

    assert details == (
        "header: number of localizable_params (0) does not match the expected number of params (1)"
    )


def test_a_document_template_sent_with_a_text_header_gets_132012(api, approved):
    header = {"type": "header", "parameters": [{"type": "text", "text": "Estado"}]}

    details = refused(api.post(URL, json=statement_template([header, BODY]), headers=AUTH), 132012)

    assert details == "header: Format mismatch, expected DOCUMENT, received TEXT"


def test_a_header_sent_to_a_template_without_one_gets_132000(api, sandbox):
    sandbox.catalog.register("sin_encabezado", "es", 1)
    message = statement_template([DOCUMENT, BODY])
    message["template"]["name"] = "sin_encabezado"

    assert refused(api.post(URL, json=message, headers=AUTH), 132000).startswith("header: ")


def test_a_quick_reply_where_the_template_has_none_is_refused(api, approved):
    beyond = statement_template([DOCUMENT, BODY, quick_reply(3, "recaudo.pay")])
    url_button = statement_template([DOCUMENT, BODY, {**quick_reply(0, "x"), "sub_type": "url"}])

    assert refused(api.post(URL, json=beyond, headers=AUTH), 132000) == (
        "button at index 3: the template has 3 buttons"
    )
    assert refused(api.post(URL, json=url_button, headers=AUTH), 132012) == (
        "button at index 0: Format mismatch, expected QUICK_REPLY, received URL"
    )


def test_a_tapped_button_arrives_as_metas_interactive_and_quick_reply_webhooks(
    api, receiver, sandbox
):
    open_window(api)
    sent = api.post(URL, json=buttons("Pagar"), headers=AUTH).json()["messages"][0]["id"]

    for kind, choice_id, title in [
        ("button_reply", "recaudo.pay", "Pagar"),
        ("list_reply", "recaudo.plan.3", "3 cuotas"),
        ("quick_reply", "recaudo.paid", "Ya pagué"),
    ]:
        response = api.post(
            "/_sandbox/inbound",
            json={"channel": "whatsapp", "from": f"+{PHONE}", "text": title,
                  "choice": {"kind": kind, "id": choice_id}},
        )  # fmt: skip
        assert response.status_code == 201

    with_messages = receiver.wait_for(4, where=lambda r: b'"messages"' in r.body, timeout=15)
    assert len(with_messages) == 4
    for received in with_messages:
        assert hub_signature_is_valid(
            CREDENTIALS.whatsapp_app_secret, received.body, received.headers["X-Hub-Signature-256"]
        )
    # The sandbox posts each webhook on its own: they may arrive in any order.
    inbound = [m for m in _messages(with_messages) if m["type"] != "text"]
    by_type = sorted(inbound, key=lambda m: json.dumps(m.get("interactive", m.get("button"))))
    assert sorted(m["type"] for m in inbound) == ["button", "interactive", "interactive"]
    assert [m.get("interactive") for m in by_type if m["type"] == "interactive"] == [
        {"type": "button_reply", "button_reply": {"id": "recaudo.pay", "title": "Pagar"}},
        {"type": "list_reply", "list_reply": {"id": "recaudo.plan.3", "title": "3 cuotas"}},
    ]
    assert [m["button"] for m in inbound if m["type"] == "button"] == [
        {"payload": "recaudo.paid", "text": "Ya pagué"}
    ]
    assert all(m["context"]["id"] == sent for m in inbound)


def _messages(received) -> list[dict]:
    found = []
    for item in received:
        for entry in json.loads(item.body)["entry"]:
            for change in entry["changes"]:
                found.extend(change["value"].get("messages", []))
    return found
