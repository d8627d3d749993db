"""Money taken back tells the truth (issue 19): a refund or a chargeback of a payment that
went through is not "your payment was not completed".

``payment_reversed`` names the amount, the payment's date and what is owed again;
``payment_reversed_debit`` (an automatic charge taken back) also names the card
and the instalment that is pending again, and says it will not be charged
automatically. The reversal is read from the provider's own record, as the
payment webhook does (``webhooks._process``); the notices go through the
dispatcher (``delivery.messages``) with their exact texts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from recaudo.outreach.models import Outreach
from recaudo.payments import debit_charges
from recaudo.payments.actions import apply_provider_record
from recaudo.payments.agreements import break_missed_plans
from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout, DebitAttempt
from recaudo.payments.providers.base import ProviderRecord
from recaudo.payments.terms import creditor_settings
from recaudo.payments.webhooks import _process
from recaudo.policies.models import Policy
from recaudo.portfolio.models import Debt, Payment
from tests.factories import make_creditor, make_debt, make_debtor
from tests.helpers import own_token
from tests.payments import test_debit_notices
from tests.payments.test_debit import enrol
from tests.payments.test_debit_notices import at, only_message, reachable, send_to_cloud_api

pytestmark = pytest.mark.django_db

plan = test_debit_notices.plan  # the fixture: 1 419 567.50 COP in three, from 2026-11-20
american = test_debit_notices.american  # the fixture: 900 USD, 300 down, two more of 300


class Reversed:
    """The provider's own record of a refunded or disputed payment (no checkout named)."""

    def __init__(self, payment: Payment):
        self.payment = payment

    def fetch(self, fetch_id: str) -> ProviderRecord:
        assert fetch_id == "charge:ch_1"
        return ProviderRecord(
            "reversed", "", self.payment.amount, self.payment.currency,
            self.payment.external_id, "sandbox",
        )  # fmt: skip


def take_back(payment: Payment) -> tuple[str, int]:
    return _process(Reversed(payment), "sandbox", "charge:ch_1")


def test_a_refunded_automatic_charge_names_the_card_the_instalment_and_that_it_is_not_retried(
    client, debtor, plan, payment_sandbox, frozen
):
    enrol(client, debtor)  # Visa 4242
    assert debit_charges.charge_due_debits(at(date(2026, 11, 20))) == {"succeeded": 1}
    payment = Payment.objects.get()
    Outreach.objects.all().delete()  # the receipt: not what this test reads
    frozen.move_to(at(date(2026, 11, 24)))

    assert take_back(payment)[1] == 200
    assert take_back(payment)[1] == 200  # reported twice: one reversal, one notice

    notice = Outreach.objects.get(action="notice")
    assert (notice.template_key, notice.notice_key) == (
        "payment_reversed_debit",
        f"payment-reversed:{payment.pk}",
    )
    assert notice.notice_context == {
        "card_brand": "visa",
        "card_last4": "4242",
        "instalment_number": 1,
        "instalment_count": 3,
        "paid_amount": "283913.5000",
        "paid_on": "2026-11-20",
        "payment_reference": payment.external_id,
        "remaining_balance": "1419567.5000",
        "currency": "COP",
    }
    message = only_message(at(date(2026, 11, 24)))
    link = f"http://127.0.0.1:8000/p/{own_token(message, debtor)}"
    assert message.text == (
        "Hola Camila, te escribimos de Tienda Sol: el cobro automático de $283.913,50 del 20 "
        "de noviembre a tu tarjeta Visa terminada en 4242 fue devuelto. La cuota 1 de 3 vuelve "
        "a estar pendiente y no la cobraremos de nuevo automáticamente.\n"
        f"Puedes pagarla aquí: {link}\nSi necesitas ayuda, responde a este mensaje."
    )
    assert plan.instalments.get(number=0).status == "pending"
    assert set(Debt.objects.values_list("status", flat=True)) == {"in_arrangement"}
    assert debit_charges.charge_due_debits(at(date(2026, 11, 25))) == {}


