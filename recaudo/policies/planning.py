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


@dataclass(frozen=True)
class StepInfo:
    id: int
    policy_id: int
    offset_days: int
    action: str  # message | call_task | offer
    channels: tuple[str, ...]
    template_key: str
    tone: str


class OpenDebt(NamedTuple):
    id: int
    due_on: date
    balance: Decimal
    currency: str


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


class ChannelChoice(NamedTuple):
    channel: str
    contact_point_id: int
    fallbacks: tuple[str, ...]


def missed_days(today: date, last_run: date | None, catch_up_days: int) -> int:
    """How many earlier days the run must also cover (0 when it ran yesterday)."""
    if last_run is None or last_run >= today:
        return 0
    return max(0, min((today - last_run).days - 1, catch_up_days))


def candidate_due_dates(offsets: Iterable[int], today: date, missed: int) -> set[date]:
    """Due dates that can have a step falling due today or on a missed day."""
    return {
        today - timedelta(days=offset + back) for offset in offsets for back in range(missed + 1)
    }


def due_steps(
    steps: Sequence[StepInfo],
    debts: Iterable[OpenDebt],
    today: date,
    missed: int,
    *,
    descending: bool = False,
) -> list[DueStep]:
    """The steps due for one debtor today, each with the debts that triggered it.

    A step is due for a debt when its day (due date + offset) is today, or one
    of the ``missed`` days before when the planner did not run. Of the steps a
    debt missed, only the latest is planned: the earlier ones are past their
    usefulness (a "due tomorrow" reminder is no use three days late).
    Debts sharing a due date and a step make one contact. ``descending``
    says the steps already come latest offset first (saves a sort per debtor).
    """
    by_offset = steps if descending else sorted(steps, key=_offset, reverse=True)
    grouped: dict[tuple[int, date], list[OpenDebt]] = {}
    chosen: dict[tuple[int, date], StepInfo] = {}
    for debt in debts:
        days = (today - debt.due_on).days
        for step in by_offset:
            if days - missed <= step.offset_days <= days:
                key = (step.id, debt.due_on)
                grouped.setdefault(key, []).append(debt)
                chosen[key] = step
                break
    return [
        DueStep(chosen[key], key[1], tuple(sorted(found, key=lambda debt: debt.id)))
        for key, found in sorted(grouped.items(), key=lambda item: (item[0][1], item[0][0]))
    ]


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
