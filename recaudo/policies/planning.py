"""The planner's decisions, as plain functions over plain data (no database).

``recaudo plan`` (see planner.py) loads the data, calls these, and saves
Outreach rows. Kept apart so that every decision can be tested directly and
by property-based tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

import recaudo.channels
from recaudo.compliance.packs import RulePack
from recaudo.compliance.rules import PastContact, check_contact, next_window

# Channels a phone number can carry and the one an email address can.
PHONE_CHANNELS = frozenset(recaudo.channels.PHONE_CHANNELS)
EMAIL_CHANNELS = frozenset(recaudo.channels.EMAIL_CHANNELS)
# Channels that may never be used without an opt-in, whatever the country.
# How far ahead the planner looks for a moment the rules allow.
MAX_PLACEMENT_ATTEMPTS = 20
# A step repeating "until paid" is looked for on debts up to this many days past due.
REPEAT_HORIZON_DAYS = 730
# Step actions that write to the debtor, and the ones that contact nobody (recorded on the debt).
WRITTEN_ACTIONS = frozenset({"message", "offer", "bureau_notice"})
RECORDED_ACTIONS = frozenset({"bureau_report", "agency", "write_off"})
# Steps whose messages one message can stand for: the day's reminders and offers
# for one debtor's several debts become one message about all of them. A
# credit-bureau notice stays a message of its own (the law asks for it per debt,
# and the report looks for it: planner.py), and so does a call task.
CONSOLIDATED_ACTIONS = frozenset({"message", "offer"})
# Where a country's pack states no notice delay before a credit-bureau report, the
# shipped policies still wait this long (our default, the Colombian one; docs/compliance.md).
DEFAULT_BUREAU_NOTICE_DAYS = 20


@dataclass(frozen=True)
class StepInfo:
    id: int
    policy_id: int
    offset_days: int
    action: str  # message | call_task | offer
    channels: tuple[str, ...]
    template_key: str
    tone: str
    stage: str = ""
    repeat_every: int | None = None  # days; None: once
    repeat_from: str = "step"  # step | last_contact
    repeat_until: int | None = None  # the last day (past due) it repeats; None: until paid


class OpenDebt(NamedTuple):
    id: int
    due_on: date
    balance: Decimal
    currency: str
    # First seen by the planner today (created since its last run): placed at the step
    # its age calls for (``due_steps``).
    entering: bool = False
    stage: str = ""  # its collection stage so far (Debt.collection_stage)


class UsablePoint(NamedTuple):
    """A contact point the debtor can be reached on, with its consents."""

    id: int
    kind: str  # phone | email
    channels: frozenset[str]
    consented: frozenset[str]
    preferred: bool


class DueStep(NamedTuple):
    step: StepInfo
    anchor_due_on: date
    debts: tuple[OpenDebt, ...]
    repetition: int = 0  # days after the step's own day (0: the step's day itself)


class ChannelChoice(NamedTuple):
    channel: str
    contact_point_id: int
    fallbacks: tuple[str, ...]


def missed_days(today: date, last_run: date | None, catch_up_days: int) -> int:
    """How many earlier days the run must also cover (0 when it ran yesterday)."""
    if last_run is None or last_run >= today:
        return 0
    return max(0, min((today - last_run).days - 1, catch_up_days))


def step_days(step: StepInfo) -> list[int]:
    """Every day (past due) on which ``step`` can fall due: its own and its repetitions."""
    every = step.repeat_every
    if every is None:
        return [step.offset_days]
    last = REPEAT_HORIZON_DAYS if step.repeat_until is None else step.repeat_until
    if step.repeat_from == "last_contact":
        every = 1  # any day may be the one the last contact allows
    return list(range(step.offset_days, last + 1, every))


def candidate_due_dates(days: Iterable[int], today: date, missed: int) -> set[date]:
    """Due dates that can have a step falling due today or on a missed day.

    ``days``: the days past due steps fall on (``step_days``), or plain offsets.
    """
    return {today - timedelta(days=day + back) for day in days for back in range(missed + 1)}


def due_steps(
    steps: Sequence[StepInfo],
    debts: Iterable[OpenDebt],
    today: date,
    missed: int,
    *,
    descending: bool = False,
    place_new: bool = True,
    last_contact: date | None = None,
) -> list[DueStep]:
    """The steps due for one debtor today, each with the debts that triggered it.

    A step is due for a debt when its day (due date + offset, or one of its
    repetitions) is today, or one of the ``missed`` days before when the
    planner did not run. Of the steps a debt missed, only the latest is
    planned: the earlier ones are past their usefulness (a "due tomorrow"
    reminder is no use three days late); one step per debt and day, the one
    whose day is latest (on a tie, the later offset). A debt ``entering``
    today (first seen by the planner) whose policy ``place_new`` debts also
    takes the latest written step whose day has passed, however long ago:
    its entry message. A step repeating from the last contact is due when
    the debtor's ``last_contact`` (a date) is at least its period ago.
    Debts sharing a due date, a step and its repetition make one contact.
    ``descending`` says the steps already come latest offset first.
    """
    by_offset = steps if descending else sorted(steps, key=_offset, reverse=True)
    # Without repetitions the first step found (latest offset first) is the latest day.
    repeating = any(step.repeat_every is not None for step in by_offset)
    grouped: dict[tuple[int, date, int], list[OpenDebt]] = {}
    chosen: dict[tuple[int, date, int], StepInfo] = {}
    for debt in debts:
        days = (today - debt.due_on).days
        low = days - missed
        entering = place_new and debt.entering
        best_day = best_step = None
        for step in by_offset:
            offset = step.offset_days
            if offset > days:
                continue
            if step.repeat_every is None and not entering:
                if best_day is not None and offset <= best_day:
                    continue  # cannot beat the day already found
                found: int | None = offset if offset >= low else None
            else:
                start = (
                    -REPEAT_HORIZON_DAYS if entering and step.action in WRITTEN_ACTIONS else low
                )
                found = _matched_day(step, days, start, debt.due_on, last_contact)
            if found is not None and (best_day is None or found > best_day):
                best_day, best_step = found, step
                if not repeating and not entering:
                    break
        if best_step is not None and best_day is not None:
            key = (best_step.id, debt.due_on, best_day - best_step.offset_days)
            grouped.setdefault(key, []).append(debt)
            chosen[key] = best_step
    return [
        DueStep(chosen[key], key[1], tuple(sorted(found, key=lambda debt: debt.id)), key[2])
        for key, found in sorted(grouped.items(), key=lambda item: (item[0][1], item[0][0]))
    ]


def consolidate(
    dues: Sequence[DueStep], today: date
) -> tuple[list[DueStep], dict[tuple[int, date, int], tuple[DueStep, ...]]]:
    """One message for the day's several message steps of one debtor.

    Of the due steps whose action is in ``CONSOLIDATED_ACTIONS`` the most
    urgent leads (its debts the longest past due on the step's day; on a tie,
    the later offset, then the higher step id) and the others are covered by
    it: they are returned apart, under the leader's key (step id, anchor due
    date, repetition), and the leader alone is sent. The other steps (a
    bureau notice, a call task, a recorded action) are kept as they were.
    Returns (the steps to plan, in their order, the covered steps per leader).
    """
    mergeable = [due for due in dues if due.step.action in CONSOLIDATED_ACTIONS]
    if len(mergeable) < 2:
        return list(dues), {}
    leader = max(mergeable, key=lambda due: _urgency(due, today))
    covered = tuple(due for due in mergeable if due is not leader)
    kept = [due for due in dues if due is leader or due.step.action not in CONSOLIDATED_ACTIONS]
    return kept, {(leader.step.id, leader.anchor_due_on, leader.repetition): covered}


def _urgency(due: DueStep, today: date) -> tuple[int, int, int]:
    return ((today - due.anchor_due_on).days, due.step.offset_days, due.step.id)


def _matched_day(
    step: StepInfo, days: int, low: int, due_on: date, last_contact: date | None
) -> int | None:
    """The latest day in ``low``..``days`` (past due) on which ``step`` falls, if any."""
    offset = step.offset_days
    every = step.repeat_every
    if every is None:
        return offset if offset >= low else None
    high = days if step.repeat_until is None else min(days, step.repeat_until)
    if step.repeat_from == "last_contact":
        contacted = None if last_contact is None else (last_contact - due_on).days
        if high > offset and high >= low and (contacted is None or high - contacted >= every):
            return high
        return offset if offset >= low else None
    day = offset + (high - offset) // every * every
    return day if day >= low else None


def bureau_notice_days(pack: RulePack) -> int:
    """Calendar days a credit-bureau report must wait after its notice under ``pack``."""
    notice = pack.credit_bureau_notice
    return notice.days if notice is not None else DEFAULT_BUREAU_NOTICE_DAYS


def bureau_report_day(notice_on: date, delay_days: int) -> date:
    """The first day a debt may be reported to a credit bureau after its notice left on
    ``notice_on`` (the report comes "no earlier than N calendar days" after the notice)."""
    return notice_on + timedelta(days=delay_days)


def _offset(step: StepInfo) -> int:
    return step.offset_days


def _preferred_first(point: UsablePoint) -> tuple[bool, int]:
    return (not point.preferred, point.id)


def choose_channel(
    step: StepInfo,
    points: Sequence[UsablePoint],
    consent_required: frozenset[str],
    preferred_channel: str = "",
) -> ChannelChoice | None:
    """The first of the step's channels the debtor can be reached on.

    A channel needs a usable point that carries it and, where the channel or
    the debtor's country requires it, the debtor's consent on that point.
    Preferred points come first. The debtor's ``preferred_channel``, when it is
    one of the step's, is tried first (the step's others keep their order); a
    channel the step does not list is never added. The rest of the step's
    reachable channels are kept, in order, as fallbacks.
    """
    needs_consent = recaudo.channels.consent_needed(consent_required)
    ordered = points if len(points) < 2 else sorted(points, key=_preferred_first)
    channels = step.channels
    if preferred_channel and preferred_channel in channels[1:]:
        channels = (preferred_channel, *(c for c in channels if c != preferred_channel))
    reachable: list[tuple[str, int]] = []
    for channel in channels:
        for point in ordered:
            if channel not in point.channels:
                continue
            if channel in needs_consent and channel not in point.consented:
                continue
            reachable.append((channel, point.id))
            break
    if not reachable:
        return None
    first_channel, point_id = reachable[0]
    return ChannelChoice(first_channel, point_id, tuple(channel for channel, _ in reachable[1:]))


@lru_cache(maxsize=4096)
def local_midnight(timezone: str, day: date) -> datetime:
    """The first moment of ``day`` in ``timezone`` (an aware datetime)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone))


