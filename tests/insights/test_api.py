"""The figures through the API for BI tools: JSON per page, scoped to the key's creditor
(issue 17, "the same figures through the API")."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from recaudo.insights.actions import rebuild
from recaudo.portfolio.apikeys import create_key
from tests.factories import make_creditor
from tests.insights.portfolio import NOW, build

pytestmark = pytest.mark.django_db

NOVEMBER = "start=2026-11-01&end=2026-11-20"


@pytest.fixture
def book():
    made = build()
    with time_machine.travel(NOW, tick=False):
        rebuild(NOW)
    with time_machine.travel(NOW, tick=True):
        yield made


def api_of(creditor) -> Client:
    return Client(headers={"Authorization": f"Bearer {create_key(creditor, 'BI').key}"})


def test_the_portfolio_page_gives_the_aging_table_as_plain_json(book):
    response = api_of(book.creditor).get(f"/api/v1/insights/portfolio?{NOVEMBER}")

    assert response.status_code == 200
    body = response.json()
    assert (body["page"], body["start"], body["end"]) == ("portfolio", "2026-11-01", "2026-11-20")
    assert [table["name"] for table in body["tables"]] == [
        "aging",
        "rolls",
        "recovery",
        "liquidation",
    ]
    aging = body["tables"][0]
    assert aging["columns"] == ["currency", "bucket", "debts", "balance"]
    assert aging["rows"][0] == {
        "currency": "COP",
        "bucket": "current",
        "debts": 1,
        "balance": "300000.00",
    }


def test_the_channels_page_gives_the_funnel_with_its_filter(book):
    response = api_of(book.creditor).get(f"/api/v1/insights/channels?{NOVEMBER}&channel=sms")

    [funnel] = response.json()["tables"]
    [row] = funnel["rows"]
    assert (row["channel"], row["sent"], row["paid_7"], row["amount_credited"], row["cost"]) == (
        "sms",
        2,
        1,
        "100000.00",
        "60.00",
    )


def test_another_creditors_key_sees_none_of_these_figures(book):
    response = api_of(make_creditor()).get(f"/api/v1/insights/channels?{NOVEMBER}")

    assert response.status_code == 200
    assert response.json()["tables"][0]["rows"] == []


def test_a_bad_date_is_a_422_naming_the_field(book):
    response = api_of(book.creditor).get("/api/v1/insights/portfolio?start=2026-02-30")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "start"


def test_an_unknown_page_is_a_404_and_no_key_is_a_401(book):
    assert api_of(book.creditor).get("/api/v1/insights/nope").status_code == 404
    assert Client().get("/api/v1/insights/portfolio").status_code == 401
