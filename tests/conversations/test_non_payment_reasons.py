"""Reasons for non-payment are recorded per debt wherever the debtor gives them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User

from recaudo.conversations.actions import record_call, record_outcome
from recaudo.conversations.models import Thread
from recaudo.delivery import provider_events as events
from recaudo.outreach.contract import Event
from recaudo.outreach.models import Outreach, OutreachDebt
from recaudo.payments.models import DebtorReport, NonPaymentReason
from recaudo.payments.reasons import record_reasons
from recaudo.payments.reports import report_debts
from recaudo.portfolio.models import ChannelConsent, Debt
from recaudo.privacy.erase import erase
from recaudo.privacy.export import debtor_export
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in Bogotá
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
    make_debt(debtor, "150000.00", due_on=date(2026, 11, 1), invoice_number="FV-1",
              description="Plan hogar octubre")  # fmt: skip
    make_debt(debtor, "50000.50", due_on=date(2026, 12, 15), invoice_number="FV-2",
              description="Plan hogar noviembre")  # fmt: skip
    make_debt(debtor, "9000.00", due_on=date(2026, 9, 1), issued_on=date(2026, 8, 1),
              invoice_number="FV-0", status="paid", amount_paid="9000.00")  # fmt: skip
    return debtor


def _say(text: str, event_id: str) -> None:
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


def _reasons() -> list[tuple[str, str, str, str]]:
    return list(
        NonPaymentReason.objects.order_by("debt__invoice_number", "pk").values_list(
            "debt__invoice_number", "code", "source", "detail"
        )
    )


def _call_task(debtor) -> Outreach:
    task = Outreach.objects.create(
        creditor=debtor.creditor, debtor=debtor, anchor_due_on=date(2026, 11, 1),
        planned_on=date(2026, 11, 23), action="call_task", channel="call", template_key="",
        tone="late", language="es", currency="COP", amount_due=150000,
        contact_point=debtor.contact_points.get(),
        window_start=NOW - timedelta(hours=1), window_end=NOW + timedelta(hours=8),
    )  # fmt: skip
    october = Debt.objects.get(invoice_number="FV-1")
    OutreachDebt.objects.create(outreach=task, debt=october, balance=october.balance)
    return task


def test_hardship_in_the_chat_is_a_reason_on_each_debt_still_owed(debtor):
    _say("perdí el trabajo y no tengo plata para pagar", "wamid.1")

    thread = Thread.objects.get(debtor=debtor)
    assert _reasons() == [
        ("FV-1", "hardship", "bot", "perdí el trabajo y no tengo plata para pagar"),
        ("FV-2", "hardship", "bot", "perdí el trabajo y no tengo plata para pagar"),
    ]
    assert set(NonPaymentReason.objects.values_list("thread_id", "occurred_at")) == {
        (thread.pk, NOW)
    }


def test_a_wrong_person_and_a_promise_in_the_chat_are_reasons_too(debtor):
    _say("pago el viernes", "wamid.1")
    _say("no soy esa persona, número equivocado", "wamid.2")

    assert [(number, code) for number, code, _source, _detail in _reasons()] == [
        ("FV-1", "will_pay_later"),
        ("FV-1", "wrong_person"),
        ("FV-2", "will_pay_later"),
        ("FV-2", "wrong_person"),
    ]


def test_a_dispute_in_the_chat_is_a_reason_only_on_the_debt_it_names(debtor):
    _say("la factura FV-2 no es mía, nunca saqué ese crédito", "wamid.1")

    report = DebtorReport.objects.get()
    assert _reasons() == [
        ("FV-2", "dispute", "bot", "la factura FV-2 no es mía, nunca saqué ese crédito")
    ]
    assert NonPaymentReason.objects.get().report_id == report.pk


def test_a_portal_report_is_an_already_paid_reason_from_the_portal(debtor):
    october = Debt.objects.get(invoice_number="FV-1")
    report_debts(
        debtor, [october.pk], kind="already_paid", reason="Pagué en Efecty", source="portal"
    )

    assert _reasons() == [("FV-1", "already_paid", "portal", "Pagué en Efecty")]


def test_a_staff_pause_is_no_reason(debtor):
    october = Debt.objects.get(invoice_number="FV-1")
    report_debts(debtor, [october.pk], kind="pause", reason="Cliente en hospital", source="staff")

    assert _reasons() == []


def test_a_refusal_on_a_call_is_a_reason_on_the_calls_debts_linked_to_the_call(debtor):
    agent = User.objects.create_user("ana", password="x", is_staff=True)
    task = _call_task(debtor)

    record_call(task.pk, agent, "refused", note="Dice que no le interesa")

    reason = NonPaymentReason.objects.get()
    thread = Thread.objects.get(debtor=debtor)
    assert (reason.debt.invoice_number, reason.code, reason.source, reason.detail) == (
        "FV-1",
        "refused",
        "call",
        "Dice que no le interesa",
    )
    assert (reason.outreach_id, reason.thread_id, reason.occurred_at) == (task.pk, thread.pk, NOW)


def test_already_paid_on_a_call_is_recorded_once_through_its_report(debtor):
    agent = User.objects.create_user("ana", password="x", is_staff=True)
    task = _call_task(debtor)

    record_call(task.pk, agent, "paid", note="Pagó en el banco el viernes")

    assert _reasons() == [("FV-1", "already_paid", "call", "Pagó en el banco el viernes")]


def test_no_answer_on_a_call_is_no_reason(debtor):
    agent = User.objects.create_user("ana", password="x", is_staff=True)
    record_call(_call_task(debtor).pk, agent, "no_answer")

    assert _reasons() == []


def test_an_agents_reason_on_the_conversation_is_recorded_on_each_debt_owed(debtor):
    agent = User.objects.create_user("ana", password="x", is_staff=True)
    thread = Thread.objects.create(creditor=debtor.creditor, debtor=debtor)

    record_outcome(thread.pk, agent, reason="no_money", outcome="Pagará con la prima")

    assert _reasons() == [
        ("FV-1", "hardship", "agent", "Pagará con la prima"),
        ("FV-2", "hardship", "agent", "Pagará con la prima"),
    ]


def test_an_unknown_reason_code_or_source_is_refused_by_name_and_nothing_is_written(debtor):
    with pytest.raises(ValueError, match="reason code: 'broke' is not one of hardship"):
        record_reasons(debtor, "broke", "bot")
    with pytest.raises(ValueError, match="reason source: 'fax' is not one of bot"):
        record_reasons(debtor, "hardship", "fax")

    assert _reasons() == []


def test_erasing_the_debtor_keeps_the_reason_codes_and_blanks_their_words(debtor):
    _say("perdí el trabajo y no tengo plata para pagar", "wamid.1")
    assert debtor_export(debtor, now=NOW)["non_payment_reasons"][0]["detail"] == (
        "perdí el trabajo y no tengo plata para pagar"
    )

    erase(debtor, reason="titular", actor="cli:x", now=NOW, force=True)

    assert _reasons() == [("FV-1", "hardship", "bot", ""), ("FV-2", "hardship", "bot", "")]
