"""Recounting the outbox's recent days and taking the balance snapshot (docs/insights.md).

Both replace their rows for a day in one transaction: running them twice, or
on two workers one after the other, leaves the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

from recaudo.insights import folds
from recaudo.insights.conf import setting
from recaudo.insights.models import (
    BalanceDay,
    DebtState,
    OutreachDay,
    RefusalDay,
    RollMonth,
    RollWeek,
    WeekDebtState,
)
from recaudo.insights.rules import BUCKETS, CLOSED
from recaudo.outreach.models import Outreach
from recaudo.portfolio.models import Debt

# The statuses whose debts make the open balance (what is still to collect).
OPEN_STATUSES = (Debt.Status.OPEN, Debt.Status.IN_ARRANGEMENT, Debt.Status.DISPUTED)
POSTPONED = "postponed: "


def recount_recent(today: date) -> int:
    """The last ``recount_days`` days and today recounted (skipped while another worker does)."""
    days = int(setting("recount_days"))
    with transaction.atomic():
        mark = folds.lock("recount")
        if mark is None:
            return 0
        for offset in range(days, -1, -1):
            recount(today - timedelta(days=offset))
    return days + 1


def recount(day: date) -> None:
    """``OutreachDay`` and ``RefusalDay`` of contacts planned for ``day``, from the outbox."""
    status = Outreach.Status
    rows = (
        # A step covered by the debtor's one message of the day is no contact of its own.
        Outreach.objects.filter(planned_on=day)
        .exclude(status=status.COVERED)
        .values(
            "creditor_id",
            "segment_id",
            "debtor__country",
            "channel",
            "step_id",
            "template_key",
            "currency",
        )
        .annotate(
            planned=Count("id"),
            sent=Count("id", filter=Q(sent_at__isnull=False)),
            delivered=Count("id", filter=Q(delivered_at__isnull=False)),
            read=Count("id", filter=Q(read_at__isnull=False)),
            failed=Count("id", filter=Q(status=status.FAILED)),
            cancelled=Count("id", filter=Q(status=status.CANCELLED)),
        )
        .order_by()
    )
    refusals = (
        Outreach.objects.filter(planned_on=day)
        .filter(
            Q(status=status.CANCELLED)
            | Q(status=status.PLANNED, status_reason__startswith=POSTPONED)
        )
        .values(
            "creditor_id", "segment_id", "debtor__country", "channel", "status", "status_reason"
        )
        .annotate(contacts=Count("id"))
        .order_by()
    )
    refused: defaultdict[tuple[Any, ...], int] = defaultdict(int)
    for row in refusals:
        outcome = "cancelled" if row["status"] == status.CANCELLED else "postponed"
        key = (
            row["creditor_id"],
            row["segment_id"] or 0,
            row["debtor__country"],
            row["channel"],
            outcome,
            reason_of(row["status_reason"]),
        )
        refused[key] += row["contacts"]
    with transaction.atomic():
        OutreachDay.objects.filter(day=day).delete()
        RefusalDay.objects.filter(day=day).delete()
        OutreachDay.objects.bulk_create(
            OutreachDay(
                day=day,
                creditor_id=row["creditor_id"],
                segment_id=row["segment_id"] or 0,
                country=row["debtor__country"],
                channel=row["channel"],
                step_id=row["step_id"] or 0,
                template_key=row["template_key"],
                currency=row["currency"],
                planned=row["planned"],
                sent=row["sent"],
                delivered=row["delivered"],
                read=row["read"],
                failed=row["failed"],
                cancelled=row["cancelled"],
            )
            for row in rows
        )
        RefusalDay.objects.bulk_create(
            RefusalDay(
                day=day,
                creditor_id=creditor_id,
                segment_id=segment_id,
                country=country,
                channel=channel,
                outcome=outcome,
                reason=reason,
                contacts=contacts,
            )
            for (
                creditor_id,
                segment_id,
                country,
                channel,
                outcome,
                reason,
            ), contacts in refused.items()
        )


def reason_of(status_reason: str) -> str:
    """The rule behind a refusal: the reason without its "postponed: " prefix and details."""
    reason = status_reason.removeprefix(POSTPONED).strip()
    for separator in (";", "(", " until ", " hasta "):
        reason = reason.split(separator, 1)[0]
    return reason.strip()[:80] or "-"


def _bucket_case(today: date) -> Case:
    """``rules.bucket_of`` in SQL: the first bucket whose last day the debt has not passed."""
    whens = [
        When(due_on__gte=today - timedelta(days=last), then=Value(code))
        for code, _, last in BUCKETS
        if last is not None
    ]
    return Case(*whens, default=Value(BUCKETS[-1][0]), output_field=CharField())


def _open_debts() -> Any:
    """The debts that make the open balance."""
    return Debt.objects.filter(status__in=OPEN_STATUSES, amount_paid__lt=F("amount"))


# A debt's segment in ``_open_debts_sql()``'s sources: what ``debtor_segment()`` gives.
SEGMENT = "COALESCE(s.s_segment, 0)"


def _open_debts_sql(day: date) -> tuple[str, tuple[Any, ...]]:
    """The open debts on ``day`` each with their debtor's segment, as SQL to select from.

    Returns ``(sources, params)``: ``SELECT ... FROM {sources}`` reads, per open debt,
    ``d.d_id, d.d_creditor, d.d_country, d.d_currency, d.d_bucket`` (``_bucket_case``),
    ``d.d_owed`` (amount less paid) and its segment (``SEGMENT``). The segments come
    from one pass over the outbox (``newest_segments()``) joined once, instead of a
    lookup per debt (docs/benchmarks.md, "The balance snapshot's segments").
    """
    debts = _open_debts().values(
        d_id=F("id"),
        d_creditor=F("creditor_id"),
        d_debtor=F("debtor_id"),
        d_country=F("debtor__country"),
        d_currency=F("currency"),
        d_bucket=_bucket_case(day),
        d_owed=ExpressionWrapper(F("amount") - F("amount_paid"), output_field=DecimalField()),
    )
    debts_sql, debts_params = debts.query.sql_with_params()
    segments_sql, segments_params = newest_segments()
    sources = f"({debts_sql}) d LEFT JOIN ({segments_sql}) s ON s.s_debtor = d.d_debtor"
    return sources, (*debts_params, *segments_params)


# On PostgreSQL: per debtor, the largest [planned day, id, segment] of their contacts with
# a segment (arrays compare element by element), its third element; a hash aggregate that
# PostgreSQL splits between its parallel workers, with no sort of the outbox.
NEWEST_SEGMENTS_POSTGRES = """
SELECT debtor_id AS s_debtor,
       (max(ARRAY[planned_on - DATE '2000-01-01', id, segment_id]))[3] AS s_segment
