"""Roll and cure rates week to week as well as month to month, chosen in the URL
(``periodo=semana`` on the pages, ``period=week`` in the API; docs/insights.md).

On the fixed portfolio (tests/insights/portfolio.py) snapshots are taken on Saturday 31
October (ISO week of Monday 26 October), Monday 9 November, and Friday 20 November (the
rebuild at ``NOW``; week of Monday 16 November). Every snapshot reads the debts as they
stand after the payments, so on 9 November a1 is already paid and b1 owes 150,000.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from recaudo.insights.actions import rebuild
from recaudo.insights.figures import Filters, rolls
from recaudo.insights.snapshots import snapshot_balances
from recaudo.portfolio.apikeys import create_key
from recaudo.roles import SUPERVISOR
from tests.insights.portfolio import NOW, at, build
from tests.staff.helpers import browser_of, staff

pytestmark = pytest.mark.django_db

D = Decimal
NOVEMBER = "desde=2026-11-01&hasta=2026-11-20"


@pytest.fixture
def book():
    made = build()
    with time_machine.travel(at(9, 8), tick=False):
        snapshot_balances(date(2026, 11, 9))
    with time_machine.travel(NOW, tick=False):
        rebuild(NOW)
    return made


def november(book, period: str) -> Filters:
    return Filters(
        scope=None,
        start=date(2026, 11, 1),
        end=date(2026, 11, 20),
        creditor=book.creditor.pk,
        period=period,
    )


def rows(table, *keys):
    return [tuple(row[key] for key in keys) for row in table.rows]


def test_week_to_week_roll_and_cure_rates_by_hand(book):
    table = rolls(november(book, "week"))

    assert table.columns[0][0] == "week"
    assert rows(table, "week", "from_bucket", "debts", "balance", "roll_rate", "cure_rate") == [
        # 26 Oct -> 9 Nov: a1 (1-30) paid: cured; b1 rolled 31-60 -> 61-90 (69 days).
        (date(2026, 11, 9), "current", 1, D("300000.00"), D("0.0000"), None),
        (date(2026, 11, 9), "1-30", 1, D("100000.00"), D("0.0000"), D("1.0000")),
        (date(2026, 11, 9), "31-60", 1, D("200000.00"), D("1.0000"), D("0.0000")),
        (date(2026, 11, 9), "91-180", 1, D("400000.00"), D("0.0000"), D("0.0000")),
        # 9 Nov -> 20 Nov: every debt stays in its bucket (e1 18 days late, b1 80, d1 172).
        (date(2026, 11, 16), "current", 1, D("300000.00"), D("0.0000"), None),
        (date(2026, 11, 16), "1-30", 1, D("500000.00"), D("0.0000"), D("0.0000")),
        (date(2026, 11, 16), "61-90", 1, D("150000.00"), D("0.0000"), D("0.0000")),
        (date(2026, 11, 16), "91-180", 1, D("300000.00"), D("0.0000"), D("0.0000")),
    ]


def test_month_to_month_stays_the_default_and_is_taken_at_the_months_first_snapshot(book):
    # October's states against 9 November's snapshot (November's first).
    assert rows(
        rolls(november(book, "month")), "month", "from_bucket", "balance", "roll_rate", "cure_rate"
    ) == [
        (date(2026, 11, 1), "current", D("300000.00"), D("0.0000"), None),
        (date(2026, 11, 1), "1-30", D("100000.00"), D("0.0000"), D("1.0000")),
        (date(2026, 11, 1), "31-60", D("200000.00"), D("1.0000"), D("0.0000")),
        (date(2026, 11, 1), "91-180", D("400000.00"), D("0.0000"), D("0.0000")),
    ]


def test_the_page_and_its_csv_take_the_period_from_the_url_and_name_a_bad_one(book):
    client = browser_of(staff("sofia", SUPERVISOR, book.creditor))
    with time_machine.travel(NOW, tick=True):
        page = client.get(f"/equipo/resultados/cartera/?{NOVEMBER}&periodo=semana")
        csv = client.get(f"/equipo/resultados/cartera/rolls.csv?{NOVEMBER}&periodo=semana")
        bad = client.get(f"/equipo/resultados/cartera/?{NOVEMBER}&periodo=trimestre")

    assert page.status_code == 200
    assert "semana a semana" in page.content.decode()
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("Semana,")
    assert len(lines) == 9
    assert bad.status_code == 400
    assert "periodo" in bad.content.decode() and "trimestre" in bad.content.decode()


def test_the_api_gives_weekly_rolls_with_period_week_and_a_bad_period_is_a_422(book):
    api = Client(headers={"Authorization": f"Bearer {create_key(book.creditor, 'BI').key}"})
    with time_machine.travel(NOW, tick=True):
        weekly = api.get(f"/api/v1/insights/portfolio?{NOVEMBER}&period=week").json()
        bad = api.get(f"/api/v1/insights/portfolio?{NOVEMBER}&period=year")

    table = next(t for t in weekly["tables"] if t["name"] == "rolls")
    assert table["columns"][0] == "week"
    assert [(r["week"], r["from_bucket"]) for r in table["rows"]][:2] == [
        ("2026-11-09", "current"),
        ("2026-11-09", "1-30"),
    ]
    assert bad.status_code == 422
    assert "period" in bad.content.decode()
