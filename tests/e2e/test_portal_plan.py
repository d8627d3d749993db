"""In a real browser at a phone's size: the portal once a plan exists, and the payment history.

Recaudo runs as the live server; the sandbox (``recaudo sandbox``) takes the
payment on its page and posts the signed webhook back (tests/e2e/conftest.py).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from recaudo.payments.links import live_link
from recaudo.payments.models import DebtorReport, InstalmentPlan
from recaudo.portfolio.models import ChannelConsent, Debt, Payment
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def debtor(db):
    creditor = make_creditor(brand_name="Tienda Sol", support_phone="+57 601 555 0100")
    debtor = make_debtor(
        creditor, first_name="Camila", full_name="Camila Rojas Díaz", phone="+573001234567"
    )
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=timezone.now(),
    )
    today = timezone.now().date()
    make_debt(debtor, "185000.00", description="Plan hogar octubre",
              due_on=today - timedelta(days=40))  # fmt: skip
    make_debt(debtor, "120000.00", description="Plan hogar noviembre",
              due_on=today - timedelta(days=10))  # fmt: skip
    return debtor


def _agree_plan(page, live_server, debtor) -> str:
    token = live_link(debtor.pk).token
    page.goto(f"{live_server.url}/p/{token}")
    page.wait_for_selector("#total")
    page.fill("#plan-down", "61000")
    page.select_option("#plan-count", "3")
    page.click("#agree-plan")
    page.wait_for_selector("#instalments")
    return token


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"portal-plan-{name}.png"), full_page=True)


def test_a_debtor_with_a_plan_pays_everything_early_and_downloads_the_receipt(
    live_server, sandbox, phone_page, debtor
):
    page = phone_page
    _agree_plan(page, live_server, debtor)
    assert "Pagar todo y terminar el plan" in page.inner_text("#pay-all")
    assert "305.000" in page.inner_text("#pay-all")
    assert page.is_visible("#pay-part") and page.is_visible("#send-report")
    _shot(page, "options")

    page.click("#pay-all")
    page.wait_for_url(f"{sandbox}/payments/checkout/**")
    page.click("#sandbox-pay")
    page.wait_for_selector("#result")

    assert page.get_attribute("#result", "data-outcome") == "paid"
    payment = Payment.objects.get()
    row = page.inner_text(f"#payment-{payment.pk}")
    assert "305.000" in row and payment.external_id in row
    assert "pago en línea de prueba" in row
    _shot(page, "paid")
    href = page.get_attribute(f"#receipt-{payment.pk}", "href")
    receipt = page.request.get(f"{live_server.url}{href}")
    assert receipt.status == 200 and receipt.headers["content-type"] == "application/pdf"
    assert receipt.body().startswith(b"%PDF")
    plan = InstalmentPlan.objects.get()
    assert plan.status == "completed"
    assert set(plan.instalments.values_list("status", flat=True)) == {"paid"}

    page.click("#back")
    page.wait_for_selector("#nothing-owed")
    assert page.is_visible(f"#receipt-{payment.pk}")
    _shot(page, "paid-up-history")


def test_a_debtor_with_a_plan_disputes_a_debt_and_sees_it_under_review(
    live_server, sandbox, phone_page, debtor
):
    page = phone_page
    _agree_plan(page, live_server, debtor)
    november = Debt.objects.get(description="Plan hogar noviembre")

    page.select_option("#report-debt", str(november.pk))
    page.check("#report-dispute")
    page.fill("#report-reason", "No reconozco este cargo")
    page.click("#send-report")
    page.wait_for_selector("#done")

    assert "Revisaremos la deuda" in page.inner_text("#done")
    assert "Plan hogar noviembre" in page.inner_text("#under-review")
    _shot(page, "disputed")
    report = DebtorReport.objects.get()
    assert (report.debt_id, report.kind, report.status_before) == (
        november.pk,
        "dispute",
        "in_arrangement",
    )
    assert InstalmentPlan.objects.get().status == "active"
    assert Debt.objects.get(pk=november.pk).status == "disputed"
    # What is left to pay is the other debt's: the plan's page still offers it.
    assert "185.000" in page.inner_text("#total")
    assert Decimal(185000) == Debt.objects.get(description="Plan hogar octubre").balance
