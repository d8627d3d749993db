"""A tapped RCS chip is understood by its postbackData, whatever its words."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from recaudo.conversations.choices import postback_intent
from recaudo.conversations.models import Message, Thread
from recaudo.delivery import provider_events as events
from recaudo.outreach.contract import Event
from recaudo.outreach.models import Outreach
from tests.factories import make_debt, make_debtor

# Monday 23 November 2026, 10:00 in Bogotá: agents are in.
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
PHONE = "+573001234567"


@pytest.mark.parametrize(
    ("postback", "intent"),
    [
        ("recaudo:pay", "payment_link"),
        ("recaudo:agent", "human"),
        ("recaudo:paid", "already_paid"),
        (" recaudo:paid ", "already_paid"),
        ("talk_to_agent", None),
        ("", None),
    ],
)
def test_each_of_our_postbacks_means_one_intent(postback, intent):
    assert postback_intent(postback) == intent


def tapped(label: str, postback: str, event_id: str) -> Event:
    return Event(
        channel="rcs",
        kind="inbound",
        provider_event_id=event_id,
        occurred_at=NOW,
        address=PHONE,
        text=label,
        raw={
            "senderPhoneNumber": PHONE,
            "messageId": event_id,
            "suggestionResponse": {"postbackData": postback, "text": label, "type": "REPLY"},
        },
    )


@pytest.fixture
def debtor(creditor):
    debtor = make_debtor(creditor, phone=PHONE, first_name="Lucía")
    make_debt(debtor, "150000.00", due_on=date(2026, 11, 30))
    return debtor


def replies(debtor) -> list[str]:
    rows = Outreach.objects.filter(debtor=debtor, action="reply").order_by("pk")
    return [row.notice_context["text"] for row in rows]


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_tapping_pagar_answers_with_the_payment_link(debtor):
    events.apply_event(tapped("Pagar", "recaudo:pay", "MsPay1"))

    message = Message.objects.get(direction="in")
    assert (message.intent, message.confidence, message.text) == ("payment_link", 1.0, "Pagar")
    [text] = replies(debtor)
    assert "/p/" in text
    assert Thread.objects.get(debtor=debtor).state == "bot"


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_tapping_hablar_con_un_asesor_hands_the_thread_to_a_person(debtor):
    # The words alone would not say it: the postback does.
    events.apply_event(tapped("Opción 2", "recaudo:agent", "MsAgent1"))

    thread = Thread.objects.get(debtor=debtor)
    assert (thread.state, thread.handoff_reason) == ("waiting_agent", "human")
    assert Message.objects.get(direction="in").intent == "human"


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_tapping_ya_pague_reports_a_payment_made(debtor):
    events.apply_event(tapped("Ya pagué", "recaudo:paid", "MsPaid1"))

    assert Message.objects.get(direction="in").intent == "already_paid"
    thread = Thread.objects.get(debtor=debtor)
    assert (thread.state, thread.handoff_reason) == ("waiting_agent", "already_paid")
    [text] = replies(debtor)
    assert text.startswith("¡Gracias por avisar! Pausamos los recordatorios de $150.000,00")


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_chip_that_is_not_ours_is_read_by_its_words(debtor):
    events.apply_event(tapped("cuánto debo", "other_agent:balance", "MsOther1"))

    assert Message.objects.get(direction="in").intent == "balance"
