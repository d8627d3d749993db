"""In a real browser: a supervisor opens the results dashboards from the staff header, reads
the funnel on a phone-sized screen, filters by channel in the URL and downloads a table's
CSV (issue 17, "browser tests for the dashboards and an export")."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine

from recaudo.insights.actions import rebuild
from recaudo.outreach.models import Outreach
from recaudo.policies.models import Policy, Segment
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


def test_a_supervisor_splits_the_portfolio_by_segment_week_to_week_with_the_form_on_a_phone(
    live_server, browser
):
    book = build()
    policy = Policy.objects.create(creditor=book.creditor, code="mora", name="Mora")
    early = Segment.objects.create(creditor=book.creditor, name="Temprana", policy=policy)
    late = Segment.objects.create(creditor=book.creditor, name="Tardía", policy=policy)
    for name, segment in (("a1", early), ("b1", early), ("c1", late), ("d1", late)):
        Outreach.objects.filter(debtor_id=book.debts[name].debtor_id).update(segment=segment)
    with time_machine.travel(NOW, tick=False):
        rebuild(NOW)
    _user("sofia", SUPERVISOR, book.creditor)

    context, page, errors = _log_in(browser, live_server, "sofia", "/equipo/", width=390)
    try:
        page.goto(f"{live_server.url}/equipo/resultados/cartera/?{NOVEMBER}")
        page.get_by_role("combobox", name="Segmento").select_option(label="Temprana")
        page.get_by_role("combobox", name="Rodamiento").select_option(label="semana a semana")
        page.get_by_role("button", name="Ver").click()
        page.wait_for_url(f"**segmento={early.pk}**periodo=semana**")

        # Next to the filter: the figures a segment does not split.
        note = page.locator("#segment-note")
        assert note.is_visible()
        assert "Recupero por mes, tasa de recupero y DSO" in note.inner_text()
        assert page.locator("section#recovery .segment-note").is_visible()
        assert page.locator("section#aging .segment-note").count() == 0
        # Aging for Temprana only: b1, 150,000 in 61-90 (a1 is paid).
        aging = [
            [cell.inner_text() for cell in row.locator("td").all()]
            for row in page.locator("#aging tbody tr").all()
        ]
        assert [row[1:3] for row in aging if row[2] != "0"] == [["61-90", "1"]]
        assert page.get_by_role(
            "heading", name="Tasas de rodamiento y de cura (semana a semana)"
        ).is_visible()
        assert page.locator("#rolls thead th").first.inner_text() == "Semana"
        assert page.get_by_role("combobox", name="Rodamiento").input_value() == "semana"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert errors == []
    finally:
        context.close()