def place(
    pack: RulePack,
    *,
    timezone: str,
    channel: str,
    day: date,
    history: Sequence[PastContact],
    not_before: datetime | None = None,
    notice: bool = False,
    hours: tuple[time, time] | None = None,
) -> tuple[datetime, datetime] | None:
    """The first send window, on ``day`` or later, in which the contact is allowed.

    Uses the same rule function as the dispatcher: a window starts at a moment
    ``check_contact`` allows, given the debtor's earlier and already planned
    contacts, and ends where that day's allowed hours end. ``not_before`` (a
    moment on or after the day began) makes the search begin later.
    ``notice``: a notice the debtor triggered, placed as ``check_contact`` says
    (only the hours hold where the pack leaves notices out of the caps).
    ``hours``: the debtor's preferred local hours (from, to); the window is
    the part of the allowed one inside them, never more. When no allowed
    window within reach meets them, the allowed window is used as if there
    were no preference (a preference cannot silence the debtor's reminders).
    """
    if hours is not None:
        narrowed = _place(pack, timezone, channel, day, history, not_before, notice, hours)
        if narrowed is not None:
            return narrowed
    return _place(pack, timezone, channel, day, history, not_before, notice, None)


def _place(
    pack: RulePack,
    timezone: str,
    channel: str,
    day: date,
    history: Sequence[PastContact],
    not_before: datetime | None,
    notice: bool,
    hours: tuple[time, time] | None,
) -> tuple[datetime, datetime] | None:
    at = local_midnight(timezone, day)
    if not_before is not None and not_before > at:
        at = not_before
    for _ in range(MAX_PLACEMENT_ATTEMPTS):
        start, end = next_window(pack, timezone, at)
        if hours is not None:
            inside = within_hours(start, end, hours, timezone)
            if inside is None:
                at = _next_preferred_start(start, hours, timezone)
                continue
            start, end = inside
        decision = check_contact(
            pack, timezone=timezone, channel=channel, at=start, history=history, notice=notice
        )
        if decision.allowed:
            return start, end
        if decision.next_allowed_at is None:
            return None
        at = max(decision.next_allowed_at, start)
    return None


