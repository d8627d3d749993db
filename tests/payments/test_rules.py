"""Schedules, rounding and limits: pure functions, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recaudo.payments.rules import (
    AgreementError,
    PlanLimits,
    ScheduledInstalment,
    add_months,
    check_plan,
    check_promise,
    contrast_ratio,
    instalment_schedule,
    minimum_down_payment,
    minimum_partial,
)


def test_a_cop_plan_splits_the_rest_in_centavos_and_the_last_instalment_takes_the_remainder():
    schedule = instalment_schedule(
        total=Decimal("100000.00"),
        currency="COP",
        down_payment=Decimal("20000.00"),
        count=3,
        first_day=date(2026, 1, 31),
    )
    assert schedule == [
        ScheduledInstalment(0, date(2026, 1, 31), Decimal("20000.00")),
        ScheduledInstalment(1, date(2026, 2, 28), Decimal("26666.66")),
        ScheduledInstalment(2, date(2026, 3, 31), Decimal("26666.66")),
        ScheduledInstalment(3, date(2026, 4, 30), Decimal("26666.68")),
    ]


def test_a_clp_plan_has_whole_pesos_and_the_last_instalment_takes_the_remainder():
    schedule = instalment_schedule(
        total=Decimal("100000"),
        currency="CLP",
        down_payment=Decimal("20001"),
        count=6,
        first_day=date(2026, 3, 15),
    )
    amounts = [item.amount for item in schedule]
    assert amounts == [Decimal(20001)] + [Decimal(13333)] * 5 + [Decimal(13334)]
    assert all(amount == amount.to_integral_value() for amount in amounts)
    assert schedule[-1].due_on == date(2026, 9, 15)


def test_a_plan_without_down_payment_has_no_instalment_zero():
    schedule = instalment_schedule(
        total=Decimal("10.00"),
        currency="MXN",
        down_payment=Decimal(0),
        count=3,
        first_day=date(2026, 1, 1),
    )
    assert [item.number for item in schedule] == [1, 2, 3]
    assert [item.amount for item in schedule] == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]


@given(
    total_units=st.integers(min_value=100, max_value=10**12),
    down_share=st.integers(min_value=0, max_value=99),
    count=st.integers(min_value=1, max_value=60),
    currency=st.sampled_from(["COP", "CLP", "MXN", "PYG"]),
)
def test_the_instalments_always_add_up_to_the_total_exactly(
    total_units, down_share, count, currency
):
    from recaudo.payments.rules import from_minor_units, minor_units

    total = from_minor_units(total_units, currency)
    down = from_minor_units(total_units * down_share // 100, currency)
    try:
        schedule = instalment_schedule(
            total=total,
            currency=currency,
            down_payment=down,
            count=count,
            first_day=date(2026, 1, 31),
        )
    except AgreementError:
        return
    assert sum(item.amount for item in schedule) == total
    regular = [item.amount for item in schedule if item.number > 0]
    assert minor_units(max(regular) - min(regular), currency) < count
    assert regular[:-1] == [regular[0]] * (len(regular) - 1)


def test_month_ends_are_clamped_to_the_shorter_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_the_minimum_down_payment_is_rounded_up_to_the_minor_unit():
    assert minimum_down_payment(Decimal("100000.01"), "COP", Decimal(20)) == Decimal("20000.01")
    assert minimum_down_payment(Decimal("99999"), "CLP", Decimal(20)) == Decimal(20000)


def test_a_plan_beyond_the_segment_limits_is_refused():
    limits = PlanLimits(max_instalments=6, min_down_payment_percent=Decimal(20))
    with pytest.raises(AgreementError):
        check_plan(
            total=Decimal(1000), currency="CLP", down_payment=Decimal(200), count=7, limits=limits
        )
    with pytest.raises(AgreementError):
        check_plan(
            total=Decimal(1000), currency="CLP", down_payment=Decimal(199), count=6, limits=limits
        )
    check_plan(
        total=Decimal(1000), currency="CLP", down_payment=Decimal(200), count=6, limits=limits
    )


def test_a_schedule_refuses_a_down_payment_that_covers_everything():
    with pytest.raises(AgreementError):
        instalment_schedule(
            total=Decimal(1000),
            currency="CLP",
            down_payment=Decimal(1000),
            count=2,
            first_day=date(2026, 1, 1),
        )


def test_the_minimum_partial_payment_never_exceeds_what_is_owed():
    assert minimum_partial(Decimal("1000.00"), "COP", Decimal(10)) == Decimal("100.00")
    assert minimum_partial(Decimal("5"), "CLP", Decimal(10)) == Decimal(1)


def test_a_promise_date_must_be_within_the_creditors_window():
    check_promise(date(2026, 1, 16), date(2026, 1, 1), 15)
    with pytest.raises(AgreementError):
        check_promise(date(2026, 1, 17), date(2026, 1, 1), 15)
    with pytest.raises(AgreementError):
        check_promise(date(2025, 12, 31), date(2026, 1, 1), 15)


def test_white_text_on_the_default_brand_colour_meets_wcag_aa():
    assert contrast_ratio("#ffffff", "#1d4ed8") >= 4.5
    assert contrast_ratio("#1f2937", "#ffffff") >= 4.5
    assert contrast_ratio("#ffffff", "#facc15") < 4.5
