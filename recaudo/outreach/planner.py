"""``recaudo plan``: turn the day's due policy steps into Outreach rows.

Loads what the decisions need in a few set-based queries (a temporary table
holds the day's candidate debtors), decides with the pure functions of
planning.py and the compliance rules, and writes the rows in bulk, all in one
transaction. Idempotent: a contact is unique per (debtor, step, due date),
and keys already planned are skipped before writing.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from recaudo.bulk import RawJSON, collector_paused, insert_rows, reserve_ids
from recaudo.compliance.rules import PastContact
from recaudo.compliance.store import pack_for
from recaudo.outreach.history import contact_moment, counted_sql, counts, history_since
from recaudo.outreach.models import Outreach, OutreachDebt, PlannerRun
from recaudo.policies.loaders import load_policies, load_segment_rules, segment_names
from recaudo.policies.planning import (
    EMAIL_CHANNELS,
    PHONE_CHANNELS,
    OpenDebt,
    UsablePoint,
    candidate_due_dates,
    choose_channel,
    currency_and_balance,
    due_steps,
    missed_days,
    place,
)
from recaudo.policies.rules import DebtorFacts, match_segment
from recaudo.portfolio.models import Creditor


@dataclass
class PlanResult:
    day: date
    dry_run: bool
    created: int = 0
    debtors_considered: int = 0
    by_segment_channel: Counter[tuple[str, str]] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    already_planned: int = 0
    # Seconds spent loading, deciding, writing and committing (for tuning).
    timings: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def summary_lines(self) -> list[str]:
        verb = "would plan" if self.dry_run else "planned"
        lines = [f"{self.day.isoformat()}: {verb} {self.created} contacts "
                 f"for {self.debtors_considered} debtors with steps due"]  # fmt: skip
        lines += [
            f"  {segment} / {channel}: {count}"
            for (segment, channel), count in sorted(self.by_segment_channel.items())
        ]
        if self.already_planned:
            lines.append(f"  already planned earlier: {self.already_planned}")
        lines += [
            f"  not planned ({reason}): {count}" for reason, count in sorted(self.skipped.items())
        ]
        return lines


class _DryRun(Exception):
    pass


def plan(
    day: date | None = None,
    *,
    creditor: Creditor | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PlanResult:
    """Plan ``day`` (the debtors' local date; default: today in UTC) for one or all creditors."""
    now = now or timezone.now()
    day = day or now.date()
    result = PlanResult(day, dry_run)
    creditors = [creditor] if creditor else list(Creditor.objects.order_by("id"))
    try:
        with collector_paused(), transaction.atomic():
            if connection.vendor == "postgresql":
                # Hash joins over a day's debtors fit in memory instead of batches.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL work_mem = '64MB'")
            for each in creditors:
                _plan_creditor(each, day, now, result, dry_run)
            if dry_run:
                raise _DryRun
            clock = time.perf_counter()
        result.timings["commit"] += time.perf_counter() - clock
    except _DryRun:
        pass
    return result


def _plan_creditor(
    creditor: Creditor, day: date, now: datetime, result: PlanResult, dry_run: bool
) -> None:
    if connection.vendor == "postgresql":
        # One planner per creditor at a time; a second waits, then finds
        # everything already planned.
        Creditor.objects.select_for_update().filter(pk=creditor.pk).exists()
    segments = load_segment_rules(creditor.pk)
    policies = {
        policy_id: sorted(steps, key=lambda step: step.offset_days, reverse=True)
        for policy_id, steps in load_policies({s.policy_id for s in segments}).items()
    }
    offsets = {step.offset_days for steps in policies.values() for step in steps}
    if not segments or not offsets:
        return
    last_run = (
        PlannerRun.objects.filter(creditor=creditor, run_on__lt=day).aggregate(last=Max("run_on"))
    )["last"]
    missed = missed_days(day, last_run, settings.PLANNER_CATCH_UP_DAYS)
    due_dates = sorted(candidate_due_dates(offsets, day, missed))
    started = timezone.now()
    clock = time.perf_counter()
    data = _load(creditor.pk, due_dates, day)
    result.timings["load"] += time.perf_counter() - clock
    clock = time.perf_counter()
    names = segment_names(segments)
    created_before = result.created

    outreach_rows: list[PlannedRow] = []
    debt_rows: list[tuple[int, int, Decimal]] = []  # (outreach index, debt id, balance)
    result.debtors_considered += len(data.debtors)
    packs: dict[tuple[str, str], Any] = {}
    first_windows: dict[tuple[str, str, str], tuple[datetime, datetime] | None] = {}
    counts: defaultdict[tuple[str, str], int] = defaultdict(int)
    for debtor_id, (kind, country, zone, language, tags, region) in data.debtors.items():
        debts = data.debts.get(debtor_id, [])
        if not debts:
            continue
        currency, balance = currency_and_balance(debts)
        facts = DebtorFacts(
            kind=kind,
            country=country,
            currency=currency,
            days_past_due=(day - min(debt.due_on for debt in debts)).days,
            balance=balance,
            tags=tags,
        )
        segment = match_segment(segments, facts)
        if segment is None:
            result.skipped["no_segment"] += 1
            continue
        steps = policies.get(segment.policy_id, [])
        due_today = [debt for debt in debts if debt.due_on in data.due_dates]
        pack = packs.get((country, region)) or packs.setdefault(
            (country, region), pack_for(creditor.pk, country, region)
        )
        history = list(data.history.get(debtor_id, ()))
        for due in due_steps(steps, due_today, day, missed, descending=True):
            key = (debtor_id, due.step.id, due.anchor_due_on)
            if key in data.planned:
                result.already_planned += 1
                continue
            choice = choose_channel(due.step, data.points.get(debtor_id, ()), pack.consent_required)
            if choice is None:
                result.skipped["no_usable_channel"] += 1
                continue
            if history:
                window = place(
                    pack, timezone=zone, channel=choice.channel, day=day, history=history
                )
            else:
                # With no earlier contact the window depends only on the rules and
                # the place: the same for every debtor in the same time zone.
                fresh = (country, zone, choice.channel)
                if fresh not in first_windows:
                    first_windows[fresh] = place(
                        pack, timezone=zone, channel=choice.channel, day=day, history=()
                    )
                window = first_windows[fresh]
            if window is None:
                result.skipped["no_allowed_moment"] += 1
                continue
            history.append(PastContact(choice.channel, window[0]))
            index = len(outreach_rows)
            amount = (
                due.debts[0].balance
                if len(due.debts) == 1
                else sum((debt.balance for debt in due.debts), Decimal(0))
            )
            outreach_rows.append(
                PlannedRow(
                    creditor_id=creditor.pk,
                    debtor_id=debtor_id,
                    segment_id=segment.id,
                    step_id=due.step.id,
                    anchor_due_on=due.anchor_due_on,
                    planned_on=day,
                    action=due.step.action,
                    channel=choice.channel,
                    fallback_channels=_fallbacks_json(choice.fallbacks),
                    contact_point_id=choice.contact_point_id,
                    template_key=due.step.template_key,
                    tone=due.step.tone,
                    language=language,
                    currency=due.debts[0].currency,
                    amount_due=amount,
                    window_start=window[0],
                    window_end=window[1],
                    status=PLANNED,
                    status_reason="",
                    created_at=now,
                    updated_at=now,
                )
            )
            debt_rows.extend((index, debt.id, debt.balance) for debt in due.debts)
            counts[(names[segment.id], choice.channel)] += 1

    result.by_segment_channel.update(counts)
    result.created += len(outreach_rows)
    result.timings["decide"] += time.perf_counter() - clock
    clock = time.perf_counter()
    if outreach_rows:
        ids = reserve_ids(Outreach, len(outreach_rows))
        insert_rows(
            Outreach,
            ("id", *PlannedRow._fields),
            [(ids[i], *row) for i, row in enumerate(outreach_rows)],
        )
        insert_rows(
            OutreachDebt,
            ("outreach_id", "debt_id", "balance"),
            [(ids[index], debt_id, balance) for index, debt_id, balance in debt_rows],
        )
    result.timings["write"] += time.perf_counter() - clock
    if not dry_run:
        PlannerRun.objects.create(
            creditor=creditor,
            run_on=day,
            started_at=started,
            finished_at=timezone.now(),
            outreach_created=result.created - created_before,
            summary={f"{s} / {c}": n for (s, c), n in result.by_segment_channel.items()},
        )


PLANNED = str(Outreach.Status.PLANNED.value)


class PlannedRow(NamedTuple):
    """One planned contact as the planner writes it: the fields are the columns, in order."""

    creditor_id: int
    debtor_id: int
    segment_id: int
    step_id: int
    anchor_due_on: date
    planned_on: date
    action: str
    channel: str
    fallback_channels: RawJSON
    contact_point_id: int | None
    template_key: str
    tone: str
    language: str
    currency: str
    amount_due: Decimal
    window_start: datetime
    window_end: datetime
    status: str
    status_reason: str
    created_at: datetime
    updated_at: datetime


@dataclass
class _Loaded:
    due_dates: set[date]
    debtors: dict[int, tuple[str, str, str, str, frozenset[str], str]]
    debts: dict[int, list[OpenDebt]]
    points: dict[int, list[UsablePoint]]
    planned: set[tuple[int, int, date]]
    history: dict[int, list[PastContact]]


def _load(creditor_id: int, due_dates: Sequence[date], day: date) -> _Loaded:
    """Everything the decisions need about the debtors with a debt due on ``due_dates``."""
    sqlite = connection.vendor == "sqlite"

    def text(column: str) -> str:
        # JSON read as text: the few distinct values are parsed once each.
        return column if sqlite else f"{column}::text"

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS plan_debtors")
        marks = ", ".join(["%s"] * len(due_dates))
        cursor.execute(
            "CREATE TEMPORARY TABLE plan_debtors AS SELECT DISTINCT debtor_id AS id "
            "FROM portfolio_debt WHERE creditor_id = %s AND status = 'open' "
            f"AND due_on IN ({marks})",
            [creditor_id, *due_dates],
        )
        if not sqlite:
            cursor.execute("ANALYZE plan_debtors")  # good join plans need its size
        # Debtors: the segment's facts and where and how to reach them.
        cursor.execute(
            f"SELECT d.id, d.kind, d.country, d.timezone, d.language, {text('d.tags')}, "
            "d.region FROM portfolio_debtor d JOIN plan_debtors p ON p.id = d.id"
        )
        debtors = {
            row[0]: (row[1], row[2], row[3], row[4], _json_set(row[5]), row[6])
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
        cursor.execute(
            f"SELECT b.id, b.debtor_id, {balance}, b.currency "
            "FROM portfolio_debt b JOIN plan_debtors p ON p.id = b.debtor_id "
            "WHERE b.status = 'open' AND NOT EXISTS (SELECT 1 FROM payments_promise_debts pd "
            "JOIN payments_promise pr ON pr.id = pd.promise_id "
            "WHERE pd.debt_id = b.id AND pr.status = 'pending')"
        )
        debts: dict[int, list[OpenDebt]] = defaultdict(list)
        fromisoformat = date.fromisoformat
        for debt_id, debtor_id, owed, due_on, currency in cursor.fetchall():
            if sqlite:
                owed, due_on = Decimal(owed), fromisoformat(due_on)
            debts[debtor_id].append(OpenDebt(debt_id, due_on, owed, currency))
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
            "WHERE c.opted_out_at IS NULL AND c.invalid_since IS NULL"
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
        since = min(
            history_since(timezone.now().replace(microsecond=0)), history_since(_start_of(day))
        )
        # The same rule as history.past_contacts, in the planner's one set-based query.
        counted, counted_params = counted_sql("o", placing=True)
        cursor.execute(
            "SELECT o.debtor_id, o.step_id, o.anchor_due_on, o.channel, o.window_start, "
            "o.sent_at, o.status "
            "FROM outreach_outreach o JOIN plan_debtors p ON p.id = o.debtor_id "
            f"WHERE o.anchor_due_on IN ({marks}) OR (COALESCE(o.sent_at, o.window_start) >= %s "
            f"AND {counted})",
            [*due_dates, since, *counted_params],
        )
        planned: set[tuple[int, int, date]] = set()
        history: dict[int, list[PastContact]] = defaultdict(list)
        for debtor_id, step_id, anchor, channel, start, sent_at, status in cursor.fetchall():
            if isinstance(anchor, str):
                anchor = date.fromisoformat(anchor)
            planned.add((debtor_id, step_id, anchor))
            if counts(status, sent_at, placing=True):
                moment = _utc(contact_moment(sent_at, start))
                if moment >= since:
                    history[debtor_id].append(PastContact(channel, moment))
        cursor.execute("DROP TABLE plan_debtors")
    return _Loaded(set(due_dates), debtors, debts, points, planned, history)


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    # SQLite keeps UTC without an offset.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@lru_cache(maxsize=1024)
def _fallbacks_json(fallbacks: tuple[str, ...]) -> RawJSON:
    return RawJSON(json.dumps(list(fallbacks)))


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
