"""In a real browser: a receipt photo sent from the phone reaches the review queue; once
staff confirm it, the payment is recorded and the thank-you reaches the phone."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.models import Outreach
from recaudo.payments.models import DebtorReport
from recaudo.portfolio.models import ChannelConsent, Debt, Payment
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_a_receipt_photo_reaches_review_and_once_confirmed_the_thank_you_arrives(
    live_server, sandbox, phone_page
):
    creditor = make_creditor(brand_name="Servicios Andinos")
    debtor = make_debtor(creditor, phone="+573001234567", first_name="Lucía")
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=timezone.now() - timedelta(days=30),
    )
    debt = make_debt(debtor, "150000.00", due_on=date(2026, 11, 1), description="Cuota octubre")
    password = "una-clave-larga-de-prueba"
    get_user_model().objects.create_superuser("agente", "agente@example.com", password)
    simulator = f"{live_server.url}/sandbox/deudores/{debtor.pk}/"

    page = phone_page
    page.goto(f"{live_server.url}/admin/login/?next=/sandbox/deudores/{debtor.pk}/")
    page.fill("#id_username", "agente")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(simulator)

    # The debtor sends a photo of the transfer from WhatsApp.
    page.select_option("#id_channel", "whatsapp")
    page.set_input_files(
        "#id_attachment",
        files=[{"name": "comprobante.png", "mimeType": "image/png", "buffer": PNG}],
    )
    page.click("button[type=submit]")
    _wait_for(lambda: DebtorReport.objects.filter(receipt__isnull=False).exists())
    report = DebtorReport.objects.get()
    assert bytes(report.receipt) == PNG and report.receipt_type == "image/png"
    debt.refresh_from_db()
    assert debt.status == "disputed"  # reminders paused while staff review it

    # Staff open the review queue, look at the receipt and confirm it.
    page.goto(f"{live_server.url}/admin/payments/debtorreport/")
    receipt = page.request.get(
        f"{live_server.url}/admin/payments/debtorreport/{report.pk}/receipt/"
    )
    assert receipt.status == 200 and receipt.body() == PNG
    assert receipt.headers["content-type"] == "image/png"
    page.screenshot(path=str(ARTIFACTS / "receipt-review-queue.png"), full_page=True)
    page.check(f"input[name=_selected_action][value='{report.pk}']")
    page.select_option("select[name=action]", "confirm")
    page.click("button[name=index]")
    _wait_for(lambda: Payment.objects.exists())
    payment = Payment.objects.get()
    assert (payment.amount, payment.debt_id) == (150000, debt.pk)
    assert DebtorReport.objects.get().status == "confirmed"
    assert Debt.objects.get().status == "paid"

    # The thank-you goes out through the outbox and reaches the phone.
    # Everything paid: the thank-you is the "paid in full" one, with its paz y salvo.
    thanks = Outreach.objects.get(template_key__in=("payment_thanks", "paid_in_full"))
    worker = Dispatcher(name="receipts")
    worker.run_once(max(timezone.now(), thanks.window_start))
    worker.close()
    thanks.refresh_from_db()
    assert thanks.status in ("sent", "delivered", "read")
    page.goto(simulator)
    assert page.locator("text=/gracias/i").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "receipt-thanked.png"), full_page=True)
