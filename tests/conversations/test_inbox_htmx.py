"""The inbox with htmx: fragments swapped in place, the queue reloading itself,
CSRF in headers, canned answers inserted into the reply box; the same forms
without JavaScript; the inbox in English."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.test import Client

from recaudo.conversations.models import Message, Thread
from recaudo.outreach.models import Outreach
from tests.conversations.helpers import waiting_thread

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in Bogotá
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def visible_text(html: str) -> str:
    """What a person reads: no tags, scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def element(html: str, element_id: str) -> str:
    """The opening tag of the element with ``element_id``."""
    found = re.search(rf'<[a-z]+ id="{element_id}"[^>]*>', html)
    assert found, f"no element #{element_id} in the response"
    return found.group(0)


def test_every_page_loads_the_vendored_htmx_and_sends_the_csrf_token_in_its_headers(
    client, creditor, agent
):
    thread = waiting_thread(creditor, "+573001120001")

    html = client.get(f"/bandeja/{thread.pk}/").content.decode()

    assert '<script src="/static/conversations/htmx.min.js" defer></script>' in html
    token = client.cookies["csrftoken"].value
    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"[^\"]+\"\}'>", html)
    assert token  # the middleware issued a token for this page
    vendored = finders.find("conversations/htmx.min.js")
    assert vendored is not None
    with open(vendored, encoding="utf-8") as file:
        first_line = file.readline()
    assert first_line.startswith("/*! htmx 2.0.11 ") and "0BSD" in first_line


def test_an_htmx_post_with_the_token_in_the_header_passes_the_csrf_check_and_one_without_fails(
    creditor,
):
    thread = waiting_thread(creditor, "+573001120002")
    User.objects.create_user("ana", password="x", is_staff=True)
    browser = Client(enforce_csrf_checks=True)
    browser.login(username="ana", password="x")
    html = browser.get(f"/bandeja/{thread.pk}/").content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)

    refused = browser.post(f"/bandeja/{thread.pk}/nota", {"text": "sin token"}, headers=HTMX)
    accepted = browser.post(
        f"/bandeja/{thread.pk}/nota",
        {"text": "con token"},
        headers={**HTMX, "X-CSRFToken": token},
    )

    assert refused.status_code == 403
    assert accepted.status_code == 200
    notes = Message.objects.filter(kind="note", author="agent").values_list("text", flat=True)
    assert list(notes) == ["con token"]


