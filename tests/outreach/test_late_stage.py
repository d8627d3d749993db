"""The late stage against a real database: aged debts entering, repetitions, escalation,
the credit-bureau notice and report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from recaudo.outreach.models import Outreach
from recaudo.outreach.planner import plan
from recaudo.policies.models import Policy
from recaudo.portfolio.models import Debt
from tests.outreach.test_planner import DAY, NOW, _debtor, _due

pytestmark = pytest.mark.django_db
BOGOTA = ZoneInfo("America/Bogota")


def _plan(day=DAY, **kwargs):
    return plan(day, now=datetime.combine(day, NOW.timetz()), **kwargs)


def _imported_on(debt: Debt, day=DAY) -> Debt:
    """As if the debt had been imported at 09:00 UTC on ``day``."""
    Debt.objects.filter(pk=debt.pk).update(created_at=datetime.combine(day, NOW.timetz()))
    return debt


def test_a_debt_33_days_late_imported_today_is_contacted_today_with_the_late_reminder(creditor):
    debt = _imported_on(_due(_debtor(creditor), -33, issued_on=None))

    result = _plan()

    outreach = Outreach.objects.get()
    assert outreach.template_key == "overdue_late"
    assert outreach.step.offset_days == 28
    assert outreach.channel == "rcs"  # the default policies try RCS before SMS
    assert outreach.window_start.astimezone(BOGOTA).date() == DAY
    assert outreach.window_start.astimezone(BOGOTA).hour >= 7  # Ley 2300: from 07:00
    assert list(outreach.debt_links.values_list("debt_id", flat=True)) == [debt.pk]
    assert result.created == 1


def test_planning_again_the_day_a_debt_entered_plans_nothing_more(creditor):
    _imported_on(_due(_debtor(creditor), -33, issued_on=None))
    _plan()

    again = _plan()

    assert again.created == 0
    assert Outreach.objects.count() == 1


def test_a_debt_that_entered_waits_for_its_next_step_the_days_after(creditor):
    _imported_on(_due(_debtor(creditor), -33, issued_on=None))
    _plan()

    next_day = _plan(DAY + timedelta(days=1))  # 34 days late: no step
    two_days_later = _plan(DAY + timedelta(days=2))  # 35 days late: the weekly firm message

    assert next_day.created == 0
    assert two_days_later.created == 1
    latest = Outreach.objects.order_by("-id").first()
    assert (latest.step.offset_days, latest.repetition) == (35, 0)


def test_a_policy_that_does_not_place_new_debts_leaves_an_aged_debt_for_its_next_step(creditor):
    Policy.objects.filter(creditor=None).update(place_new_debts=False)
    _imported_on(_due(_debtor(creditor), -33, issued_on=None))

    assert _plan().created == 0


def test_a_debt_already_known_to_the_planner_is_not_placed_again(creditor):
    _due(_debtor(creditor), -33, issued_on=None)  # created after the planned day: not new on it

    assert _plan().created == 0


def test_a_late_debt_gets_the_weekly_message_and_the_fortnightly_call_on_their_days(creditor):
    debt = _due(_debtor(creditor), -42, issued_on=None)

    first = _plan()  # day 42: the firm message's first repetition
    again = _plan()
    call_day = _plan(DAY + timedelta(days=2))  # day 44: the call cycle's first repetition

    rows = list(Outreach.objects.order_by("id").values_list("action", "repetition", "planned_on"))
    assert rows == [
        ("message", 7, DAY),
        ("call_task", 14, DAY + timedelta(days=2)),
    ]
    assert (first.created, again.created, call_day.created) == (1, 0, 1)
    assert Outreach.objects.filter(debt_links__debt=debt).count() == 2


def test_the_step_that_escalates_records_the_stage_on_the_debt(creditor):
    debt = _due(_debtor(creditor), -21, issued_on=None)

    _plan()

    debt.refresh_from_db()
    assert (debt.collection_stage, debt.collection_stage_on) == ("firm", DAY)


def test_a_debt_reaching_day_120_is_placed_with_an_agency_and_contacted_no_more(creditor):
    debt = _due(_debtor(creditor), -120, issued_on=None)

    placed = _plan()
    later = _plan(DAY + timedelta(days=2))  # day 122; a known late debt: nothing anyway
    Debt.objects.filter(pk=debt.pk).update(due_on=DAY - timedelta(days=42))
    repeat_day = _plan(DAY + timedelta(days=3))  # a repetition day, but placed: not contacted

    debt.refresh_from_db()
    assert (debt.collection_stage, debt.collection_stage_on) == ("agency", DAY)
    assert placed.recorded == {"agency": 1}
    assert (placed.created, later.created, repeat_day.created) == (0, 0, 0)
    assert not Outreach.objects.exists()


def test_the_notice_before_a_bureau_report_is_sent_and_the_report_day_recorded(creditor):
    debt = _due(_debtor(creditor), -60, issued_on=None)

    _plan()

    notice = Outreach.objects.get()
    assert (notice.template_key, notice.action, notice.channel) == (
        "credit_bureau_notice",
        "message",
        "email",
    )
    debt.refresh_from_db()
    sent_on = notice.window_start.astimezone(BOGOTA).date()
    assert debt.bureau_report_on == sent_on + timedelta(days=20)  # Ley 1266 art. 12
    assert debt.collection_stage == "pre_legal"
    assert debt.bureau_reported_on is None


def _notice_sent(debt: Debt, sent_at: datetime) -> None:
    _plan(DAY - timedelta(days=25))  # day 60 for a debt 85 days late on DAY
    Outreach.objects.filter(template_key="credit_bureau_notice").update(
        status="sent", sent_at=sent_at
    )


def test_the_bureau_report_is_recorded_once_the_notice_has_been_out_20_days(creditor):
    debt = _due(_debtor(creditor), -85, issued_on=None)
    _notice_sent(debt, datetime.combine(DAY - timedelta(days=25), NOW.timetz()))

    result = _plan()

    debt.refresh_from_db()
    assert debt.bureau_reported_on == DAY
    assert result.recorded == {"bureau_report": 1}


def test_a_notice_that_left_late_moves_the_report_until_20_days_after_it_left(creditor):
    debt = _due(_debtor(creditor), -85, issued_on=None)
    _notice_sent(debt, datetime(2026, 11, 14, 15, 0, tzinfo=UTC))  # 10 days before DAY

    too_early = _plan()
    still_early = _plan(DAY + timedelta(days=7))  # the report step's weekly retry, day 92
    in_time = _plan(DAY + timedelta(days=14))  # day 99: 24 days after the notice

    assert too_early.skipped["bureau_report_too_early"] == 1
    assert still_early.skipped["bureau_report_too_early"] == 1
    assert in_time.recorded == {"bureau_report": 1}
    debt.refresh_from_db()
    assert debt.bureau_report_on == datetime(2026, 12, 4).date()
    assert debt.bureau_reported_on == DAY + timedelta(days=14)


def test_no_bureau_report_is_recorded_without_a_notice_sent(creditor):
    debt = _due(_debtor(creditor), -85, issued_on=None)

    result = _plan()

    debt.refresh_from_db()
    assert debt.bureau_reported_on is None
    assert result.skipped["bureau_report_without_notice"] == 1
