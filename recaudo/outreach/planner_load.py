"""What the planner reads: the day's candidate debtors and, a range of them at a time,
everything its decisions need about them, in a few set-based queries.

The candidates are kept in a temporary table, ``plan_debtors``, for the length
of one creditor's run (planner.py drops it).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from django.db import connection

from recaudo.compliance.rules import PastContact
from recaudo.outreach.history import contact_moment, counted_sql, counts, triggered
from recaudo.outreach.tasks import CONVERSATION_OUTCOMES
from recaudo.policies.planning import EMAIL_CHANNELS, PHONE_CHANNELS, OpenDebt, UsablePoint
from recaudo.portfolio.models import CLOSED_STAGES

CLOSED = ", ".join(f"'{stage}'" for stage in CLOSED_STAGES)


class Preference(NamedTuple):
    channel: str
    hours: tuple[time, time] | None


@dataclass
class Loaded:
    due_dates: set[date]
    # kind, country, time zone, language, tags, region, risk band
    debtors: dict[int, tuple[str, str, str, str, frozenset[str], str, str]]
    debts: dict[int, list[OpenDebt]]
    points: dict[int, list[UsablePoint]]
    planned: set[tuple[int, int, date, int]]
    history: dict[int, list[PastContact]]
    # Debtors who said how they want to be contacted: (channel, (from, to) or None).
    preferences: dict[int, Preference] = field(default_factory=dict)
    # The learnt best local hour per channel (recaudo/learning/besttime.py), when asked for.
    best_hours: dict[int, dict[str, int]] = field(default_factory=dict)


# The debts created in [start, end) are new to the planner (start None: since ever).
Entering = tuple[datetime | None, datetime] | None


def candidate_ranges(
    creditor_id: int, due_dates: Sequence[date], chunk: int, entering: Entering = None
) -> list[tuple[int, int]]:
    """Ranges of ids of at most ``chunk`` debtors each, covering the debtors with an
    open debt due on ``due_dates`` or new to the planner (``entering``), kept in the
    temporary table ``plan_debtors``."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS plan_debtors")
        marks = ", ".join(["%s"] * len(due_dates))
        # Written in id order with each debtor's place, and indexed once full: a
        # chunk's range of ids then sits in a few consecutive pages of it, and
        # the index is built in one sorted pass. (At 10M debts, inserting in
        # hash order into a keyed table took 10 s and scattered every range
        # over the whole table: docs/benchmarks.md, "Ten million debts".)
        cursor.execute("CREATE TEMPORARY TABLE plan_debtors (id bigint NOT NULL, place bigint)")
        new_sql, new_params = _entering_sql("", entering)
        cursor.execute(
            "INSERT INTO plan_debtors (id, place) "
            "SELECT debtor_id, row_number() OVER (ORDER BY debtor_id) FROM ("
            "SELECT DISTINCT debtor_id FROM portfolio_debt WHERE creditor_id = %s "
            f"AND status = 'open' AND (due_on IN ({marks}) OR {new_sql})) AS candidates "
            "ORDER BY debtor_id",
            [creditor_id, *due_dates, *new_params],
        )
        cursor.execute("CREATE UNIQUE INDEX plan_debtors_id ON plan_debtors (id)")
        if connection.vendor != "sqlite":
            cursor.execute("ANALYZE plan_debtors")  # good join plans need its size
        # The first id of every chunk, and the last id of all.
        cursor.execute(
            "SELECT id, (SELECT max(id) FROM plan_debtors) FROM plan_debtors "
            "WHERE (place - 1) %% %s = 0 ORDER BY id",
            [chunk],
        )
        firsts = cursor.fetchall()
    return [
        (first, firsts[index + 1][0] - 1 if index + 1 < len(firsts) else last)
        for index, (first, last) in enumerate(firsts)
    ]


def _entering_sql(alias: str, entering: Entering) -> tuple[str, list[Any]]:
    """A condition true for the debts new to the planner, and its parameters."""
    if entering is None:
        return "1 = 0", []
    start, end = entering
    column = f"{alias}created_at"
    if start is None:
        return f"{column} < %s", [_db_moment(end)]
    return f"({column} >= %s AND {column} < %s)", [_db_moment(start), _db_moment(end)]


