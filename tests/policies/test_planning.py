"""The planner's pure decisions: which steps are due, which channel, catch-up."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from recaudo.policies.planning import (
    OpenDebt,
    StepInfo,
    UsablePoint,
    candidate_due_dates,
    choose_channel,
    due_steps,
    main_currency,
    missed_days,
)

TODAY = date(2026, 11, 24)
B2C_OFFSETS = (-15, -7, 0, 1, 7, 14, 21, 28)


def steps(offsets=B2C_OFFSETS, channels=("whatsapp", "sms", "email")) -> list[StepInfo]:
    found = [
        StepInfo(index + 1, 1, offset, "message", channels, f"key{offset}", "early")
        for index, offset in enumerate(offsets)
    ]
    found.append(StepInfo(99, 1, 30, "call_task", ("call",), "call_script", "late"))
    return found


def debt(number: int, days_past_due: int, balance: str = "100.00", currency="COP") -> OpenDebt:
    return OpenDebt(number, TODAY - timedelta(days=days_past_due), Decimal(balance), currency)


def test_a_step_is_due_on_the_day_its_offset_lands():
    due = due_steps(steps(), [debt(1, 7), debt(2, 3)], TODAY, missed=0)

    assert [(d.step.offset_days, d.anchor_due_on, [x.id for x in d.debts]) for d in due] == [
        (7, TODAY - timedelta(days=7), [1])
    ]


def test_a_reminder_before_the_due_date_uses_a_negative_offset():
    due = due_steps(steps(), [debt(1, -15), debt(2, -7)], TODAY, missed=0)

    assert sorted(d.step.offset_days for d in due) == [-15, -7]


def test_debts_due_the_same_day_share_one_contact():
    due = due_steps(steps(), [debt(3, 1), debt(1, 1), debt(2, 1)], TODAY, missed=0)

    assert len(due) == 1
    assert [x.id for x in due[0].debts] == [1, 2, 3]


def test_debts_due_on_different_days_make_one_contact_per_step():
    due = due_steps(steps(), [debt(1, 0), debt(2, 7)], TODAY, missed=0)

    assert sorted((d.step.offset_days, [x.id for x in d.debts]) for d in due) == [
        (0, [1]),
        (7, [2]),
    ]


def test_the_call_task_falls_due_at_thirty_days():
    due = due_steps(steps(), [debt(1, 30)], TODAY, missed=0)

    assert [(d.step.action, d.step.channels) for d in due] == [("call_task", ("call",))]


def test_nothing_is_due_between_steps():
    assert due_steps(steps(), [debt(1, 2), debt(2, 29), debt(3, 45)], TODAY, missed=0) == []


def test_a_missed_step_is_planned_once_within_the_catch_up_window():
    # The step at +7 fell two days ago, while the planner was not running.
    due = due_steps(steps(), [debt(1, 9)], TODAY, missed=3)

    assert [d.step.offset_days for d in due] == [7]


def test_only_the_latest_missed_step_is_planned():
    # +1 and +7 were both missed; "one day late" is no use any more.
    due = due_steps(steps(), [debt(1, 8)], TODAY, missed=7)

    assert [d.step.offset_days for d in due] == [7]


def test_a_step_missed_beyond_the_catch_up_window_is_skipped():
    assert due_steps(steps(), [debt(1, 12)], TODAY, missed=3) == []


def test_missed_days_count_the_days_without_a_run_up_to_the_limit():
    assert missed_days(TODAY, TODAY - timedelta(days=1), 3) == 0
    assert missed_days(TODAY, TODAY - timedelta(days=3), 3) == 2
    assert missed_days(TODAY, TODAY - timedelta(days=30), 3) == 3
    assert missed_days(TODAY, None, 3) == 0
    assert missed_days(TODAY, TODAY, 3) == 0


def test_candidate_due_dates_cover_each_offset_and_the_missed_days():
    dates = candidate_due_dates([0, 7], TODAY, missed=1)

    assert dates == {
        TODAY,
        TODAY - timedelta(days=1),
        TODAY - timedelta(days=7),
        TODAY - timedelta(days=8),
    }


def point(number, kind="phone", consented=(), preferred=False) -> UsablePoint:
    channels = {"phone": {"whatsapp", "sms", "rcs", "call"}, "email": {"email"}}[kind]
    return UsablePoint(number, kind, frozenset(channels), frozenset(consented), preferred)


def message_step(channels) -> StepInfo:
    return StepInfo(1, 1, 0, "message", tuple(channels), "reminder", "early")


def test_whatsapp_is_chosen_only_with_the_debtors_opt_in():
    step = message_step(["whatsapp", "sms", "email"])

    with_opt_in = choose_channel(step, [point(1, consented={"whatsapp"})], frozenset())
    without = choose_channel(step, [point(1), point(2, "email")], frozenset())

    assert (with_opt_in.channel, with_opt_in.contact_point_id) == ("whatsapp", 1)
    assert with_opt_in.fallbacks == ("sms",)
    assert (without.channel, without.contact_point_id, without.fallbacks) == ("sms", 1, ("email",))


def test_a_country_that_needs_consent_for_every_channel_gets_only_consented_ones():
    step = message_step(["whatsapp", "sms", "email"])
    points = [point(1, consented={"sms"}), point(2, "email")]

    choice = choose_channel(step, points, frozenset({"whatsapp", "sms", "email", "rcs", "call"}))

    assert (choice.channel, choice.fallbacks) == ("sms", ())


def test_no_channel_is_chosen_when_no_point_carries_the_steps_channels():
    assert choose_channel(message_step(["email"]), [point(1)], frozenset()) is None
    assert choose_channel(message_step(["sms"]), [], frozenset()) is None


def test_a_preferred_point_comes_before_the_others():
    step = message_step(["sms"])

    choice = choose_channel(step, [point(1), point(2, preferred=True)], frozenset())

    assert choice.contact_point_id == 2


def test_the_main_currency_is_the_one_with_the_largest_balance():
    debts = [debt(1, 0, "10", "USD"), debt(2, 0, "5", "COP"), debt(3, 0, "6", "COP")]

    assert main_currency(debts) == "COP"
