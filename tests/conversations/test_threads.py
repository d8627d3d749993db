"""Inbound messages reach the debtor's thread and get an answer built from real data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from recaudo.conversations.inbound import receive
from recaudo.conversations.models import Message, Thread
from recaudo.delivery import provider_events as events
from recaudo.outreach.contract import Event
from recaudo.outreach.models import Outreach
from recaudo.payments.models import Promise
from recaudo.portfolio.models import ChannelConsent, ContactPoint
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
    make_debt(debtor, "150000.00", due_on=date(2026, 11, 30))
    make_debt(debtor, "50000.50", due_on=date(2026, 12, 15))
    return debtor


def inbound(text: str, event_id: str = "wamid.1", channel: str = "whatsapp", **extra) -> Event:
    address = PHONE.lstrip("+") if channel == "whatsapp" else PHONE
    return Event(
        channel=channel,
        kind="inbound",
        provider_event_id=event_id,
        occurred_at=NOW,
        address=address,
        text=text,
        **extra,
    )


def replies(debtor) -> list[str]:
    rows = Outreach.objects.filter(debtor=debtor, action="reply").order_by("pk")
    return [row.notice_context["text"] for row in rows]


def test_asking_the_balance_gets_the_real_balance_in_the_reply(debtor):
    outcome = events.apply_event(inbound("cuánto debo"))

    assert outcome == events.INBOUND_OUTCOME
    [text] = replies(debtor)
    assert "$200.000,50" in text
    assert "30 de noviembre" in text
    assert "/p/" in text
    thread = Thread.objects.get(debtor=debtor)
    assert thread.state == "bot"
    assert thread.last_inbound_at == NOW
    assert thread.whatsapp_window_until == NOW + timedelta(hours=24)
    inbound_message = thread.messages.get(direction="in")
    assert inbound_message.intent == "balance"
    reply = Outreach.objects.get(debtor=debtor, action="reply")
    assert reply.notice_key == f"reply:{inbound_message.pk}"
    assert reply.channel == "whatsapp"
    assert reply.contact_point == debtor.contact_points.get()
    assert thread.messages.get(direction="out").outreach == reply


def test_a_promise_with_a_day_is_recorded_for_that_date_and_confirmed(debtor):
    events.apply_event(inbound("te pago el viernes"))

    promise = Promise.objects.get(debtor=debtor)
    assert promise.promised_on == date(2026, 11, 27)
    assert promise.amount == Decimal("200000.50")
    assert promise.debts.count() == 2
    assert promise.source == "bot"
    [text] = replies(debtor)
    assert "27 de noviembre" in text
    assert "$200.000,50" in text


def test_a_promise_without_a_day_asks_which_day_and_records_nothing(debtor):
    events.apply_event(inbound("sí voy a pagar"))

    message = Message.objects.get(direction="in")
    if message.intent != "promise_to_pay" or message.slots.get("date"):
        pytest.skip(f"the classifier read {message.intent} {message.slots}")
    assert not Promise.objects.exists()
    assert "¿Qué día podrías pagar?" in replies(debtor)[0]


def test_asking_for_a_person_puts_the_thread_in_the_inbox_queue(debtor):
    events.apply_event(inbound("quiero hablar con alguien"))

    thread = Thread.objects.get(debtor=debtor)
    assert thread.state == "waiting_agent"
    assert thread.handoff_reason == "human"
    assert thread.needs_attention
    assert thread.balance_at_handoff == Decimal("200000.50")
    # Sunday: the reply says when a person answers.
    [text] = replies(debtor)
    assert "lunes" in text or "23 de noviembre" in text


def test_stop_writing_opts_out_and_is_confirmed_exactly_once(debtor):
    outcome = events.apply_event(inbound("no me escriban más"))
    events.apply_event(inbound("no me escriban más"))  # the same webhook again

    assert outcome.startswith(events.OPT_OUT_OUTCOME)
    point = debtor.contact_points.get()
    assert point.opted_out_at is not None
    assert len(replies(debtor)) == 1
    assert replies(debtor)[0] == "Listo, no te enviaremos más mensajes por este medio."
    assert Message.objects.filter(direction="in", intent="opt_out").count() == 1


def test_a_twilio_stop_is_not_confirmed_again_by_us(debtor):
    events.apply_event(
        Event(channel="sms", kind="opt_out", provider_event_id="SM1", address=PHONE, text="STOP")
    )

    assert replies(debtor) == []
    assert Message.objects.get().intent == "opt_out"


def test_a_repeated_webhook_stores_one_message_and_one_reply(debtor):
    events.apply_event(inbound("cuánto debo", event_id="wamid.same"))
    events.apply_event(inbound("cuánto debo", event_id="wamid.same"))

    assert Message.objects.filter(direction="in").count() == 1
    assert Message.objects.filter(direction="out").count() == 1
    assert len(replies(debtor)) == 1


def test_a_wrong_person_invalidates_the_contact_point_and_apologises(debtor):
    events.apply_event(inbound("número equivocado, no conozco a esa persona"))

    message = Message.objects.get(direction="in")
    assert message.intent == "wrong_person"
    point = ContactPoint.objects.get(debtor=debtor)
    assert point.invalid_since == NOW
    assert point.invalid_reason == "whatsapp: wrong person"
    assert replies(debtor) == ["Disculpa la molestia. Dejaremos de escribir a este número."]


def test_two_messages_not_understood_in_a_row_hand_over_to_a_person(debtor):
    events.apply_event(inbound("zxqv blorp", event_id="wamid.a"))
    thread = Thread.objects.get(debtor=debtor)
    assert thread.state == "bot"
    assert "no te entendí" in replies(debtor)[0]

    events.apply_event(inbound("qwerty asdf", event_id="wamid.b"))

    thread.refresh_from_db()
    assert thread.state == "waiting_agent"
    assert thread.handoff_reason == "not_understood"
    assert len(replies(debtor)) == 2


def test_a_message_from_an_unknown_address_is_kept_only_as_a_webhook(debtor):
    message = receive(Event(channel="sms", kind="inbound", address="+5711111111", text="hola"))

    assert message is None
    assert not Thread.objects.exists()


def test_a_thread_with_an_agent_gets_no_bot_answer(debtor):
    events.apply_event(inbound("quiero hablar con alguien", event_id="wamid.1"))
    events.apply_event(inbound("cuánto debo", event_id="wamid.2"))

    assert len(replies(debtor)) == 1
    assert Message.objects.filter(direction="in").count() == 2