def test_a_refund_of_the_charge_that_completed_the_plan_reopens_the_plan_and_its_instalment(
    client, debtor, plan, payment_sandbox, frozen
):
    enrol(client, debtor)
    for day in (date(2026, 11, 20), date(2026, 12, 20), date(2027, 1, 20)):
        if day.month != 11:  # the plan was agreed at 15:00 on 2026-11-20: never before it
            frozen.move_to(at(day))
        assert debit_charges.charge_due_debits(at(day)) == {"succeeded": 1}
    plan.refresh_from_db()
    assert plan.status == "completed"
    assert set(Debt.objects.values_list("status", flat=True)) == {"paid"}
    last = DebitAttempt.objects.get(instalment__number=2).payment
    Outreach.objects.all().delete()
    frozen.move_to(at(date(2027, 1, 25)))

    assert take_back(last)[1] == 200

    plan.refresh_from_db()
    assert (plan.status, plan.ended_at) == ("active", None)
    assert dict(plan.instalments.values_list("number", "status")) == {
        0: "paid",
        1: "paid",
        2: "pending",
    }
    # The money is owed again, inside the plan (its instalments collect it, not the policy).
    assert sum(debt.balance for debt in Debt.objects.all()) == Decimal("567827.00")
    assert "in_arrangement" in set(Debt.objects.values_list("status", flat=True))
    assert "open" not in set(Debt.objects.values_list("status", flat=True))
    notice = Outreach.objects.get(action="notice")
    assert notice.template_key == "payment_reversed_debit"
    assert (notice.notice_context["instalment_number"], notice.notice_context["paid_on"]) == (
        3,
        "2027-01-20",
    )
    # The mandate ended with the plan: nothing is charged automatically.
    assert debit_charges.charge_due_debits(at(date(2027, 1, 26))) == {}
    # Owed again from the day the money went back: the grace counts from then, so the
    # debtor told "puedes pagarla aquí" is not broken by the next morning's run.
    assert plan.instalments.get(number=2).due_on == date(2027, 1, 25)
    grace = creditor_settings(plan.creditor).plan_grace_days
    assert break_missed_plans(date(2027, 1, 26)) == []
    assert break_missed_plans(date(2027, 1, 25) + timedelta(days=grace)) == []
    assert break_missed_plans(date(2027, 1, 26) + timedelta(days=grace)) == [plan.pk]


def test_an_english_debtor_reads_the_reversed_charge_by_sms_in_dollars(
    client, american, payment_sandbox, frozen
):
    enrol(client, american)
    assert debit_charges.charge_due_debits(at(date(2026, 11, 20))) == {"succeeded": 1}
    payment = Payment.objects.get()
    Outreach.objects.all().delete()

    take_back(payment)

    message = only_message(at(date(2026, 11, 20)))
    link = f"http://127.0.0.1:8000/p/{own_token(message, american)}"
    assert message.text == (
        "Brightline: Hi Jessica, the $300.00 automatic charge of November 20 to your Visa card "
        "ending in 4242 was reversed. Instalment 1 of 3 is pending again and we will not "
        f"charge it automatically: pay it at {link} Reply STOP to opt out."
    )


def _paid_checkout(debtor, amount: str) -> Checkout:
    checkout = Checkout.objects.create(
        reference="ref-1", link=live_link(debtor.pk), creditor=debtor.creditor, debtor=debtor,
        kind=Checkout.Kind.ALL, provider="sandbox", amount=Decimal(amount), currency="COP",
    )  # fmt: skip
    apply_provider_record(
        checkout.pk,
        ProviderRecord("paid", "ref-1", Decimal(amount), "COP", "pay_1", "sandbox"),
    )
    return checkout


