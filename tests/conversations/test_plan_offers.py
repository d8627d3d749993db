"""The bot lists the plans the debtor's segment allows and agrees the one they pick."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from recaudo.conversations.models import Message, Thread
from recaudo.delivery import provider_events as events
from recaudo.outreach.contract import Event
from recaudo.outreach.models import Outreach
from recaudo.payments.links import live_link
from recaudo.payments.models import InstalmentPlan
from recaudo.policies.models import Segment
from recaudo.portfolio.actions import record_payment
from recaudo.portfolio.models import ChannelConsent, Debt
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db

# Sunday 22 November 2026, 10:00 in Bogotá.
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
PHONE = "+573001234567"
# 200.000,50 owed; the shipped "Personas" segment: up to 6 instalments, 20% down.
OFFER_LINES = [
    "1) 1 cuota de $160.000,40",
    "2) 2 cuotas de $80.000,20",
    "3) 3 cuotas de $53.333,46 (la última de $53.333,48)",
    "4) 4 cuotas de $40.000,10",
    "5) 5 cuotas de $32.000,08",
    "6) 6 cuotas de $26.666,73 (la última de $26.666,75)",
]


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


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


_ids = iter(range(1, 10_000))


def say(text: str, **extra) -> str:
    """The debtor writes on WhatsApp; the bot's answer to it."""
    event_id = f"wamid.{next(_ids)}"
    events.apply_event(
        Event(
            channel="whatsapp",
            kind="inbound",
            provider_event_id=event_id,
            occurred_at=None,
            address=PHONE.lstrip("+"),
            text=text,
            **extra,
        )
    )
    message = Message.objects.get(provider_event_id=event_id)
    row = Outreach.objects.get(notice_key=f"reply:{message.pk}")
    return row.notice_context["text"]


def link_of(debtor) -> str:
    return f"http://127.0.0.1:8000/p/{live_link(debtor.pk).token}"


def test_asking_to_pay_in_instalments_lists_the_segments_plans_with_exact_amounts(debtor):
    answer = say("puedo pagar en cuotas?")

    assert answer == "\n".join(
        [
            "¡Claro, Lucía! Para tu saldo de $200.000,50 tenemos estas opciones: una cuota "
            "inicial de $40.000,10 hoy y el resto en cuotas mensuales.",
            *OFFER_LINES,
            "Responde con el número de la opción que prefieras, por ejemplo «2».",
        ]
    )
    thread = Thread.objects.get(debtor=debtor)
    assert thread.plan_offer == {
        "currency": "COP",
        "total": "200000.50",
        "down_payment": "40000.10",
        "counts": [1, 2, 3, 4, 5, 6],
        "made_at": NOW.isoformat(),
        "expires_at": (NOW + timedelta(hours=48)).isoformat(),
    }
    assert not InstalmentPlan.objects.exists()


def test_answering_two_agrees_that_plan_and_sends_the_first_instalments_link(debtor):
    say("puedo pagar en cuotas?")

    answer = say("2")

    plan = InstalmentPlan.objects.get(debtor=debtor)
    assert (plan.source, plan.instalment_count, plan.total, plan.down_payment) == (
        "bot",
        2,
        Decimal("200000.50"),
        Decimal("40000.10"),
    )
    assert [(i.number, i.due_on, i.amount) for i in plan.instalments.order_by("number")] == [
        (0, date(2026, 11, 22), Decimal("40000.10")),
        (1, date(2026, 12, 22), Decimal("80000.20")),
        (2, date(2027, 1, 22), Decimal("80000.20")),
    ]
    assert set(Debt.objects.filter(debtor=debtor).values_list("status", flat=True)) == {
        "in_arrangement"
    }
    assert answer == (
        "¡Listo, Lucía! Quedó acordado tu plan de 2 cuotas. Tu primer pago es de $40.000,10 "
        f"y vence hoy. Puedes pagarlo aquí: {link_of(debtor)}/cuota/0"
    )
    thread = Thread.objects.get(debtor=debtor)
    assert thread.plan_offer is None
    pick = thread.messages.filter(direction="in").last()
    assert (pick.intent, pick.slots["plan_choice"]) == ("payment_plan", "2")


def test_naming_the_instalments_agrees_that_plan_with_the_remainder_in_the_last(debtor):
    say("puedo pagar en cuotas?")

    say("quiero 3 cuotas")

    plan = InstalmentPlan.objects.get(debtor=debtor)
    assert [i.amount for i in plan.instalments.order_by("number")] == [
        Decimal("40000.10"),
        Decimal("53333.46"),
        Decimal("53333.46"),
        Decimal("53333.48"),
    ]


def test_a_whatsapp_list_reply_picks_the_plan_by_its_id(debtor):
    say("puedo pagar en cuotas?")

    say("plan:6")

    assert InstalmentPlan.objects.get(debtor=debtor).instalment_count == 6


def test_answering_after_paying_everything_creates_no_plan(debtor):
    say("puedo pagar en cuotas?")
    record_payment(
        creditor=debtor.creditor,
        debtor=debtor,
        external_id="pay-1",
        amount=Decimal("200000.50"),
        currency="COP",
        paid_at=NOW,
        actor="test",
    )

    answer = say("2")

    assert not InstalmentPlan.objects.exists()
    assert answer == (
        f"Ya no tienes saldo pendiente con {debtor.creditor.brand_name}, así que no hace "
        "falta un plan. ¡Gracias!"
    )
    assert Thread.objects.get(debtor=debtor).plan_offer is None


