"""Bounces and complaints about sent email, through the signed relay and from a mailbox.

The reminder really goes out over SMTP (an aiosmtpd server), so the report
names the Message-ID our email channel set; the reports are written after
the examples of RFC 3464 (a Postfix bounce, a delay notice) and RFC 5965
(an abuse report): tests/delivery/mail_samples/.
"""

from __future__ import annotations

import mailbox
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy

import pytest
from django.core.management import call_command
from django.test import Client

from recaudo.delivery.channels.email import EmailChannel
from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.models import EmailBounce, Outreach, WebhookEvent
from recaudo.outreach.planner import plan
from recaudo.portfolio.models import AuditEvent, ChannelConsent, ContactPoint
from recaudo.sandbox.signing import mail_signature
from tests.delivery.channels.test_email import smtp_server  # noqa: F401  (the fixture)
from tests.delivery.test_dispatcher import RecordingChannel
from tests.delivery.test_mail_reports import SAMPLES
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 24)  # Tuesday
PLANNED_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
SEND_AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá
SECRET = "sandbox-email-inbound-secret"
ADDRESS = "lucia.rojas@example.net"


class Channels:
    def __init__(self, email: EmailChannel) -> None:
        self.email = email
        self.sms = RecordingChannel("sms")

    def get(self, name: str):
        return {"email": self.email, "sms": self.sms}[name]


@pytest.fixture
def sent_statement(creditor, smtp_server):  # noqa: F811
    """The statement (15 days ahead: email first) really sent over SMTP; its Message-ID."""
    controller, handler = smtp_server
    debtor = make_debtor(creditor, phone="+573001234567", first_name="Lucía")
    phone = debtor.contact_points.get(kind="phone")
    email = ContactPoint.objects.create(
        debtor=debtor, kind="email", value=ADDRESS, channels=["email"]
    )
    for point, channel in ((email, "email"), (phone, "sms")):
        ChannelConsent.objects.create(
            contact_point=point, channel=channel, source="contrato", granted_at=PLANNED_AT
        )
    make_debt(debtor, "150000.00", due_on=DAY + timedelta(days=15))
    plan(DAY, now=PLANNED_AT)
    channel = EmailChannel(
        {
            "host": "127.0.0.1",
            "port": controller.port,
            "from_address": "Tienda Sol <cobranza@recaudo.test>",
            "inbound_secret": SECRET,
            "timeout_seconds": 5,
        }
    )
    worker = Dispatcher(channels=Channels(channel), name="t", rng=random.Random(1))
    worker.run_once(SEND_AT)
    worker.close()
    outreach = Outreach.objects.get(debtor=debtor, channel="email")
    assert outreach.status == "sent"
    [envelope] = handler.messages
    message_id = str(message_from_bytes(envelope.content, policy=policy.default)["Message-ID"])
    assert message_id == outreach.provider_message_id
    return outreach, email, message_id


def report(name: str, message_id: str) -> bytes:
    raw = (SAMPLES / name).read_bytes()
    return raw.replace(b"<outreach-{OUTREACH}-1@recaudo.test>", message_id.encode())


def post(body: bytes, signature: str | None = "good"):
    headers = {}
    if signature is not None:
        headers["HTTP_X_RECAUDO_SIGNATURE"] = (
            mail_signature(SECRET, body) if signature == "good" else signature
        )
    return Client().post("/webhooks/email", body, content_type="message/rfc822", **headers)


@pytest.fixture(autouse=True)
def _email_secret(settings):
    from recaudo.delivery.channels.registry import reset_channels

    channels = {name: dict(values) for name, values in settings.CHANNELS.items()}
    channels["email"]["inbound_secret"] = SECRET
    settings.CHANNELS = channels
    reset_channels()
    yield
    reset_channels()


def test_a_hard_bounce_marks_the_address_invalid_and_the_reminder_falls_back_to_sms(
    sent_statement,
):
    outreach, email, message_id = sent_statement

    answer = post(report("dsn_hard_5_1_1.eml", message_id))

    assert answer.status_code == 200
    email.refresh_from_db()
    outreach.refresh_from_db()
    assert email.invalid_since is not None
    assert email.invalid_reason.startswith("email 5.1.1: smtp; 550 5.1.1")
    bounce = EmailBounce.objects.get()
    assert (bounce.kind, bounce.recipient, bounce.status, bounce.action) == (
        "hard",
        ADDRESS,
        "5.1.1",
        "failed",
    )
    assert (bounce.outreach, bounce.contact_point, bounce.original_message_id) == (
        outreach,
        email,
        message_id,
    )
    assert (outreach.status, outreach.channel, outreach.last_error_code) == (
        "planned",
        "sms",
        "5.1.1",
    )
    [event] = AuditEvent.objects.filter(kind="contact_point_changed")
    assert (event.actor, event.data["change"], event.data["status"]) == ("mail", "invalid", "5.1.1")
    stored = WebhookEvent.objects.get(provider="mail")
    assert stored.outcome.startswith("hard bounce 5.1.1 for l•••@example.net: 1 contact point(s)")


