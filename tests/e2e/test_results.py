"""In a real browser: a supervisor opens the results dashboards from the staff header, reads
the funnel on a phone-sized screen, filters by channel in the URL and downloads a table's
CSV (issue 17, "browser tests for the dashboards and an export")."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine

from recaudo.insights.actions import rebuild
from recaudo.roles import SUPERVISOR
from tests.e2e.test_staff import _log_in, _user
from tests.insights.portfolio import NOW, build

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

NOVEMBER = "desde=2026-11-01&hasta=2026-11-20"


def test_a_supervisor_reads_the_dashboards_on_a_phone_and_downloads_a_tables_csv(
    live_server, browser
):
    book = build()
    with time_machine.travel(NOW, tick=False):
        rebuild(NOW)
    _user("sofia", SUPERVISOR, book.creditor)

    context, page, errors = _log_in(browser, live_server, "sofia", "/equipo/", width=390)
    try:
        page.get_by_role("link", name="Resultados").click()
        page.wait_for_url("**/equipo/resultados/cartera/")
        assert page.get_by_role("heading", name="Saldo abierto por antigüedad").is_visible()

        page.goto(f"{live_server.url}/equipo/resultados/canales/?{NOVEMBER}&canal=sms")
        funnel = page.locator("#funnel")
        assert funnel.locator("svg[role=img]").is_visible()
        assert funnel.locator("tbody tr").count() == 1
        assert funnel.locator("tbody tr td").nth(2).inner_text() == "late_2"
        # The page fits a phone: nothing wider than the screen but the tables' own scroll.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        page.goto(f"{live_server.url}/equipo/resultados/cartera/?{NOVEMBER}")
        with page.expect_download() as download:
            page.locator("#aging").get_by_role("link", name="Descargar CSV").click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert text.splitlines()[0] == "Moneda,Tramo,Deudas,Saldo"
        assert "COP,61-90,1,150000.00" in text.splitlines()
        assert errors == []
    finally:
        context.close()