def _db_moment(moment: datetime) -> datetime:
    # SQLite keeps UTC without an offset; compared as text, the parameter must match it.
    if connection.vendor == "sqlite":
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def load_chunk(
    due_dates: Sequence[date],
    since: datetime,
    first: int,
    last: int,
    entering: Entering = None,
    planned_since: date | None = None,
    best_time: bool = False,
) -> Loaded:
    """Everything the decisions need about the candidate debtors with ids ``first``..``last``.

    ``entering`` says which debts are new to the planner; the contacts planned
    on or after ``planned_since`` are loaded as planned (an entering debt's
    contact has no candidate due date to be found by). ``best_time``: also
    load the learnt best hours (some policy places at the best time).

    Each query names the id range on both sides of its join so that the
    portfolio's indexes on the debtor are read for that range only.
    """
    sqlite = connection.vendor == "sqlite"

    def text(column: str) -> str:
        # JSON read as text: the few distinct values are parsed once each.
        return column if sqlite else f"{column}::text"

    within = [first, last, first, last]
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(due_dates))
        # Debtors: the segment's facts and where and how to reach them.
        cursor.execute(
            f"SELECT d.id, d.kind, d.country, d.timezone, d.language, {text('d.tags')}, "
            "d.region, d.risk_band FROM portfolio_debtor d JOIN plan_debtors p ON p.id = d.id "
            "WHERE p.id BETWEEN %s AND %s AND d.id BETWEEN %s AND %s",
            within,
        )
        debtors = {
            row[0]: (row[1], row[2], row[3], row[4], _json_set(row[5]), row[6], row[7])
            for row in cursor.fetchall()
        }
        # All their open debts (the balance and the oldest due date decide the segment).
        # SQLite keeps decimals as REAL: subtract there, round to the cent
        # and read the text (15 significant digits, exact for 14-digit money).
        balance = (
            "CAST(ROUND(b.amount - b.amount_paid, 2) AS TEXT), CAST(b.due_on AS TEXT)"
            if sqlite
            else "b.amount - b.amount_paid, b.due_on"
        )
        new_sql, new_params = _entering_sql("b.", entering)
        cursor.execute(
            f"SELECT b.id, b.debtor_id, {balance}, b.currency, b.collection_stage, "
            f"CASE WHEN {new_sql} THEN 1 ELSE 0 END "
            "FROM portfolio_debt b JOIN plan_debtors p ON p.id = b.debtor_id "
            "WHERE p.id BETWEEN %s AND %s AND b.debtor_id BETWEEN %s AND %s "
            f"AND b.status = 'open' AND b.collection_stage NOT IN ({CLOSED}) "
            "AND NOT EXISTS (SELECT 1 FROM payments_promise_debts pd "
            "JOIN payments_promise pr ON pr.id = pd.promise_id "
            "WHERE pd.debt_id = b.id AND pr.status = 'pending')",
            [*new_params, *within],
        )
        debts: dict[int, list[OpenDebt]] = defaultdict(list)
        fromisoformat = date.fromisoformat
        for debt_id, debtor_id, owed, due_on, currency, stage, new in cursor.fetchall():
            if sqlite:
                owed, due_on = Decimal(owed), fromisoformat(due_on)
            debts[debtor_id].append(OpenDebt(debt_id, due_on, owed, currency, bool(new), stage))
        # Usable contact points (not opted out, not invalid) with their
        # consents, gathered per point by the consent table's unique index. A
        # withdrawn consent ("-sms") takes the channel off the point in every
        # country, whether or not the country required the consent.
        gather = "group_concat" if sqlite else "string_agg"
        cursor.execute(
            f"SELECT c.id, c.debtor_id, c.kind, {text('c.channels')}, c.preferred, "
            f"(SELECT {gather}(CASE WHEN k.revoked_at IS NULL THEN k.channel "
            "ELSE '-' || k.channel END, ',') FROM portfolio_channelconsent k "
            "WHERE k.contact_point_id = c.id) "
            "FROM portfolio_contactpoint c JOIN plan_debtors p ON p.id = c.debtor_id "
            "WHERE p.id BETWEEN %s AND %s AND c.debtor_id BETWEEN %s AND %s "
            "AND c.opted_out_at IS NULL AND c.invalid_since IS NULL",
            within,
        )
        points: dict[int, list[UsablePoint]] = defaultdict(list)
        for point_id, debtor_id, kind, channels, preferred, consented in cursor.fetchall():
            allowed = PHONE_CHANNELS if kind == "phone" else EMAIL_CHANNELS
            given, withdrawn = _consents(consented)
            points[debtor_id].append(
                UsablePoint(
                    point_id,
                    kind,
                    (_json_set(channels) & allowed) - withdrawn,
                    given,
                    bool(preferred),
                )
            )
        # Contacts already planned or made: idempotency keys and the rules' history
        # (outreach/history.py says which count; placing a step, planned rows do).
        # The same rule as history.past_contacts, in the planner's one set-based query.
        counted, counted_params = counted_sql("o", placing=True)
        cursor.execute(
            "SELECT o.debtor_id, o.step_id, o.anchor_due_on, o.repetition, o.channel, "
            "o.window_start, o.sent_at, o.status, o.action, o.template_key, o.status_reason "
            "FROM outreach_outreach o JOIN plan_debtors p ON p.id = o.debtor_id "
            "WHERE p.id BETWEEN %s AND %s AND o.debtor_id BETWEEN %s AND %s "
            f"AND (o.anchor_due_on IN ({marks}) OR o.planned_on >= %s "
            f"OR (COALESCE(o.sent_at, o.window_start) >= %s AND {counted}))",
            [*within, *due_dates, planned_since or max(due_dates), since, *counted_params],
        )
        planned: set[tuple[int, int, date, int]] = set()
        history: dict[int, list[PastContact]] = defaultdict(list)
        for row in cursor.fetchall():
            (
                debtor_id, step_id, anchor, repetition, channel, start, sent_at, status, action,
                key, reason,
            ) = row  # fmt: skip
            if isinstance(anchor, str):
                anchor = date.fromisoformat(anchor)
            planned.add((debtor_id, step_id, anchor, repetition))
            if counts(status, sent_at, placing=True):
                moment = _utc(contact_moment(sent_at, start))
                if moment >= since:
                    history[debtor_id].append(
                        PastContact(
                            channel,
                            moment,
                            triggered(action, key),
                            conversation=action == "call_task" and reason in CONVERSATION_OUTCOMES,
                        )
                    )
        preferences = _preferences(cursor, within)
        best_hours = _best_hours(cursor, within) if best_time else {}
    return Loaded(
        set(due_dates), debtors, debts, points, planned, history, preferences, best_hours
    )


