"""In a real browser: a debtor asks for a person, an agent answers from the inbox,
and the answer reaches the debtor's phone (the sandbox's simulator)."""

from __future__ import annotations

import time
from datetime import date, timedelta

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from recaudo.conversations.models import Message, Thread
from recaudo.outreach.dispatcher import Dispatcher
from recaudo.outreach.models import Outreach
from recaudo.portfolio.models import ChannelConsent
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor, make_debt, make_debtor

PHONE = "+573001239876"
ANSWER = "Hola, soy Ana, te ayudo con tu cuenta"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def wait_for(condition, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_an_agent_takes_a_thread_answers_and_the_answer_reaches_the_phone(
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
    password = "una-clave-larga-de-prueba"
    get_user_model().objects.create_user("ana", "ana@example.com", password, is_staff=True)

    # The debtor writes on WhatsApp; the sandbox posts the signed webhook to the live server.
    response = httpx.post(
        f"{sandbox}/_sandbox/inbound",
        json={"channel": "whatsapp", "from": PHONE, "text": "quiero hablar con alguien"},
        timeout=5,
    )
    assert response.status_code == 201
    assert wait_for(lambda: Thread.objects.filter(debtor=debtor, state="waiting_agent").exists()), (
        "the webhook did not put the thread in the queue"
    )
    thread = Thread.objects.get(debtor=debtor)
    assert thread.handoff_reason == "human"

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-CO")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/admin/login/?next=/bandeja/")
        page.fill("#id_username", "ana")
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url("**/bandeja/")
        row = page.locator("tr.queue-row", has_text="Lucía Rojas")
        assert row.count() == 1
        page.screenshot(path=str(ARTIFACTS / "inbox-queue.png"), full_page=True)

        row.get_by_role("link", name="Lucía Rojas").click()
        page.wait_for_url(f"**/bandeja/{thread.pk}/")
        assert "quiero hablar con alguien" in page.content()
        page.get_by_role("button", name="Tomar conversación").click()
        page.wait_for_url(f"**/bandeja/{thread.pk}/")
        page.fill("textarea[name=text]", ANSWER)
        page.locator("form[action$='/responder'] button[type=submit]").click()
        page.wait_for_selector("text=Respuesta en cola para enviar.")
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
        reply = Outreach.objects.get(notice_key=f"agent:{message.pk}")
        assert reply.status in ("sent", "delivered", "read")
        assert reply.channel == "whatsapp"

        page.goto(f"{live_server.url}/sandbox/deudores/{debtor.pk}/")
        page.wait_for_selector(f"text={ANSWER}")
        page.screenshot(path=str(ARTIFACTS / "simulator-agent-answer.png"), full_page=True)
    finally:
        context.close()
