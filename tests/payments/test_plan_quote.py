"""The plans a debtor may agree now: one computation for the portal and the bot."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from recaudo.payments.actions import agree_plan
from recaudo.payments.links import live_link
from recaudo.payments.portal import portal_context
from recaudo.payments.rules import PlanLimits, plan_choices
from recaudo.payments.terms import plan_quote
from recaudo.policies.models import Segment
from tests.factories import make_creditor, make_debt, make_debtor


def test_plan_choices_are_every_count_up_to_the_limit_with_the_minimum_down_payment():
    choices = plan_choices(
        total=Decimal("1000.00"),
        currency="COP",
        limits=PlanLimits(max_instalments=3, min_down_payment_percent=Decimal(20)),
        first_day=date(2026, 1, 31),
    )

    assert [choice.count for choice in choices] == [1, 2, 3]
    three = choices[2].schedule
    assert [(item.number, item.due_on, item.amount) for item in three] == [
        (0, date(2026, 1, 31), Decimal("200.00")),
        (1, date(2026, 2, 28), Decimal("266.66")),
        (2, date(2026, 3, 31), Decimal("266.66")),
        (3, date(2026, 4, 30), Decimal("266.68")),
    ]


def test_plan_choices_stop_where_the_amount_is_too_small_to_split():
    choices = plan_choices(
        total=Decimal("3"),
        currency="CLP",
        limits=PlanLimits(max_instalments=6, min_down_payment_percent=Decimal(0)),
        first_day=date(2026, 1, 1),
    )

    assert [choice.count for choice in choices] == [1, 2, 3]


@pytest.mark.django_db
def test_the_quote_lists_what_the_portal_shows_and_nothing_once_a_plan_is_agreed():
    debtor = make_debtor(make_creditor())
    make_debt(debtor, "150000.00", due_on=date(2026, 11, 30))
    make_debt(debtor, "50000.50", due_on=date(2026, 12, 15))
    with time_machine.travel("2026-11-22 15:00:00+00:00", tick=False):
        quote = plan_quote(debtor)
        shown = portal_context(live_link(debtor.pk))["plan_options"]

        assert (quote.currency, quote.total) == ("COP", Decimal("200000.50"))
        assert [choice.count for choice in quote.choices] == [1, 2, 3, 4, 5, 6]
        assert {choice.schedule[0].amount for choice in quote.choices} == {Decimal("40000.10")}
        assert [choice.schedule[1].amount for choice in quote.choices] == [
            Decimal(amount)
            for amount in ("160000.40", "80000.20", "53333.46", "40000.10", "32000.08", "26666.73")
        ]
        assert [option.instalment for option in shown] == [
            "$160.000,40", "$80.000,20", "$53.333,46", "$40.000,10", "$32.000,08", "$26.666,73"
        ]  # fmt: skip
        assert quote.settlement_minimum is None

        agree_plan(live_link(debtor.pk), down_payment=Decimal("40000.10"), count=2)
        after = plan_quote(debtor)

    assert after.has_active_plan
    assert after.choices == ()


@pytest.mark.django_db
def test_the_quote_carries_the_segments_discount_and_extension():
    Segment.objects.filter(creditor__isnull=True).update(
        max_discount_percent=Decimal(10), max_extension_days=15, max_instalments=0
    )
    debtor = make_debtor(make_creditor())
    make_debt(debtor, "200000.50")

    quote = plan_quote(debtor)

    assert quote.choices == ()
    assert quote.settlement_minimum == Decimal("180000.45")
    assert quote.max_extension_days == 15
