"""The one decision: may this debtor be contacted on this channel at this moment?

Plain frozen data in, a ``Decision`` out, no database. The dispatcher asks it
right before sending; the planner asks it (with planned contacts added to the
history) to place send windows. Everything is evaluated in the debtor's local
time.

Choices that are ours, not the law's (see docs/compliance.md):

- Every attempt counts, whether or not it reached the debtor.
- History entries after ``at`` are ignored: the dispatcher only knows the
  past, and ``next_allowed_at`` assumes nothing else is sent in between.
- "Rolling 7 days": an earlier contact counts until 7 days after it, taking
  the later of 7 x 24 hours and the same local wall-clock time 7 days on, so a
  DST change never shortens the week.
- A minimum gap of N days means N local calendar days: with N=2 a written
  contact on Monday allows the next one from Wednesday 00:00 local.
- A calendar week runs Monday 00:00 to Monday 00:00 local.
- A notice the debtor triggered (``notice=True``: a receipt, "payment
  failed", a plan agreed, an answer to their request, an opt-out
  confirmation) is not a collection attempt where the pack says notices do
  not count (``RulePack.notices_counted``): it is held only by the hours,
  closed days and holidays, and past notices are left out of the counts for
  every other contact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Literal

from recaudo.compliance.packs import (
    CHANNELS,
    KINDS,
    Cap,
    RulePack,
    get_pack,
    scope_channels,
)
from recaudo.compliance.tighten import tighten
from recaudo.compliance.windows import (
    SEARCH_DAYS,
    NoWindowError,
    day_start,
    day_window,
    is_holiday,
    local_date,
    next_window,
    week_start,
    zone,
)

__all__ = [
    "CHANNELS",
    "Decision",
    "PastContact",
    "RulePack",
    "check_contact",
    "day_window",
    "get_pack",
    "next_window",
    "tighten",
]

WEEK = timedelta(days=7)
SEARCH_LIMIT = timedelta(days=SEARCH_DAYS)


@dataclass(frozen=True)
class PastContact:
    channel: str
    at: datetime  # aware
    # A notice the debtor triggered (see the module's notes), not a collection attempt.
    notice: bool = False
    # A telephone conversation with the debtor about the debt (an agent's call
    # that reached them): some laws bar calls for days after one (US Reg F).
    conversation: bool = False


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...]
    next_allowed_at: datetime | None


@dataclass(frozen=True)
class _Seen:
    """A past contact with what the counters need, in the debtor's local time."""

    channel: str
    local_date: date
    expires_at: datetime  # when it stops counting for rolling 7 days (UTC)
    conversation: bool = False


@lru_cache(maxsize=65536)
def _seen(timezone: str, channel: str, at: datetime, conversation: bool = False) -> _Seen:
    local = at.astimezone(zone(timezone))
    wall_clock_week_later = (local.replace(tzinfo=None) + WEEK).replace(
        tzinfo=local.tzinfo, fold=local.fold
    )
    expires_at = max(at.astimezone(UTC) + WEEK, wall_clock_week_later.astimezone(UTC))
    return _Seen(channel, local.date(), expires_at, conversation)


def _cap_reason(cap: Cap) -> str:
    if cap.scope == "all":
        return {"day": "daily_cap", "rolling_7_days": "weekly_cap"}.get(
            cap.period, "calendar_week_cap"
        )
    if cap.scope in KINDS:
        return f"{cap.scope}_cap"
    return "channel_cap"


