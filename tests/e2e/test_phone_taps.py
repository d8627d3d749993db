"""In a real browser on a 390-pixel phone: the simulator shows RCS chips and WhatsApp
quick replies as buttons, and tapping "Pagar" sends RBM's own postback into Recaudo."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from recaudo.conversations.models import Message
from recaudo.delivery.channels.registry import get_channel
from recaudo.delivery.messages import build_message, rcs_suggestions
from recaudo.outreach.contract import OutboundMessage
from recaudo.outreach.models import Outreach
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor, make_debt, make_debtor

PHONE = "+573001234567"  # an odd last digit: the sandbox's RCS-capable numbers
WIDTH = 390

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_manager_taps_pagar_on_the_rcs_chips_of_a_390_pixel_phone(
    live_server, sandbox, phone_page
):
    creditor = make_creditor(brand_name="Servicios Andinos")
    debtor = make_debtor(creditor, phone=PHONE, first_name="Lucía")
    make_debt(debtor, "150000.00", due_on=date.today() + timedelta(days=3))
    rcs = OutboundMessage(
        outreach_id=None, channel="rcs", to=PHONE, text="Lucía, tu pago de $150.000 vence pronto.",
        idempotency_key="outreach-e2e-1", card_title="Servicios Andinos",
        suggestions=rcs_suggestions(f"{live_server.url}/p/demo", "es"),
    )  # fmt: skip
    assert get_channel("rcs").send(rcs).outcome == "accepted"
    # The shipped statement template on WhatsApp: its quick replies are buttons too.
    statement = SimpleNamespace(pk=None, attempts=0, channel="whatsapp", template_key="statement",
                                contact_point_id=None, notice_context={})  # fmt: skip
    whatsapp = build_message(outreach=statement, creditor=creditor, debtor=debtor,
                             debts=list(debtor.debts.all()), address=PHONE,
                             today=date.today(), link_token="demo")  # fmt: skip
    result = get_channel("whatsapp").send(replace(whatsapp, idempotency_key="e2e-wa-1"))
    assert result.outcome == "accepted", result.error_message
    password = "una-clave-larga-de-prueba"
    get_user_model().objects.create_superuser("gerente", "gerente@example.com", password)

    page = phone_page
    page.goto(f"{live_server.url}/admin/login/?next=/sandbox/deudores/{debtor.pk}/")
    page.fill("#id_username", "gerente")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"**/sandbox/deudores/{debtor.pk}/")

    chips = page.locator(".choices-rcs button")
    assert chips.all_inner_texts() == ["Pagar", "Hablar con un asesor", "Ya pagué"]
    buttons = page.locator(".choices-whatsapp button")
    assert buttons.all_inner_texts() == ["pay", "agent", "paid"]
    for button in [*chips.all(), *buttons.all()]:
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
        assert box["height"] >= 40  # a thumb's target
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    page.screenshot(path=str(ARTIFACTS / "phone-simulator-chips.png"), full_page=True)

    chips.filter(has_text="Pagar").click()
    page.wait_for_selector(".notice.success")

    # The sandbox posts RBM's signed suggestionResponse; Recaudo's bot reads the postback.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not Message.objects.filter(direction="in").exists():
        time.sleep(0.2)
    tapped = Message.objects.get(direction="in")
    assert (tapped.channel, tapped.text, tapped.intent) == ("rcs", "Pagar", "payment_link")
    [reply] = Outreach.objects.filter(debtor=debtor, action="reply")
    assert f"{live_server.url}/p/" in reply.notice_context["text"]
