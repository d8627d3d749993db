"""The whole sandbox in memory: the fakes, the message log, the webhook dispatcher."""

from __future__ import annotations

import email
import email.policy
import random
import secrets
import time
from typing import Any

from recaudo.sandbox.config import Behaviour, Credentials
from recaudo.sandbox.rbm import RbmFake
from recaudo.sandbox.rules import TemplateCatalog, normalize_address
from recaudo.sandbox.store import MessageLog, MessageRecord
from recaudo.sandbox.twilio import TwilioFake
from recaudo.sandbox.webhooks import Planned, WebhookDispatcher
from recaudo.sandbox.whatsapp import WhatsAppFake

INBOUND_CHANNELS = ("whatsapp", "sms", "rcs")


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
    ) -> MessageRecord:
        """The debtor answers: record it and post the provider's inbound webhook.

        ``media`` (content, mime type): a photo or PDF, on WhatsApp or as an
        MMS (whose media URL is under ``origin``, the sandbox's own address).
        """
        if channel not in INBOUND_CHANNELS:
            raise InboundError(f"channel must be one of {', '.join(INBOUND_CHANNELS)}")
        if not normalize_address(phone) or "@" in phone:
            raise InboundError("'from' must be a phone number")
        if media is not None and channel not in ("whatsapp", "sms"):
            raise InboundError("the sandbox sends photos and PDFs on whatsapp and sms (MMS)")
        if not text.strip() and media is None:
            raise InboundError("'text' must not be empty")
        if channel == "whatsapp":
            record, webhook = self.whatsapp.inbound(phone, text, name, media=media)
        elif channel == "sms":
            record, webhook = self.twilio.inbound(phone, text, media=media, origin=origin)
        else:
            record, webhook = self.rbm.inbound(phone, text, time.time())
        if self.behaviour.webhooks_enabled:
            self.dispatcher.submit([Planned(0.0, webhook)])
        return record

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
