"""The whole sandbox in memory: the fakes, the message log, the webhook dispatcher."""

from __future__ import annotations

import email
import email.policy
import random
import secrets
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from recaudo.sandbox.config import Behaviour, Credentials
from recaudo.sandbox.rbm import RbmFake
from recaudo.sandbox.rules import TAP_KINDS, TemplateCatalog, normalize_address
from recaudo.sandbox.signing import mail_signature
from recaudo.sandbox.store import MessageLog, MessageRecord
from recaudo.sandbox.twilio import TwilioFake
from recaudo.sandbox.webhooks import Planned, Webhook, WebhookDispatcher
from recaudo.sandbox.whatsapp import WhatsAppFake

INBOUND_CHANNELS = ("whatsapp", "sms", "rcs", "email")
# Channels a debtor can send a photo or PDF on (an MMS, a WhatsApp document, an attachment).
MEDIA_CHANNELS = ("whatsapp", "sms", "email")


class InboundError(ValueError):
    pass


def content_of(part: Any) -> str:
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError):  # an unknown or lying charset
        return part.get_payload(decode=True).decode("utf-8", "replace")


class Sandbox:
    def __init__(
        self,
        credentials: Credentials | None = None,
        behaviour: Behaviour | None = None,
        seed: int | None = None,
        max_messages: int = 50_000,
    ) -> None:
        self.credentials = credentials or Credentials()
        self.behaviour = behaviour or Behaviour()
        self.seed = seed
        self.rng = random.Random(seed)
        self.log = MessageLog(max_messages=max_messages)
        self.catalog = TemplateCatalog()
        self.whatsapp = WhatsAppFake(
            self.credentials, self.behaviour, self.log, self.rng, self.catalog
        )
        self.twilio = TwilioFake(self.credentials, self.behaviour, self.log, self.rng)
        self.rbm = RbmFake(self.credentials, self.behaviour, self.log, self.rng)
        self.dispatcher = WebhookDispatcher(self.log, self.behaviour)

    def reset(self) -> None:
        """Forget messages, windows, rate buckets, opt-outs and RBM ids; keep templates."""
        self.log.clear()
        self.whatsapp.reset()
        self.twilio.reset()
        self.rbm.reset()
        self.rng.seed(self.seed)

    def configure(self, changes: dict[str, Any]) -> list[str]:
        errors = self.behaviour.update(changes)
        if not errors:
            self.whatsapp.configure()
        return errors

    def inbound(
        self,
        channel: str,
        phone: str,
        text: str,
        name: str = "",
        media: tuple[bytes, str] | None = None,
        origin: str = "",
        choice: tuple[str, str] | None = None,
    ) -> MessageRecord:
        """The debtor answers: record it and post the provider's inbound webhook.

        ``media`` (content, mime type): a photo or PDF, on WhatsApp, as an
        MMS (whose media URL is under ``origin``, the sandbox's own address)
        or attached to an email (``phone`` is then the debtor's address).
        ``choice`` (kind, id): the debtor taps what is titled ``text``: on
        WhatsApp a reply button (``button_reply``), a list row (``list_reply``)
        or a template's quick reply (``quick_reply``); on RCS a suggested reply
        (``rcs_reply``) or action (``rcs_action``) chip, ``id`` its postbackData.
        """
        if choice is not None and channel not in TAP_KINDS:
            raise InboundError("only whatsapp and rcs have buttons to tap")
        if choice is not None and choice[0] not in TAP_KINDS[channel]:
            raise InboundError(f"choice kind must be {' or '.join(TAP_KINDS[channel])}")
        if channel not in INBOUND_CHANNELS:
            raise InboundError(f"channel must be one of {', '.join(INBOUND_CHANNELS)}")
        if channel == "email":
            if "@" not in phone:
                raise InboundError("'from' must be an email address on email")
        elif not normalize_address(phone) or "@" in phone:
            raise InboundError("'from' must be a phone number")
        if media is not None and channel not in MEDIA_CHANNELS:
            raise InboundError("the sandbox sends photos and PDFs on whatsapp, sms (MMS) and email")
        if not text.strip() and media is None:
            raise InboundError("'text' must not be empty")
        if channel == "email":
            record, webhook = self._inbound_email(phone.strip(), text, name, media)
        elif channel == "whatsapp":
            record, webhook = self.whatsapp.inbound(phone, text, name, media=media, choice=choice)
        elif channel == "sms":
            record, webhook = self.twilio.inbound(phone, text, media=media, origin=origin)
        else:
            record, webhook = self.rbm.inbound(phone, text, time.time(), choice=choice)
        if self.behaviour.webhooks_enabled:
            self.dispatcher.submit([Planned(0.0, webhook)])
        return record

    def _inbound_email(
        self, sender: str, text: str, name: str, media: tuple[bytes, str] | None
    ) -> tuple[MessageRecord, Webhook]:
        """The debtor's email as the inbound relay posts it: raw MIME, signed."""
        message = EmailMessage()
        message["From"] = f"{name} <{sender}>" if name else sender
        message["To"] = self.credentials.email_inbound_address
        message["Subject"] = "Comprobante de pago" if media is not None else "Re: su cuenta"
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain="sandbox.example")
        message.set_content(text or " ")
        if media is not None:
            content, mime = media
            main, _slash, sub = mime.partition("/")
            extension = {"application/pdf": "pdf", "image/png": "png"}.get(mime, "jpg")
            message.add_attachment(
                content,
                maintype=main or "application",
                subtype=sub or "octet-stream",
                filename=f"comprobante.{extension}",
            )
        raw = message.as_bytes(policy=email.policy.SMTP)
        record = self.log.add(
            MessageRecord(
                id=str(message["Message-ID"]),
                channel="email",
                direction="inbound",
                address=sender,
                text=text,
                status="received",
                subject=str(message["Subject"]),
            )
        )
        webhook = Webhook(
            url=f"{self.behaviour.webhook_base_url}/webhooks/email",
            body=raw,
            headers={
                "Content-Type": "message/rfc822",
                "X-Recaudo-Signature": mail_signature(self.credentials.email_inbound_secret, raw),
            },
            label="email inbound",
        )
        return record, webhook

    def receive_email(self, sender: str, recipients: list[str], content: bytes) -> None:
        message = email.message_from_bytes(content, policy=email.policy.default)
        text_part = message.get_body(preferencelist=("plain",))
        html_part = message.get_body(preferencelist=("html",))
        headers = {name: str(value) for name, value in message.items()}
        message_id = str(message.get("Message-ID") or f"<{secrets.token_hex(12)}@sandbox>")
        for recipient in recipients:
            self.log.add(
                MessageRecord(
                    id=f"{message_id}|{recipient.lower()}",
                    channel="email",
                    direction="outbound",
                    address=recipient,
                    text=content_of(text_part),
                    status="delivered",
                    subject=str(message.get("Subject", "")),
                    html=content_of(html_part),
                    headers={**headers, "X-Envelope-From": sender},
                )
            )

    def summary(self) -> dict[str, Any]:
        stats = self.dispatcher.stats
        return {
            "ok": True,
            "messages": len(self.log),
            "templates": len(self.catalog.templates),
            "webhooks": {
                "pending": self.dispatcher.pending,
                "delivered": stats.delivered,
                "retried": stats.retried,
                "failed": stats.failed,
                "dropped": stats.dropped,
            },
        }


class SmtpHandler:
    """aiosmtpd handler: every message is stored, none is relayed."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.sandbox.receive_email(
            envelope.mail_from or "",
            list(envelope.rcpt_tos),
            envelope.original_content or envelope.content,
        )
        return "250 Message accepted for delivery"
