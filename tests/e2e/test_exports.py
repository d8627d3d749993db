"""In a real browser: a creditor viewer goes from the staff home to /equipo/exportaciones/,
chooses their client's payments and downloads the CSV (issue 17)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from recaudo.conversations.models import AgentProfile
from recaudo.portfolio.models import Payment
from recaudo.reports.models import ExportRecord
from recaudo.roles import CREDITOR_VIEWER, set_role
from tests.factories import make_creditor, make_debt, make_debtor

PASSWORD = "una-clave-larga-de-prueba"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _payment(creditor, external_id: str, amount: str) -> None:
    debtor = make_debtor(creditor, full_name=f"Deudor {external_id}")
    debt = make_debt(debtor, "90000.00")
    Payment.objects.create(
        creditor=creditor, debtor=debtor, debt=debt, external_id=external_id,
        amount=Decimal(amount), currency="COP", method="PSE",
        paid_at=datetime(2026, 11, 20, 14, 30, tzinfo=UTC),
    )  # fmt: skip


def test_a_creditor_viewer_downloads_their_clients_payments_as_csv(live_server, browser):
    client, other = make_creditor(name="Tienda Sol"), make_creditor(name="Banco Luna")
    _payment(client, "SOL-1", "20000.00")
    _payment(other, "LUNA-1", "55000.00")
    viewer = User.objects.create_user("visor", "visor@example.com", PASSWORD, is_staff=True)
    set_role(viewer, CREDITOR_VIEWER)
    AgentProfile.objects.create(user=viewer, creditor=client)

    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="es-CO", accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{live_server.url}/admin/login/?next=/equipo/")
        page.fill("#id_username", "visor")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url("**/equipo/")
        page.click("#exports-link")
        page.wait_for_url("**/equipo/exportaciones/")
        assert page.get_by_role("heading", name="Exportaciones").is_visible()
        # Only their client is offered.
        assert page.locator("#id_creditor option").all_inner_texts() == [
            "Todos los que veo",
            "Tienda Sol",
        ]
        page.select_option("#id_kind", "payments")
        page.select_option("#id_creditor", label="Tienda Sol")
        page.fill("#id_period_from", "2026-11-01")
        page.fill("#id_period_to", "2026-11-30")
        with page.expect_download() as waiting:
            page.get_by_role("button", name="Descargar").click()
        download = waiting.value
        text = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115

        assert download.suggested_filename == "payments-tienda-sol-2026-11-01-2026-11-30.csv"
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0][:4] == ["Acreedor", "Id del deudor", "Deudor", "Id del pago"]
        assert [(row[0], row[3], row[6], row[8]) for row in rows[1:]] == [
            ("Tienda Sol", "SOL-1", "20000.00", "2026-11-20T14:30:00+00:00")
        ]
        assert ExportRecord.objects.get().actor == "staff:visor"
        assert errors == []
    finally:
        context.close()
