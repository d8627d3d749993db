"""The daily run's notices: reminders the day before, and a message when an agreement breaks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from recaudo.outreach.models import Outreach
from recaudo.payments.actions import agree_plan, make_promise
from recaudo.payments.agreements import settle_agreements
from recaudo.payments.links import live_link
from recaudo.portfolio.models import ChannelConsent, ContactPoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def reachable(debtor):
    point = ContactPoint.objects.create(
        debtor=debtor, kind="phone", value="+573001112233", channels=["whatsapp", "sms"]
    )
    ChannelConsent.objects.create(
        contact_point=point, channel="whatsapp", source="contrato", granted_at=timezone.now()
    )
    return debtor


def _notices() -> list[tuple[str, str, dict]]:
    return list(
        Outreach.objects.filter(action="notice")
        .exclude(template_key="plan_agreed")  # tested in test_plan_agreed_notice.py
        .order_by("pk")
        .values_list("template_key", "notice_key", "notice_context")
    )


def test_a_pending_promise_gets_one_reminder_the_day_before_its_date(reachable, frozen):
    promise = make_promise(
        live_link(reachable.pk), promised_on=date(2026, 11, 25), amount=Decimal("200000")
    )
    settle_agreements(date(2026, 11, 23))
    assert _notices() == []
    assert settle_agreements(date(2026, 11, 24))["promise_reminders"] == 1
    assert settle_agreements(date(2026, 11, 24))["promise_reminders"] == 0
    assert _notices() == [
        (
            "promise_reminder",
            f"promise-reminder:{promise.pk}",
            {"promise_date": "2026-11-25", "promise_amount": "200000.00"},
        )
    ]


def test_a_broken_promise_sends_promise_broken_once(reachable, frozen):
    promise = make_promise(
        live_link(reachable.pk), promised_on=date(2026, 11, 25), amount=Decimal("200000")
    )
    assert settle_agreements(date(2026, 11, 26))["promises_broken"] == 1
    assert settle_agreements(date(2026, 11, 27))["promises_broken"] == 0
    promise.refresh_from_db()
    assert promise.status == "broken"
    assert _notices() == [
        (
            "promise_broken",
            f"promise-broken:{promise.pk}",
            {"promise_date": "2026-11-25", "promise_amount": "200000.00"},
        )
    ]


def test_each_instalment_gets_a_reminder_the_day_before_it_falls_due(reachable, frozen):
    plan = agree_plan(live_link(reachable.pk), down_payment=Decimal("300000"), count=2)
    first, second = plan.instalments.filter(number__gt=0).order_by("number")
    assert (first.due_on, second.due_on) == (date(2026, 12, 20), date(2027, 1, 20))
    first.status = "paid"
    first.save()
    plan.instalments.filter(number=0).update(status="paid")
    assert settle_agreements(date(2026, 12, 18))["instalment_reminders"] == 0
    settle_agreements(date(2026, 12, 19))  # the first is already paid: no reminder
    assert settle_agreements(date(2027, 1, 19))["instalment_reminders"] == 1
    assert settle_agreements(date(2027, 1, 19))["instalment_reminders"] == 0
    assert _notices() == [
        (
            "promise_reminder",
            f"instalment-reminder:{second.pk}",
            {
                "promise_date": "2027-01-20",
                "promise_amount": str(second.amount.quantize(Decimal("0.01"))),
            },
        )
    ]


def test_a_broken_plan_sends_plan_broken_once(reachable, frozen):
    plan = agree_plan(live_link(reachable.pk), down_payment=Decimal("300000"), count=2)
    assert settle_agreements(date(2026, 11, 26))["plans_broken"] == 1
    assert settle_agreements(date(2026, 11, 27))["plans_broken"] == 0
    assert _notices() == [("plan_broken", f"plan-broken:{plan.pk}", {})]


def test_nothing_is_queued_for_a_kept_promise_or_a_debtor_without_a_usable_channel(debtor, frozen):
    make_promise(live_link(debtor.pk), promised_on=date(2026, 11, 25), amount=Decimal("1000"))
    assert settle_agreements(date(2026, 11, 24))["promise_reminders"] == 0
    assert settle_agreements(date(2026, 11, 26))["promises_broken"] == 1
    assert _notices() == []