FROM {outbox} WHERE segment_id IS NOT NULL GROUP BY debtor_id
"""


def newest_segments() -> tuple[str, tuple[Any, ...]]:
    """Each debtor's newest segment in the outbox, in one pass, as SQL and its params:
    rows of ``s_debtor`` and ``s_segment`` (their newest contact with a segment, by
    ``planned_on`` then ``id``), none for a debtor never planned into one. The same as
    ``debtor_segment()`` for every debtor at once (docs/benchmarks.md, "The balance
    snapshot's segments": 2 to 4 times cheaper than that lookup per debt)."""
    if connection.vendor == "postgresql":
        outbox = connection.ops.quote_name(Outreach._meta.db_table)
        return NEWEST_SEGMENTS_POSTGRES.format(outbox=outbox), ()
    newest_first = Window(
        RowNumber(), partition_by=F("debtor_id"), order_by=(F("planned_on").desc(), F("id").desc())
    )
    rows = (
        Outreach.objects.filter(segment_id__isnull=False)
        .annotate(s_rank=newest_first)
        .filter(s_rank=1)
        .order_by()
        .values(s_debtor=F("debtor_id"), s_segment=F("segment_id"))
    )
    sql, params = rows.query.sql_with_params()
    return sql, tuple(params)


def debtor_segment(debtor: str = "debtor_id") -> Coalesce:
    """The segment the planner put a row's debtor (``debtor``: the column naming them) in
    last: their newest planned contact's (the segment is the outbox's: debtors keep
    none); 0 when never planned into one."""
    newest = (
        Outreach.objects.filter(debtor_id=OuterRef(debtor), segment_id__isnull=False)
        .order_by("-planned_on", "-id")
        .values("segment_id")[:1]
    )
    return Coalesce(Subquery(newest), Value(0), output_field=BigIntegerField())


def snapshot_balances(day: date) -> int:
    """``BalanceDay`` for ``day`` from the debts as they stand; the month's roll on a new
    month and the week's on a new (ISO, Monday-first) week."""
    sources, params = _open_debts_sql(day)
    keys = f"d.d_creditor, {SEGMENT}, d.d_country, d.d_currency, d.d_bucket"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {keys}, COUNT(*), SUM(d.d_owed) FROM {sources} GROUP BY {keys}", params
        )
        rows = [
            dict(
                zip(
                    ("creditor_id", "segment", "debtor__country", "currency", "bucket", "debts"),
                    row[:6],
                    strict=True,
                ),
                balance=_money(row[6]),
            )
            for row in cursor.fetchall()
        ]
    with transaction.atomic():
        BalanceDay.objects.filter(day=day).delete()
        BalanceDay.objects.bulk_create(
            BalanceDay(
                day=day,
                creditor_id=row["creditor_id"],
                segment_id=row["segment"],
                country=row["debtor__country"],
                currency=row["currency"],
                bucket=row["bucket"],
                debts=row["debts"],
                balance=row["balance"],
            )
            for row in rows
        )
        for period in PERIODS:
            start = period.start(day)
            last = period.states.objects.values_list(period.field, flat=True).first()
            if last != start:
                _roll(period, last, start, day)
    return len(rows)


