"""On WhatsApp the bot answers with buttons and lists; a tap is understood without the NLU.

End to end against the fake Cloud API: the debtor writes or taps in the
sandbox, its signed webhook is replayed into Recaudo, the worker sends the
bot's answer, and the fake checks it as Meta would.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from recaudo.conversations.models import Message, Thread
from recaudo.delivery.channels.whatsapp import WhatsAppChannel
from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.models import Outreach
from recaudo.payments.links import live_link
from recaudo.payments.models import DebtorReport, InstalmentPlan
from recaudo.portfolio.models import ChannelConsent
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db
PHONE = "+573001234567"
BUTTONS = [
    {"type": "reply", "reply": {"id": "pay", "title": "Pagar"}},
    {"type": "reply", "reply": {"id": "agent", "title": "Hablar con un asesor"}},
    {"type": "reply", "reply": {"id": "paid", "title": "Ya pagué"}},
]


class Recording(httpx.HTTPTransport):
    """The real HTTP transport, keeping each JSON body Recaudo sent."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[dict] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.read()))
        return super().handle_request(request)


class Channels:
    def __init__(self, channel: WhatsAppChannel) -> None:
        self.channel = channel

    def get(self, name: str) -> WhatsAppChannel:
        assert name == "whatsapp"
        return self.channel


@pytest.fixture
def wire(server, settings):
    transport = Recording()
    channel = WhatsAppChannel({"base_url": f"{server.url}/whatsapp/v21.0"}, transport=transport)
    return Channels(channel), transport


@pytest.fixture
def debtor(creditor):
    debtor = make_debtor(creditor, phone=PHONE, first_name="Lucía", language="es")
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=timezone.now() - timedelta(days=30),
    )
    today = timezone.localdate()
    make_debt(debtor, "150000.00", due_on=today - timedelta(days=5),
              issued_on=today - timedelta(days=40))  # fmt: skip
    make_debt(debtor, "50000.50", due_on=today + timedelta(days=20),
              issued_on=today - timedelta(days=10))  # fmt: skip
    return debtor


def debtor_says(api, receiver, text: str, choice: tuple[str, str] | None = None) -> Message:
    """The debtor writes (or taps ``choice``: kind, id) in the sandbox; Recaudo gets the webhook."""
    before = len(receiver.wait_for(0, where=_is_inbound))
    body: dict = {"channel": "whatsapp", "from": PHONE, "text": text}
    if choice is not None:
        body["choice"] = {"kind": choice[0], "id": choice[1]}
    assert api.post("/_sandbox/inbound", json=body).status_code == 201
    webhook = receiver.wait_for(before + 1, where=_is_inbound)[-1]
    answer = Client().post(
        "/webhooks/whatsapp",
        webhook.body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=webhook.headers["X-Hub-Signature-256"],
    )
    assert answer.status_code == 200
    return Message.objects.filter(direction="in").latest("pk")


def _is_inbound(received) -> bool:
    return b'"messages"' in received.body


def dispatch(channels) -> None:
    worker = Dispatcher(channels=channels, name="t", rng=random.Random(1))
    worker.run_once(timezone.now())
    worker.close()


def reply_to(message: Message) -> Message:
    return Message.objects.get(direction="out", outreach__notice_key=f"reply:{message.pk}")


def test_a_balance_answer_goes_with_three_reply_buttons_the_fake_accepts(
    api, receiver, sandbox, wire, debtor
):
    channels, transport = wire

    asked = debtor_says(api, receiver, "¿cuánto debo?")
    dispatch(channels)

    [sent] = transport.bodies
    answer = Outreach.objects.get(notice_key=f"reply:{asked.pk}")
    assert sent == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": PHONE.lstrip("+"),
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": answer.notice_context["text"]},
            "action": {"buttons": BUTTONS},
        },
        "biz_opaque_callback_data": f"outreach-{answer.pk}-1",
    }
    assert answer.status == "sent"
    shown = f"{answer.notice_context['text']}\n[Pagar] [Hablar con un asesor] [Ya pagué]"
    assert reply_to(asked).text == shown
    [record] = [r for r in sandbox.log.all("whatsapp") if r.direction == "outbound"]
    assert record.text == shown


def test_tapping_pagar_is_the_payment_link_intent_without_the_nlu(api, receiver, wire, debtor):
    channels, transport = wire
    debtor_says(api, receiver, "hola")
    dispatch(channels)

    tapped = debtor_says(api, receiver, "Pagar", choice=("button_reply", "pay"))
    dispatch(channels)

    assert (tapped.intent, tapped.confidence, tapped.slots) == (
        "payment_link",
        1.0,
        {"choice": "pay"},
    )
    assert tapped.text == "Pagar"
    link = f"http://127.0.0.1:8000/p/{live_link(debtor.pk).token}"
    last = transport.bodies[-1]
    assert last["type"] == "interactive" and link in last["interactive"]["body"]["text"]
    assert last["interactive"]["action"]["buttons"] == BUTTONS


