"""Unknown contacts asked about at the provider: found → sent, absent → queued, else staff."""

from __future__ import annotations

import copy
from datetime import timedelta

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone

from recaudo.delivery.channels.registry import reset_channels
from recaudo.delivery.reconcile import reconcile_unknown
from recaudo.outreach.models import Outreach
from recaudo.outreach.planner import plan
from recaudo.portfolio.models import ChannelConsent
from recaudo.sandbox.config import Behaviour, Credentials
from recaudo.sandbox.runner import BackgroundSandbox
from recaudo.sandbox.state import Sandbox
from tests.delivery.test_dispatcher import DAY, PLANNED_AT
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db
CREDENTIALS = Credentials()


@pytest.fixture
def twilio(settings):
    sandbox = Sandbox(CREDENTIALS, Behaviour(webhook_base_url=""), seed=7)
    with BackgroundSandbox(sandbox, smtp_port=None) as running:
        channels = copy.deepcopy(settings.CHANNELS)
        channels["sms"]["base_url"] = f"{running.url}/twilio"
        settings.CHANNELS = channels
        settings.RECONCILE_AFTER_SECONDS = 60
        reset_channels()
        yield running
    reset_channels()


def _unknown(creditor, phone: str, channel: str, started_at) -> Outreach:
    debtor = make_debtor(creditor, phone=phone)
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=PLANNED_AT,
    )
    make_debt(debtor, "150000.00", due_on=DAY + timedelta(days=7))
    plan(DAY, now=PLANNED_AT)
    row = Outreach.objects.get(debtor=debtor)
    Outreach.objects.filter(pk=row.pk).update(
        channel=channel, status="unknown", send_started_at=started_at, claimed_by="gone"
    )
    return row


def _send_sms(running, to: str) -> str:
    answer = httpx.post(
        f"{running.url}/twilio/2010-04-01/Accounts/{CREDENTIALS.twilio_account_sid}/Messages.json",
        data={"To": to, "From": CREDENTIALS.twilio_from_number, "Body": "Hola"},
        auth=(CREDENTIALS.twilio_account_sid, CREDENTIALS.twilio_auth_token),
        timeout=5,
    )
    assert answer.status_code == 201
    return answer.json()["sid"]


def test_an_unknown_sms_the_provider_has_becomes_sent_with_its_sid(creditor, twilio):
    started = timezone.now() - timedelta(minutes=10)
    row = _unknown(creditor, "+573001234501", "sms", started)
    sid = _send_sms(twilio, "+573001234501")

    counts = reconcile_unknown(timezone.now())

    row.refresh_from_db()
    assert counts == {"found": 1}
    assert (row.status, row.provider_message_id) == ("sent", sid)
    assert row.sent_at == started


def test_an_unknown_sms_the_provider_never_got_goes_back_to_the_queue(creditor, twilio):
    row = _unknown(creditor, "+573001234502", "sms", timezone.now() - timedelta(minutes=10))

    counts = reconcile_unknown(timezone.now())

    row.refresh_from_db()
    assert counts == {"requeued": 1}
    assert row.status == "planned"
    assert row.send_started_at is None and row.claimed_by == ""


def test_two_candidate_messages_leave_the_row_unknown_rather_than_guess(creditor, twilio):
    row = _unknown(creditor, "+573001234503", "sms", timezone.now() - timedelta(minutes=10))
    _send_sms(twilio, "+573001234503")
    _send_sms(twilio, "+573001234503")

    counts = reconcile_unknown(timezone.now())

    row.refresh_from_db()
    assert counts == {"unclear": 1}
    assert row.status == "unknown"


def test_a_recent_unknown_row_waits_for_its_status_webhook_first(creditor, twilio):
    row = _unknown(creditor, "+573001234504", "sms", timezone.now() - timedelta(seconds=5))

    assert reconcile_unknown(timezone.now()) == {}
    row.refresh_from_db()
    assert row.status == "unknown"


def test_a_whatsapp_row_cannot_be_asked_about_and_stays_for_staff(creditor, twilio, capsys):
    row = _unknown(creditor, "+573001234505", "whatsapp", timezone.now() - timedelta(minutes=10))

    call_command("reconcile")

    row.refresh_from_db()
    assert row.status == "unknown"
    assert "para revisión del equipo: 1" in capsys.readouterr().out


def test_the_text_that_left_tells_the_lost_message_from_a_later_one_to_the_same_number(
    creditor, twilio
):
    row = _unknown(creditor, "+573001234506", "sms", timezone.now() - timedelta(minutes=10))
    Outreach.objects.filter(pk=row.pk).update(sent_text="Hola")
    sid = _send_sms(twilio, "+573001234506")  # body "Hola"
    answer = httpx.post(
        f"{twilio.url}/twilio/2010-04-01/Accounts/{CREDENTIALS.twilio_account_sid}/Messages.json",
        data={"To": "+573001234506", "From": CREDENTIALS.twilio_from_number, "Body": "Recibo"},
        auth=(CREDENTIALS.twilio_account_sid, CREDENTIALS.twilio_auth_token),
        timeout=5,
    )
    assert answer.status_code == 201

    counts = reconcile_unknown(timezone.now())

    row.refresh_from_db()
    assert counts == {"found": 1}
    assert (row.status, row.provider_message_id) == ("sent", sid)
