"""Caps, gaps, channel diversity, opt-outs and next_allowed_at of check_contact."""

from __future__ import annotations

from datetime import timedelta

import pytest

from recaudo.compliance.rules import CHANNELS, check_contact, get_pack, tighten
from tests.compliance.support import BOGOTA, NEW_YORK, SANTIAGO, check, local

# Mon 23 .. Sun 29 Nov 2026 has no holiday in Colombia or Chile.


def test_it_allows_a_first_contact_and_answers_the_moment_asked():
    at = local(BOGOTA, 2026, 11, 24, 10)
    decision = check("CO", BOGOTA, at)
    assert (decision.allowed, decision.reasons, decision.next_allowed_at) == (True, (), at)


def test_it_refuses_a_second_contact_the_same_day_in_colombia():
    history = [("whatsapp", local(BOGOTA, 2026, 11, 24, 9))]
    decision = check("CO", BOGOTA, local(BOGOTA, 2026, 11, 24, 14), history=history)
    assert decision.reasons == ("daily_cap",)
    assert decision.next_allowed_at == local(BOGOTA, 2026, 11, 25, 7)


def test_it_counts_the_day_in_local_time_not_in_utc():
    # 18:30 Bogotá on Tuesday is 23:30 UTC; 20:00 Bogotá is Wednesday in UTC but Tuesday here.
    history = [("whatsapp", local(BOGOTA, 2026, 11, 24, 18, 30))]
    decision = check("CO", BOGOTA, local(BOGOTA, 2026, 11, 25, 7), history=history)
    assert decision.allowed


def test_it_refuses_a_fourth_contact_in_a_rolling_week_in_colombia():
    history = [("sms", local(BOGOTA, 2026, 11, day, 9)) for day in (23, 24, 25)]
    decision = check("CO", BOGOTA, local(BOGOTA, 2026, 11, 26, 9), channel="sms", history=history)
    assert decision.reasons == ("weekly_cap",)
    # The Monday contact stops counting 7 days after it was made.
    assert decision.next_allowed_at == local(BOGOTA, 2026, 11, 30, 9)


def test_the_rolling_week_runs_across_a_calendar_week_change():
    history = [("sms", local(BOGOTA, 2026, 11, day, 9)) for day in (26, 27, 28)]
    decision = check("CO", BOGOTA, local(BOGOTA, 2026, 11, 30, 9), channel="sms", history=history)
    assert decision.reasons == ("weekly_cap",)
    assert decision.next_allowed_at == local(BOGOTA, 2026, 12, 3, 9)


def test_it_refuses_a_second_call_in_the_same_calendar_week_in_chile():
    history = [("call", local(SANTIAGO, 2026, 11, 23, 10))]
    decision = check("CL", SANTIAGO, local(SANTIAGO, 2026, 11, 28, 10), "call", history)
    assert decision.reasons == ("voice_cap",)
    assert decision.next_allowed_at == local(SANTIAGO, 2026, 11, 30, 10)


def test_a_new_calendar_week_does_not_reset_the_rolling_seven_days_in_chile():
    history = [("call", local(SANTIAGO, 2026, 11, 28, 10))]
    decision = check("CL", SANTIAGO, local(SANTIAGO, 2026, 11, 30, 10), "call", history)
    assert decision.reasons == ("voice_cap",)
    assert decision.next_allowed_at == local(SANTIAGO, 2026, 12, 5, 10)


def test_a_calendar_week_cap_reopens_on_monday_while_rolling_caps_still_allow():
    pack = tighten(
        get_pack("CL"), {"caps": [{"scope": "all", "period": "calendar_week", "limit": 2}]}
    )
    history = [
        ("whatsapp", local(SANTIAGO, 2026, 11, 23, 10)),
        ("call", local(SANTIAGO, 2026, 11, 25, 10)),
    ]
    decision = check(pack, SANTIAGO, local(SANTIAGO, 2026, 11, 27, 10), "email", history)
    assert decision.reasons == ("calendar_week_cap",)
    assert decision.next_allowed_at == local(SANTIAGO, 2026, 11, 30, 8)