@dataclass(frozen=True)
class Period:
    """A roll period: the debts' states at its first snapshot, and the rolls between two."""

    field: str  # the states' and rolls' date column: "month" or "week"
    states: type[DebtState] | type[WeekDebtState]
    rolls: type[RollMonth] | type[RollWeek]
    start: Callable[[date], date]  # the first day of the period a day falls in


PERIODS = (
    Period("month", DebtState, RollMonth, lambda day: day.replace(day=1)),
    Period("week", WeekDebtState, RollWeek, lambda day: day - timedelta(days=day.weekday())),
)


def _roll(period: Period, last: date | None, start: date, day: date) -> None:
    """Where the last period's open debts stand now (its rolls), then this period's states."""
    if last is not None:
        now_open = {
            debt_id: bucket
            for debt_id, bucket in _open_debts()
            .annotate(bucket=_bucket_case(day))
            .values_list("id", "bucket")
            .iterator(chunk_size=20000)
        }
        moves: defaultdict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
        for state in period.states.objects.all().iterator(chunk_size=20000):
            key = (
                state.creditor_id,
                state.segment_id,
                state.country,
                state.currency,
                state.bucket,
                now_open.get(state.debt_id, CLOSED),
            )
            moves[key][0] += 1
            moves[key][1] += state.balance
        period.rolls.objects.filter(**{period.field: start}).delete()
        rolls: Any = period.rolls.objects  # either model's manager: one shape of row
        rolls.bulk_create(
            period.rolls(
                **{period.field: start},
                creditor_id=key[0],
                segment_id=key[1],
                country=key[2],
                currency=key[3],
                from_bucket=key[4],
                to_bucket=key[5],
                debts=count,
                balance=balance,
            )
            for key, (count, balance) in moves.items()
        )
    period.states.objects.all().delete()
    # This period's states written by the database itself (a row per open debt).
    meta = period.states._meta
    column = {field.name: field.column for field in meta.concrete_fields}
    names = ("debt_id", period.field, "creditor_id", "segment_id", "country", "currency")
    targets = ", ".join(
        connection.ops.quote_name(column[name]) for name in (*names, "bucket", "balance")
    )
    sources, params = _open_debts_sql(day)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({targets})"
            f" SELECT d.d_id, %s, d.d_creditor, {SEGMENT}, d.d_country, d.d_currency,"
            f" d.d_bucket, d.d_owed FROM {sources}",
            (connection.ops.adapt_datefield_value(start), *params),
        )


def _money(value: Any) -> Decimal:
    """A sum of money read back from raw SQL: PostgreSQL's ``numeric`` as is, SQLite's
    number (an integer or a float) to cents, as Django reads its decimals."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    places = Debt._meta.get_field("amount").decimal_places
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
