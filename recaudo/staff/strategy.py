"""The strategy pages' reading side: which policies, segments and templates a user sees
and may edit, a policy drawn as a timeline, and who falls in each segment today.

Scope: a creditor's own rows are seen by the users of that creditor; the
shipped defaults (no creditor) are seen by everyone and edited only by a
superuser, as in the admin (``admin_scope.CreditorScoped.shared_without_creditor``).
Editing is a supervisor's or an admin's (``roles.may_approve``); others read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from recaudo.conversations.scope import creditor_scope, scoped
from recaudo.policies.loaders import load_segment_rules
from recaudo.policies.models import Policy, Segment, Step, Template
from recaudo.policies.rules import SegmentRule
from recaudo.portfolio.models import CLOSED_STAGES, CollectionStage, Creditor, Debtor
from recaudo.roles import may_approve

SAMPLE_SIZE = 10
PREVIEW_CACHE_SECONDS = 300

# A short mark per channel for the timeline and the step list.
CHANNEL_MARKS = {"whatsapp": "WA", "sms": "SMS", "rcs": "RCS", "email": "@", "call": "☎"}
STAGE_COLOURS: dict[str, str] = {
    CollectionStage.FRIENDLY: "#dcfce7",
    CollectionStage.FIRM: "#fef9c3",
    CollectionStage.PRE_LEGAL: "#fee2e2",
    CollectionStage.AGENCY: "#e9d5ff",
    CollectionStage.WRITE_OFF: "#e5e7eb",
}


# --- Scope -------------------------------------------------------------------------


def visible_creditors(user: User) -> QuerySet[Creditor]:
    return scoped(Creditor.objects.order_by("name"), creditor_scope(user), "pk")


def _shared_or_scoped(queryset: QuerySet[Any], user: User) -> QuerySet[Any]:
    scope = creditor_scope(user)
    if scope is None:
        return queryset
    return queryset.filter(Q(creditor__isnull=True) | Q(creditor_id__in=sorted(scope)))


def visible_policies(user: User) -> QuerySet[Policy]:
    return _shared_or_scoped(Policy.objects.select_related("creditor"), user)


def visible_segments(user: User) -> QuerySet[Segment]:
    return _shared_or_scoped(Segment.objects.select_related("creditor", "policy"), user)


def visible_templates(user: User) -> QuerySet[Template]:
    return _shared_or_scoped(Template.objects.select_related("creditor"), user)


def may_edit(user: User, row: Policy | Segment | Template) -> bool:
    """Supervisors and admins edit their creditors' rows; the shared defaults, a superuser."""
    if not may_approve(user):
        return False
    return row.creditor_id is not None or bool(user.is_superuser)


def chosen_creditor(user: User, wanted: str | None) -> Creditor | None:
    """The creditor the strategy page shows: the one asked for if visible, else the first."""
    creditors = visible_creditors(user)
    if wanted and wanted.isdigit():
        found = creditors.filter(pk=int(wanted)).first()
        if found is not None:
            return found
    return creditors.first()


def effective_segments(creditor: Creditor) -> tuple[list[Segment], bool]:
    """The creditor's segments in evaluation order and whether they are the shared defaults."""
    rules = load_segment_rules(creditor.pk)
    rows = Segment.objects.select_related("policy", "creditor").in_bulk([r.id for r in rules])
    segments = [rows[rule.id] for rule in rules]
    inherited = bool(segments) and segments[0].creditor_id is None
    return segments, inherited


# --- The timeline ----------------------------------------------------------------------


@dataclass
class TimelineStep:
    step: Step
    x: float
    y: float
    label: str
    marks: list[str]
    repeat_to: float | None = None  # x where the repetition line ends
    repeat_ticks: list[float] = field(default_factory=list)
    open_ended: bool = False  # repeats until paid


@dataclass
class Band:
    x: float
    width: float
    label: str
    colour: str


@dataclass
class Timeline:
    start: int
    end: int
    width: int
    height: int
    steps: list[TimelineStep]
    bands: list[Band]
    ticks: list[tuple[float, str]]  # (x, day label) on the axis
    zero: float | None


LEFT, RIGHT, TOP, ROW = 40.0, 220.0, 44.0, 30.0
WIDTH = 1000


def _day(offset: int) -> str:
    return f"+{offset}" if offset > 0 else str(offset)


