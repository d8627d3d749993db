"""Property-based tests: next_allowed_at is exact, and overrides only ever tighten."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from recaudo.compliance.packs import PACK_COUNTRIES, WEEKDAYS, RulePack
from recaudo.compliance.rules import CHANNELS, PastContact, check_contact, get_pack, tighten

ZONES = [
    "America/Bogota",
    "America/Santiago",
    "America/New_York",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Europe/Madrid",
    "Pacific/Auckland",
    "Asia/Kolkata",
]
COUNTRIES = [*PACK_COUNTRIES, "UY"]
# Two years that hold every DST change of interest (2026) and a year end.
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
channels = st.sampled_from(CHANNELS)
opt_outs = st.one_of(st.frozensets(channels, max_size=2), st.just("all"))

PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def histories(draw: st.DrawFn, at: datetime) -> list[PastContact]:
    """Up to 8 earlier contacts within the last 15 days (often on the same minute grid)."""
    offsets = draw(
        st.lists(
            st.one_of(
                st.integers(0, 15 * 24 * 60).map(lambda minutes: timedelta(minutes=minutes)),
                st.integers(0, 15 * 24 * 3600).map(lambda seconds: timedelta(seconds=seconds)),
            ),
            max_size=8,
        )
    )
    return [PastContact(draw(channels), at - offset) for offset in offsets]


@st.composite
def tightenings(draw: st.DrawFn, pack: RulePack) -> dict[str, Any]:
    """An override that only tightens ``pack``."""
    overrides: dict[str, Any] = {}
    windows: dict[str, Any] = {}
    for day, window in zip(WEEKDAYS, pack.windows, strict=True):
        if window is None or not draw(st.booleans()):
            continue
        first = window.start.hour * 60 + window.start.minute
        last = window.end.hour * 60 + window.end.minute
        start = draw(st.integers(first, last - 1))
        end = draw(st.integers(start + 1, last))
        windows[day] = None if draw(st.integers(0, 5)) == 0 else [_hhmm(start), _hhmm(end)]
    open_days = [day for day, window in zip(WEEKDAYS, pack.windows, strict=True) if window]
    if all(windows.get(day, "open") is None for day in open_days):
        windows.pop(open_days[0])
    if windows:
        overrides["windows"] = windows
    if draw(st.booleans()):
        caps = []
        for scope in draw(st.lists(st.sampled_from(["all", "voice", "written", *CHANNELS]),
                                   max_size=3, unique=True)):  # fmt: skip
            period = draw(st.sampled_from(["day", "rolling_7_days", "calendar_week"]))
            current = min(
                (c.limit for c in pack.caps if c.scope == scope and c.period == period),
                default=5,
            )
            caps.append({"scope": scope, "period": period, "limit": draw(st.integers(0, current))})
        overrides["caps"] = caps
    if draw(st.booleans()):
        scope = draw(st.sampled_from(["written", "voice", "all"]))
        current = max((g.days for g in pack.gaps if g.scope == scope), default=1)
        overrides["gaps"] = [{"scope": scope, "days": draw(st.integers(current, current + 3))}]
    if draw(st.booleans()):
        overrides["max_channels_per_week"] = draw(st.integers(1, pack.max_channels_per_week or 3))
    if draw(st.booleans()):
        overrides["holidays_excluded"] = True
    return overrides


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[RulePack, str, str, datetime, list[PastContact], Any]:
    base = get_pack(draw(st.sampled_from(COUNTRIES)))
    pack = tighten(base, draw(tightenings(base))) if draw(st.booleans()) else base
    at = draw(moments)
    opted_out = draw(opt_outs) if draw(st.integers(0, 4)) == 0 else frozenset()
    return pack, draw(st.sampled_from(ZONES)), draw(channels), at, draw(histories(at)), opted_out


@PROPERTY_SETTINGS
@given(scenarios())
def test_next_allowed_at_is_never_before_the_moment_and_is_allowed(scenario):
    pack, zone, channel, at, history, opted_out = scenario
    decision = check_contact(
        pack, timezone=zone, channel=channel, at=at, history=history, opted_out=opted_out
    )
    if decision.allowed:
        assert decision.reasons == ()
        assert decision.next_allowed_at == at
        return
    assert decision.reasons
    if decision.next_allowed_at is None:
        return
    assert decision.next_allowed_at >= at
    later = check_contact(
        pack,
        timezone=zone,
        channel=channel,
        at=decision.next_allowed_at,
        history=history,
        opted_out=opted_out,
    )
    assert later.allowed, later.reasons
    assert later.next_allowed_at == decision.next_allowed_at


@PROPERTY_SETTINGS
@given(scenarios())
def test_nothing_between_the_moment_and_next_allowed_at_is_allowed(scenario):
    pack, zone, channel, at, history, opted_out = scenario
    decision = check_contact(
        pack, timezone=zone, channel=channel, at=at, history=history, opted_out=opted_out
    )
    assume(decision.next_allowed_at is not None and decision.next_allowed_at > at)
    just_before = decision.next_allowed_at - timedelta(seconds=1)
    for moment in {at, max(at, just_before), at + (decision.next_allowed_at - at) / 2}:
        assert not check_contact(
            pack, timezone=zone, channel=channel, at=moment, history=history, opted_out=opted_out
        ).allowed


@PROPERTY_SETTINGS
@given(st.data())
def test_a_tightened_pack_never_allows_what_its_base_pack_refuses(data):
    base = get_pack(data.draw(st.sampled_from(COUNTRIES)))
    tightened = tighten(base, data.draw(tightenings(base)))
    zone = data.draw(st.sampled_from(ZONES))
    channel = data.draw(channels)
    at = data.draw(moments)
    history = data.draw(histories(at))
    if check_contact(tightened, timezone=zone, channel=channel, at=at, history=history).allowed:
        assert check_contact(base, timezone=zone, channel=channel, at=at, history=history).allowed


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_tighten_refuses_any_looser_value_and_names_the_field(data):
    base = get_pack(data.draw(st.sampled_from(COUNTRIES)))
    kind = data.draw(st.sampled_from(["window", "cap", "gap", "holidays", "closed_day"]))
    if kind == "window":
        day = data.draw(
            st.sampled_from([d for d, w in zip(WEEKDAYS, base.windows, strict=True) if w])
        )
        window = base.windows[WEEKDAYS.index(day)]
        later_end = min(window.end.hour + data.draw(st.integers(1, 3)), 23)
        assume(time(later_end) > window.end)
        overrides: dict[str, Any] = {"windows": {day: [f"{window.start:%H:%M}", f"{later_end}:00"]}}
        field = f"windows.{day}"
    elif kind == "closed_day":
        closed = [d for d, w in zip(WEEKDAYS, base.windows, strict=True) if w is None]
        assume(closed)
        day = data.draw(st.sampled_from(closed))
        overrides, field = {"windows": {day: ["10:00", "11:00"]}}, f"windows.{day}"
    elif kind == "cap":
        assume(base.caps)
        cap = data.draw(st.sampled_from(base.caps))
        limit = cap.limit + data.draw(st.integers(1, 5))
        overrides = {"caps": [{"scope": cap.scope, "period": cap.period, "limit": limit}]}
        field = "caps[0].limit"
    elif kind == "gap":
        assume(any(gap.days > 1 for gap in base.gaps))
        gap = next(gap for gap in base.gaps if gap.days > 1)
        overrides, field = {"gaps": [{"scope": gap.scope, "days": gap.days - 1}]}, "gaps[0].days"
    else:
        assume(base.holidays_excluded)
        overrides, field = {"holidays_excluded": False}, "holidays_excluded"
    with pytest.raises(ValueError, match=field.replace("[", r"\[").replace("]", r"\]")):
        tighten(base, overrides)
