from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.test import RequestFactory

from recaudo.delivery.channels.email import EmailChannel
from recaudo.outreach.contract import OutboundMessage, PayloadError, SignatureError

UNKNOWN_USER = "nadie@example.com"
FULL_MAILBOX = "lleno@example.com"
DROPPED_AT_RCPT = "corta@example.com"


class CapturingHandler:
    """An SMTP server that keeps what it accepts and refuses a few addresses."""

    def __init__(self) -> None:
        self.messages: list = []
        self.data_reply = "250 2.0.0 Ok: queued"
        self.drop_after_data = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == UNKNOWN_USER:
            return "550 5.1.1 user unknown"
        if address == FULL_MAILBOX:
            return "452 4.2.2 mailbox full"
        if address == DROPPED_AT_RCPT:
            server.transport.close()
            return "250 OK"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop_after_data:
            server.transport.close()
            return "250 OK"
        if self.data_reply.startswith("250"):
            self.messages.append(envelope)
        return self.data_reply


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def authenticate(server, session, envelope, mechanism, auth_data):
    valid = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
    # handled=False: aiosmtpd answers "535" itself for a failure.
    return AuthResult(success=valid and auth_data.login == b"recaudo", handled=False)


@pytest.fixture
def smtp_server():
    handler = CapturingHandler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    yield controller, handler
    controller.stop()


def email_channel(controller, **config) -> EmailChannel:
    settings = {
        "host": "127.0.0.1",
        "port": controller.port,
        "username": "",
        "password": "",
        "use_tls": False,
        "from_address": "Recaudo <cobranza@recaudo.example>",
        "unsubscribe_mailto": "baja@recaudo.example",
        "timeout_seconds": 5,
        **config,
    }
    return EmailChannel(settings)


def reminder(**changes: object) -> OutboundMessage:
    fields: dict = {
        "outreach_id": 12,
        "channel": "email",
        "to": "ana@example.com",
        "subject": "Recordatorio: tu pago vence el 15 de agosto",
        "text": "Hola Ana, tu saldo es $1,250.00 MXN.\n.\nPaga aquí: https://pay.example/abc",
        "html": "<p>Hola Ana, tu saldo es <b>$1,250.00 MXN</b>.</p>",
        "idempotency_key": "outreach-12-1",
        "unsubscribe_url": "https://recaudo.example/u/tok123",
    }
    fields.update(changes)
    return OutboundMessage(**fields)


def received(handler) -> EmailMessage:
    [envelope] = handler.messages
    return message_from_bytes(envelope.content, policy=policy.default)


def test_it_sends_text_and_html_with_one_click_unsubscribe_headers(smtp_server):
    controller, handler = smtp_server

    result = email_channel(controller).send(reminder())

    assert result.outcome == "accepted"
    assert result.provider_message_id == "<outreach-12-1@recaudo.example>"
    [envelope] = handler.messages
    assert envelope.mail_from == "cobranza@recaudo.example"
    assert envelope.rcpt_tos == ["ana@example.com"]
    mail = received(handler)
    assert mail["From"] == "Recaudo <cobranza@recaudo.example>"
    assert mail["To"] == "ana@example.com"
    assert mail["Subject"] == "Recordatorio: tu pago vence el 15 de agosto"
    assert mail["Message-ID"] == "<outreach-12-1@recaudo.example>"
    assert mail["List-Unsubscribe"] == (
        "<https://recaudo.example/u/tok123>, <mailto:baja@recaudo.example>"
    )
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Date"]
    assert mail.get_content_type() == "multipart/alternative"
    text, html = mail.iter_parts()
    assert text.get_content_type() == "text/plain"
    # The lone "." line survived SMTP's dot-stuffing.
    assert text.get_content().replace("\r\n", "\n") == (
        "Hola Ana, tu saldo es $1,250.00 MXN.\n.\nPaga aquí: https://pay.example/abc\n"
    )
    assert html.get_content_type() == "text/html"
    assert (
        html.get_content().replace("\r\n", "\n")
        == "<p>Hola Ana, tu saldo es <b>$1,250.00 MXN</b>.</p>\n"
    )


