"""The bot speaks to a debtor as their reminders do: tú to people, usted to companies."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from recaudo.delivery import provider_events as events
from recaudo.outreach.contract import Event
from recaudo.outreach.models import Outreach
from recaudo.policies.models import Policy, Segment
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db

# Monday 23 November 2026, 10:00 in Bogotá: agents are in.
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def debtor_of_kind(creditor, kind: str, phone: str):
    debtor = make_debtor(creditor, phone=phone, first_name="Andrés", kind=kind)
    make_debt(debtor, "1000.00", due_on=date(2026, 11, 30))
    return debtor


def answer(debtor, text: str) -> str:
    phone = debtor.contact_points.get().value
    events.apply_event(
        Event(
            channel="sms",
            kind="inbound",
            provider_event_id=f"SM-{debtor.pk}-{text}",
            address=phone,
            text=text,
        )
    )
    return (
        Outreach.objects.filter(debtor=debtor, action="reply").latest("pk").notice_context["text"]
    )


def test_a_person_hears_tu_like_in_the_b2c_reminders(creditor):
    person = debtor_of_kind(creditor, "person", "+573001110001")

    assert answer(person, "cuánto debo").startswith("Tu saldo pendiente es $1.000,00")
    assert answer(person, "quiero hablar con alguien") == "Enseguida te atiende una persona."


def test_a_company_hears_usted_like_in_the_b2b_reminders(creditor):
    company = debtor_of_kind(creditor, "company", "+573001110002")

    assert answer(company, "cuánto debo").startswith("Su saldo pendiente es $1.000,00")
    assert answer(company, "puedo pagar en cuotas?").endswith(
        "Responda con el número de la opción que prefiera, por ejemplo «2»."
    )


def test_the_opt_out_confirmation_keeps_the_debtors_register(creditor):
    company = debtor_of_kind(creditor, "company", "+573001110003")
    person = debtor_of_kind(creditor, "person", "+573001110004")

    assert answer(company, "no me escriban más") == (
        "Listo, no le enviaremos más mensajes por este medio."
    )
    assert answer(person, "no me escriban más") == (
        "Listo, no te enviaremos más mensajes por este medio."
    )


def test_changing_the_policys_register_changes_how_the_bot_speaks(creditor):
    formal = Policy.objects.create(
        creditor=creditor, code="formal", name="Formal", register="usted"
    )
    Segment.objects.create(creditor=creditor, name="Todos", is_default=True, policy=formal)
    person = debtor_of_kind(creditor, "person", "+573001110005")

    assert answer(person, "cuánto debo").startswith("Su saldo pendiente es")
