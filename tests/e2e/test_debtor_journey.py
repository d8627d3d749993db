"""In a real browser: a debtor's journey from a reminder to being thanked.

The reminder reaches the phone simulator; the debtor asks "cuánto debo" and
the bot answers with the real balance; the debtor opens the link in the
reminder, pays with the sandbox provider, and the thank-you arrives.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.models import Outreach
from recaudo.outreach.planner import plan
from recaudo.portfolio.models import ChannelConsent, Debt, Payment
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor, make_debt, make_debtor

DAY = date(2026, 11, 24)
PLANNED_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
SEND_AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _dispatch(at: datetime) -> None:
    worker = Dispatcher(name="journey")
    worker.run_once(at)
    worker.close()


def _wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)


def test_a_debtor_asks_the_bot_pays_from_the_reminders_link_and_is_thanked(
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
    _dispatch(SEND_AT)
    password = "una-clave-larga-de-prueba"
    get_user_model().objects.create_superuser("agente", "agente@example.com", password)
    simulator = f"{live_server.url}/sandbox/deudores/{debtor.pk}/"

    page = phone_page
    page.goto(f"{live_server.url}/admin/login/?next=/sandbox/deudores/{debtor.pk}/")
    page.fill("#id_username", "agente")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(simulator)
    reminder = page.content()
    assert "$150.000,00" in reminder

    # The debtor answers in the simulator: the reply travels through the
    # provider's signed inbound webhook, the bot answers through the outbox.
    page.select_option("#id_channel", "whatsapp")
    page.fill("#id_text", "cuánto debo")
    page.click("button[type=submit]")
    _wait_for(lambda: Outreach.objects.filter(action="reply").exists())
    _dispatch(timezone.now())
    _wait_for(lambda: Outreach.objects.get(action="reply").status != "planned")
    page.goto(simulator)
    answer = Outreach.objects.get(action="reply").notice_context["text"]
    assert "150.000" in answer
    assert "150.000" in page.inner_text("body").split("cuánto debo", 1)[1]
    _shot(page, "balance")

    # The debtor opens the link from the reminder and pays everything.
    link = re.search(r"http://[^\s<\"]+/p/[A-Za-z0-9_\-]+", reminder).group(0)
    page.goto(link)
    page.click("#pay-all")
    page.wait_for_url(f"{sandbox}/payments/checkout/**")
    page.click("#sandbox-pay")
    page.wait_for_selector("#result")
    assert page.get_attribute("#result", "data-outcome") == "paid"
    _shot(page, "paid")
    assert Payment.objects.get().amount == 150000
    assert set(Debt.objects.values_list("status", flat=True)) == {"paid"}

    # The thank-you goes out through the outbox and reaches the phone.
    thanks = Outreach.objects.get(template_key="paid_in_full")  # nothing left owed
    _dispatch(max(timezone.now(), thanks.window_start))
    thanks.refresh_from_db()
    assert thanks.status in ("sent", "delivered", "read")
    page.goto(simulator)
    assert page.locator("text=/gracias/i").count() >= 1
    _shot(page, "thanked")
