"""In the chat and on a call, "ya pagué" and disputes pause each named debt; the bot asks which."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User

from recaudo.conversations import debt_reports
from recaudo.conversations.actions import record_call
from recaudo.conversations.models import Message, Thread
from recaudo.delivery import provider_events as events
from recaudo.outreach.contract import Event
from recaudo.outreach.models import Outreach, OutreachDebt
from recaudo.payments.models import DebtorReport
from recaudo.portfolio.models import ChannelConsent, Debt
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db

# Monday 23 November 2026, 10:00 in Bogotá (agents at work).
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
PHONE = "+573001234567"
PDF = b"%PDF-1.4\n" + b"0" * 100


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
    return debtor


def _say(text: str, event_id: str, **raw: object) -> str:
    events.apply_event(
        Event(
            channel="whatsapp",
            kind="inbound",
            provider_event_id=event_id,
            occurred_at=NOW,
            address=PHONE.lstrip("+"),
            text=text,
            raw=dict(raw),
        )
    )
    reply = Outreach.objects.filter(action="reply").order_by("-pk").first()
    assert reply is not None
    return str(reply.notice_context["text"])


def _statuses(debtor) -> dict[str, str]:
    return dict(debtor.debts.values_list("invoice_number", "status"))


def test_ya_pague_over_several_debts_asks_which_and_pauses_each_one_named(debtor):
    question = _say("ya pagué", "wamid.1")
    assert question == (
        "Gracias por avisar. ¿De cuál deuda se trata? Responde con el número, o «todas»:\n"
        "1) Plan hogar octubre ($150.000,00)\n2) Plan hogar noviembre ($50.000,50)"
    )
    assert _statuses(debtor) == {"FV-1": "open", "FV-2": "open"}
    answer = _say("las dos", "wamid.2")
    assert answer == (
        "¡Gracias por avisar! Pausamos los recordatorios de Plan hogar octubre ($150.000,00) y "
        "Plan hogar noviembre ($50.000,50) hasta el 3 de diciembre mientras una persona revisa "
        "tu pago. Si aún no enviaste el comprobante, envíalo por aquí como foto o PDF."
    )
    assert _statuses(debtor) == {"FV-1": "disputed", "FV-2": "disputed"}
    assert set(DebtorReport.objects.values_list("kind", "source", "pause_until")) == {
        ("already_paid", "bot", date(2026, 12, 3))
    }
    thread = Thread.objects.get(debtor=debtor)
    assert (thread.state, thread.handoff_reason, thread.report_question) == (
        "waiting_agent",
        "already_paid",
        None,
    )


def test_a_message_that_names_the_invoice_pauses_only_that_debt(debtor):
    _say("ya pagué la factura FV-2 ayer", "wamid.1")
    assert _statuses(debtor) == {"FV-1": "open", "FV-2": "disputed"}
    assert DebtorReport.objects.get().debt.invoice_number == "FV-2"


def test_a_dispute_answered_with_a_number_pauses_that_debt(debtor):
    _say("esa deuda no es mía, nunca saqué ese crédito", "wamid.1")
    assert not DebtorReport.objects.exists()
    answer = _say("la 1", "wamid.2")
    assert answer.startswith("Gracias por contarnos. Pausamos los cobros de Plan hogar octubre")
    report = DebtorReport.objects.get()
    assert (report.kind, report.debt.invoice_number) == ("dispute", "FV-1")
    assert "nunca saqué ese crédito" in report.reason


def test_a_receipt_photo_with_a_single_debt_is_reported_and_joins_the_report(creditor):
    person = make_debtor(creditor, phone="+573009998877")
    ChannelConsent.objects.create(
        contact_point=person.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=NOW - timedelta(days=30),
    )
    debt = make_debt(person, "80000.00", description="Cuota diciembre")
    events.apply_event(
        Event(
            channel="whatsapp",
            kind="inbound",
            provider_event_id="wamid.img",
            occurred_at=NOW,
            address="573009998877",
            text="",
            raw={"type": "document", "document": {"id": "MEDIA1", "mime_type": "application/pdf"}},
        )
    )
    message = Message.objects.get(direction="in")
    assert (message.intent, message.attachment["id"]) == ("already_paid", "MEDIA1")
    report = DebtorReport.objects.get()
    assert report.debt_id == debt.pk and not report.receipt
    assert debt_reports.receipt_arrived(message, PDF, "application/pdf") == 1
    report.refresh_from_db()
    assert (bytes(report.receipt), report.receipt_type) == (PDF, "application/pdf")


def test_an_agent_recording_that_the_debtor_already_paid_pauses_the_calls_debts(debtor):
    agent = User.objects.create_user("ana", password="x", is_staff=True)
    task = Outreach.objects.create(
        creditor=debtor.creditor,
        debtor=debtor,
        anchor_due_on=date(2026, 11, 1),
        planned_on=date(2026, 11, 23),
        action="call_task",
        channel="call",
        template_key="",
        tone="late",
        language="es",
        currency="COP",
        amount_due=150000,
        contact_point=debtor.contact_points.get(),
        window_start=NOW - timedelta(hours=1),
        window_end=NOW + timedelta(hours=8),
    )
    october = Debt.objects.get(invoice_number="FV-1")
    OutreachDebt.objects.create(outreach=task, debt=october, balance=october.balance)
    record_call(task.pk, agent, "paid", note="Pagó en el banco el viernes")
    assert _statuses(debtor) == {"FV-1": "disputed", "FV-2": "open"}
    report = DebtorReport.objects.get()
    assert (report.source, report.reason) == ("call", "Pagó en el banco el viernes")


def test_a_message_that_does_not_answer_which_debt_drops_the_question_and_is_answered(debtor):
    _say("ya pagué", "wamid.1")
    assert Thread.objects.get(debtor=debtor).report_question is not None
    answer = _say("cuánto debo", "wamid.2")
    assert answer.startswith("Tu saldo pendiente es $200.000,50")
    assert Thread.objects.get(debtor=debtor).report_question is None
    assert not DebtorReport.objects.exists()