def test_taking_a_thread_with_htmx_swaps_the_state_panel_and_the_timeline_in_place(
    client, creditor, agent
):
    thread = waiting_thread(creditor, "+573001120003")

    response = client.post(f"/bandeja/{thread.pk}/tomar", headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.startswith('<div id="thread-state">')  # the target itself, swapped in place
    assert "con un agente" in html and "Agente: ana" in html
    assert "Tomar conversación" not in html  # taken: the button is gone
    assert 'hx-swap-oob="true"' in element(html, "timeline")
    assert "ana tomó la conversación." in html
    thread.refresh_from_db()
    assert (thread.state, thread.assigned_to) == ("with_agent", agent)


def test_an_htmx_answer_resets_the_reply_box_and_shows_the_answer_in_the_timeline(
    client, creditor, agent
):
    thread = waiting_thread(creditor, "+573001120004")

    response = client.post(
        f"/bandeja/{thread.pk}/responder", {"text": "Hola, soy Ana."}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="answer-box">')
    assert re.search(r'<textarea name="text"[^>]*>\s*</textarea>', html)  # empty again
    timeline = html[html.index('<section id="timeline"') :]
    assert "Hola, soy Ana." in timeline
    assert 'hx-swap-oob="true"' in element(html, "thread-state")
    assert 'hx-swap-oob="true"' in element(html, "flash")
    assert "Respuesta en cola para enviar." in html
    message = Message.objects.get(author="agent", kind="message")
    reply = Outreach.objects.get(notice_key=f"agent:{message.pk}")
    assert reply.notice_context["text"] == "Hola, soy Ana."
    # The message was shown by this fragment: the next full page does not repeat it.
    assert (
        "Respuesta en cola para enviar."
        not in client.get(f"/bandeja/{thread.pk}/").content.decode()
    )


def test_a_refused_htmx_answer_keeps_the_text_and_says_why(client, creditor, agent):
    thread = waiting_thread(creditor, "+573001120005")
    Thread.objects.filter(pk=thread.pk).update(
        last_channel="whatsapp", whatsapp_window_until=NOW - timedelta(minutes=1)
    )

    response = client.post(f"/bandeja/{thread.pk}/responder", {"text": "Hola"}, headers=HTMX)

    html = response.content.decode()
    assert "se necesita una plantilla aprobada" in html
    assert re.search(r'<textarea name="text"[^>]*>\s*Hola</textarea>', html)
    assert not Outreach.objects.filter(notice_key__startswith="agent:").exists()


def test_notes_outcomes_and_hand_back_with_htmx_update_the_timeline_and_the_state(
    client, creditor, agent
):
    thread = waiting_thread(creditor, "+573001120006")

    note = client.post(f"/bandeja/{thread.pk}/nota", {"text": "Llamar el martes"}, headers=HTMX)
    outcome = client.post(
        f"/bandeja/{thread.pk}/resultado", {"reason": "no_money", "outcome": "plan"}, headers=HTMX
    )
    empty_note = client.post(f"/bandeja/{thread.pk}/nota", {"text": "  "}, headers=HTMX)
    back = client.post(f"/bandeja/{thread.pk}/devolver", headers=HTMX)

    note_html = note.content.decode()
    assert note_html.startswith('<form id="note-form"')
    assert "Llamar el martes" in note_html[note_html.index('<section id="timeline"') :]
    assert "Nota guardada." in note_html
    outcome_html = outcome.content.decode()
    assert outcome_html.startswith('<form id="outcome-form"')
    assert "Motivo de no pago: no tiene dinero" in outcome_html
    assert "Resultado: plan" in outcome_html
    assert "Escriba la nota" in empty_note.content.decode()
    back_html = back.content.decode()
    assert back.status_code == 200  # in place, not a redirect to the queue
    assert back_html.startswith('<form id="hand-back-form"')
    assert '<span class="thread-state">bot</span>' in back_html
    assert "ana devolvió la conversación al bot." in back_html
    assert "Conversación devuelta al bot." in back_html
    thread.refresh_from_db()
    assert (thread.state, thread.non_payment_reason, thread.outcome) == ("bot", "no_money", "plan")
    assert Message.objects.filter(kind="note", author="agent").count() == 1


def test_without_javascript_the_same_forms_redirect_and_the_message_shows_on_the_next_page(
    client, creditor, agent
):
    thread = waiting_thread(creditor, "+573001120007")

    note = client.post(f"/bandeja/{thread.pk}/nota", {"text": "Sin JS"})
    back = client.post(f"/bandeja/{thread.pk}/devolver", {"close": "1"})

    assert (note.status_code, note["Location"]) == (302, f"/bandeja/{thread.pk}/")
    assert (back.status_code, back["Location"]) == (302, "/bandeja/")
    assert "Conversación cerrada." in client.get("/bandeja/").content.decode()
    thread.refresh_from_db()
    assert thread.state == "closed"


def test_the_queue_reloads_its_table_every_ten_seconds_and_shows_new_handoffs(
    client, creditor, agent
):
    page = client.get("/bandeja/").content.decode()
    assert 'hx-get="/bandeja/cola" hx-trigger="every 10s" hx-swap="outerHTML"' in page
    assert "No hay conversaciones esperando." in page

    thread = waiting_thread(creditor, "+573001120008", full_name="Lucía Rojas")
    fragment = client.get("/bandeja/cola", headers=HTMX)

    html = fragment.content.decode()
    assert html.startswith('<div id="queue-list" hx-get="/bandeja/cola"')  # keeps polling
    assert "<html" not in html
    assert f'<a href="/bandeja/{thread.pk}/">Lucía Rojas</a>' in html
    assert "HX-Request" in fragment["Vary"]
    assert client.get("/bandeja/cola")["Location"] == "/bandeja/"  # not a page of its own


def test_an_htmx_request_after_the_session_ended_sends_the_browser_to_the_login_page(
    client, creditor
):
    response = client.get(
        "/bandeja/cola", headers={**HTMX, "HX-Current-URL": "http://testserver/bandeja/"}
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/admin/login/?next=%2Fbandeja%2F"


def test_a_canned_answer_fills_the_reply_box_with_the_debtors_name_and_balance_in_their_register(
    client, creditor, agent
):
    thread = waiting_thread(creditor, "+573001120009", first_name="Lucía")
    page = client.get(f"/bandeja/{thread.pk}/").content.decode()
    assert (
        f'formaction="/bandeja/{thread.pk}/rapida/1" hx-get="/bandeja/{thread.pk}/rapida/1" '
        'hx-target="#reply-field" hx-swap="outerHTML">Saldo</button>'
    ) in page

    greeting = client.get(f"/bandeja/{thread.pk}/rapida/0", headers=HTMX).content.decode()
    balance = client.get(f"/bandeja/{thread.pk}/rapida/1", headers=HTMX).content.decode()

    assert greeting.startswith('<div id="reply-field">')
    # A person is in the B2C policy, whose register is "tú": the chat and the agent agree.
    assert "Hola, Lucía. Te habla una persona del equipo de cobranza." in greeting
    assert "Tu saldo pendiente es de $250.000,00." in balance
    assert "<html" not in balance
    assert client.get(f"/bandeja/{thread.pk}/rapida/9", headers=HTMX).status_code == 404
    assert not Outreach.objects.filter(notice_key__startswith="agent:").exists()  # nothing sent


def test_without_javascript_a_canned_answer_opens_the_page_with_the_reply_box_filled(
    client, creditor, agent
):
    thread = waiting_thread(creditor, "+573001120010", first_name="Lucía")

    html = client.get(f"/bandeja/{thread.pk}/rapida/0").content.decode()

    assert "<html" in html
    assert re.search(r'<textarea name="text"[^>]*>\s*Hola, Lucía\. Te habla', html)


def test_a_canned_answer_says_usted_to_a_debtor_whose_policy_says_usted(client, creditor, agent):
    from recaudo.policies.models import Policy

    Policy.objects.filter(creditor=None).update(register=Policy.Register.USTED)
    thread = waiting_thread(creditor, "+573001120012", first_name="Lucía")

    balance = client.get(f"/bandeja/{thread.pk}/rapida/1", headers=HTMX).content.decode()

    assert "Su saldo pendiente es de $250.000,00. Puede pagarlo" in balance


def test_a_canned_answer_to_a_brazilian_debtor_is_in_portuguese(client, creditor, agent):
    thread = waiting_thread(creditor, "+573001120013", first_name="João", language="pt")

    balance = client.get(f"/bandeja/{thread.pk}/rapida/1", headers=HTMX).content.decode()

    assert "Seu saldo em aberto é de COP 250.000,00." in balance


def test_a_canned_answer_is_in_the_debtors_language_whatever_the_agents(client, creditor, agent):
    thread = waiting_thread(creditor, "+573001120011", first_name="John", language="en")

    html = client.get(
        f"/bandeja/{thread.pk}/rapida/1", headers={**HTMX, "Accept-Language": "es"}
    ).content.decode()

    assert "Your outstanding balance is COP250,000.00." in html
    assert "Respuesta" in html  # the label is the agent's


ENGLISH_QUEUE = (
    "Conversations that need a person",
    "Debtor",
    "Reason",
    "Balance",
    "waiting for an agent",
    "asked to talk to a person",
    "Calls",
    "Inbox",
)
ENGLISH_THREAD = (
    "Take conversation",
    "Reply",
    "Quick answers",
    "Greeting",
    "Instalment plan",
    "Answer",
    "Send",
    "Internal note",
    "Save note",
    "Reason for non-payment",
    "Hand back to the bot",
    "Close conversation",
    "Export CSV",
    "debtor",
)
SPANISH_LABELS = (
    "Conversaciones que necesitan una persona",
    "Deudor",
    "Motivo",
    "Saldo",
    "Estado",
    "Agente",
    "esperando a un agente",
    "pidió hablar con una persona",
    "Tomar conversación",
    "Responder",
    "Respuestas rápidas",
    "Nota interna",
    "Guardar nota",
    "Motivo de no pago",
    "Devolver al bot",
    "Cerrar conversación",
    "Exportar CSV",
    "Llamadas",
    "Bandeja",
)


def test_an_agent_who_picks_english_sees_the_queue_and_a_thread_in_english(client, creditor, agent):
    thread = waiting_thread(creditor, "+573001120012", full_name="Lucía Rojas")

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/bandeja/"})
    queue = client.get("/bandeja/").content.decode()
    page = client.get(f"/bandeja/{thread.pk}/").content.decode()

    assert switched["Location"] == "/bandeja/"
    assert '<html lang="en">' in queue and '<html lang="en">' in page
    for text in ENGLISH_QUEUE:
        assert text in queue, text
    for text in ENGLISH_THREAD:
        assert text in page, text
    shown = visible_text(queue) + "\n" + visible_text(page)
    leftovers = [label for label in SPANISH_LABELS if re.search(rf"\b{label}\b", shown)]
    assert leftovers == []
    # What the debtor wrote stays as they wrote it.
    assert "quiero hablar con alguien" in page


def test_an_english_browser_gets_the_inbox_in_english_without_choosing(client, creditor, agent):
    html = client.get("/bandeja/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()

    assert "Conversations that need a person" in html
    assert "No conversations waiting." in html
