"""Amounts say what they mean: the balance is everything owed, overdue and later told apart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from recaudo.delivery import provider_events as events
from recaudo.outreach.contract import Event
from recaudo.outreach.models import Outreach
from recaudo.payments.actions import agree_plan
from recaudo.payments.links import live_link
from recaudo.portfolio.models import ChannelConsent
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db

# Sunday 22 November 2026, 10:00 in Bogotá.
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
PHONE = "+573001234567"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def debtor(creditor):
    debtor = make_debtor(creditor, phone=PHONE, first_name="Lucía")
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=NOW - timedelta(days=30),
    )
    return debtor


def _ask(text: str = "cuánto debo", event_id: str = "wamid.1") -> str:
    events.apply_event(
        Event(
            channel="whatsapp",
            kind="inbound",
            provider_event_id=event_id,
            occurred_at=NOW,
            address=PHONE.lstrip("+"),
            text=text,
        )
    )
    reply = Outreach.objects.filter(action="reply").order_by("-pk").first()
    assert reply is not None
    return str(reply.notice_context["text"])


def test_a_balance_with_an_overdue_part_and_a_later_part_names_each(debtor):
    make_debt(debtor, "150000.00", due_on=date(2026, 11, 1))
    make_debt(debtor, "50000.50", due_on=date(2026, 12, 15))
    link = live_link(debtor.pk)
    assert _ask() == (
        "Tu saldo pendiente es $200.000,50: $150.000,00 ya vencido y $50.000,50 que vence más "
        "adelante (el próximo vencimiento es el 15 de diciembre). "
        f"Puedes pagar aquí: http://127.0.0.1:8000/p/{link.token}"
    )


def test_a_loan_in_monthly_instalments_names_the_balance_and_the_next_instalment(debtor):
    for month in (12, 1, 2):
        make_debt(debtor, "100000.00", due_on=date(2026 if month == 12 else 2027, month, 5))
    text = _ask()
    assert text.startswith(
        "Tu saldo pendiente es $300.000,00; tu próximo pago, de $100.000,00, "
        "vence el 5 de diciembre."
    )


def test_a_debtor_on_a_plan_hears_the_whole_balance_and_the_next_instalment(debtor):
    make_debt(debtor, "150000.00", due_on=date(2026, 11, 1))
    make_debt(debtor, "50000.50", due_on=date(2026, 12, 15))
    agree_plan(live_link(debtor.pk), down_payment=Decimal("50000.50"), count=3)
    text = _ask()
    assert text.startswith(
        "Tu saldo pendiente es $200.000,50 y lo estás pagando con tu plan de cuotas: la "
        "próxima cuota, de $50.000,50, vence el 22 de noviembre."
    )


def test_asking_when_it_falls_due_names_the_amount_due_that_day_not_the_balance(debtor):
    make_debt(debtor, "100000.00", due_on=date(2026, 12, 5))
    make_debt(debtor, "80000.00", due_on=date(2027, 1, 5))
    text = _ask("cuándo vence mi cuenta")
    assert "$100.000" in text and "5 de diciembre" in text
