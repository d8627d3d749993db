"""In a real browser: a plan whose down payment arrives as a bank transfer in an imported
file stays active, and the portal shows the instalment paid."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from recaudo.payments.agreements import settle_agreements
from recaudo.payments.links import live_link
from recaudo.payments.models import InstalmentPlan
from recaudo.portfolio.models import Debt
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_plan_paid_by_an_imported_transfer_stays_active(live_server, phone_page, tmp_path):
    creditor = make_creditor(brand_name="Tienda Sol")
    debtor = make_debtor(creditor, first_name="Camila", full_name="Camila Rojas Díaz")
    today = timezone.now().date()
    make_debt(debtor, "185000.00", description="Plan hogar octubre", due_on=today - timedelta(40))
    make_debt(debtor, "120000.00", description="Plan hogar noviembre", due_on=today - timedelta(10))
    portal = f"{live_server.url}/p/{live_link(debtor.pk).token}"

    page = phone_page
    page.goto(portal)
    page.fill("#plan-down", "61000")
    page.select_option("#plan-count", "3")
    page.click("#agree-plan")
    page.wait_for_selector("#instalments")
    assert page.locator("#pay-instalment-0").count() == 1

    # The down payment arrives by bank transfer, in the creditor's daily file.
    path = tmp_path / "pagos.csv"
    path.write_text(
        "id_pago;id_deudor;monto;moneda;fecha_pago;medio_pago\n"
        f"TRF-9;{debtor.external_id};61.000,00;COP;{today:%d/%m/%Y};transferencia\n",
        encoding="utf-8",
    )
    call_command("import", "payments", str(path), "--creditor", str(creditor.pk), stdout=StringIO())

    # Ten days later the daily run leaves the plan alone.
    assert settle_agreements(today + timedelta(days=10))["plans_broken"] == 0
    assert InstalmentPlan.objects.get().status == "active"
    assert set(Debt.objects.values_list("status", flat=True)) == {"in_arrangement"}
    page.goto(portal)
    page.wait_for_selector("#instalments")
    assert "pagada" in page.inner_text("#instalment-0")
    assert page.locator("#pay-instalment-0").count() == 0
    assert page.locator("#pay-instalment-1").count() == 1
    page.screenshot(path=str(ARTIFACTS / "portal-plan-paid-by-transfer.png"), full_page=True)
