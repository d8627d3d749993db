"""``recaudo plan``: turn the day's due policy steps into Outreach rows.

Loads what the decisions need in a few set-based queries (a temporary table
holds the day's candidate debtors), decides with the pure functions of
planning.py and the compliance rules, and writes the rows in bulk, all in one
transaction, one chunk of debtors (a range of ids) after another so that
memory stays bounded however large the portfolio. Idempotent: a contact is
unique per (debtor, step, due date), and keys already planned are skipped
before writing.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from recaudo.bulk import RawJSON, collector_paused, insert_rows, reserve_ids
from recaudo.compliance.rules import PastContact
from recaudo.compliance.store import pack_for
from recaudo.outreach.history import history_since
from recaudo.outreach.models import Outreach, OutreachDebt, PlannerRun
from recaudo.outreach.planner_chunks import chunks, read_ahead_possible
from recaudo.outreach.planner_load import Loaded, notices_sent_on, start_of
from recaudo.policies.loaders import (
    load_policies,
    load_segment_rules,
    policies_at_best_time,
    policies_placing_new_debts,
    segment_names,
)
from recaudo.policies.planning import (
    RECORDED_ACTIONS,
    DueStep,
    StepInfo,
    at_best_hour,
    bureau_notice_days,
    bureau_report_day,
    candidate_due_dates,
    choose_channel,
    consolidate,
    currency_and_balance,
    due_steps,
    missed_days,
    place,
    step_days,
)
from recaudo.policies.rules import DebtorFacts, SegmentRule, match_segment
from recaudo.portfolio.models import Creditor, Debt


@dataclass
class PlanResult:
    day: date
    dry_run: bool
    created: int = 0
    debtors_considered: int = 0
    by_segment_channel: Counter[tuple[str, str]] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    already_planned: int = 0
    # Steps whose message is the debtor's one message of the day (rows ``covered``).
    covered: int = 0
    # Steps that contact nobody, recorded on the debts (agency, write_off, bureau_report).
    recorded: Counter[str] = field(default_factory=Counter)
    chunks: int = 0  # ranges of debtors loaded, decided and written one after the other
    read_ahead: bool = False  # the next chunk was loaded on a second connection meanwhile
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
        if self.covered:
            lines.append(f"  covered by the debtor's one message: {self.covered}")
        lines += [
            f"  recorded on debts ({action}): {count}"
            for action, count in sorted(self.recorded.items())
        ]
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
    chunk_debtors: int | None = None,
    read_ahead: bool | None = None,
) -> PlanResult:
    """Plan ``day`` (the debtors' local date; default: today in UTC) for one or all creditors.

    The day's debtors are loaded, decided and written ``chunk_debtors`` at a
    time (default: the ``PLANNER_CHUNK_DEBTORS`` setting), in ranges of debtor
    ids, so that memory stays bounded whatever the portfolio's size. Each
    debtor's decisions depend only on that debtor's data, so the rows are the
    same whatever the chunk size. Everything is still one transaction.

    ``read_ahead`` (default: the ``PLANNER_READ_AHEAD`` setting) loads the next
    chunk on a second connection while this one is decided and written; it is
    used only on PostgreSQL outside any atomic block (planner_chunks.py).
    """
    now = now or timezone.now()
    day = day or now.date()
    chunk = chunk_debtors or settings.PLANNER_CHUNK_DEBTORS
    if chunk < 1:
        raise ValueError(f"chunk_debtors must be at least 1, not {chunk}")
    result = PlanResult(day, dry_run)
    creditors = [creditor] if creditor else list(Creditor.objects.order_by("id"))
    if read_ahead is None:
        read_ahead = settings.PLANNER_READ_AHEAD
    result.read_ahead = read_ahead = read_ahead and read_ahead_possible()
    try:
        with collector_paused(), transaction.atomic():
            if connection.vendor == "postgresql":
                # Hash joins over a chunk's debtors fit in memory instead of batches.
                # JIT compiling pays for long analytic queries, not for these: on a
                # 10M-debt portfolio it added half a second to each chunk's queries.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL work_mem = '64MB'")
                    cursor.execute("SET LOCAL jit = off")
            for each in creditors:
                _plan_creditor(each, day, now, result, dry_run, chunk, read_ahead)
            if dry_run:
                raise _DryRun
            clock = time.perf_counter()
        result.timings["commit"] += time.perf_counter() - clock
    except _DryRun:
        pass
    return result


@dataclass
class _Context:
    """What every chunk of one creditor's day shares: the rules and caches of pure results."""

    creditor_id: int
    day: date
    now: datetime
    missed: int
    segments: list[SegmentRule]
    policies: dict[int, list[StepInfo]]
    names: dict[int, str]
    placing: set[int] = field(default_factory=set)  # policies that place new debts
    by_last_contact: set[int] = field(default_factory=set)  # policies repeating from it
    best_time: set[int] = field(default_factory=set)  # policies placing at the best hour
    packs: dict[tuple[str, str], Any] = field(default_factory=dict)
    first_windows: dict[tuple[str, str, str], tuple[datetime, datetime] | None] = field(
        default_factory=dict
    )


def _plan_creditor(
    creditor: Creditor,
    day: date,
    now: datetime,
    result: PlanResult,
    dry_run: bool,
    chunk: int,
    read_ahead: bool,
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
    offsets = {day for steps in policies.values() for step in steps for day in step_days(step)}
    if not segments or not offsets:
        return
    placing = policies_placing_new_debts(set(policies))
    last_run = (
        PlannerRun.objects.filter(creditor=creditor, run_on__lt=day).aggregate(last=Max("run_on"))
    )["last"]
    missed = missed_days(day, last_run, settings.PLANNER_CATCH_UP_DAYS)
    due_dates = sorted(candidate_due_dates(offsets, day, missed))
    # Debts created since the last run (ever, when it never ran) are new to the planner.
    previous = (
        PlannerRun.objects.filter(creditor=creditor, run_on__lte=day)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    entering = (previous, start_of(day + timedelta(days=1))) if placing else None
    started = timezone.now()
    # Contacts from this moment on count as history (outreach/history.py).
    since = min(history_since(timezone.now().replace(microsecond=0)), history_since(start_of(day)))
    context = _Context(
        creditor.pk,
        day,
        now,
        missed,
        segments,
        policies,
        segment_names(segments),
        placing,
        {
            policy_id
            for policy_id, steps in policies.items()
            if any(step.repeat_from == "last_contact" and step.repeat_every for step in steps)
        },
        policies_at_best_time(set(policies)),
    )
    created_before = result.created
    for data in chunks(
        creditor.pk,
        due_dates,
        chunk,
        entering,
        since,
        day - timedelta(days=missed),
        read_ahead=read_ahead,
        timings=result.timings,
        best_time=bool(context.best_time),
    ):
        result.chunks += 1
        clock = time.perf_counter()
        outreach_rows, debt_rows, marks = _decide(context, data, result)
        del data
        result.timings["decide"] += time.perf_counter() - clock
        clock = time.perf_counter()
        _write(outreach_rows, debt_rows)
        _record(marks, day, result)
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


@dataclass
class _DebtMarks:
    """What the day's steps record on the debts, beside the contacts."""

    stages: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    # Planned credit-bureau report days, from the notices planned today.
    report_on: defaultdict[date, list[int]] = field(default_factory=lambda: defaultdict(list))
    # Recorded steps (agency, write_off, bureau_report): action -> [(debt id, notice days)].
    recorded: defaultdict[str, list[tuple[int, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def _decide(
    context: _Context, data: Loaded, result: PlanResult
) -> tuple[list[PlannedRow], list[tuple[int, int, Decimal]], _DebtMarks]:
    """The rows to write for one chunk's debtors: (outreach rows, (row index, debt, balance))."""
    day, missed, names = context.day, context.missed, context.names
    packs, first_windows = context.packs, context.first_windows
    outreach_rows: list[PlannedRow] = []
    debt_rows: list[tuple[int, int, Decimal]] = []
    marks = _DebtMarks()
    result.debtors_considered += len(data.debtors)
    counts: defaultdict[tuple[str, str], int] = defaultdict(int)
    covered_count = 0
    for debtor_id, (kind, country, zone, language, tags, region, band) in data.debtors.items():
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
            risk_band=band,
        )
        segment = match_segment(context.segments, facts)
        if segment is None:
            result.skipped["no_segment"] += 1
            continue
        steps = context.policies.get(segment.policy_id, [])
        due_today = [debt for debt in debts if debt.entering or debt.due_on in data.due_dates]
        pack = packs.get((country, region)) or packs.setdefault(
            (country, region), pack_for(context.creditor_id, country, region)
        )
        history = list(data.history.get(debtor_id, ()))
        last_contact = (
            max(contact.at for contact in history).astimezone(ZoneInfo(zone)).date()
            if history and segment.policy_id in context.by_last_contact
            else None
        )
        dues = due_steps(
            steps,
            due_today,
            day,
            missed,
            descending=True,
            place_new=segment.policy_id in context.placing,
            last_contact=last_contact,
        )
        covering: dict[tuple[int, date, int], tuple[DueStep, ...]] = {}
        if len(dues) > 1:
            # The day's several messages for this debtor become one (CONSOLIDATED_ACTIONS).
            unplanned = []
            for due in dues:
                if (
                    due.step.action not in RECORDED_ACTIONS
                    and (debtor_id, due.step.id, due.anchor_due_on, due.repetition) in data.planned
                ):
                    result.already_planned += 1
                else:
                    unplanned.append(due)
            dues, covering = consolidate(unplanned, day)
        for due in dues:
            step = due.step
            if step.action in RECORDED_ACTIONS:
                delay = bureau_notice_days(pack)
                marks.recorded[step.action].extend((debt.id, delay) for debt in due.debts)
                continue
            key = (debtor_id, step.id, due.anchor_due_on, due.repetition)
            if key in data.planned:
                result.already_planned += 1
                continue
            covered = covering.get(key[1:], ())
            preference = data.preferences.get(debtor_id)
            choice = choose_channel(
                due.step,
                data.points.get(debtor_id, ()),
                pack.consent_required,
                preference.channel if preference else "",
            )
            if choice is None:
                result.skipped["no_usable_channel"] += 1 + len(covered)
                continue
            if history or (preference and preference.hours):
                window = place(
                    pack,
                    timezone=zone,
                    channel=choice.channel,
                    day=day,
                    history=history,
                    hours=preference.hours if preference else None,
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
                result.skipped["no_allowed_moment"] += 1 + len(covered)
                continue
            at_best = segment.policy_id in context.best_time
            best = data.best_hours.get(debtor_id, {}) if at_best else {}
            if best and choice.channel in best and not (preference and preference.hours):
                window = at_best_hour(window, best[choice.channel], zone)
            history.append(PastContact(choice.channel, window[0]))
            if step.stage:
                marks.stages[step.stage].extend(
                    debt.id for debt in due.debts if debt.stage != step.stage
                )
            if step.action == "bureau_notice":
                report_on = bureau_report_day(
                    window[0].astimezone(ZoneInfo(zone)).date(), bureau_notice_days(pack)
                )
                marks.report_on[report_on].extend(debt.id for debt in due.debts)
            for other in covered:
                if other.step.stage:
                    marks.stages[other.step.stage].extend(
                        debt.id for debt in other.debts if debt.stage != other.step.stage
                    )
            index = len(outreach_rows)
            # The debtor's one message covers every open debt (in the leader's
            # currency for its amount); alone, a step's message is about its debts.
            about = tuple(debts) if covered else due.debts
            currency = due.debts[0].currency
            amount = (
                about[0].balance
                if len(about) == 1
                else sum((debt.balance for debt in about if debt.currency == currency), Decimal(0))
            )
            outreach_rows.append(
                PlannedRow(
                    creditor_id=context.creditor_id,
                    debtor_id=debtor_id,
                    segment_id=segment.id,
                    step_id=due.step.id,
                    anchor_due_on=due.anchor_due_on,
                    repetition=due.repetition,
                    planned_on=day,
                    # The notice before a bureau report is a message like any other.
                    action="message" if step.action == "bureau_notice" else step.action,
                    channel=choice.channel,
                    fallback_channels=_fallbacks_json(choice.fallbacks),
                    contact_point_id=choice.contact_point_id,
                    template_key=due.step.template_key,
                    tone=due.step.tone,
                    language=language,
                    currency=currency,
                    amount_due=amount,
                    window_start=window[0],
                    window_end=window[1],
                    status=PLANNED,
                    status_reason="",
                    created_at=context.now,
                    updated_at=context.now,
                    covered_by_id=None,
                )
            )
            debt_rows.extend((index, debt.id, debt.balance) for debt in about)
            counts[(names[segment.id], choice.channel)] += 1
            for other in covered:
                # The record of each covered step: which message stood for it, and its debts.
                outreach_rows.append(
                    outreach_rows[index]._replace(
                        step_id=other.step.id,
                        anchor_due_on=other.anchor_due_on,
                        repetition=other.repetition,
                        action=other.step.action,
                        template_key=other.step.template_key,
                        tone=other.step.tone,
                        currency=other.debts[0].currency,
                        amount_due=sum((debt.balance for debt in other.debts), Decimal(0)),
                        status=COVERED,
                        status_reason=COVERED_REASON,
                        covered_by_id=index,
                    )
                )
                debt_rows.extend(
                    (len(outreach_rows) - 1, debt.id, debt.balance) for debt in other.debts
                )
                covered_count += 1
    result.by_segment_channel.update(counts)
    result.created += len(outreach_rows) - covered_count
    result.covered += covered_count
    return outreach_rows, debt_rows, marks


def _record(marks: _DebtMarks, day: date, result: PlanResult) -> None:
    """Record on the debts what the day's steps decided: stages, report days, placements."""
    for stage, ids in marks.stages.items():
        for batch in _batches(ids):
            Debt.objects.filter(id__in=batch).update(
                collection_stage=stage, collection_stage_on=day
            )
    for report_on, ids in marks.report_on.items():
        for batch in _batches(ids):
            Debt.objects.filter(id__in=batch, bureau_reported_on__isnull=True).update(
                bureau_report_on=report_on
            )
    for action, items in marks.recorded.items():
        if action == "bureau_report":
            _record_bureau_reports(items, day, result)
            continue
        ids = [debt_id for debt_id, _ in items]
        for batch in _batches(ids):
            Debt.objects.filter(id__in=batch).update(
                collection_stage=action, collection_stage_on=day
            )
        result.recorded[action] += len(ids)


def _record_bureau_reports(items: list[tuple[int, int]], day: date, result: PlanResult) -> None:
    """Record the report of each debt whose notice left at least the legal delay ago.

    A debt whose notice has not left yet, or left too recently, is not
    reported; its planned report day moves to the notice's day plus the delay.
    """
    delays = dict(items)
    sent = notices_sent_on(list(delays))
    reported: list[int] = []
    moved: defaultdict[date, list[int]] = defaultdict(list)
    for debt_id, delay in delays.items():
        notice_on = sent.get(debt_id)
        if notice_on is None:
            result.skipped["bureau_report_without_notice"] += 1
            continue
        earliest = bureau_report_day(notice_on, delay)
        if earliest <= day:
            reported.append(debt_id)
        else:
            moved[earliest].append(debt_id)
            result.skipped["bureau_report_too_early"] += 1
    for batch in _batches(reported):
        result.recorded["bureau_report"] += Debt.objects.filter(
            id__in=batch, bureau_reported_on__isnull=True
        ).update(bureau_reported_on=day)
    for earliest, ids in moved.items():
        for batch in _batches(ids):
            Debt.objects.filter(id__in=batch).update(bureau_report_on=earliest)


def _batches(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _write(outreach_rows: list[PlannedRow], debt_rows: list[tuple[int, int, Decimal]]) -> None:
    if not outreach_rows:
        return
    ids = reserve_ids(Outreach, len(outreach_rows))
    # A covered row names its message by the message's index among the rows: its id now.
    insert_rows(
        Outreach,
        ("id", *PlannedRow._fields),
        [
            (ids[i], *row)
            if row.covered_by_id is None
            else (ids[i], *row._replace(covered_by_id=ids[row.covered_by_id]))
            for i, row in enumerate(outreach_rows)
        ],
    )
    insert_rows(
        OutreachDebt,
        ("outreach_id", "debt_id", "balance"),
        [(ids[index], debt_id, balance) for index, debt_id, balance in debt_rows],
    )


PLANNED = str(Outreach.Status.PLANNED.value)
COVERED = str(Outreach.Status.COVERED.value)
COVERED_REASON = "covered by the debtor's one message of the day"


class PlannedRow(NamedTuple):
    """One planned contact as the planner writes it: the fields are the columns, in order."""

    creditor_id: int
    debtor_id: int
    segment_id: int
    step_id: int
    anchor_due_on: date
    repetition: int
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
    # A covered step's message (its index among the rows written until _write: then its id).
    covered_by_id: int | None


@lru_cache(maxsize=1024)
def _fallbacks_json(fallbacks: tuple[str, ...]) -> RawJSON:
    return RawJSON(json.dumps(list(fallbacks)))