def test_the_same_bounce_posted_again_changes_nothing(sent_statement):
    outreach, _email, message_id = sent_statement
    body = report("dsn_hard_5_1_1.eml", message_id)

    post(body)
    post(body)

    assert EmailBounce.objects.count() == 1
    assert AuditEvent.objects.filter(kind="contact_point_changed").count() == 1
    assert WebhookEvent.objects.filter(provider="mail").count() == 1
    outreach.refresh_from_db()
    assert (outreach.status, outreach.channel, outreach.fallback_channels) == ("planned", "sms", [])


def test_a_soft_bounce_is_only_counted(sent_statement):
    outreach, email, message_id = sent_statement

    post(report("dsn_delayed_4_2_2.eml", message_id))

    email.refresh_from_db()
    outreach.refresh_from_db()
    assert email.invalid_since is None
    assert (outreach.status, outreach.channel) == ("sent", "email")
    bounce = EmailBounce.objects.get()
    assert (bounce.kind, bounce.status, bounce.action) == ("soft", "4.2.2", "delayed")
    assert not AuditEvent.objects.filter(kind__in=["contact_point_changed", "opt_out"]).exists()
    assert WebhookEvent.objects.get().outcome.endswith("counted (1)")


def test_a_complaint_revokes_the_email_consent_and_cancels_planned_email(sent_statement):
    outreach, email, message_id = sent_statement
    later = Outreach.objects.create(
        creditor_id=outreach.creditor_id,
        debtor=outreach.debtor,
        anchor_due_on=DAY + timedelta(days=15),
        planned_on=DAY + timedelta(days=8),
        action=Outreach.Action.MESSAGE,
        channel="email",
        contact_point=email,
        template_key="reminder_before",
        tone="preventive",
        language="es",
        currency="COP",
        amount_due=Decimal("150000"),
        window_start=SEND_AT + timedelta(days=8),
        window_end=SEND_AT + timedelta(days=8, hours=8),
    )

    post(report("arf_abuse.eml", message_id))

    consent = ChannelConsent.objects.get(contact_point=email, channel="email")
    assert consent.revoked_at is not None
    later.refresh_from_db()
    assert later.status == "cancelled"
    email.refresh_from_db()
    assert email.invalid_since is None  # the address works: the person said no
    assert EmailBounce.objects.get().kind == "complaint"
    [event] = AuditEvent.objects.filter(kind="opt_out")
    assert (event.actor, event.data["channel"], event.data["source"]) == (
        "mail",
        "email",
        "provider",
    )


def test_an_unsigned_report_is_refused_and_nothing_is_stored(sent_statement):
    _outreach, email, message_id = sent_statement

    answer = post(report("dsn_hard_5_1_1.eml", message_id), signature="sha256=" + "0" * 64)

    assert answer.status_code == 403
    email.refresh_from_db()
    assert email.invalid_since is None
    assert not EmailBounce.objects.exists() and not WebhookEvent.objects.exists()


def test_the_mailbox_command_applies_each_report_once(sent_statement, tmp_path, capsys):
    _outreach, email, message_id = sent_statement
    box = mailbox.mbox(tmp_path / "bounces.mbox")
    for name in ("dsn_hard_5_1_1.eml", "dsn_delayed_4_2_2.eml"):
        box.add(report(name, message_id))
    box.add(b"From: ana@example.net\nTo: cobranza@recaudo.test\nSubject: hola\n\nYa pague.\n")
    box.flush()
    box.close()

    call_command("email", "bounces", str(tmp_path / "bounces.mbox"))
    call_command("email", "bounces", str(tmp_path / "bounces.mbox"))

    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "Informes aplicados: 2; ya aplicados antes: 0; mensajes que no son informes: 1",
        "Informes aplicados: 0; ya aplicados antes: 2; mensajes que no son informes: 1",
    ]
    assert sorted(EmailBounce.objects.values_list("kind", flat=True)) == ["hard", "soft"]
    email.refresh_from_db()
    assert email.invalid_since is not None


def test_the_mailbox_command_names_a_path_that_is_not_a_mailbox(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a Maildir"):
        call_command("email", "bounces", str(tmp_path))
