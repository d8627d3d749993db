"""Best hour per channel: the shrinkage maths and the placement inside the legal window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from recaudo.learning.besttime import (
    DEFAULT_STRENGTH,
    MAX_STRENGTH,
    Contact,
    best_hours,
    prior_strength,
    shrink,
)
from recaudo.policies.planning import at_best_hour


def test_shrinking_adds_the_prior_as_pseudo_contacts():
    assert shrink(3, 4, 0.2, 6) == pytest.approx(0.42)
    assert shrink(0, 0, 0.35, 10) == pytest.approx(0.35)


def test_prior_strength_by_moments_and_its_bounds():
    # Groups with the same rate: no spread beyond noise, the strongest prior.
    assert prior_strength([(10, 100), (10, 100), (10, 100)]) == MAX_STRENGTH
    assert prior_strength([(1, 2)]) == DEFAULT_STRENGTH
    # Rates 0.1 and 0.5 over 1,000 each: p=0.3, observed var 0.08, noise 0.00021.
    expected = 0.3 * 0.7 / (0.08 - 0.3 * 0.7 / 1000) - 1
    assert prior_strength([(100, 1000), (500, 1000)]) == pytest.approx(expected)


def _many(debtor, segment, hour, responded, count, channel="sms", country="CO"):
    return [Contact(debtor, segment, country, channel, hour, responded)] * count


def test_a_debtor_with_a_strong_own_habit_gets_their_own_hour():
    contacts = (
        _many(1, 5, 9, True, 30) + _many(1, 5, 18, False, 30)
        + _many(2, 5, 18, True, 20) + _many(2, 5, 9, False, 20)
        + _many(3, 5, 18, True, 20) + _many(3, 5, 9, False, 20)
    )  # fmt: skip
    found, fallback = best_hours(contacts)
    assert found[1] == {"sms": 9}
    assert found[2] == {"sms": 18}
    assert fallback == {("CO", "sms"): 18}


def test_a_debtor_with_thin_data_follows_the_segment_and_never_an_untried_hour():
    contacts = (
        _many(1, 5, 18, True, 40) + _many(1, 5, 10, False, 40)
        + _many(2, 5, 10, True, 1)  # one lucky contact at 10
    )  # fmt: skip
    found, _ = best_hours(contacts)
    assert found[2] == {"sms": 18}
    assert all(hour in (10, 18) for hours in found.values() for hour in hours.values())


BOGOTA = "America/Bogota"


def test_the_best_hour_moves_the_window_start_later_inside_the_window():
    window = (datetime(2026, 11, 23, 13, 0, tzinfo=UTC), datetime(2026, 11, 24, 0, 0, tzinfo=UTC))
    start, end = at_best_hour(window, 15, BOGOTA)  # 15:00 Bogotá = 20:00 UTC
    assert (start, end) == (datetime(2026, 11, 23, 20, 0, tzinfo=UTC), window[1])


def test_a_best_hour_outside_the_window_leaves_it_as_placed():
    window = (datetime(2026, 11, 23, 13, 0, tzinfo=UTC), datetime(2026, 11, 24, 0, 0, tzinfo=UTC))
    assert at_best_hour(window, 7, BOGOTA) == window  # before it opens
    assert at_best_hour(window, 19, BOGOTA) == window  # 19:00 Bogotá is when it closes
    assert at_best_hour(window, 24, BOGOTA) == window