def test_it_keeps_a_long_unsubscribe_url_literal_on_one_line(smtp_server):
    controller, handler = smtp_server
    url = "https://recaudo.example/u/" + "a1b2c3d4" * 15

    email_channel(controller).send(reminder(unsubscribe_url=url))

    assert f"List-Unsubscribe: <{url}>, <mailto:baja@recaudo.example>\r\n".encode() in (
        handler.messages[0].original_content
    )


def test_it_sends_plain_text_only_and_no_unsubscribe_headers_when_not_given(smtp_server):
    controller, handler = smtp_server

    email_channel(controller).send(reminder(html=None, unsubscribe_url=""))

    mail = received(handler)
    assert mail.get_content_type() == "text/plain"
    assert mail["List-Unsubscribe"] is None
    assert mail["List-Unsubscribe-Post"] is None


def test_it_invents_a_message_id_for_a_message_without_a_key(smtp_server):
    controller, handler = smtp_server

    result = email_channel(controller).send(reminder(idempotency_key=""))

    assert result.provider_message_id.endswith("@recaudo.example>")
    assert received(handler)["Message-ID"] == result.provider_message_id


def test_it_logs_in_when_credentials_are_configured(smtp_server):
    controller, handler = smtp_server
    channel = email_channel(controller, username="recaudo", password="s3cret")

    assert channel.send(reminder()).outcome == "accepted"
    assert len(handler.messages) == 1


def test_it_waits_long_when_the_login_is_refused(smtp_server):
    controller, handler = smtp_server
    channel = email_channel(controller, username="recaudo", password="wrong")

    result = channel.send(reminder())

    assert (result.outcome, result.error_code, result.retry_after) == ("retry", "smtp_535", 3600.0)
    assert handler.messages == []


def test_a_recipient_the_server_does_not_know_is_permanent_and_invalid(smtp_server):
    controller, handler = smtp_server

    result = email_channel(controller).send(reminder(to=UNKNOWN_USER))

    assert result.outcome == "permanent"
    assert result.invalidates_contact_point is True
    assert (result.error_code, result.error_message) == ("550", "5.1.1 user unknown")
    assert handler.messages == []


def test_a_temporary_recipient_refusal_is_retried(smtp_server):
    controller, handler = smtp_server

    result = email_channel(controller).send(reminder(to=FULL_MAILBOX))

    assert (result.outcome, result.error_code) == ("retry", "452")
    assert result.invalidates_contact_point is False
    assert handler.messages == []


def test_content_rejected_after_data_is_permanent_but_keeps_the_address(smtp_server):
    controller, handler = smtp_server
    handler.data_reply = "554 5.7.1 message rejected as spam"

    result = email_channel(controller).send(reminder())

    assert (result.outcome, result.error_code) == ("permanent", "554")
    assert result.invalidates_contact_point is False


def test_a_connection_lost_before_data_is_retried(smtp_server):
    controller, _ = smtp_server

    result = email_channel(controller).send(reminder(to=DROPPED_AT_RCPT))

    assert result.outcome == "retry"


def test_a_connection_lost_after_the_content_was_sent_is_unknown(smtp_server):
    controller, handler = smtp_server
    handler.drop_after_data = True

    result = email_channel(controller).send(reminder())

    assert (result.outcome, result.error_code) == ("unknown", "smtp_after_data")


def test_a_refused_connection_is_retried():
    channel = EmailChannel(
        {"host": "127.0.0.1", "port": free_port(), "from_address": "cobranza@recaudo.example"}
    )

    result = channel.send(reminder())

    assert (result.outcome, result.error_code) == ("retry", "connect_error")


def test_inbound_email_is_refused_without_a_secret_and_unreadable_without_a_sender():
    config = {"host": "127.0.0.1", "port": 25, "from_address": "a@b.example"}
    channel = EmailChannel(config)
    unconfigured = EmailChannel({**config, "inbound_secret": ""})
    request = RequestFactory().post("/webhooks/email", data="{}", content_type="application/json")

    with pytest.raises(SignatureError, match="not configured"):
        unconfigured.verify_signature(request)
    with pytest.raises(SignatureError, match="no X-Recaudo-Signature"):
        channel.verify_signature(request)
    with pytest.raises(PayloadError, match="no sender address"):
        channel.parse_webhook(request)
