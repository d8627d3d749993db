"""Set-ups the conversations tests share."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from recaudo.conversations.models import Thread
from recaudo.delivery import provider_events as events
from recaudo.outreach.contract import Event
from tests.factories import make_debt, make_debtor


def waiting_thread(
    creditor,
    phone: str,
    amount: str = "250000.00",
    text: str = "quiero hablar con alguien",
    **debtor,
) -> Thread:
    """A debtor owing ``amount`` who wrote ``text`` by SMS (by default: asks for a person)."""
    person = make_debtor(creditor, phone=phone, **debtor)
    make_debt(person, amount, due_on=date(2026, 11, 30))
    # In a transaction, as the webhook processing applies it (a live-server test has none).
    with transaction.atomic():
        events.apply_event(
            Event(
                channel="sms",
                kind="inbound",
                provider_event_id=f"SM{phone}",
                address=phone,
                text=text,
            )
        )
    return Thread.objects.get(debtor=person)
