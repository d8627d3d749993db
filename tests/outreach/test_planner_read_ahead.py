"""The planner reading the next chunk on a second connection (planner_chunks.py)."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import transaction

from recaudo.outreach import planner, planner_chunks
from recaudo.outreach.models import Outreach
from tests.factories import make_creditor
from tests.outreach.test_planner import _debtor, _due, _plan, _planned_rows

only_postgres = pytest.mark.skipif(
    "postgres" not in os.environ.get("DATABASE_URL", ""),
    reason="the reader's own connection sees only committed rows: PostgreSQL, real transactions",
)


def _portfolio() -> None:
    creditor = make_creditor()
    mexico = make_creditor(country="MX", default_currency="MXN")
    debtors = [
        _debtor(creditor, whatsapp=True),
        _debtor(creditor, kind="company", whatsapp=True),
        _debtor(creditor, authorised=False, email=False),  # no usable channel
        _debtor(creditor),
        _debtor(creditor, email=False),
        _debtor(mexico, country="MX", timezone="America/Tijuana"),
        _debtor(mexico, country="MX", timezone="America/Mexico_City", whatsapp=True),
    ]
    for number, debtor in enumerate(debtors):
        _due(debtor, 7, amount=f"{1000 + number}.50")
        _due(debtor, -1)
        if number % 2:
            _due(debtor, 7, amount="5.25")
        if number % 3 == 0:
            _due(debtor, -30)


def _reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "planner-read-ahead"]


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_reading_ahead_plans_exactly_the_rows_of_reading_one_chunk_after_another():
    _portfolio()

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            serial = _plan(chunk_debtors=2, read_ahead=False)
            serial_rows = _planned_rows()
            raise Undo
    except Undo:
        pass
    assert Outreach.objects.count() == 0

    ahead = _plan(chunk_debtors=2, read_ahead=True)

    assert ahead.read_ahead is True and serial.read_ahead is False
    assert ahead.chunks == serial.chunks == 3 + 1  # five debtors in Colombia, two in Mexico
    assert _planned_rows() == serial_rows
    assert len(serial_rows[0]) >= 7
    assert (ahead.created, ahead.debtors_considered, ahead.skipped) == (
        serial.created,
        serial.debtors_considered,
        serial.skipped,
    )
    assert _reader_threads() == []


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_a_reader_that_fails_stops_the_run_and_nothing_is_written(monkeypatch):
    _portfolio()
    real = planner_chunks.load_chunk
    calls = []

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(planner_chunks, "load_chunk", failing)

    with pytest.raises(RuntimeError, match="the database went away"):
        _plan(chunk_debtors=2, read_ahead=True)

    assert Outreach.objects.count() == 0
    assert _reader_threads() == []


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_a_write_that_fails_stops_the_reader_and_nothing_is_written(monkeypatch):
    _portfolio()

    def failing(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(planner, "_write", failing)

    with pytest.raises(RuntimeError, match="disk full"):
        _plan(chunk_debtors=1, read_ahead=True)

    assert Outreach.objects.count() == 0
    assert _reader_threads() == []


@pytest.mark.django_db
def test_inside_a_callers_transaction_the_planner_reads_on_its_own_connection():
    _portfolio()

    with transaction.atomic():
        result = _plan(chunk_debtors=2, read_ahead=True)

    assert result.read_ahead is False
    assert result.created == Outreach.objects.filter(status="planned").count() > 0