def timeline(steps: list[Step]) -> Timeline:
    """The steps on a line of days, from the first step (or the due date) to the last level.

    Each step is a row: a dot on its day, its channels and template, a line
    with a tick per repetition up to its last day (an arrow when it repeats
    until the debt is paid). The levels the steps set are coloured bands.
    """
    ordered = sorted(steps, key=lambda step: (step.offset_days, step.action, step.pk or 0))
    days = [0, *(step.offset_days for step in ordered)]
    days += [step.repeat_until_days for step in ordered if step.repeat_until_days is not None]
    # A step repeating until paid: room for a few repetitions past its day.
    days += [
        step.offset_days + 3 * step.repeat_every_days
        for step in ordered
        if step.repeat_every_days and step.repeat_until_days is None
    ]
    start, end = min(days), max(days)
    end = max(end, start + 10)
    span = end - start
    plot = WIDTH - LEFT - RIGHT

    def x(day: int) -> float:
        return round(LEFT + (day - start) * plot / span, 1)

    rows: list[TimelineStep] = []
    for index, step in enumerate(ordered):
        marks = [CHANNEL_MARKS.get(name, name) for name in step.channel_list()]
        label = step.template_key or step.get_action_display()
        row = TimelineStep(step, x(step.offset_days), TOP + ROW * index + ROW / 2, label, marks)
        if step.repeat_every_days:
            last = step.repeat_until_days if step.repeat_until_days is not None else end
            row.repeat_to = x(last)
            row.open_ended = step.repeat_until_days is None
            day = step.offset_days + step.repeat_every_days
            while day <= last and len(row.repeat_ticks) < 60:
                row.repeat_ticks.append(x(day))
                day += step.repeat_every_days
        rows.append(row)
    bands: list[Band] = []
    staged = [step for step in ordered if step.stage]
    for position, step in enumerate(staged):
        until = staged[position + 1].offset_days if position + 1 < len(staged) else end
        bands.append(
            Band(
                x(step.offset_days),
                max(x(until) - x(step.offset_days), 2.0),
                str(step.get_stage_display()),
                STAGE_COLOURS.get(step.stage, "#f3f4f6"),
            )
        )
    tick_days = sorted({start, 0, end, *(step.offset_days for step in ordered)})
    ticks, last_x = [], -100.0
    for day in tick_days:
        if x(day) - last_x >= 28 or day == 0:
            ticks.append((x(day), _day(day)))
            last_x = x(day)
    height = int(TOP + ROW * max(len(rows), 1) + 10)
    return Timeline(start, end, WIDTH, height, rows, bands, ticks, x(0))


def step_summary(step: Step) -> str:
    """A step in words for the list under the timeline."""
    parts = [_("día %(day)s") % {"day": _day(step.offset_days)}, str(step.get_action_display())]
    channels = step.channel_list()
    if channels:
        parts.append(" → ".join(channels))
    if step.template_key:
        parts.append(_("plantilla «%(key)s»") % {"key": step.template_key})
    if step.stage:
        parts.append(_("nivel: %(stage)s") % {"stage": step.get_stage_display()})
    repeat = step.describe_repeat()
    if repeat:
        parts.append(repeat)
    return " · ".join(parts)


# --- Who falls in each segment today ----------------------------------------------------


@dataclass
class SegmentPreview:
    debtors: int = 0
    debts: int = 0
    sample: list[Debtor] = field(default_factory=list)


def _rule_sql(rule: SegmentRule, today: date, vendor: str) -> tuple[str, list[Any]]:
    """The rule's conditions over the per-debtor facts (``f``), as ``rules.SegmentRule.matches``."""
    parts: list[str] = []
    params: list[Any] = []
    if rule.debtor_kind:
        parts.append("f.kind = %s")
        params.append(rule.debtor_kind)
    if rule.country:
        parts.append("f.country = %s")
        params.append(rule.country)
    if rule.currency:
        parts.append("f.currency = %s")
        params.append(rule.currency)
    # days past due >= n  <=>  oldest due date <= today - n
    if rule.min_days_past_due is not None:
        parts.append("f.oldest <= %s")
        params.append(today - timedelta(days=rule.min_days_past_due))
    if rule.max_days_past_due is not None:
        parts.append("f.oldest >= %s")
        params.append(today - timedelta(days=rule.max_days_past_due))

    # SQLite compares a number with a text parameter as text: give it a number there.
    def money(value: Decimal) -> Decimal | float:
        return float(value) if vendor == "sqlite" else value

    if rule.min_balance is not None:
        parts.append("f.balance >= %s")
        params.append(money(rule.min_balance))
    if rule.max_balance is not None:
        parts.append("f.balance <= %s")
        params.append(money(rule.max_balance))
    if rule.tags_any:
        tags = sorted(rule.tags_any)
        marks = ", ".join(["%s"] * len(tags))
        if vendor == "postgresql":
            parts.append(f"f.tags ?| ARRAY[{marks}]::text[]")
        else:
            parts.append(f"EXISTS (SELECT 1 FROM json_each(f.tags) t WHERE t.value IN ({marks}))")
        params.extend(tags)
    if rule.risk_band:
        parts.append("1 = 0")  # debtors carry no risk band yet: such a segment matches nobody
    return (" AND ".join(parts) or "1 = 1"), params


def _counted(alias: str) -> str:
    """The debts the planner reads for a debtor's facts (``planner_load.load_chunk``)."""
    closed = ", ".join(f"'{stage}'" for stage in CLOSED_STAGES)
    return (
        f"{alias}.status = 'open' AND {alias}.collection_stage NOT IN ({closed}) "
        "AND NOT EXISTS (SELECT 1 FROM payments_promise_debts pd "
        "JOIN payments_promise pr ON pr.id = pd.promise_id "
        f"WHERE pd.debt_id = {alias}.id AND pr.status = 'pending')"
    )