def test_it_allows_a_call_and_two_written_messages_a_week_in_chile():
    history = [
        ("call", local(SANTIAGO, 2026, 11, 23, 10)),
        ("sms", local(SANTIAGO, 2026, 11, 24, 10)),
    ]
    assert check("CL", SANTIAGO, local(SANTIAGO, 2026, 11, 26, 10), "email", history).allowed
    history.append(("email", local(SANTIAGO, 2026, 11, 26, 10)))
    decision = check("CL", SANTIAGO, local(SANTIAGO, 2026, 11, 28, 10), "whatsapp", history)
    assert decision.reasons == ("weekly_cap", "written_cap")
    # The call (Mon) stops counting for the total and the sms (Tue) for written ones later.
    assert decision.next_allowed_at == local(SANTIAGO, 2026, 12, 1, 10)


def test_it_keeps_written_contacts_two_calendar_days_apart_in_chile():
    history = [("sms", local(SANTIAGO, 2026, 11, 23, 19, 55))]
    decision = check("CL", SANTIAGO, local(SANTIAGO, 2026, 11, 24, 10), "email", history)
    assert decision.reasons == ("min_gap",)
    assert decision.next_allowed_at == local(SANTIAGO, 2026, 11, 25, 8)
    assert check("CL", SANTIAGO, local(SANTIAGO, 2026, 11, 25, 8), "email", history).allowed


def test_the_written_gap_does_not_apply_to_a_call_in_chile():
    history = [("sms", local(SANTIAGO, 2026, 11, 23, 10))]
    assert check("CL", SANTIAGO, local(SANTIAGO, 2026, 11, 24, 10), "call", history).allowed


def test_it_refuses_a_second_channel_in_the_same_week_in_colombia():
    history = [("sms", local(BOGOTA, 2026, 11, 23, 10))]
    decision = check("CO", BOGOTA, local(BOGOTA, 2026, 11, 25, 10), "whatsapp", history)
    assert decision.reasons == ("channel_diversity",)
    # Both readings of "semana": the calendar week ends Sunday, the rolling one Monday 10:00.
    assert decision.next_allowed_at == local(BOGOTA, 2026, 11, 30, 10)
    assert check("CO", BOGOTA, local(BOGOTA, 2026, 11, 25, 10), "sms", history).allowed


def test_channel_diversity_in_colombia_spans_a_calendar_week_change():
    history = [("sms", local(BOGOTA, 2026, 11, 28, 9))]
    decision = check("CO", BOGOTA, local(BOGOTA, 2026, 11, 30, 10), "email", history)
    assert decision.reasons == ("channel_diversity",)
    assert decision.next_allowed_at == local(BOGOTA, 2026, 12, 5, 9)


def test_it_refuses_an_opted_out_channel_for_good_and_allows_the_others():
    at = local(BOGOTA, 2026, 11, 24, 10)
    decision = check("CO", BOGOTA, at, "sms", opted_out=frozenset({"sms"}))
    assert (decision.reasons, decision.next_allowed_at) == (("opted_out",), None)
    assert check("CO", BOGOTA, at, "email", opted_out=frozenset({"sms"})).allowed


@pytest.mark.parametrize("channel", CHANNELS)
def test_it_refuses_every_channel_when_the_debtor_opted_out_of_all(channel):
    decision = check("CO", BOGOTA, local(BOGOTA, 2026, 11, 29, 10), channel, opted_out="all")
    assert decision.allowed is False
    assert decision.reasons == ("opted_out", "closed_day")
    assert decision.next_allowed_at is None


def test_it_refuses_an_unknown_channel():
    decision = check("CO", BOGOTA, local(BOGOTA, 2026, 11, 24, 10), "fax")
    assert (decision.reasons, decision.next_allowed_at) == (("unknown_channel",), None)


