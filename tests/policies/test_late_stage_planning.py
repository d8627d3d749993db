"""The late stage as pure decisions: entry steps for new debts, repetitions, bureau delays."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from recaudo.compliance.packs import get_pack
from recaudo.policies.planning import (
    DEFAULT_BUREAU_NOTICE_DAYS,
    REPEAT_HORIZON_DAYS,
    OpenDebt,
    StepInfo,
    bureau_notice_days,
    bureau_report_day,
    candidate_due_dates,
    due_steps,
    step_days,
)
from recaudo.policies.reach import reaching_channels

TODAY = date(2026, 11, 24)
PHONE = ("whatsapp", "sms", "email")


def fixed_steps() -> list[StepInfo]:
    """Today's shape of the shipped B2C policy: fixed days, nothing after +30."""
    steps = [
        StepInfo(index + 1, 1, offset, "message", PHONE, f"key{offset}", "early")
        for index, offset in enumerate((-15, -7, 0, 1, 7, 14, 21, 28))
    ]
    steps.append(StepInfo(99, 1, 30, "call_task", ("call",), "", "late"))
    return steps


def debt(number: int, days_past_due: int, *, entering: bool = False) -> OpenDebt:
    return OpenDebt(
        number, TODAY - timedelta(days=days_past_due), Decimal("100.00"), "COP", entering
    )


def planned(due) -> list[tuple[int, int, list[int]]]:
    return [(d.step.offset_days, d.repetition, [x.id for x in d.debts]) for d in due]


def test_a_debt_33_days_late_known_to_the_planner_matches_no_fixed_step():
    assert due_steps(fixed_steps(), [debt(1, 33)], TODAY, missed=0) == []


def test_a_debt_33_days_late_new_to_the_planner_enters_at_the_latest_written_step_passed():
    due = due_steps(fixed_steps(), [debt(1, 33, entering=True)], TODAY, missed=0)

    assert planned(due) == [(28, 0, [1])]
    assert due[0].step.template_key == "key28"


def test_a_new_debt_never_enters_at_a_call_task_or_a_recorded_step():
    steps = [
        StepInfo(1, 1, 21, "message", PHONE, "firm", "late"),
        StepInfo(2, 1, 30, "call_task", ("call",), "", "late"),
        StepInfo(3, 1, 40, "bureau_report", (), "", "late"),
        StepInfo(4, 1, 45, "agency", (), "", "late", stage="agency"),
    ]

    due = due_steps(steps, [debt(1, 50, entering=True)], TODAY, missed=0)

    assert planned(due) == [(21, 0, [1])]


def test_a_new_debt_waits_for_its_next_step_when_its_policy_does_not_place_new_debts():
    due = due_steps(fixed_steps(), [debt(1, 33, entering=True)], TODAY, 0, place_new=False)

    assert due == []


def test_a_new_debt_due_on_a_steps_day_gets_that_step_as_any_other():
    due = due_steps(fixed_steps(), [debt(1, 7, entering=True)], TODAY, missed=0)

    assert planned(due) == [(7, 0, [1])]


def test_a_step_repeating_every_7_days_falls_on_each_repetition_until_its_last_day():
    step = StepInfo(5, 1, 35, "message", PHONE, "firm", "late", repeat_every=7, repeat_until=56)
    days = {d: planned(due_steps([step], [debt(1, d)], TODAY, missed=0)) for d in range(30, 70)}

    assert {d: found for d, found in days.items() if found} == {
        35: [(35, 0, [1])],
        42: [(35, 7, [1])],
        49: [(35, 14, [1])],
        56: [(35, 21, [1])],
    }


def test_a_step_repeating_until_paid_keeps_falling_due_a_year_later():
    step = StepInfo(5, 1, 30, "call_task", ("call",), "", "late", repeat_every=14)

    assert planned(due_steps([step], [debt(1, 30 + 14 * 26)], TODAY, missed=0)) == [
        (30, 364, [1])
    ]
    assert due_steps([step], [debt(1, 30 + 14 * 26 + 1)], TODAY, missed=0) == []


def test_a_repetition_missed_while_the_planner_was_down_is_caught_up_once():
    step = StepInfo(5, 1, 35, "message", PHONE, "firm", "late", repeat_every=7)

    assert planned(due_steps([step], [debt(1, 44)], TODAY, missed=3)) == [(35, 7, [1])]
    assert due_steps([step], [debt(1, 44)], TODAY, missed=1) == []


def test_a_step_repeating_from_the_last_contact_waits_its_period_after_that_contact():
    step = StepInfo(
        5, 1, 30, "message", PHONE, "firm", "late", repeat_every=14, repeat_from="last_contact"
    )
    late = debt(1, 50)

    recent = TODAY - timedelta(days=13)
    old = TODAY - timedelta(days=14)

    assert due_steps([step], [late], TODAY, missed=0, last_contact=recent) == []
    assert planned(due_steps([step], [late], TODAY, missed=0, last_contact=old)) == [
        (30, 20, [1])
    ]
    assert planned(due_steps([step], [late], TODAY, missed=0, last_contact=None)) == [
        (30, 20, [1])
    ]


def test_on_a_day_two_steps_fall_on_the_one_whose_day_is_latest_is_planned():
    calls = StepInfo(1, 1, 30, "call_task", ("call",), "", "late", repeat_every=14)
    firm = StepInfo(2, 1, 44, "message", PHONE, "firm", "late")

    assert planned(due_steps([calls, firm], [debt(1, 44)], TODAY, missed=0)) == [(44, 0, [1])]
    assert planned(due_steps([calls, firm], [debt(1, 58)], TODAY, missed=0)) == [(30, 28, [1])]


def test_debts_sharing_a_due_date_and_a_repetition_make_one_contact():
    step = StepInfo(5, 1, 35, "message", PHONE, "firm", "late", repeat_every=7)

    due = due_steps([step], [debt(2, 42), debt(1, 42)], TODAY, missed=0)

    assert planned(due) == [(35, 7, [1, 2])]


def test_the_candidate_due_dates_cover_every_repetition_of_a_step():
    step = StepInfo(5, 1, 35, "message", PHONE, "firm", "late", repeat_every=7, repeat_until=56)
    forever = StepInfo(6, 1, 30, "call_task", ("call",), "", "late", repeat_every=14)

    assert step_days(step) == [35, 42, 49, 56]
    assert step_days(forever)[-1] <= REPEAT_HORIZON_DAYS
    assert candidate_due_dates(step_days(step), TODAY, missed=0) == {
        TODAY - timedelta(days=day) for day in (35, 42, 49, 56)
    }


def test_a_bureau_report_comes_no_earlier_than_the_packs_notice_delay_after_the_notice():
    colombia, brazil, chile = get_pack("CO"), get_pack("BR"), get_pack("CL")

    assert bureau_notice_days(colombia) == 20
    assert bureau_notice_days(brazil) == 20
    assert bureau_notice_days(chile) == DEFAULT_BUREAU_NOTICE_DAYS
    assert bureau_report_day(date(2026, 11, 3), 20) == date(2026, 11, 23)


def test_an_aged_debt_is_reached_only_by_steps_ahead_repetitions_or_an_entry_step():
    steps = fixed_steps()

    assert reaching_channels(steps, 33, place_new=False) == set()
    assert reaching_channels(steps, 33, place_new=True) == set(PHONE)
    assert reaching_channels(steps, 29, place_new=False) == {"call"}
    repeating = [StepInfo(7, 1, 30, "call_task", ("call",), "", "late", repeat_every=14)]
    assert reaching_channels(repeating, 400, place_new=False) == {"call"}