def check_contact(
    pack: RulePack,
    *,
    timezone: str,
    channel: str,
    at: datetime,
    history: Sequence[PastContact] = (),
    opted_out: frozenset[str] | Literal["all"] = frozenset(),
    notice: bool = False,
) -> Decision:
    """Whether a contact on ``channel`` at ``at`` is allowed, every reason it is not,
    and the earliest moment >= ``at`` at which it would be (``None``: never, or not
    within the search horizon). ``notice``: the contact is a notice the debtor
    triggered, not a collection attempt (see the module's notes)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at: must be an aware datetime")
    at_utc = at.astimezone(UTC)
    reasons: list[str] = []
    never = False
    if channel not in CHANNELS:
        reasons.append("unknown_channel")
        never = True
    if opted_out == "all" or channel in opted_out:
        reasons.append("opted_out")
        never = True

    today = local_date(timezone, at_utc)
    if pack.windows[today.weekday()] is None:
        reasons.append("closed_day")
    if pack.holidays_excluded and is_holiday(pack, today):
        reasons.append("holiday")
    window = day_window(pack, timezone, today)
    if window is not None and not window[0] <= at_utc < window[1]:
        reasons.append("outside_hours")

    # Each frequency rule that is broken says from when it would hold again
    # (None: never). Holding again is monotonic because the history is fixed.
    unblocked_at: list[datetime | None] = []
    frequency_holds = pack.notices_counted or not notice
    if not never and frequency_holds:
        seen = [
            _seen(timezone, past.channel, past.at, past.conversation)
            for past in history
            if past.at <= at and (pack.notices_counted or not past.notice)
        ]
        if seen:
            _check_after_conversation(pack, timezone, channel, today, seen, reasons, unblocked_at)
            _check_caps(pack, timezone, channel, at_utc, today, seen, reasons, unblocked_at)
            _check_gaps(pack, timezone, channel, today, seen, reasons, unblocked_at)
            _check_diversity(pack, timezone, channel, at_utc, today, seen, reasons, unblocked_at)
        else:
            # A cap of 0 (a creditor that never calls) refuses even a first contact.
            for cap in pack.caps:
                if cap.limit == 0 and channel in scope_channels(cap.scope):
                    reasons.append(_cap_reason(cap))
                    unblocked_at.append(None)

    if not reasons:
        return Decision(True, (), at)
    unique = tuple(dict.fromkeys(reasons))
    if never or None in unblocked_at:
        return Decision(False, unique, None)
    earliest = max([at_utc, *(moment for moment in unblocked_at if moment is not None)])
    if earliest - at_utc > SEARCH_LIMIT:
        return Decision(False, (*unique, "search_horizon"), None)
    try:
        start, _ = next_window(pack, timezone, earliest)
    except NoWindowError:
        return Decision(False, (*unique, "search_horizon"), None)
    return Decision(False, unique, start)


def _check_caps(
    pack: RulePack,
    timezone: str,
    channel: str,
    at_utc: datetime,
    today: date,
    seen: list[_Seen],
    reasons: list[str],
    unblocked_at: list[datetime | None],
) -> None:
    monday = today - timedelta(days=today.weekday())
    for cap in pack.caps:
        members = scope_channels(cap.scope)
        if channel not in members:
            continue
        counted = [past for past in seen if past.channel in members]
        if cap.period == "day":
            count = sum(1 for past in counted if past.local_date == today)
            unblock = day_start(timezone, today + timedelta(days=1))
        elif cap.period == "calendar_week":
            count = sum(1 for past in counted if past.local_date >= monday)
            unblock = week_start(timezone, monday + WEEK)
        else:
            live = sorted((past.expires_at for past in counted if past.expires_at > at_utc),
                          reverse=True)  # fmt: skip
            count = len(live)
            # With the newest first, the contact fits once all but limit-1 have expired.
            unblock = live[cap.limit - 1] if 0 < cap.limit <= count else at_utc
        if count + 1 > cap.limit:
            reasons.append(_cap_reason(cap))
            unblocked_at.append(unblock if cap.limit > 0 else None)


def _check_after_conversation(
    pack: RulePack,
    timezone: str,
    channel: str,
    today: date,
    seen: list[_Seen],
    reasons: list[str],
    unblocked_at: list[datetime | None],
) -> None:
    """US Reg F §1006.14(b)(2)(ii): the conversation's day is day one of the seven."""
    rule = pack.after_conversation
    if rule is None or channel not in scope_channels(rule.scope):
        return
    talked = [past.local_date for past in seen if past.conversation]
    if talked and (today - max(talked)).days < rule.days:
        reasons.append("after_conversation")
        unblocked_at.append(day_start(timezone, max(talked) + timedelta(days=rule.days)))


def _check_gaps(
    pack: RulePack,
    timezone: str,
    channel: str,
    today: date,
    seen: list[_Seen],
    reasons: list[str],
    unblocked_at: list[datetime | None],
) -> None:
    for gap in pack.gaps:
        members = scope_channels(gap.scope)
        if channel not in members:
            continue
        dates = [past.local_date for past in seen if past.channel in members]
        if dates and (today - max(dates)).days < gap.days:
            reasons.append("min_gap")
            unblocked_at.append(day_start(timezone, max(dates) + timedelta(days=gap.days)))


def _check_diversity(
    pack: RulePack,
    timezone: str,
    channel: str,
    at_utc: datetime,
    today: date,
    seen: list[_Seen],
    reasons: list[str],
    unblocked_at: list[datetime | None],
) -> None:
    """Colombia: one channel per week, read as calendar week and rolling 7 days."""
    most = pack.max_channels_per_week
    if most is None:
        return
    monday = today - timedelta(days=today.weekday())
    this_week = {p.channel for p in seen if p.channel != channel and p.local_date >= monday}
    if len(this_week) >= most:
        reasons.append("channel_diversity")
        unblocked_at.append(week_start(timezone, monday + WEEK))
    last_counted: dict[str, datetime] = {}
    for past in seen:
        if past.channel != channel and past.expires_at > at_utc:
            last_counted[past.channel] = max(
                past.expires_at, last_counted.get(past.channel, at_utc)
            )
    if len(last_counted) >= most:
        reasons.append("channel_diversity")
        # The contact fits once all but most-1 of the other channels have expired.
        unblocked_at.append(sorted(last_counted.values(), reverse=True)[most - 1])
