"""In a real browser: a reminder sent by the dispatcher appears in the phone simulator."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model

from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.models import Outreach
from recaudo.outreach.planner import plan
from recaudo.portfolio.models import ChannelConsent
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor, make_debt, make_debtor

DAY = date(2026, 11, 24)
PLANNED_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
SEND_AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_reminder_reaches_the_phone_simulator_and_its_ticks_turn_to_read(
    live_server, sandbox, phone_page
):
    creditor = make_creditor(brand_name="Servicios Andinos")
    debtor = make_debtor(creditor, phone="+573001234567", first_name="Lucía")
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=PLANNED_AT,
    )
    make_debt(debtor, "150000.00", due_on=DAY + timedelta(days=7))
    plan(DAY, now=PLANNED_AT)
    worker = Dispatcher(name="e2e")
    worker.run_once(SEND_AT)
    worker.close()
    outreach = Outreach.objects.get()
    assert outreach.status == "sent"
    password = "una-clave-larga-de-prueba"
    get_user_model().objects.create_superuser("agente", "agente@example.com", password)

    page = phone_page
    page.goto(f"{live_server.url}/admin/login/?next=/sandbox/deudores/{debtor.pk}/")
    page.fill("#id_username", "agente")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"**/sandbox/deudores/{debtor.pk}/")
    # The approved WhatsApp text with the values in, as the debtor's phone shows it.
    bubble = page.locator(".tick-sent, .tick-delivered, .tick-read").first
    assert bubble.count() == 1
    text = page.content()
    assert "Lucía" in text
    assert "Servicios Andinos" in text
    assert "$150.000,00" in text
    assert "[recaudo_reminder_before]" not in text

    # The sandbox posts signed status webhooks: sent, delivered, then read.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        outreach.refresh_from_db()
        if outreach.status == "read":
            break
        time.sleep(0.2)
    assert outreach.status == "read"
    assert outreach.delivered_at is not None
    page.reload()
    page.wait_for_selector(".tick-read")
    page.screenshot(path=str(ARTIFACTS / "phone-simulator-whatsapp.png"), full_page=True)
