"""A message reads in the debtor's register and language: notices included."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from recaudo.delivery.messages import build_message, clear_template_cache
from recaudo.policies.models import Policy
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _fresh_templates():
    clear_template_cache()
    yield
    clear_template_cache()


def _thanks(debtor, channel: str = "sms"):
    outreach = SimpleNamespace(
        pk=1,
        attempts=0,
        channel=channel,
        template_key="payment_thanks",
        # What payments/receipts.py stores with a thank-you.
        notice_context={
            "paid_amount": "4583.46",
            "paid_on": "2026-11-30",
            "payment_reference": "PAY-1",
            "remaining_balance": "1000.00",
            "currency": debtor.creditor.default_currency,
        },
        contact_point_id=None,
    )
    return build_message(
        outreach=outreach,
        creditor=debtor.creditor,
        debtor=debtor,
        debts=[],
        address="+573001112233",
        today=TODAY,
        link_token="tok",
    )


def test_a_company_whose_policy_says_usted_is_thanked_in_usted(creditor):
    company = make_debtor(creditor, kind="company", first_name="Ana")
    make_debt(company, "1000.00")

    message = _thanks(company, "whatsapp")

    assert message.text.startswith("¡Gracias, Ana! En ")
    assert "recibimos su pago de $4.583,46 del 30 de noviembre (referencia PAY-1)" in message.text
    assert "Su saldo pendiente es $1.000,00. Que tenga un buen día." in message.text
    assert message.template_name == "recaudo_payment_thanks_usted"


def test_a_person_whose_policy_says_tu_is_thanked_in_tu(creditor):
    person = make_debtor(creditor, kind="person", first_name="Ana")
    make_debt(person, "1000.00")

    message = _thanks(person)

    assert "recibimos tu pago de $4.583,46" in message.text


def test_a_person_whose_policy_a_creditor_set_to_usted_gets_usted(creditor):
    Policy.objects.filter(creditor=None, code="b2c").update(register=Policy.Register.USTED)
    person = make_debtor(creditor, kind="person", first_name="Ana")
    make_debt(person, "1000.00")

    assert "recibimos su pago de $4.583,46" in _thanks(person).text


def test_a_brazilian_debtor_is_thanked_in_portuguese_with_brazilian_money():
    creditor = make_creditor(country="BR", default_currency="BRL")
    debtor = make_debtor(creditor, country="BR", language="pt", first_name="João")
    make_debt(debtor, "1000.00")

    message = _thanks(debtor)

    assert "Recebemos seu pagamento de R$ 4.583,46 em 30 de novembro (ref. PAY-1)" in message.text
    assert "Saldo em aberto: R$ 1.000,00." in message.text