def _best_hours(cursor: Any, within: list[int]) -> dict[int, dict[str, int]]:
    """The candidate debtors' learnt best hour per channel (only for best-time policies)."""
    cursor.execute(
        "SELECT d.id, d.best_hours FROM portfolio_debtor d JOIN plan_debtors p ON p.id = d.id "
        "WHERE p.id BETWEEN %s AND %s AND d.id BETWEEN %s AND %s AND d.best_hours IS NOT NULL",
        within,
    )
    return {debtor_id: _hours(value) for debtor_id, value in cursor.fetchall()}


@lru_cache(maxsize=4096)
def _parse_hours(text: str) -> dict[str, int]:
    return {str(channel): int(hour) for channel, hour in (json.loads(text) or {}).items()}


def _hours(value: Any) -> dict[str, int]:
    if isinstance(value, str | bytes):
        return _parse_hours(value if isinstance(value, str) else value.decode())
    return {str(channel): int(hour) for channel, hour in (value or {}).items()}


def _preferences(cursor: Any, within: list[int]) -> dict[int, Preference]:
    """The few candidate debtors with contact preferences (a separate, selective read)."""
    cursor.execute(
        "SELECT d.id, d.preferred_channel, d.preferred_hours_from, d.preferred_hours_to "
        "FROM portfolio_debtor d JOIN plan_debtors p ON p.id = d.id "
        "WHERE p.id BETWEEN %s AND %s AND d.id BETWEEN %s AND %s "
        "AND (d.preferred_channel <> '' OR d.preferred_hours_from IS NOT NULL)",
        within,
    )
    found = {}
    for debtor_id, channel, start, end in cursor.fetchall():
        hours = (_time(start), _time(end)) if start is not None and end is not None else None
        found[debtor_id] = Preference(channel or "", hours)
    return found


def _time(value: time | str) -> time:
    # SQLite returns the text it stores.
    return value if isinstance(value, time) else time.fromisoformat(value)


def notices_sent_on(debt_ids: list[int]) -> dict[int, date]:
    """For each of ``debt_ids``, the day (UTC) its latest credit-bureau notice left."""
    sent: dict[int, date] = {}
    for start in range(0, len(debt_ids), 500):
        batch = debt_ids[start : start + 500]
        marks = ", ".join(["%s"] * len(batch))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT od.debt_id, MAX(o.sent_at) FROM outreach_outreachdebt od "
                "JOIN outreach_outreach o ON o.id = od.outreach_id "
                "JOIN policies_step s ON s.id = o.step_id "
                f"WHERE od.debt_id IN ({marks}) AND s.action = 'bureau_notice' "
                "AND o.sent_at IS NOT NULL GROUP BY od.debt_id",
                batch,
            )
            for debt_id, sent_at in cursor.fetchall():
                sent[debt_id] = _utc(sent_at).date()
    return sent


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    # SQLite keeps UTC without an offset.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _json_set(value: Any) -> frozenset[str]:
    """A JSON list column as a set; the few distinct texts are parsed once each."""
    if isinstance(value, str | bytes):
        return _parse_set(value)
    return frozenset(value or ())


@lru_cache(maxsize=4096)
def _consents(text: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """("whatsapp,-sms") -> (consented {"whatsapp"}, withdrawn {"sms"})."""
    if not text:
        return frozenset(), frozenset()
    names = text.split(",")
    return (
        frozenset(name for name in names if not name.startswith("-")),
        frozenset(name[1:] for name in names if name.startswith("-")),
    )


@lru_cache(maxsize=4096)
def _parse_set(text: str | bytes) -> frozenset[str]:
    return frozenset(json.loads(text) or ())
