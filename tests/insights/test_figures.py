"""Every figure of the dashboards against values worked out by hand on the fixed portfolio
(tests/insights/portfolio.py; definitions in docs/insights.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from recaudo.insights import people
from recaudo.insights.actions import rebuild
from recaudo.insights.figures import (
    Filters,
    aging,
    funnel,
    liquidation,
    opt_outs,
    recovery,
    refusals,
    rolls,
)
from recaudo.insights.models import Attribution
from tests.insights.portfolio import NOW, build

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def book():
    made = build()
    with time_machine.travel(NOW, tick=False):
        rebuild(NOW)
    return made


def november(book, **more) -> Filters:
    return Filters(
        scope=None,
        start=date(2026, 11, 1),
        end=date(2026, 11, 20),
        creditor=book.creditor.pk,
        **more,
    )


def rows(table, *keys):
    return [tuple(row[key] for key in keys) for row in table.rows]


def test_payments_are_credited_to_the_last_touch_with_the_first_touch_kept(book):
    m = book.messages
    got = {
        a.payment_id: (
            a.outreach_id,
            a.first_outreach_id,
            a.credited,
            a.days_after,
            a.opened,
            a.channel,
            a.template_key,
        )
        for a in Attribution.objects.all()
    }
    # A paid 1 day 21 hours after m2 (its last message), m1 came first; B opened m3's own
    # link an hour before paying (7 days 23 hours after m3 left), so m3 beats the later m4;
    # D was never messaged: no attribution.
    assert sorted(got.values(), key=lambda v: v[0]) == sorted(
        [
            (m["m2"].pk, m["m1"].pk, True, 1, False, "sms", "late_2"),
            (m["m3"].pk, m["m3"].pk, True, 7, True, "whatsapp", "late_1"),
        ],
        key=lambda v: v[0],
    )


def test_aging_buckets_on_the_last_snapshot(book):
    assert rows(aging(november(book)), "bucket", "debts", "balance") == [
        ("current", 1, D("300000.00")),
        ("1-30", 1, D("500000.00")),
        ("31-60", 0, D(0)),
        ("61-90", 1, D("150000.00")),
        ("91-180", 1, D("300000.00")),
        ("180+", 0, D(0)),
    ]


def test_roll_and_cure_rates_from_october_to_november(book):
    # a1 (1-30) was paid: cured; b1 rolled 31-60 -> 61-90; c1 stayed current; d1 stayed 91-180.
    assert rows(
        rolls(november(book)), "from_bucket", "debts", "balance", "roll_rate", "cure_rate"
    ) == [
        ("current", 1, D("300000.00"), D("0.0000"), None),
        ("1-30", 1, D("100000.00"), D("0.0000"), D("1.0000")),
        ("31-60", 1, D("200000.00"), D("1.0000"), D("0.0000")),
        ("91-180", 1, D("400000.00"), D("0.0000"), D("0.0000")),
    ]


def test_recovery_rate_and_dso_per_month(book):
    table = recovery(Filters(scope=None, start=date(2026, 10, 1), end=date(2026, 11, 20)))
    assert rows(
        table,
        "month",
        "recovered",
        "opening_balance",
        "recovery_rate",
        "placed",
        "closing_balance",
        "dso",
    ) == [
        # October: nothing recovered; 1,000,000 placed, 1,000,000 open at its close: 31 days.
        (
            date(2026, 10, 1),
            D(0),
            D("1000000.00"),
            D("0.0000"),
            D("1000000.00"),
            D("1000000.00"),
            D("31.0"),
        ),
        # November: 250,000 recovered of the 1,250,000 open at its first snapshot;
        # 500,000 placed, 1,250,000 open: 1,250,000 / 500,000 x 30 = 75 days.
        (
            date(2026, 11, 1),
            D("250000.00"),
            D("1250000.00"),
            D("0.2000"),
            D("500000.00"),
            D("1250000.00"),
            D("75.0"),
        ),
    ]


def test_liquidation_curves_per_placement_month(book):
    table = liquidation(Filters(scope=None, start=date(2026, 10, 1), end=date(2026, 11, 20)))
    assert rows(table, "cohort", "placed", "m0", "m1", "m2") == [
        (date(2026, 10, 1), D("1000000.00"), D("0.0000"), D("0.2500"), None),
        (date(2026, 11, 1), D("500000.00"), D("0.0000"), None, None),
    ]


def test_the_funnel_per_channel_and_template_with_cost_per_recovered_unit(book):
    assert rows(
        funnel(november(book)),
        "channel",
        "template_key",
        "planned",
        "sent",
        "delivered",
        "read",
        "opened",
        "paid_7",
        "paid_30",
        "amount_credited",
        "cost",
        "cost_per_recovered",
        "opt_out_rate",
    ) == [
        ("call", "call", 1, 1, 0, 0, 0, 0, 0, D(0), D(0), None, D("0.0000")),
        ("email", "late_1", 1, 0, 0, 0, 0, 0, 0, D(0), D(0), None, None),
        # sms: m2 and m4 sent (30 COP each); A paid 100,000 a day after m2, and opted out.
        ("sms", "late_2", 2, 2, 1, 0, 0, 1, 1, D("100000.00"), D(60), D("0.0006"), D("0.5000")),
        # whatsapp: m1 and m3 sent (110 COP each), m6 and m7 not; B paid 50,000 7 days and
        # 23 hours after m3: within 30 days, not within 7.
        (
            "whatsapp",
            "late_1",
            4,
            2,
            2,
            2,
            1,
            0,
            1,
            D("50000.00"),
            D(220),
            D("0.0044"),
            D("0.0000"),
        ),
    ]


def test_the_funnel_follows_the_channel_filter(book):
    assert rows(funnel(november(book, channel="sms")), "channel", "sent") == [("sms", 2)]


def test_compliance_counts_refusals_by_rule_and_country_and_opt_outs(book):
    assert rows(refusals(november(book)), "country", "outcome", "reason", "contacts") == [
        ("CO", "cancelled", "outside contact hours", 1),
        ("CO", "postponed", "holiday", 1),
    ]
    assert rows(opt_outs(november(book)), "channel", "sent", "opted_out", "complaints") == [
        ("call", 1, 0, 0),
        ("email", 0, 0, 0),
        ("sms", 2, 1, 0),
        ("whatsapp", 2, 0, 0),
    ]


def test_agreements_promises_plans_and_requests(book):
    f = november(book)
    assert rows(people.promises(f), "status", "count", "amount") == [
        ("made", 2, D("180000.00")),
        ("pending", 0, D(0)),
        ("kept", 1, D("100000.00")),
        ("broken", 1, D("80000.00")),
        ("superseded", 0, D(0)),
    ]
    assert rows(people.plans(f), "status", "count", "total") == [("active", 1, D("300000.00"))]
    # B's discount: asked on 14 Nov 12:00, approved 24 hours later, 50,000 off; E's waits.
    assert rows(
        people.requests(f),
        "kind",
        "waiting",
        "decided",
        "granted",
        "discount_cost",
        "hours_to_decision",
    ) == [("discount", 1, 1, 1, D("50000.00"), 24.0)]


def test_agents_threads_times_calls_and_promises(book):
    f = november(book)
    assert rows(
        people.agents(f),
        "agent",
        "threads",
        "first_response_minutes",
        "resolution_hours",
        "calls",
        "promises",
    ) == [("ana", 1, 30.0, 4.0, 1, 1)]
    assert rows(people.call_outcomes(f), "outcome", "calls") == [("promise", 1)]
    assert rows(people.agent_promises(f), "made", "kept", "kept_rate") == [(1, 1, D("1.0000"))]