def within_hours(
    start: datetime, end: datetime, hours: tuple[time, time], timezone: str
) -> tuple[datetime, datetime] | None:
    """The part of the window ``start``..``end`` inside the local ``hours`` of its day, if any."""
    zone = ZoneInfo(timezone)
    day = start.astimezone(zone).date()
    begin = datetime.combine(day, hours[0], tzinfo=zone)
    finish = datetime.combine(day, hours[1], tzinfo=zone)
    lower, upper = max(start, begin), min(end, finish)
    return (lower, upper) if lower < upper else None


def at_best_hour(
    window: tuple[datetime, datetime], hour: int, timezone: str
) -> tuple[datetime, datetime]:
    """The window starting at the debtor's best local ``hour`` when that hour falls inside it.

    Only ever later inside the window ``place`` found allowed (same day, same
    end), so the rules that allowed it still hold; when the best hour is not
    inside it (too early, too late, another day's), the window is unchanged.
    """
    start, end = window
    if not 0 <= hour <= 23:
        return window
    zone = ZoneInfo(timezone)
    local = start.astimezone(zone)
    best = datetime.combine(local.date(), time(hour), tzinfo=zone)
    if best.astimezone(zone).hour != hour:  # a DST gap: the hour does not exist that day
        return window
    return (best, end) if start <= best < end else window