def test_answering_after_a_partial_payment_lists_the_new_amounts_and_agrees_nothing(debtor):
    say("puedo pagar en cuotas?")
    record_payment(
        creditor=debtor.creditor,
        debtor=debtor,
        external_id="pay-1",
        amount=Decimal("100000.00"),
        currency="COP",
        paid_at=NOW,
        actor="test",
    )

    answer = say("2")

    assert not InstalmentPlan.objects.exists()
    assert answer.startswith(
        "Tu saldo cambió desde que te enviamos las opciones; estas son las nuevas. Para tu "
        "saldo de $100.000,50 tenemos estas opciones: una cuota inicial de $20.000,10 hoy"
    )
    assert "2) 2 cuotas de $40.000,20" in answer
    assert Thread.objects.get(debtor=debtor).plan_offer["total"] == "100000.50"


def test_an_invalid_option_asks_again_and_keeps_the_offer(debtor):
    say("puedo pagar en cuotas?")

    answer = say("la 9")

    assert not InstalmentPlan.objects.exists()
    assert answer == "\n".join(
        [
            "Esa opción no está en la lista. Elige un número del 1 al 6.",
            *OFFER_LINES,
            "Responde con el número de la opción que prefieras, por ejemplo «2».",
        ]
    )
    assert say("la segunda").startswith("¡Listo, Lucía! Quedó acordado tu plan de 2 cuotas.")


def test_an_expired_offer_is_not_agreed_and_todays_options_are_listed(debtor, frozen_time):
    say("puedo pagar en cuotas?")
    frozen_time.shift(timedelta(hours=49))

    answer = say("2")

    assert not InstalmentPlan.objects.exists()
    assert answer.startswith("Esas opciones ya vencieron; estas son las de hoy. Para tu saldo")
    later = NOW + timedelta(hours=49)
    assert Thread.objects.get(debtor=debtor).plan_offer["made_at"] == later.isoformat()


def test_a_second_pick_after_agreeing_makes_no_second_plan(debtor):
    say("puedo pagar en cuotas?")
    say("2")

    say("3")

    assert InstalmentPlan.objects.count() == 1


def test_asking_again_with_a_plan_running_gives_the_next_instalment(debtor):
    say("puedo pagar en cuotas?")
    say("2")

    answer = say("puedo pagar en cuotas?")

    assert answer == (
        "¡Claro, Lucía! Ya tienes un plan de cuotas vigente. Tu próximo pago es de "
        f"$40.000,10 y vence hoy. Puedes pagarlo aquí: {link_of(debtor)}/cuota/0"
    )


def test_a_segment_that_allows_no_plans_hands_the_debtor_to_a_person(debtor):
    Segment.objects.filter(creditor__isnull=True).update(max_instalments=0)

    answer = say("puedo pagar en cuotas?")

    thread = Thread.objects.get(debtor=debtor)
    assert (thread.state, thread.handoff_reason) == ("waiting_agent", "other")
    assert thread.plan_offer is None
    # Sunday: no agents; the answer says when one writes.
    assert answer.startswith(
        "¡Claro, Lucía! Por ahora no podemos ofrecerte cuotas por este medio; una persona del "
        "equipo revisará tu caso. Una persona te responderá"
    )


def test_hardship_gets_an_empathetic_answer_and_then_the_plans(debtor):
    answer = say("me quedé sin trabajo y no tengo cómo pagar")

    assert answer.startswith(
        "Lamentamos mucho lo que estás pasando, Lucía. No te preocupes: podemos buscar una "
        "solución juntos. Para tu saldo de $200.000,50 tenemos estas opciones"
    )
    assert OFFER_LINES[1] in answer
    assert Thread.objects.get(debtor=debtor).plan_offer is not None


def test_a_discount_request_offers_the_segments_discount_and_the_plans(debtor):
    Segment.objects.filter(creditor__isnull=True).update(max_discount_percent=Decimal(10))

    answer = say("me pueden hacer un descuento?")

    assert answer.startswith(
        "¡Claro, Lucía! Si pagas $180.000,45 en lugar de $200.000,50, tu deuda queda saldada. "
        f"Puedes pedirlo aquí: {link_of(debtor)} También puedes pagar en cuotas.\n\n"
    )
    assert OFFER_LINES[0] in answer


def test_more_time_beyond_the_segment_goes_to_review_through_the_portal(debtor):
    answer = say("necesito más tiempo para pagar")

    assert answer.startswith(
        "¡Claro, Lucía! Puedes pedir una nueva fecha de pago en este enlace y la revisaremos: "
        f"{link_of(debtor)} También puedes pagar en cuotas."
    )


def test_more_time_within_the_segment_says_how_many_days(debtor):
    Segment.objects.filter(creditor__isnull=True).update(max_extension_days=15, max_instalments=0)

    answer = say("necesito más tiempo para pagar")

    assert answer == (
        "¡Claro, Lucía! Puedes mover la fecha de pago hasta 15 días en este enlace: "
        f"{link_of(debtor)}"
    )
    assert Thread.objects.get(debtor=debtor).state == "bot"
