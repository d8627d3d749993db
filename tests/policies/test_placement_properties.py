"""Property: whatever the history, a planned send window lies inside the rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recaudo.compliance.packs import PACK_COUNTRIES
from recaudo.compliance.rules import CHANNELS, PastContact, check_contact, get_pack, tighten
from recaudo.policies.planning import local_midnight, place
from tests.compliance.test_properties import ZONES, tightenings

days = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))


@st.composite
def earlier_contacts(draw: st.DrawFn, before: datetime) -> list[PastContact]:
    """Up to 12 contacts in the 14 days before ``before``, on any channel."""
    offsets = draw(st.lists(st.integers(1, 14 * 24 * 60), max_size=12))
    return [
        PastContact(draw(st.sampled_from(CHANNELS)), before - timedelta(minutes=minutes))
        for minutes in offsets
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_planned_window_starts_and_ends_at_moments_the_rules_allow(data):
    base = get_pack(data.draw(st.sampled_from([*PACK_COUNTRIES, "UY"])))
    pack = tighten(base, data.draw(tightenings(base))) if data.draw(st.booleans()) else base
    zone = data.draw(st.sampled_from(ZONES))
    channel = data.draw(st.sampled_from(CHANNELS))
    day = data.draw(days)
    midnight = local_midnight(zone, day)
    history = data.draw(earlier_contacts(midnight))

    window = place(pack, timezone=zone, channel=channel, day=day, history=history)

    if window is None:
        return
    start, end = window
    assert start >= midnight
    assert end > start
    for moment in (start, end - timedelta(seconds=1)):
        decision = check_contact(pack, timezone=zone, channel=channel, at=moment, history=history)
        assert decision.allowed, (moment.astimezone(UTC), decision.reasons)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_contacts_planned_one_after_another_each_respect_the_earlier_ones(data):
    pack = get_pack(data.draw(st.sampled_from(PACK_COUNTRIES)))
    zone = data.draw(st.sampled_from(ZONES))
    day = data.draw(days)
    history = data.draw(earlier_contacts(local_midnight(zone, day)))
    planned: list[PastContact] = list(history)
    for channel in data.draw(st.lists(st.sampled_from(CHANNELS), min_size=2, max_size=5)):
        window = place(pack, timezone=zone, channel=channel, day=day, history=planned)
        if window is None:
            continue
        assert check_contact(
            pack, timezone=zone, channel=channel, at=window[0], history=planned
        ).allowed
        planned.append(PastContact(channel, window[0]))
