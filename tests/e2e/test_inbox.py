"""In a real browser: a debtor asks for a person, an agent answers from the inbox
through htmx (the page never reloads), and the answer reaches the debtor's phone
(the sandbox's simulator); the inbox in English; a call-back recorded in place."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from recaudo.conversations.models import Message, Thread
from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.models import Outreach
from recaudo.portfolio.models import ChannelConsent
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor, make_debt, make_debtor

PHONE = "+573001239876"
# Lucía is a person: her policy (B2C) says "tú", so the agent's canned answer does too.
GREETING = "Hola, Lucía. Te habla una persona del equipo de cobranza. ¿En qué te puedo ayudar?"
ANSWER = f"{GREETING} Soy Ana."
PASSWORD = "una-clave-larga-de-prueba"
# Set on the page once; a full reload would lose it.
MARKER = "window.__sinRecarga = 'sí'"
STILL_THE_SAME_PAGE = "window.__sinRecarga === 'sí'"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def wait_for(condition, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def log_in(browser, live_server, next_url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-CO")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")
    return context, page, errors


def test_an_agent_takes_a_thread_and_answers_in_place_and_the_answer_reaches_the_phone(
    live_server, sandbox, browser
):
    creditor = make_creditor(brand_name="Servicios Andinos")
    debtor = make_debtor(creditor, phone=PHONE, first_name="Lucía", full_name="Lucía Rojas")
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=timezone.now() - timedelta(days=30),
    )
    make_debt(debtor, "150000.00", due_on=date.today() - timedelta(days=10))
    get_user_model().objects.create_user("ana", "ana@example.com", PASSWORD, is_staff=True)

    context, page, errors = log_in(browser, live_server, "/bandeja/")
    try:
        assert page.evaluate("typeof htmx") == "object", "htmx did not load"
        assert page.get_by_text("No hay conversaciones esperando.").is_visible()
        page.evaluate(MARKER)

        # The debtor writes on WhatsApp; the sandbox posts the signed webhook to the live server.
        response = httpx.post(
            f"{sandbox}/_sandbox/inbound",
            json={"channel": "whatsapp", "from": PHONE, "text": "quiero hablar con alguien"},
            timeout=5,
        )
        assert response.status_code == 201
        # The queue reloads itself (every 10 s): the thread shows up without a reload.
        row = page.locator("tr.queue-row", has_text="Lucía Rojas")
        row.wait_for(timeout=25_000)
        assert page.evaluate(STILL_THE_SAME_PAGE)
        thread = Thread.objects.get(debtor=debtor)
        assert (thread.state, thread.handoff_reason) == ("waiting_agent", "human")
        page.screenshot(path=str(ARTIFACTS / "inbox-queue.png"), full_page=True)

        row.get_by_role("link", name="Lucía Rojas").click()
        page.wait_for_url(f"**/bandeja/{thread.pk}/")
        assert "quiero hablar con alguien" in page.locator("#timeline").inner_text()
        page.evaluate(MARKER)

        page.get_by_role("button", name="Tomar conversación").click()
        page.locator("#thread-state", has_text="con un agente").wait_for()
        assert page.get_by_role("button", name="Tomar conversación").count() == 0
        page.locator("#timeline", has_text="ana tomó la conversación.").wait_for()

        # A canned answer goes into the reply box, filled in; the agent adds to it.
        reply = page.locator("#reply_text")
        page.get_by_role("button", name="Saludo").click()
        page.wait_for_function(
            "expected => document.querySelector('#reply_text').value === expected", arg=GREETING
        )
        reply.press("End")
        reply.type(" Soy Ana.")
        page.locator("form.answer-form button[type=submit]").click()

        page.locator("#timeline", has_text=ANSWER).wait_for()
        page.get_by_text("Respuesta en cola para enviar.").wait_for()
        assert page.locator("#reply_text").input_value() == ""
        assert page.evaluate(STILL_THE_SAME_PAGE), "the page reloaded"
        assert page.url == f"{live_server.url}/bandeja/{thread.pk}/"
        page.screenshot(path=str(ARTIFACTS / "inbox-thread.png"), full_page=True)

        thread.refresh_from_db()
        assert (thread.state, thread.assigned_to.get_username()) == ("with_agent", "ana")
        message = Message.objects.get(thread=thread, author="agent", kind="message")
        assert message.text == ANSWER

        worker = Dispatcher(name="e2e")
        try:
            worker.run_once()
        finally:
            worker.close()
        sent = Outreach.objects.get(notice_key=f"agent:{message.pk}")
        assert sent.status in ("sent", "delivered", "read")
        assert sent.channel == "whatsapp"

        # The agent switches the inbox to English; the debtor still gets Spanish.
        page.get_by_role("button", name="English").click()
        page.get_by_role("heading", name="Reply").wait_for()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", name="Internal note").is_visible()
        assert page.get_by_label("Reason for non-payment").is_visible()
        assert page.get_by_role("button", name="Hand back to the bot").is_visible()
        assert page.get_by_text("Tomar conversación").count() == 0
        page.evaluate(MARKER)
        page.get_by_role("button", name="Greeting").click()
        page.wait_for_function(
            "expected => document.querySelector('#reply_text').value === expected", arg=GREETING
        )
        assert page.evaluate(STILL_THE_SAME_PAGE)
        page.screenshot(path=str(ARTIFACTS / "inbox-thread-en.png"), full_page=True)
        assert errors == []

        phone = context.new_page()
        phone.goto(f"{live_server.url}/sandbox/deudores/{debtor.pk}/")
        phone.wait_for_selector(f"text={ANSWER}")
        phone.screenshot(path=str(ARTIFACTS / "simulator-agent-answer.png"), full_page=True)
    finally:
        context.close()


def test_an_agent_records_call_again_later_and_the_panel_updates_in_place(live_server, browser):
    creditor = make_creditor()
    debtor = make_debtor(creditor, phone="+573001239877", full_name="Mario Pérez")
    make_debt(debtor, "250000.00", due_on=date.today() - timedelta(days=30))
    now = timezone.now()
    task = Outreach.objects.create(
        creditor=creditor, debtor=debtor, anchor_due_on=date.today() - timedelta(days=30),
        planned_on=date.today() - timedelta(days=1), action="call_task", channel="call",
        contact_point=debtor.contact_points.get(), template_key="call", tone="late",
        language="es", currency="COP", amount_due=Decimal("250000.00"),
        window_start=now - timedelta(days=1), window_end=now - timedelta(hours=12),
    )  # fmt: skip
    get_user_model().objects.create_user("ana", "ana@example.com", PASSWORD, is_staff=True)
    # Two days ahead, 10:00 on the debtor's clock.
    asked = (datetime.now(ZoneInfo("America/Bogota")) + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )

    context, page, errors = log_in(browser, live_server, "/bandeja/llamadas/")
    try:
        page.get_by_role("link", name="Mario Pérez").click()
        page.wait_for_url(f"**/bandeja/llamadas/{task.pk}/")
        page.evaluate(MARKER)
        page.select_option("#id_outcome", "call_back")
        page.fill("#id_call_back_at", asked.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_role("button", name="Registrar", exact=True).click()

        page.locator(
            "#call-panel", has_text="Llamada registrada: volver a llamar más tarde"
        ).wait_for()
        page.locator("#timeline", has_text="Llamada: volver a llamar más tarde").wait_for()
        page.get_by_text("Llamada registrada.", exact=False).first.wait_for()
        assert page.evaluate(STILL_THE_SAME_PAGE), "the page reloaded"
        page.screenshot(path=str(ARTIFACTS / "call-back.png"), full_page=True)
        assert errors == []

        again = Outreach.objects.get(notice_key=f"call-back:{task.pk}")
        assert again.window_start >= asked.astimezone(ZoneInfo("UTC"))
        page.get_by_role("link", name="Nueva llamada").click()
        page.wait_for_url(f"**/bandeja/llamadas/{again.pk}/")
        assert "El deudor pidió que lo llamaran el" in page.locator("#call-panel").inner_text()
    finally:
        context.close()
