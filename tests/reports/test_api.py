"""The same exports and the summary figures through the API: one creditor per key."""

from __future__ import annotations

import csv
import io
import json

import pytest
import time_machine

from recaudo.portfolio.apikeys import create_key
from recaudo.reports.models import ExportRecord
from tests.reports.fixtures import NOW, client_book

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def books():
    return client_book("Tienda Sol", "A"), client_book("Banco Luna", "B", currency="CLP", cents="")


def _get(client, key: str, path: str, **query):
    return client.get(f"/api/v1{path}", query, HTTP_AUTHORIZATION=f"Bearer {key}")


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_an_api_key_exports_its_creditors_payments_as_csv_and_nothing_else(client, books):
    mine, _theirs = books
    key = create_key(mine.creditor, "bi")

    response = _get(client, key.key, "/exports/payments")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(_body(response)))) == [
        ["Acreedor", "Id del deudor", "Deudor", "Id del pago", "Id de la deuda", "Moneda",
         "Monto", "Sin aplicar", "Pagado el (UTC)", "Medio de pago", "Estado",
         "Registrado (UTC)"],
        ["Tienda Sol", "A-1", "'=Ana A", "A-P1", "A-D1", "COP", "20000.00", "0.00",
         "2026-11-20T14:30:00+00:00", "PSE", "received", "2026-11-23T15:00:00+00:00"],
    ]  # fmt: skip
    record = ExportRecord.objects.get()
    assert (record.actor, record.api_key_id, record.kind, record.scope) == (
        f"api:{key.api_key.prefix}",
        key.api_key.pk,
        "payments",
        str(mine.creditor.pk),
    )


def test_the_json_export_has_stable_keys_and_exact_amounts_in_english_headers_too(client, books):
    _mine, theirs = books
    key = create_key(theirs.creditor, "bi")

    reasons = json.loads(_body(_get(client, key.key, "/exports/reasons", format="json")))
    english = _body(_get(client, key.key, "/exports/debts", language="en"))

    # JSON is no spreadsheet: text as stored, no quote in front.
    assert reasons == [
        {"creditor": "Banco Luna", "debtor_id": "B-1", "debtor_name": "=Ana B",
         "debt_id": "B-D1", "invoice_number": "FV-1", "reason": code, "source": source,
         "detail": "perdí el trabajo", "occurred_at": "2026-11-21T16:00:00+00:00"}
        for code, source in (("hardship", "bot"), ("will_pay_later", "call"))
    ]  # fmt: skip
    assert english.splitlines()[0].startswith("Creditor,Debtor id,Debtor,Debt id,Invoice,")
    assert english.splitlines()[1].split(",")[6:9] == ["CLP", "150000", "20000"]


def test_an_unknown_export_is_a_404_and_a_backwards_period_a_422_and_no_key_a_401(client, books):
    key = create_key(books[0].creditor, "bi")

    unknown = _get(client, key.key, "/exports/secrets")
    backwards = _get(
        client, key.key, "/exports/debts", period_from="2026-12-01", period_to="2026-11-01"
    )
    anonymous = client.get("/api/v1/exports/debts")

    assert (unknown.status_code, unknown.json()["detail"]) == (
        404,
        "no export 'secrets': use one of debts, payments, contacts, promises, plans, reasons",
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["detail"] == "the period ends before it starts"
    assert anonymous.status_code == 401
    assert not ExportRecord.objects.exists()


def test_the_summary_gives_the_weekly_figures_for_the_keys_creditor_only(client, books):
    mine, _theirs = books
    key = create_key(mine.creditor, "bi")

    response = _get(
        client, key.key, "/reports/summary", period_from="2026-11-16", period_to="2026-11-22"
    )

    assert response.status_code == 200
    assert response.json() == {
        "period_start": "2026-11-16T00:00:00+00:00",
        "period_end": "2026-11-23T00:00:00+00:00",
        "payments": 1,
        "promises_made": 0,  # made on the 23rd, after the period
        "promises_kept": 0,
        "contacts_sent": 1,
        "money": [{"currency": "COP", "recovered": "20000.00", "open_balance": "180000.50"}],
        "reasons": {"hardship": 1, "will_pay_later": 1},
    }
