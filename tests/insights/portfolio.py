"""A small fixed portfolio whose every figure is worked out by hand (test_figures.py).

Creditor in Colombia (COP). Four debts placed on 5 October 2026, one on 3 November:

    debt  debtor  amount   due         paid                      (balance on 20 Nov)
    a1    A       100,000  2026-10-01  100,000 on 14 Nov         closed
    b1    B       200,000  2026-09-01   50,000 on 18 Nov         150,000 (80 days late)
    c1    C       300,000  2026-11-30  -                         300,000 (current)
    d1    D       400,000  2026-06-01  100,000 on 19 Nov         300,000 (172 days late)
    e1    E       500,000  2026-11-02  -                         500,000 (18 days late)

Messages (all in November, step none):
    m1 A whatsapp late_1  sent 10 Nov 15:00, delivered, read
    m2 A sms      late_2  sent 12 Nov 15:00, delivered
    m3 B whatsapp late_1  sent 10 Nov 15:00, delivered, read; own link opened 18 Nov 13:00
    m4 B sms      late_2  sent 16 Nov 15:00
    m5 C email    late_1  failed (10 Nov)
    m6 D whatsapp late_1  cancelled "outside contact hours" (12 Nov)
    m7 D whatsapp late_1  planned, "postponed: holiday (CO)" (12 Nov)
    call D: called 16 Nov by agent ana, outcome "promise"

A opted out on 13 Nov (after m2). The balance snapshot of 31 October is taken
then; ``NOW`` (20 Nov, 12:00 UTC) is when the figures are made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import time_machine
from django.contrib.auth.models import User

from recaudo.conversations.models import CallAssignment, Message, Thread
from recaudo.insights.snapshots import snapshot_balances
from recaudo.outreach.models import Outreach
from recaudo.payments.links import live_link, message_tokens
from recaudo.payments.models import DebtorRequest, InstalmentPlan, Promise
from recaudo.portfolio.actions import record_payment
from recaudo.portfolio.models import AuditEvent, Creditor, Debt
from tests.factories import make_creditor, make_debt, make_debtor

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def at(day: int, hour: int = 15, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


@dataclass
class Portfolio:
    creditor: Creditor
    debts: dict[str, Debt]
    messages: dict[str, Outreach]
    agent: User


def _message(debtor, name, channel, template, day, *, sent=True, **fields) -> Outreach:
    values = {
        "creditor": debtor.creditor,
        "debtor": debtor,
        "anchor_due_on": date(2026, 10, 1),
        "planned_on": date(2026, 11, day),
        "action": "message",
        "channel": channel,
        "template_key": template,
        "tone": "late",
        "language": "es",
        "currency": "COP",
        "amount_due": Decimal("1000.00"),
        "window_start": at(day, 13),
        "window_end": at(day, 23),
        "notice_key": name,
    }
    if sent:
        values.update(status="sent", sent_at=at(day))
    values.update(fields)
    return Outreach.objects.create(**values)


def build(*, snapshot_october: bool = True) -> Portfolio:
    with time_machine.travel(datetime(2026, 10, 5, 10, 0, tzinfo=UTC), tick=False):
        creditor = make_creditor()
        a, b, c, d = (make_debtor(creditor, phone=f"+57300000000{n}") for n in range(4))
        debts = {
            "a1": make_debt(a, "100000.00", due_on=date(2026, 10, 1), issued_on=date(2026, 5, 1)),
            "b1": make_debt(b, "200000.00", due_on=date(2026, 9, 1), issued_on=date(2026, 5, 1)),
            "c1": make_debt(c, "300000.00", due_on=date(2026, 11, 30), issued_on=date(2026, 5, 1)),
            "d1": make_debt(d, "400000.00", due_on=date(2026, 6, 1), issued_on=date(2026, 5, 1)),
        }
    if snapshot_october:
        with time_machine.travel(at(31, 23, month=10), tick=False):
            snapshot_balances(date(2026, 10, 31))
    with time_machine.travel(at(3, 10), tick=False):
        e = make_debtor(creditor, phone="+573000000009")
        debts["e1"] = make_debt(
            e, "500000.00", due_on=date(2026, 11, 2), issued_on=date(2026, 5, 1)
        )
        agent = User.objects.create_user("ana", is_staff=True)
    with time_machine.travel(at(9, 10), tick=False):
        messages = {
            "m1": _message(
                a, "m1", "whatsapp", "late_1", 10, delivered_at=at(10, 16), read_at=at(10, 17)
            ),
            "m2": _message(a, "m2", "sms", "late_2", 12, delivered_at=at(12, 16)),
            "m3": _message(
                b, "m3", "whatsapp", "late_1", 10, delivered_at=at(10, 16), read_at=at(10, 18)
            ),
            "m4": _message(b, "m4", "sms", "late_2", 16),
            "m5": _message(c, "m5", "email", "late_1", 10, sent=False, status="failed"),
            "m6": _message(
                d,
                "m6",
                "whatsapp",
                "late_1",
                12,
                sent=False,
                status="cancelled",
                status_reason="outside contact hours",
            ),
            "m7": _message(
                d,
                "m7",
                "whatsapp",
                "late_1",
                12,
                sent=False,
                status_reason="postponed: holiday (CO)",
            ),
        }
        call = _message(
            d,
            "call",
            "call",
            "call",
            16,
            action="call_task",
            status="sent",
            status_reason="promise",
        )
        CallAssignment.objects.create(outreach=call, agent=agent, taken_at=at(16, 14))
    with time_machine.travel(at(13, 9), tick=False):
        AuditEvent.objects.create(
            creditor=creditor,
            debtor=a,
            kind=AuditEvent.Kind.OPT_OUT,
            actor="debtor",
            data={"source": "webhook"},
        )
    token = message_tokens({messages["m3"].pk: live_link(b.pk).token})[messages["m3"].pk]
    with time_machine.travel(at(18, 13), tick=False):
        from recaudo.payments.links import find_link, record_open

        link = find_link(token)
        assert link is not None
        record_open(link, "phone")
    for debtor, debt, amount, paid_at, reference in (
        (a, "a1", "100000.00", at(14, 12), "P-A"),
        (b, "b1", "50000.00", at(18, 14), "P-B"),
        (d, "d1", "100000.00", at(19, 12), "P-D"),
    ):
        with time_machine.travel(paid_at, tick=False):
            record_payment(
                creditor=creditor,
                debtor=debtor,
                external_id=reference,
                amount=Decimal(amount),
                currency="COP",
                paid_at=paid_at,
                debt=debts[debt],
                actor="test",
            )
    with time_machine.travel(at(5, 10), tick=False):
        kept = Promise.objects.create(
            creditor=creditor,
            debtor=a,
            amount=Decimal("100000.00"),
            currency="COP",
            promised_on=date(2026, 11, 14),
            status="kept",
            source="agent",
        )
        Promise.objects.create(
            creditor=creditor,
            debtor=b,
            amount=Decimal("80000.00"),
            currency="COP",
            promised_on=date(2026, 11, 8),
            status="broken",
        )
        InstalmentPlan.objects.create(
            creditor=creditor,
            debtor=d,
            currency="COP",
            total=Decimal("300000.00"),
            down_payment=Decimal("50000.00"),
            instalment_count=5,
        )
    assert kept.pk
    with time_machine.travel(at(14, 12), tick=False):
        DebtorRequest.objects.create(
            creditor=creditor,
            debtor=b,
            kind="discount",
            currency="COP",
            owed=Decimal("150000.00"),
            amount=Decimal("100000.00"),
            status="approved",
            decided_at=at(15, 12),
        )
        DebtorRequest.objects.create(
            creditor=creditor,
            debtor=e,
            kind="discount",
            currency="COP",
            owed=Decimal("500000.00"),
            amount=Decimal("400000.00"),
        )
    with time_machine.travel(at(15, 14), tick=False):
        thread = Thread.objects.create(
            creditor=creditor,
            debtor=b,
            state="closed",
            assigned_to=agent,
            handed_off_at=at(15, 10),
        )
    with time_machine.travel(at(15, 10) + timedelta(minutes=30), tick=False):
        Message.objects.create(
            thread=thread,
            direction="out",
            author="agent",
            agent=agent,
            text="Hola",
            occurred_at=at(15, 10) + timedelta(minutes=30),
        )
    return Portfolio(creditor, debts, messages, agent)
