"""A message names one instalment as a payment and the whole balance as the balance."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from recaudo.delivery.messages import build_message
from recaudo.policies.rendering import build_context
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)


def _message(creditor, debtor, template_key: str, debts: list, channel: str = "sms") -> str:
    outreach = SimpleNamespace(
        pk=1,
        attempts=0,
        channel=channel,
        template_key=template_key,
        contact_point_id=None,
        notice_context={},
    )
    return build_message(
        outreach=outreach,
        creditor=creditor,
        debtor=debtor,
        debts=debts,
        address="+573001112233",
        today=TODAY,
        link_token="tok",
    ).text


@pytest.fixture
def loan(creditor):
    """Three monthly instalments of a loan, one overdue, two falling due later."""
    debtor = make_debtor(creditor, first_name="Lucía")
    debts = [
        make_debt(debtor, "100000.00", due_on=date(2026, 11, 5), description="Cuota 1"),
        make_debt(debtor, "100000.00", due_on=date(2026, 12, 5), description="Cuota 2"),
        make_debt(debtor, "100000.00", due_on=date(2027, 1, 5), description="Cuota 3"),
    ]
    return debtor, debts


def test_a_late_reminder_about_one_instalment_calls_it_a_payment_not_the_balance(creditor, loan):
    debtor, debts = loan
    text = _message(creditor, debtor, "overdue_late", debts[:1])
    assert "tu pago de $100.000,00 sigue pendiente desde el 5 de noviembre" in text
    assert "saldo" not in text


def test_a_payment_offer_names_the_whole_balance_of_every_instalment(creditor, loan):
    debtor, debts = loan
    text = _message(creditor, debtor, "payment_offer", debts[:1])
    assert "puedes pagar tu saldo de $300.000,00 en cuotas" in text


def test_a_broken_plan_notice_names_the_balance_still_owed_not_zero(creditor, loan):
    debtor, _debts = loan
    text = _message(creditor, debtor, "plan_broken", [], channel="whatsapp")
    assert "Tu saldo es de $300.000,00." in text


def test_the_balance_placeholders_split_what_is_overdue_from_what_falls_due_later(loan):
    debtor, debts = loan
    context = build_context(
        creditor=debtor.creditor,
        debtor=debtor,
        debts=debts[:1],
        payment_link="https://pagos.example/p/tok",
        today=TODAY,
        balance_debts=debts,
    )
    assert (context["total"], context["saldo"]) == ("$100.000,00", "$300.000,00")
    assert (context["saldo_vencido"], context["saldo_por_vencer"]) == ("$100.000,00", "$200.000,00")
