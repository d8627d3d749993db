"""Notices: a thank-you after a payment, a notice when it fails, once per event."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.contract import ProviderResult
from recaudo.outreach.models import Outreach
from recaudo.outreach.notify import notify
from recaudo.payments.actions import apply_provider_record
from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout
from recaudo.payments.providers.base import ProviderRecord
from recaudo.portfolio.models import ChannelConsent
from tests.factories import make_debt, make_debtor

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá, a Tuesday

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self) -> None:
        self.sent = []

    def get(self, name):
        return self

    def send(self, message):
        self.sent.append(message)
        return ProviderResult("accepted", provider_message_id=f"id-{len(self.sent)}")


def _debtor(creditor):
    debtor = make_debtor(creditor, phone="+573001234567", first_name="Lucía")
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=NOW - timedelta(days=30),
    )
    return debtor


def _checkout(debtor, debt, reference="ref-1"):
    return Checkout.objects.create(
        reference=reference,
        link=live_link(debtor.pk),
        creditor=debtor.creditor,
        debtor=debtor,
        kind=Checkout.Kind.ALL,
        provider="sandbox",
        amount=debt.amount,
        currency=debt.currency,
    )


def test_a_confirmed_payment_thanks_the_debtor_once_and_the_thanks_is_sent_though_nothing_is_owed(
    creditor,
):
    debtor = _debtor(creditor)
    debt = make_debt(debtor, "150000.00")
    checkout = _checkout(debtor, debt)
    record = ProviderRecord("paid", "ref-1", Decimal("150000.00"), "COP", "pay_1", "card")

    apply_provider_record(checkout.pk, record)
    apply_provider_record(checkout.pk, record)  # the provider reports it again

    notice = Outreach.objects.get(action="notice")
    # Everything was paid: the receipt links the "paz y salvo" (payments/receipts.py).
    assert (notice.template_key, notice.channel) == ("paid_in_full", "whatsapp")
    assert notice.notice_context == {
        "paid_amount": "150000.00",
        "paid_on": notice.notice_context["paid_on"],  # the day it was recorded, today
        "payment_reference": "pay_1",
        "remaining_balance": "0",
        "currency": "COP",
        "paid_in_full": True,
    }
    channels = Recorder()
    worker = Dispatcher(channels=channels, name="t", rng=random.Random(1))
    worker.run_once(max(NOW, notice.window_start))
    worker.close()
    notice.refresh_from_db()
    assert notice.status == "sent"
    [message] = channels.sent
    assert "150.000" in message.text
    assert "Lucía" in message.text


def test_a_failed_payment_sends_the_payment_not_completed_notice(creditor):
    debtor = _debtor(creditor)
    debt = make_debt(debtor, "90000.00")
    checkout = _checkout(debtor, debt, reference="ref-2")

    apply_provider_record(
        checkout.pk, ProviderRecord("failed", "ref-2", Decimal("90000.00"), "COP", "", "")
    )

    notice = Outreach.objects.get(action="notice")
    assert notice.template_key == "payment_failed"
    assert notice.notice_key == "payment-failed:ref-2"


def test_a_notice_for_a_debtor_who_cannot_be_reached_is_not_queued(creditor):
    debtor = make_debtor(creditor, phone="+573001234567")  # no consent: Colombia needs one

    assert notify(debtor, "payment_thanks", key="thanks:x", now=NOW) is None
    assert not Outreach.objects.exists()


def test_a_notice_waits_for_the_hours_the_country_allows(creditor):
    debtor = _debtor(creditor)
    late = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 22:00 in Bogotá

    notice = notify(debtor, "promise_reminder", key="promise:1", now=late)

    assert notice is not None
    assert notice.window_start > late
    assert notice.window_start.astimezone(ZoneInfo("America/Bogota")).hour >= 7


def test_an_answer_to_the_debtor_goes_out_at_once_even_late_in_the_evening(creditor):
    from recaudo.outreach.notify import queue_reply

    debtor = _debtor(creditor)
    late = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 22:00 in Bogotá: no reminders now
    reply = queue_reply(
        debtor,
        channel="whatsapp",
        contact_point=debtor.contact_points.get(),
        text="Tu saldo es $150.000,00.",
        key="reply:wamid.1",
        now=late,
    )
    assert (
        queue_reply(
            debtor,
            channel="whatsapp",
            contact_point=debtor.contact_points.get(),
            text="Tu saldo es $150.000,00.",
            key="reply:wamid.1",
            now=late,
        )
        == reply
    )

    channels = Recorder()
    worker = Dispatcher(channels=channels, name="t", rng=random.Random(1))
    worker.run_once(late + timedelta(seconds=1))
    worker.close()

    reply.refresh_from_db()
    assert reply.status == "sent"
    assert [m.text for m in channels.sent] == ["Tu saldo es $150.000,00."]
    assert channels.sent[0].template_name == ""


def test_an_answer_is_never_sent_to_a_contact_point_that_opted_out(creditor):
    from recaudo.outreach.notify import queue_reply

    debtor = _debtor(creditor)
    point = debtor.contact_points.get()
    reply = queue_reply(
        debtor, channel="whatsapp", contact_point=point, text="Hola", key="reply:2", now=NOW
    )
    point.opted_out_at = NOW
    point.save()

    channels = Recorder()
    worker = Dispatcher(channels=channels, name="t", rng=random.Random(1))
    worker.run_once(NOW + timedelta(seconds=1))
    worker.close()

    reply.refresh_from_db()
    assert reply.status == "failed"
    assert channels.sent == []


def test_a_refunded_payment_is_reversed_once_reopens_its_debts_and_sends_the_notice(creditor):
    from recaudo.portfolio.models import AuditEvent, Debt, Payment

    debtor = _debtor(creditor)
    debt = make_debt(debtor, "150000.00")
    checkout = _checkout(debtor, debt, reference="ref-3")
    apply_provider_record(
        checkout.pk, ProviderRecord("paid", "ref-3", Decimal("150000.00"), "COP", "pay_3", "card")
    )
    debt.refresh_from_db()
    assert debt.status == Debt.Status.PAID

    refund = ProviderRecord("reversed", "ref-3", Decimal("150000.00"), "COP", "pay_3", "card")
    apply_provider_record(checkout.pk, refund)
    apply_provider_record(checkout.pk, refund)  # reported twice

    debt.refresh_from_db()
    checkout.refresh_from_db()
    assert (debt.status, debt.amount_paid) == (Debt.Status.OPEN, Decimal("0"))
    assert checkout.status == "reversed"
    assert Payment.objects.get().status == Payment.Status.REVERSED
    assert AuditEvent.objects.filter(kind="payment_reversed").count() == 1
    notice = Outreach.objects.get(template_key="payment_reversed")
    assert notice.notice_key == f"payment-reversed:{checkout.payment_id}"


def test_the_confirmation_of_an_opt_out_is_the_one_message_that_still_goes_out(creditor):
    from recaudo.outreach.notify import queue_reply

    debtor = _debtor(creditor)
    point = debtor.contact_points.get()
    point.opted_out_at = NOW
    point.save()
    confirmation = queue_reply(
        debtor,
        channel="whatsapp",
        contact_point=point,
        text="Listo, no te escribiremos más por aquí.",
        key="reply:optout",
        now=NOW,
        final=True,
    )
    other = queue_reply(
        debtor, channel="whatsapp", contact_point=point, text="¿Algo más?", key="r2", now=NOW
    )

    channels = Recorder()
    worker = Dispatcher(channels=channels, name="t", rng=random.Random(1))
    worker.run_once(NOW + timedelta(seconds=1))
    worker.close()

    confirmation.refresh_from_db()
    other.refresh_from_db()
    assert [m.text for m in channels.sent] == ["Listo, no te escribiremos más por aquí."]
    assert (confirmation.status, other.status) == ("sent", "failed")