def _preview_sql(creditor_id: int, rules: list[SegmentRule], today: date) -> tuple[str, list[Any]]:
    vendor = connection.vendor
    whens, params = [], []
    fallback = next((rule.id for rule in rules if rule.is_default), None)
    for rule in rules:
        if rule.is_default:
            continue
        condition, condition_params = _rule_sql(rule, today, vendor)
        whens.append(f"WHEN {condition} THEN {int(rule.id)}")
        params.extend(condition_params)
    otherwise = "NULL" if fallback is None else str(int(fallback))
    assign = f"CASE {' '.join(whens)} ELSE {otherwise} END" if whens else otherwise
    tags = "d.tags" if vendor == "sqlite" else "d.tags::jsonb"
    # The planner's facts (outreach/planner_load.py, planner.py): the open debts not in a
    # closed level nor under a pending promise; the main currency is the one owed most
    # (ties: alphabetical), the balance is in it, the oldest due date over all of them.
    # One pass grouped by debtor; only a debtor owing in several currencies has them
    # summed apart (the subqueries run for those few only).
    main = (
        "SELECT c.currency FROM (SELECT b2.currency, SUM(b2.amount - b2.amount_paid) AS owed "
        f"FROM portfolio_debt b2 WHERE b2.debtor_id = p.debtor_id AND {_counted('b2')} "
        "GROUP BY b2.currency) c ORDER BY c.owed DESC, c.currency LIMIT 1"
    )
    most = (
        "SELECT MAX(c.owed) FROM (SELECT SUM(b2.amount - b2.amount_paid) AS owed "
        f"FROM portfolio_debt b2 WHERE b2.debtor_id = p.debtor_id AND {_counted('b2')} "
        "GROUP BY b2.currency) c"
    )
    sql = f"""
        WITH per_debtor AS (
            SELECT b.debtor_id, MIN(b.currency) AS low, MAX(b.currency) AS high,
                   SUM(b.amount - b.amount_paid) AS total, MIN(b.due_on) AS oldest,
                   COUNT(*) AS debts
            FROM portfolio_debt b
            WHERE b.creditor_id = %s AND {_counted("b")}
            GROUP BY b.debtor_id
        ), f AS (
            SELECT p.debtor_id, p.oldest, p.debts, d.kind, d.country, {tags} AS tags,
                   CASE WHEN p.low = p.high THEN p.low ELSE ({main}) END AS currency,
                   CASE WHEN p.low = p.high THEN p.total ELSE ({most}) END AS balance
            FROM per_debtor p JOIN portfolio_debtor d ON d.id = p.debtor_id
        ), assigned AS (
            SELECT f.debtor_id, f.debts, {assign} AS segment_id FROM f
        ), numbered AS (
            SELECT segment_id, debtor_id,
                   COUNT(*) OVER (PARTITION BY segment_id) AS debtors,
                   SUM(debts) OVER (PARTITION BY segment_id) AS debts,
                   ROW_NUMBER() OVER (PARTITION BY segment_id ORDER BY debtor_id) AS position
            FROM assigned WHERE segment_id IS NOT NULL
        )
        SELECT segment_id, debtor_id, debtors, debts FROM numbered WHERE position <= %s
    """
    return sql, [creditor_id, *params, SAMPLE_SIZE]


def segment_previews(creditor: Creditor, today: date) -> dict[int, SegmentPreview]:
    """Per segment id: how many debtors (and their open debts) fall in it today, and a sample.

    Exact: one pass over the creditor's open debts with the planner's facts
    and first-match order. Kept five minutes per (creditor, segments, day):
    on a million debts the pass took 4 to 8 s on a loaded 2-core machine
    (docs/benchmarks.md), so the page loads it after drawing itself.
    """
    rules = load_segment_rules(creditor.pk)
    if not rules:
        return {}
    fingerprint = hashlib.sha256(repr((rules, today)).encode()).hexdigest()[:24]
    key = f"staff:segment-preview:{creditor.pk}:{fingerprint}"
    found = cache.get(key)
    if found is None:
        sql, params = _preview_sql(creditor.pk, rules, today)
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The grouping and the sort of half a million debtors stay in memory.
                cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(sql, params)
            found = [tuple(int(value) for value in row) for row in cursor.fetchall()]
        cache.set(key, found, PREVIEW_CACHE_SECONDS)
    previews: dict[int, SegmentPreview] = {rule.id: SegmentPreview() for rule in rules}
    names = Debtor.objects.in_bulk([row[1] for row in found])
    for segment_id, debtor_id, debtors, debts in found:
        preview = previews.setdefault(segment_id, SegmentPreview())
        preview.debtors, preview.debts = debtors, debts
        if debtor_id in names:
            preview.sample.append(names[debtor_id])
    return previews
