"""Folding new source rows into the figures, a batch at a time, past a watermark.

Each fold reads the rows after its watermark (ids, in order), adds what they
change to the daily tables with ``INSERT ... ON CONFLICT DO UPDATE SET x = x +
excluded.x`` and moves the watermark, in one transaction that holds the
watermark's row: a second worker skips a fold that is running (``SKIP
LOCKED``) and, after it, finds the watermark moved, so nothing counts twice.
A fold stops at the first row newer than ``SETTLE_LAG`` (``settled``): a
transaction still open when a later id committed is not skipped for good.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, models

from recaudo.insights.models import CohortMonth, ResponseDay, Watermark

SETTLE_LAG = timedelta(seconds=60)
# Every fold's watermark row, made by migrations 0002 and 0003 (and kept by a rebuild, at 0).
WATERMARKS = (
    "debts",
    "payments",
    "allocations",
    "openings",
    "opt_outs",
    "recount",
    "balances",
    "agent_messages",
    "reversals",
)
BATCH = 2000

RESPONSE_KEY = (
    "day",
    "creditor_id",
    "segment_id",
    "country",
    "channel",
    "step_id",
    "template_key",
    "currency",
)
RESPONSE_SUMS = (
    "opened",
    "opted_out",
    "complaints",
    "paid_7",
    "paid_30",
    "credited",
    "amount_7",
    "amount_30",
    "amount_credited",
)
COHORT_KEY = ("cohort", "creditor_id", "country", "currency", "months_after")
COHORT_SUMS = ("placed_debts", "placed", "recovered")


def lock(name: str) -> Watermark | None:
    """The fold's watermark row, locked until the transaction ends; None when another holds it."""
    assert connection.in_atomic_block, "lock() inside transaction.atomic()"
    assert name in WATERMARKS, name
    # The rows are made by the migration: making one here, inside the fold's
    # transaction, would wait on another worker's uncommitted insert of it.
    mark = Watermark.objects.select_for_update(skip_locked=True).filter(name=name).first()
    if mark is None and not Watermark.objects.filter(name=name).exists():
        # Missing (a database flushed after the migration): made now, once. Another
        # worker making it at the same moment is no error: this insert waits for
        # theirs and does nothing, and the lock below then skips the row they hold.
        Watermark.objects.bulk_create([Watermark(name=name)], ignore_conflicts=True)
        mark = Watermark.objects.select_for_update(skip_locked=True).filter(name=name).first()
    return mark


def settled(rows: list[Any], moment: Callable[[Any], datetime], now: datetime) -> list[Any]:
    """The rows (in id order) up to the first one newer than ``SETTLE_LAG``.

    The watermark moves only past rows older than the lag: a row whose time is
    still within it (its transaction may not be the last to commit, or its time
    is ahead of ours) waits, and so do the ids after it, so none is skipped.
    """
    for index, row in enumerate(rows):
        if moment(row) > now - SETTLE_LAG:
            return rows[:index]
    return rows


def move(mark: Watermark, position: int) -> None:
    mark.position = position
    mark.save(update_fields=["position", "updated_at"])


def add(
    model: type[models.Model],
    keys: tuple[str, ...],
    sums: tuple[str, ...],
    rows: Mapping[tuple[Any, ...], Mapping[str, Any]],
) -> None:
    """Add ``rows`` (key values -> {sum column: amount}) to ``model``'s rows, made when missing."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [*keys, *sums]
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        + ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in sums)
    )
    params = [
        [*key, *(values.get(name, 0) for name in sums)] for key, values in sorted(rows.items())
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def response_rows() -> defaultdict[tuple[Any, ...], dict[str, Any]]:
    return defaultdict(lambda: dict.fromkeys(RESPONSE_SUMS, 0))


def response_key(message: Mapping[str, Any], currency: str = "") -> tuple[Any, ...]:
    """The ``ResponseDay`` row of a message: its day and dimensions, in ``currency``
    (a payment's) or the message's own."""
    return (
        message["planned_on"],
        message["creditor_id"],
        message["segment_id"] or 0,
        message["country"],
        message["channel"],
        message["step_id"] or 0,
        message["template_key"],
        currency or message["currency"],
    )


def add_responses(rows: Mapping[tuple[Any, ...], Mapping[str, Any]]) -> None:
    add(ResponseDay, RESPONSE_KEY, RESPONSE_SUMS, rows)


def month_start(moment: datetime) -> Any:
    return moment.date().replace(day=1)


def months_between(start: Any, end: Any) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def add_cohorts(rows: Iterable[tuple[tuple[Any, ...], str, Any]]) -> None:
    """(cohort key, sum column, amount) triples added to ``CohortMonth``."""
    totals: defaultdict[tuple[Any, ...], dict[str, Any]] = defaultdict(
        lambda: dict.fromkeys(COHORT_SUMS, 0)
    )
    for key, column, amount in rows:
        totals[key][column] += amount
    add(CohortMonth, COHORT_KEY, COHORT_SUMS, totals)