def test_tapping_hablar_con_un_asesor_hands_the_thread_over_and_the_answer_has_no_buttons(
    api, receiver, wire, debtor
):
    channels, transport = wire
    debtor_says(api, receiver, "hola")

    tapped = debtor_says(api, receiver, "Hablar con un asesor", choice=("button_reply", "agent"))
    dispatch(channels)

    assert tapped.intent == "human"
    thread = Thread.objects.get(debtor=debtor)
    assert (thread.state, thread.handoff_reason) == ("waiting_agent", "human")
    handoff = transport.bodies[-1]
    assert handoff["type"] == "text"
    assert reply_to(tapped).text == handoff["text"]["body"]


def test_tapping_ya_pague_opens_the_already_paid_report(api, receiver, debtor):
    debtor_says(api, receiver, "hola")

    tapped = debtor_says(api, receiver, "Ya pagué", choice=("quick_reply", "paid"))

    assert (tapped.intent, tapped.confidence) == ("already_paid", 1.0)
    # Two debts: the bot asks which one, in words, so the question goes without buttons.
    thread = Thread.objects.get(debtor=debtor)
    assert thread.report_question["kind"] == "already_paid"
    question = reply_to(tapped)
    assert "¿De cuál deuda se trata?" in question.text and "[Pagar]" not in question.text
    assert "choices" not in question.outreach.notice_context

    debtor_says(api, receiver, "todas")

    reports = DebtorReport.objects.filter(debtor=debtor)
    assert (
        sorted(reports.values_list("kind", "source", "status"))
        == [("already_paid", "bot", "pending")] * reports.count()
    )
    assert reports.count() >= 1


def test_a_plan_offer_goes_as_a_list_and_tapping_a_row_agrees_that_plan(
    api, receiver, wire, debtor
):
    channels, transport = wire

    asked = debtor_says(api, receiver, "puedo pagar en cuotas?")
    dispatch(channels)

    offer = transport.bodies[-1]["interactive"]
    assert offer["type"] == "list"
    assert offer["action"]["button"] == "Ver planes"
    [section] = offer["action"]["sections"]
    rows = section["rows"]
    assert [row["id"] for row in rows] == [f"plan:{n}" for n in range(1, len(rows) + 1)]
    assert rows[0]["title"] == "1 cuota" and rows[2]["title"] == "3 cuotas"
    assert rows[1]["description"].startswith("de $")
    assert all(len(row["title"]) <= 24 and len(row.get("description", "")) <= 72 for row in rows)
    assert reply_to(asked).text.endswith("[Ver planes] " + " · ".join(r["title"] for r in rows))

    tapped = debtor_says(api, receiver, "3 cuotas", choice=("list_reply", "plan:3"))
    dispatch(channels)

    assert tapped.intent == "payment_plan" and tapped.slots["plan_choice"] == "3"
    plan = InstalmentPlan.objects.get(debtor=debtor)
    assert (plan.source, plan.instalments.filter(number__gte=1).count()) == ("bot", 3)
    assert Thread.objects.get(debtor=debtor).plan_offer is None
    assert transport.bodies[-1]["type"] == "interactive"  # the agreement, with the buttons


def test_an_sms_answer_is_plain_text_with_no_choices(api, receiver, wire, debtor):
    from recaudo.delivery import provider_events as events
    from recaudo.outreach.contract import Event

    events.apply_event(
        Event(channel="sms", kind="inbound", provider_event_id="SM1", address=PHONE,
              text="¿cuánto debo?")
    )  # fmt: skip

    asked = Message.objects.get(provider_event_id="SM1")
    row = Outreach.objects.get(notice_key=f"reply:{asked.pk}")
    assert "choices" not in row.notice_context
    assert reply_to(asked).text == row.notice_context["text"]


@pytest.mark.usefixtures("sandbox_enabled")
def test_the_phone_simulator_shows_the_buttons_and_a_tap_reaches_the_bot(
    api, receiver, wire, debtor, settings
):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    settings.SANDBOX_URL = api.base_url.__str__().rstrip("/")
    channels, _transport = wire
    debtor_says(api, receiver, "hola")
    dispatch(channels)
    staff = Client()
    staff.force_login(get_user_model().objects.create_user("t", password="x", is_staff=True))
    page = staff.get(reverse("sandbox:phone", args=[debtor.pk])).content.decode()
    assert page.count('class="tap"') == 3
    assert 'name="choice_id" value="agent"' in page and ">Hablar con un asesor</button>" in page
    before = len(receiver.wait_for(0, where=_is_inbound))

    tapped = staff.post(
        reverse("sandbox:phone", args=[debtor.pk]),
        {"choice_kind": "button_reply", "choice_id": "pay", "choice_title": "Pagar",
         "phone": PHONE},
    )  # fmt: skip

    assert tapped.status_code == 302
    webhook = receiver.wait_for(before + 1, where=_is_inbound)[-1]
    [sent] = json.loads(webhook.body)["entry"][0]["changes"][0]["value"]["messages"]
    assert sent["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "pay", "title": "Pagar"},
    }
    refused = staff.post(
        reverse("sandbox:phone", args=[debtor.pk]),
        {"choice_kind": "button_reply", "choice_id": "pay", "choice_title": "Pagar",
         "phone": "+10000000000"},
    )  # fmt: skip
    assert refused.status_code == 302
    assert len(receiver.wait_for(before + 2, where=_is_inbound, timeout=0.5)) == before + 1