def _next_preferred_start(moment: datetime, hours: tuple[time, time], timezone: str) -> datetime:
    """The next start of the preferred hours after ``moment`` (today's, or tomorrow's)."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    today = datetime.combine(local.date(), hours[0], tzinfo=zone)
    return today if today > moment else local_midnight(timezone, local.date() + timedelta(days=1))


def preferred_wait(
    now: datetime,
    window_start: datetime,
    window_end: datetime,
    hours: tuple[time, time],
    timezone: str,
) -> datetime | None:
    """When a contact due ``now`` should wait for the debtor's preferred hours; None: send.

    Only a contact whose window was placed inside those hours waits (one the
    planner could not fit in them, ``place``'s fallback, goes as placed).
    """
    if within_hours(window_start, window_end, hours, timezone) is None:
        return None
    local = now.astimezone(ZoneInfo(timezone)).time()
    if hours[0] <= local < hours[1]:
        return None
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date()
    start = datetime.combine(day, hours[0], tzinfo=zone)
    tomorrow = datetime.combine(day + timedelta(days=1), hours[0], tzinfo=zone)
    return start if start > now else tomorrow


def currency_and_balance(debts: Sequence[OpenDebt]) -> tuple[str, Decimal]:
    """The main currency (see ``main_currency``) and the balance owed in it."""
    currency = debts[0].currency
    if len(debts) == 1:
        return currency, debts[0].balance
    if all(debt.currency == currency for debt in debts):
        return currency, sum((debt.balance for debt in debts), Decimal(0))
    currency = main_currency(debts)
    return currency, facts_balance(debts, currency)


def facts_balance(debts: Sequence[OpenDebt], currency: str) -> Decimal:
    return sum((debt.balance for debt in debts if debt.currency == currency), Decimal(0))


def main_currency(debts: Sequence[OpenDebt]) -> str:
    """The currency in which the debtor owes the most (ties: alphabetical)."""
    totals: dict[str, Decimal] = {}
    for debt in debts:
        totals[debt.currency] = totals.get(debt.currency, Decimal(0)) + debt.balance
    return min(totals, key=lambda currency: (-totals[currency], currency))
