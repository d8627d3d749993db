"""Email over SMTP (smtplib); see docs/channels.md.

The SMTP conversation is driven step by step (MAIL, RCPT, DATA) so that a
failure is placed exactly: before the message content was sent it is safe to
retry; once the content may have reached the server, it is ``unknown``.
Email has no status webhooks here: bounces and complaints would come from an
ESP (see channels-api.md §4.2), so ``verify_signature`` always refuses and
``parse_webhook`` returns nothing.
"""

from __future__ import annotations

import email.policy
import logging
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any, ClassVar

from django.conf import settings

from recaudo.channels import EMAIL
from recaudo.delivery.channels.registry import channel_config
from recaudo.outreach.contract import (
    Event,
    OutboundMessage,
    ProviderResult,
    SignatureError,
    WebhookRequest,
)

logger = logging.getLogger(__name__)

OPERATOR_RETRY_AFTER_SECONDS = 3600.0
# RFC 5322 allows 998 characters a line. The default 78 makes Python fold long
# List-Unsubscribe URLs into RFC 2047 encoded words, which clients cannot use.
WIRE_POLICY = email.policy.SMTP.clone(max_line_length=998)
_LEADING_DOT = re.compile(rb"(?m)^\.")
_NOT_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]")


class EmailChannel:
    name: ClassVar[str] = EMAIL.name
    signature_header: ClassVar[str] = ""  # no status webhooks

    def __init__(
        self, settings_override: dict[str, Any] | None = None, transport: Any = None
    ) -> None:
        # ``transport`` is accepted for a uniform constructor; SMTP does not use httpx.
        self.config = channel_config(self.name, settings_override, ("host", "port", "from_address"))
        self.timeout = float(
            self.config.get("timeout_seconds") or settings.PROVIDER_TIMEOUT_SECONDS
        )

    def close(self) -> None:
        """Nothing to close: each send opens its own SMTP connection."""

    # -- the message ---------------------------------------------------------

    def message_id(self, message: OutboundMessage) -> str:
        domain = self.config.get("message_id_domain") or _domain(self.config["from_address"])
        if not message.idempotency_key:
            return make_msgid(domain=domain)
        return f"<{_NOT_ID_CHARACTERS.sub('-', message.idempotency_key)}@{domain}>"

    def build_message(self, message: OutboundMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.config["from_address"]
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = self.message_id(message)
        if self.config.get("reply_to"):
            mail["Reply-To"] = self.config["reply_to"]
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
        if message.unsubscribe_url:
            targets = [f"<{message.unsubscribe_url}>"]
            if self.config.get("unsubscribe_mailto"):
                targets.append(f"<mailto:{self.config['unsubscribe_mailto']}>")
            mail["List-Unsubscribe"] = ", ".join(targets)
            # RFC 8058 one-click: the client POSTs "List-Unsubscribe=One-Click"
            # to the https URL (it must be https in production).
            mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        mail.set_content(message.text)
        if message.html:
            mail.add_alternative(message.html, subtype="html")
        return mail

    # -- sending -------------------------------------------------------------

    def send(self, message: OutboundMessage) -> ProviderResult:
        mail = self.build_message(message)
        message_id = str(mail["Message-ID"])
        try:
            smtp = smtplib.SMTP(self.config["host"], int(self.config["port"]), timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, bad greeting
            return _failed("retry", "connect_error", exc)
        try:
            return self._deliver(smtp, mail, message_id)
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _deliver(self, smtp: smtplib.SMTP, mail: EmailMessage, message_id: str) -> ProviderResult:
        sender = parseaddr(self.config["from_address"])[1]
        recipient = str(mail["To"])
        try:
            smtp.ehlo_or_helo_if_needed()
            if self.config.get("use_tls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.config.get("username"):
                smtp.login(self.config["username"], self.config.get("password") or "")
            mail_reply = smtp.mail(sender)
            rcpt_reply = smtp.rcpt(recipient) if mail_reply[0] == 250 else None
        except smtplib.SMTPAuthenticationError as exc:
            logger.error("SMTP login refused, sends paused: %s", exc)
            return _failed("retry", f"smtp_{exc.smtp_code}", exc, OPERATOR_RETRY_AFTER_SECONDS)
        except (OSError, smtplib.SMTPException) as exc:  # nothing was handed over yet
            return _failed("retry", "smtp_error", exc)
        code, reply = mail_reply
        if code != 250:
            # The server refuses our sender: a configuration problem, not the debtor's.
            logger.error("SMTP refused sender %s: %s %s", sender, code, _text(reply))
            wait = OPERATOR_RETRY_AFTER_SECONDS if code >= 500 else None
            return _refused("retry", code, reply, retry_after=wait)
        code, reply = rcpt_reply or (0, b"")
        if code not in (250, 251):
            if code >= 500:
                invalid = str(code) in EMAIL.errors.invalid_address
                return _refused("permanent", code, reply, invalidates_contact_point=invalid)
            return _refused("retry", code, reply)
        try:
            code, reply = smtp.docmd("DATA")
        except (OSError, smtplib.SMTPException) as exc:
            return _failed("retry", "smtp_error", exc)
        if code != 354:
            return _refused("retry" if code < 500 else "permanent", code, reply)
        # From here the content may reach the server whatever happens next.
        content = _LEADING_DOT.sub(b"..", mail.as_bytes(policy=WIRE_POLICY))
        if not content.endswith(b"\r\n"):
            content += b"\r\n"
        try:
            smtp.send(content + b".\r\n")
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            return _failed("unknown", "smtp_after_data", exc)
        if code == 250:
            raw = {"smtp_code": code, "smtp_reply": _text(reply)}
            return ProviderResult(outcome="accepted", provider_message_id=message_id, raw=raw)
        # An explicit answer to the content: 4xx try later; 5xx rejected (spam,
        # size, policy) whatever the address, so it stays valid.
        return _refused("retry" if code < 500 else "permanent", code, reply)

    # -- webhooks ------------------------------------------------------------

    def verify_signature(self, request: WebhookRequest) -> None:
        raise SignatureError("email has no status webhooks")

    def webhook_id(self, request: WebhookRequest) -> str:
        return ""

    def parse_webhook(self, request: WebhookRequest) -> list[Event]:
        return []


def _refused(
    outcome: Any,
    code: int,
    reply: bytes,
    *,
    invalidates_contact_point: bool = False,
    retry_after: float | None = None,
) -> ProviderResult:
    return ProviderResult(
        outcome=outcome,
        error_code=str(code),
        error_message=_text(reply)[:500],
        retry_after=retry_after,
        invalidates_contact_point=invalidates_contact_point,
        raw={"smtp_code": code, "smtp_reply": _text(reply)},
    )


def _failed(
    outcome: Any, error_code: str, exc: Exception, retry_after: float | None = None
) -> ProviderResult:
    text = f"{type(exc).__name__}: {exc}"[:500]
    return ProviderResult(
        outcome=outcome, error_code=error_code, error_message=text, retry_after=retry_after
    )


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "recaudo"
