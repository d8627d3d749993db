"""The shipped phone-first policies try RCS (a card with chips) and fall back to SMS."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from recaudo.delivery.channels.rcs import RbmChannel
from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.models import Outreach
from recaudo.outreach.planner import plan
from recaudo.policies.defaults import PHONE_FIRST
from recaudo.policies.models import Step
from recaudo.portfolio.models import ChannelConsent
from tests.delivery.test_dispatcher import RecordingChannel
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 24)  # Tuesday
PLANNED_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
SEND_AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá
RBM = {
    "base_url": "https://rbm.test",
    "agent_id": "recaudo_agent",
    "access_token": "test-token",
    "client_token": "SJENCPGJESMGUFPY",
}
NOT_FOUND = {
    "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
}


class Channels:
    def __init__(self, rbm_answer: tuple[int, dict]) -> None:
        self.rbm_requests: list[httpx.Request] = []

        def answer(request: httpx.Request) -> httpx.Response:
            self.rbm_requests.append(request)
            return httpx.Response(rbm_answer[0], json=rbm_answer[1])

        self.rcs = RbmChannel(RBM, transport=httpx.MockTransport(answer))
        self.sms = RecordingChannel("sms")

    def get(self, name: str):
        return {"rcs": self.rcs, "sms": self.sms}[name]


def planned_reminder(creditor) -> Outreach:
    debtor = make_debtor(creditor, phone="+573001234567", first_name="Lucía")
    phone = debtor.contact_points.get(kind="phone")
    for channel in ("sms", "rcs"):  # Colombia needs the debtor's authorisation per channel
        ChannelConsent.objects.create(
            contact_point=phone, channel=channel, source="contrato", granted_at=PLANNED_AT
        )
    make_debt(debtor, "150000.00", due_on=DAY + timedelta(days=7))
    plan(DAY, now=PLANNED_AT)
    return Outreach.objects.get(debtor=debtor)


def run(channels: Channels, at: datetime) -> None:
    worker = Dispatcher(channels=channels, name="test-worker", rng=random.Random(1))
    try:
        worker.run_once(at)
    finally:
        worker.close()


def test_every_phone_first_default_step_lists_rcs_right_before_sms():
    assert PHONE_FIRST == ["whatsapp", "rcs", "sms", "email"]
    phone_first = [
        step
        for step in Step.objects.filter(policy__creditor__isnull=True)
        if "sms" in step.channels
    ]
    assert phone_first
    for step in phone_first:
        channels = list(step.channels)
        if "rcs" in channels:
            assert channels.index("rcs") + 1 == channels.index("sms")
    b2c_reminders = Step.objects.filter(policy__code="b2c", action="message", offset_days=-7)
    assert [step.channels for step in b2c_reminders] == [PHONE_FIRST]


def test_the_planner_puts_rcs_first_with_sms_as_its_fallback(creditor):
    outreach = planned_reminder(creditor)

    assert (outreach.channel, outreach.fallback_channels) == ("rcs", ["sms"])


def test_an_rcs_capable_phone_gets_the_reminder_as_a_card_with_payment_chips(creditor):
    outreach = planned_reminder(creditor)
    channels = Channels((200, {}))

    run(channels, SEND_AT)

    outreach.refresh_from_db()
    assert (outreach.status, outreach.channel) == ("sent", "rcs")
    [request] = channels.rbm_requests
    card = json.loads(request.content)["contentMessage"]["richCard"]["standaloneCard"]
    content = card["cardContent"]
    assert content["title"] == creditor.brand_name or creditor.name
    assert "Lucía" in content["description"]
    pay, agent, paid = content["suggestions"]
    assert pay["action"]["openUrlAction"]["url"].startswith("http")
    assert "/p/" in pay["action"]["openUrlAction"]["url"]
    assert (pay["action"]["text"], pay["action"]["postbackData"]) == ("Pagar", "recaudo:pay")
    assert agent == {"reply": {"text": "Hablar con un asesor", "postbackData": "recaudo:agent"}}
    assert paid == {"reply": {"text": "Ya pagué", "postbackData": "recaudo:paid"}}
    assert channels.sms.sent == []


def test_a_phone_without_rcs_404_gets_the_same_reminder_by_sms(creditor):
    outreach = planned_reminder(creditor)
    channels = Channels((404, NOT_FOUND))

    run(channels, SEND_AT)
    outreach.refresh_from_db()
    moved = (outreach.channel, outreach.last_error_code, outreach.status_reason[:5])
    run(channels, SEND_AT + timedelta(minutes=1))

    outreach.refresh_from_db()
    assert moved == ("sms", "NOT_FOUND", "rcs: ")
    assert len(channels.rbm_requests) == 1
    [sms] = channels.sms.sent
    assert sms.to == "+573001234567"
    assert "Lucía" in sms.text and "/p/" in sms.text
    assert sms.suggestions == () and sms.card_title == ""
    assert (outreach.status, outreach.channel, outreach.fallback_channels) == ("sent", "sms", [])


def test_the_migration_puts_rcs_in_default_steps_still_as_shipped_and_leaves_edited_ones():
    from importlib import import_module

    from django.apps import apps

    from recaudo.policies.models import Policy

    migration = import_module("recaudo.policies.migrations.0009_default_steps_try_rcs_before_sms")
    b2c = Policy.objects.get(creditor__isnull=True, code="b2c")
    shipped = Step.objects.get(policy=b2c, offset_days=-7)
    edited = Step.objects.get(policy=b2c, offset_days=0)
    Step.objects.filter(pk=shipped.pk).update(channels=["whatsapp", "sms", "email"])
    Step.objects.filter(pk=edited.pk).update(channels=["sms", "whatsapp"])

    migration.forwards(apps, None)

    shipped.refresh_from_db()
    edited.refresh_from_db()
    assert shipped.channels == ["whatsapp", "rcs", "sms", "email"]
    assert edited.channels == ["sms", "whatsapp"]

    migration.backwards(apps, None)

    shipped.refresh_from_db()
    assert shipped.channels == ["whatsapp", "sms", "email"]