def test_a_refunded_portal_payment_says_it_was_taken_back_and_what_is_owed_again(debtor, frozen):
    reachable(debtor, ["whatsapp"])
    checkout = _paid_checkout(debtor, "185000.50")  # the October debt, paid on 2026-11-20
    Outreach.objects.all().delete()
    frozen.move_to(at(date(2026, 11, 27)))
    refund = ProviderRecord("reversed", "ref-1", Decimal("185000.50"), "COP", "pay_1", "sandbox")

    apply_provider_record(checkout.pk, refund)
    apply_provider_record(checkout.pk, refund)  # reported twice

    checkout.refresh_from_db()
    notice = Outreach.objects.get(action="notice")
    assert (notice.template_key, notice.notice_key) == (
        "payment_reversed",
        f"payment-reversed:{checkout.payment_id}",
    )
    message = only_message(at(date(2026, 11, 27)))
    link = f"http://127.0.0.1:8000/p/{own_token(message, debtor)}"
    assert message.text == (
        "Hola Camila, te escribimos de Tienda Sol: tu pago de $185.000,50 del 20 de noviembre "
        "fue devuelto o desconocido ante el banco, así que ya no cuenta. Vuelves a deber "
        f"$1.419.567,50.\nPuedes pagar aquí: {link}\nSi necesitas ayuda, responde a este mensaje."
    )


def test_a_debtor_addressed_as_usted_reads_the_reversal_by_sms_with_usted(frozen):
    creditor = make_creditor(brand_name="Banco Andino")
    Policy.objects.filter(creditor=None).update(register="usted")
    debtor = make_debtor(creditor, first_name="Jorge", full_name="Jorge Pérez")
    make_debt(debtor, "90000.00", due_on=date(2026, 11, 1))
    reachable(debtor, ["sms"])
    checkout = _paid_checkout(debtor, "90000.00")
    Outreach.objects.all().delete()

    apply_provider_record(
        checkout.pk,
        ProviderRecord("reversed", "ref-1", Decimal("90000.00"), "COP", "pay_1", "sandbox"),
    )

    message = only_message(datetime(2026, 11, 20, 15, tzinfo=UTC))
    link = f"http://127.0.0.1:8000/p/{own_token(message, debtor)}"
    assert message.text == (
        "Banco Andino: hola Jorge, su pago de $90.000,00 del 20 de noviembre fue devuelto o "
        "desconocido ante el banco, asi que ya no cuenta. Vuelve a deber $90.000,00. Puede "
        f"pagar en {link}"
    )


def test_when_a_later_instalment_paid_by_hand_is_reopened_the_debtor_is_not_told_it_wont_be_charged(
    client, debtor, plan, payment_sandbox, frozen
):
    enrol(client, debtor)
    assert debit_charges.charge_due_debits(at(date(2026, 11, 20))) == {"succeeded": 1}
    debit = Payment.objects.get()
    frozen.move_to(at(date(2026, 11, 22)))
    _paid_checkout(debtor, "567827.00")  # December's instalment, paid ahead by hand
    assert plan.instalments.get(number=1).status == "paid"
    Outreach.objects.all().delete()

    take_back(debit)

    # Payments cover the plan oldest first: the one left covers the down payment, and
    # December's instalment is pending again, with its automatic charge still to come.
    assert dict(plan.instalments.values_list("number", "status")) == {
        0: "paid",
        1: "pending",
        2: "pending",
    }
    notice = Outreach.objects.get(action="notice")
    assert notice.template_key == "payment_reversed"
    assert "card_last4" not in notice.notice_context
    frozen.move_to(at(date(2026, 12, 20)))
    assert debit_charges.charge_due_debits(at(date(2026, 12, 20))) == {"succeeded": 1}


def test_the_whatsapp_reversal_is_an_approved_template_the_cloud_api_accepts(
    client, debtor, plan, payment_sandbox, frozen
):
    enrol(client, debtor)
    debit_charges.charge_due_debits(at(date(2026, 11, 20)))
    payment = Payment.objects.get()
    Outreach.objects.all().delete()
    take_back(payment)
    message = only_message(at(date(2026, 11, 20)))
    result, bodies = send_to_cloud_api(payment_sandbox, message)

    assert result.outcome == "accepted", result.error_message
    [sent] = bodies
    template = sent["template"]
    assert (template["name"], template["language"]) == (
        "recaudo_payment_reversed_debit",
        {"code": "es"},
    )
    assert [p["text"] for p in template["components"][0]["parameters"]] == [
        "Camila",
        "Tienda Sol",
        "$283.913,50",
        "20 de noviembre",
        "Visa",
        "4242",
        "1",
        "3",
        f"http://127.0.0.1:8000/p/{own_token(message, debtor)}",
    ]