def test_it_names_every_reason_that_applies():
    history = [("sms", local(BOGOTA, 2026, 11, 24, 8))]
    decision = check("CO", BOGOTA, local(BOGOTA, 2026, 11, 24, 20), "whatsapp", history)
    assert decision.reasons == ("outside_hours", "daily_cap", "channel_diversity")
    assert decision.next_allowed_at == local(BOGOTA, 2026, 12, 1, 8)


def test_it_ignores_history_after_the_moment_asked():
    history = [("sms", local(BOGOTA, 2026, 11, 24, 15))]
    assert check("CO", BOGOTA, local(BOGOTA, 2026, 11, 24, 10), "sms", history).allowed


def test_a_contact_at_the_same_moment_counts():
    at = local(BOGOTA, 2026, 11, 24, 10)
    assert check("CO", BOGOTA, at, "sms", [("sms", at)]).reasons == ("daily_cap",)


def test_a_rolling_week_never_shortens_across_a_dst_change_in_new_york():
    pack = tighten(
        get_pack("US"), {"caps": [{"scope": "all", "period": "rolling_7_days", "limit": 1}]}
    )
    # 168 hours after Sat 7 Mar 10:00 EST is Sat 14 Mar 11:00 EDT.
    history = [("email", local(NEW_YORK, 2026, 3, 7, 10))]
    decision = check(pack, NEW_YORK, local(NEW_YORK, 2026, 3, 14, 10, 30), "email", history)
    assert decision.reasons == ("weekly_cap",)
    assert decision.next_allowed_at == local(NEW_YORK, 2026, 3, 14, 11)
    # After falling back, the same wall-clock time a week on is 169 hours later.
    history = [("email", local(NEW_YORK, 2026, 10, 31, 10))]
    decision = check(pack, NEW_YORK, local(NEW_YORK, 2026, 11, 7, 9, 30), "email", history)
    assert decision.next_allowed_at == local(NEW_YORK, 2026, 11, 7, 10)


def test_a_cap_of_zero_never_allows_that_channel():
    pack = tighten(get_pack("CO"), {"caps": [{"scope": "call", "period": "day", "limit": 0}]})
    decision = check(pack, BOGOTA, local(BOGOTA, 2026, 11, 24, 10), "call")
    assert (decision.reasons, decision.next_allowed_at) == (("channel_cap",), None)
    assert check(pack, BOGOTA, local(BOGOTA, 2026, 11, 24, 10), "sms").allowed


def test_it_gives_up_beyond_the_search_horizon():
    pack = tighten(get_pack("CL"), {"gaps": [{"scope": "written", "days": 90}]})
    history = [("sms", local(SANTIAGO, 2026, 11, 23, 10))]
    decision = check(pack, SANTIAGO, local(SANTIAGO, 2026, 11, 25, 10), "sms", history)
    assert decision.reasons == ("min_gap", "search_horizon")
    assert decision.next_allowed_at is None


def test_it_refuses_a_naive_moment():
    with pytest.raises(ValueError, match="aware"):
        check_contact(
            get_pack("CO"),
            timezone=BOGOTA,
            channel="sms",
            at=local(BOGOTA, 2026, 11, 24, 10).replace(tzinfo=None),
        )


def test_next_allowed_at_is_allowed_and_nothing_earlier_is():
    history = [
        ("sms", local(SANTIAGO, 2026, 11, 23, 19, 59)),
        ("call", local(SANTIAGO, 2026, 11, 24, 8, 15)),
    ]
    at = local(SANTIAGO, 2026, 11, 24, 21)
    decision = check("CL", SANTIAGO, at, "email", history)
    assert decision.next_allowed_at == local(SANTIAGO, 2026, 11, 25, 8)
    assert check("CL", SANTIAGO, decision.next_allowed_at, "email", history).allowed
    earlier = decision.next_allowed_at - timedelta(seconds=1)
    assert not check("CL", SANTIAGO, earlier, "email", history).allowed
