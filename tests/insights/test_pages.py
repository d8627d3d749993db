"""The dashboards under /equipo/resultados/: every page with its charts and tables, the
filters in the URL, a table's CSV, and the reader's scope (issue 17, "Dashboards")."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from openpyxl import load_workbook

from recaudo.exports import XLSX_CONTENT_TYPE
from recaudo.insights.actions import rebuild
from recaudo.roles import CREDITOR_VIEWER, SUPERVISOR
from tests.factories import make_creditor
from tests.insights.portfolio import NOW, build
from tests.staff.helpers import browser_of, staff

pytestmark = pytest.mark.django_db

PAGES = ("cartera", "canales", "acuerdos", "agentes", "cumplimiento")
NOVEMBER = "desde=2026-11-01&hasta=2026-11-20"


@pytest.fixture
def book():
    made = build()
    with time_machine.travel(NOW, tick=False):
        rebuild(NOW)
    with time_machine.travel(NOW, tick=True):
        yield made


@pytest.mark.parametrize("page", PAGES)
def test_every_dashboard_draws_its_charts_and_tables_with_a_csv_link(book, page):
    client = browser_of(staff("sofia", SUPERVISOR, book.creditor))

    response = client.get(f"/equipo/resultados/{page}/?{NOVEMBER}")

    assert response.status_code == 200
    text = response.content.decode()
    assert "<svg" in text and "<table>" in text
    assert f"/equipo/resultados/{page}/" in text and ".csv?" in text


def test_the_channels_page_shows_the_funnel_in_the_readers_language(book):
    client = browser_of(staff("sofia", SUPERVISOR, book.creditor))
    client.cookies["django_language"] = "en"

    text = client.get(f"/equipo/resultados/canales/?{NOVEMBER}&canal=sms").content.decode()

    assert "late_2" in text and "late_1" not in text
    # Recovered 100,000 COP and 2 SMS at 30 COP each: 0.06 % of what they brought back.
    assert "<td>COP100,000.00</td><td>COP60.00</td><td>0.06%</td><td>50%</td>" in text


def test_a_tables_csv_holds_its_rows_as_plain_numbers(book):
    client = browser_of(staff("sofia", SUPERVISOR, book.creditor))

    response = client.get(f"/equipo/resultados/cartera/aging.csv?{NOVEMBER}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert lines[0] == ["Moneda", "Tramo", "Deudas", "Saldo"]
    assert lines[1:] == [
        ["COP", "current", "1", "300000.00"],
        ["COP", "1-30", "1", "500000.00"],
        ["COP", "31-60", "0", "0.00"],
        ["COP", "61-90", "1", "150000.00"],
        ["COP", "91-180", "1", "300000.00"],
        ["COP", "180+", "0", "0.00"],
    ]


def test_a_tables_xlsx_holds_the_same_rows_as_its_csv(book):
    client = browser_of(staff("sofia", SUPERVISOR, book.creditor))

    response = client.get(f"/equipo/resultados/cartera/aging.xlsx?{NOVEMBER}")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert 'filename="cartera-aging-2026-11-01-2026-11-20.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = [[str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Moneda", "Tramo", "Deudas", "Saldo"]
    assert rows[1:] == [
        ["COP", "current", "1", "300000.00"],
        ["COP", "1-30", "1", "500000.00"],
        ["COP", "31-60", "0", "0.00"],
        ["COP", "61-90", "1", "150000.00"],
        ["COP", "91-180", "1", "300000.00"],
        ["COP", "180+", "0", "0.00"],
    ]
    assert client.get(f"/equipo/resultados/cartera/nothing.xlsx?{NOVEMBER}").status_code == 404


def test_by_default_the_balance_by_age_is_todays_even_where_the_readers_day_is_behind_utc():
    made = build()
    # 02:00 UTC on the 21st is still the 20th in Bogotá, the staff's zone.
    late = NOW.replace(day=21, hour=2)
    with time_machine.travel(late, tick=False):
        rebuild(late)
        client = browser_of(staff("sofia", SUPERVISOR, made.creditor))

        response = client.get("/equipo/resultados/cartera/aging.csv")

    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(lines) == 7  # the header and six buckets of the one currency
    assert 'filename="cartera-aging-2026-10-23-2026-11-21.csv"' in response["Content-Disposition"]


def test_a_date_that_cannot_be_read_is_named_in_a_400(book):
    client = browser_of(staff("sofia", SUPERVISOR, book.creditor))

    response = client.get("/equipo/resultados/cartera/?desde=2026-13-01")

    assert response.status_code == 400
    assert "desde" in response.content.decode() and "2026-13-01" in response.content.decode()


def test_a_creditor_viewer_sees_only_their_clients_figures(book):
    other = make_creditor()
    viewer = staff("cliente", CREDITOR_VIEWER, other)
    client = browser_of(viewer)

    own = client.get(f"/equipo/resultados/cartera/aging.csv?{NOVEMBER}")
    theirs = client.get(
        f"/equipo/resultados/cartera/aging.csv?{NOVEMBER}&acreedor={book.creditor.pk}"
    )
    page = client.get(f"/equipo/resultados/canales/?{NOVEMBER}&acreedor={book.creditor.pk}")

    assert own.status_code == 200
    assert list(csv.reader(io.StringIO(own.content.decode())))[1:] == []
    assert theirs.status_code == 404 and page.status_code == 404


def test_a_supervisor_of_another_creditor_gets_none_of_these_figures(book):
    other = make_creditor()
    client = browser_of(staff("pedro", SUPERVISOR, other))

    text = client.get(f"/equipo/resultados/canales/?{NOVEMBER}").content.decode()

    assert "late_2" not in text and "late_1" not in text


def test_someone_not_staff_is_sent_to_log_in(client, book):
    response = client.get("/equipo/resultados/cartera/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
