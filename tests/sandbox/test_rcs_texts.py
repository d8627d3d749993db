"""RCS says what WhatsApp says, accents and all, in a card the RBM fake takes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from recaudo.delivery.channels.rcs import RbmChannel
from recaudo.delivery.dispatcher import Dispatcher
from recaudo.delivery.messages import clear_template_cache
from recaudo.outreach.models import Outreach
from recaudo.outreach.planner import plan
from recaudo.portfolio.models import ChannelConsent
from tests.delivery.test_dispatcher import RecordingChannel
from tests.factories import make_debt, make_debtor
from tests.sandbox.conftest import CREDENTIALS

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 24)  # Tuesday
PLANNED_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
SEND_AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá
CHIPS = {
    "es": "[Pagar] · [Hablar con un asesor] · [Ya pagué]",
    "pt": "[Pagar] · [Falar com um atendente] · [Já paguei]",
    "en": "[Pay] · [Talk to an agent] · [I already paid]",
}


@pytest.fixture(autouse=True)
def _fresh_templates():
    clear_template_cache()
    yield
    clear_template_cache()


class Channels:
    def __init__(self, base_url: str) -> None:
        self.rcs = RbmChannel(
            {
                "base_url": f"{base_url}/rbm",
                "agent_id": CREDENTIALS.rbm_agent_id,
                "access_token": CREDENTIALS.rbm_access_token,
                "client_token": CREDENTIALS.rbm_client_token,
            }
        )
        self.sms = RecordingChannel("sms")

    def get(self, name: str):
        return {"rcs": self.rcs, "sms": self.sms}[name]


def planned(creditor, *, language: str, due_in_days: int) -> Outreach:
    creditor.brand_name = "Tienda Sol"
    creditor.save()
    debtor = make_debtor(creditor, phone="+573001234567", first_name="Lucía", language=language)
    phone = debtor.contact_points.get(kind="phone")
    for channel in ("sms", "rcs"):  # Colombia needs the debtor's authorisation per channel
        ChannelConsent.objects.create(
            contact_point=phone, channel=channel, source="contrato", granted_at=PLANNED_AT
        )
    make_debt(debtor, "150000.00", due_on=DAY + timedelta(days=due_in_days))
    plan(DAY, now=PLANNED_AT)
    return Outreach.objects.get(debtor=debtor)


def sent_card(server, sandbox, outreach: Outreach) -> str:
    worker = Dispatcher(channels=Channels(server.url), name="test-worker", rng=random.Random(1))
    try:
        worker.run_once(SEND_AT)
    finally:
        worker.close()
    outreach.refresh_from_db()
    assert (outreach.status, outreach.channel) == ("sent", "rcs")
    record = sandbox.log.get(outreach.provider_message_id)
    assert record is not None
    link = next(chip["url"] for chip in record.choices if chip["id"] == "recaudo:pay")
    return record.text.replace(link, "<link>")


def test_a_spanish_reminder_on_rcs_reads_with_its_accents_under_the_brand(
    server, sandbox, creditor
):
    outreach = planned(creditor, language="es", due_in_days=7)

    text = sent_card(server, sandbox, outreach)

    assert outreach.template_key == "reminder_before"
    assert text == (
        "Tienda Sol\n"
        "Hola Lucía, te escribimos de Tienda Sol para recordarte que tu pago de $150.000,00 vence "
        "el 1 de diciembre.\n"
        "Puedes pagar aquí: <link>\n"
        "Si ya pagaste, ¡gracias!\n" + CHIPS["es"]
    )


def test_a_portuguese_debtor_reads_the_due_date_message_in_full_portuguese(
    server, sandbox, creditor
):
    outreach = planned(creditor, language="pt", due_in_days=0)

    text = sent_card(server, sandbox, outreach)

    assert outreach.template_key == "due_today"
    assert text == (
        "Tienda Sol\n"
        "Olá, Lucía! Aqui é da equipe Tienda Sol: hoje vence seu pagamento de COP 150.000,00.\n"
        "Leva só alguns minutos: <link>\n"
        "Se você já pagou, obrigado!\n" + CHIPS["pt"]
    )


def test_an_english_overdue_message_on_rcs_keeps_the_opt_out_line(server, sandbox, creditor):
    outreach = planned(creditor, language="en", due_in_days=-1)

    text = sent_card(server, sandbox, outreach)

    assert outreach.template_key == "overdue_early"
    assert text == (
        "Tienda Sol\n"
        "Hi Lucía, this is Tienda Sol. We haven't received your payment of COP150,000.00, which "
        "was due on November 23; dates slip sometimes.\n"
        "You can pay here: <link>\n"
        "If you already paid, thank you, and please ignore this message.\n"
        "Reply STOP to opt out.\n" + CHIPS["en"]
    )
