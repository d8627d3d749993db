"""Direct debit in the chat: the bot sends the enrolment link and cancels on request."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from recaudo.conversations.models import Message, Thread
from recaudo.delivery import provider_events as events
from recaudo.outreach.contract import Event
from recaudo.outreach.models import Outreach
from recaudo.payments.actions import agree_plan
from recaudo.payments.links import live_link
from recaudo.payments.models import Mandate
from recaudo.portfolio.models import AuditEvent, ChannelConsent
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday, 10:00 in Bogotá
PHONE = "+573001234568"


@pytest.fixture(autouse=True)
def frozen_time(settings):
    settings.SANDBOX_PAYMENTS_ENABLED = True  # the sandbox provider can debit
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
    make_debt(debtor, "300000.00", due_on=date(2026, 11, 15))
    return debtor


_ids = iter(range(1, 10_000))


def say(text: str) -> str:
    event_id = f"wamid.debit.{next(_ids)}"
    events.apply_event(
        Event(
            channel="whatsapp",
            kind="inbound",
            provider_event_id=event_id,
            occurred_at=None,
            address=PHONE.lstrip("+"),
            text=text,
        )
    )
    message = Message.objects.get(provider_event_id=event_id)
    assert message.intent == "direct_debit", message.intent
    return Outreach.objects.get(notice_key=f"reply:{message.pk}").notice_context["text"]


def test_asking_for_direct_debit_on_a_plan_gets_the_portals_enrolment_link(debtor):
    link = live_link(debtor.pk)
    agree_plan(link, down_payment=Decimal("100000.00"), count=2)
    answer = say("quiero domiciliar el pago")
    assert f"/p/{link.token}?via=bot#debit" in answer
    assert "débito automático" in answer
    assert Thread.objects.get(debtor=debtor).state == "bot"  # no hand-over
    assert not Mandate.objects.exists()


def test_with_mercado_pago_asking_for_direct_debit_also_gets_the_portals_enrolment_link(
    debtor, settings
):
    settings.PAYMENTS = {
        "default_provider": "mercadopago",
        "providers": {"mercadopago": {"access_token": "t", "webhook_secret": "s"}},
    }
    link = live_link(debtor.pk)
    agree_plan(link, down_payment=Decimal("100000.00"), count=2)
    answer = say("quiero domiciliar el pago")
    assert f"/p/{link.token}?via=bot#debit" in answer
    assert Thread.objects.get(debtor=debtor).state == "bot"  # no hand-over
    # The portal asks for the e-mail of the debtor's Mercado Pago account.
    page = Client().get(f"/p/{link.token}?via=bot").content.decode()
    assert 'name="payer_email"' in page and 'id="debit-enrol"' in page


def test_asking_without_a_plan_offers_the_plan_first(debtor):
    answer = say("débito automático")
    assert "plan de pagos" in answer and f"/p/{live_link(debtor.pk).token}" in answer
    assert "via=bot" not in answer


def test_cancelar_domiciliacion_cancels_the_active_mandate_from_the_bot(debtor):
    plan = agree_plan(live_link(debtor.pk), down_payment=Decimal("100000.00"), count=2)
    mandate = Mandate.objects.create(
        reference="m-chat",
        creditor=debtor.creditor,
        debtor=debtor,
        plan=plan,
        provider="sandbox",
        status="active",
        customer_id="cus_1",
        method_id="pm_1",
        brand="visa",
        last4="4242",
        channel="portal",
    )
    assert "cancelar domiciliación" in say("débito automático")  # active: how to cancel
    answer = say("cancelar domiciliación")
    assert "cancelamos" in answer
    mandate.refresh_from_db()
    assert (mandate.status, mandate.cancelled_channel) == ("cancelled", "bot")
    assert mandate.cancelled_by == f"thread {Thread.objects.get(debtor=debtor).pk}"
    assert AuditEvent.objects.filter(kind="mandate_cancelled", debtor=debtor).count() == 1
    again = say("cancelar domiciliación")  # nothing active any more: said so, nothing done
    assert again.startswith(("No tienes débito automático activo", "No tiene débito automático"))
    assert AuditEvent.objects.filter(kind="mandate_cancelled", debtor=debtor).count() == 1


@pytest.mark.parametrize(
    "text",
    ["cancelar domiciliación", "quiero domiciliar", "débito automático",
     "quero cancelar o débito automático", "desativar débito automático",
     "cancel autopay", "turn off autopay"],
)  # fmt: skip
def test_the_nlu_reads_enrolling_and_cancelling_as_direct_debit(text):
    from recaudo.conversations.nlu.model import get_model

    assert get_model().predict(text).intent == "direct_debit"
