"""Email over SMTP (smtplib); see docs/channels.md.

The SMTP conversation is driven step by step (MAIL, RCPT, DATA) so that a
failure is placed exactly: before the message content was sent it is safe to
retry; once the content may have reached the server, it is ``unknown``.
Email has no status webhooks here: bounces and complaints would come from an
ESP. What does come in is the debtors' mail: the inbound relay (an MTA's pipe,
an ESP's raw-MIME forwarding) posts each message as raw MIME to
``/webhooks/email``, signed with ``X-Recaudo-Signature: sha256=<hex
HMAC-SHA256 of the body>`` keyed by ``EMAIL_INBOUND_SECRET``. ``parse_webhook``
makes it an inbound event (sender, text without the quoted history, the
message it answers); its first image or PDF attachment is the receipt
``download_media`` reads back from the stored webhook (docs/webhooks.md).
"""

from __future__ import annotations

import email.policy
import hashlib
import hmac
import logging
import re
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid, parseaddr, parsedate_to_datetime
from typing import Any, ClassVar

from django.conf import settings

from recaudo.channels import EMAIL
from recaudo.delivery.channels.mail_reports import read_reports, report_type
from recaudo.delivery.channels.registry import MediaError, channel_config
from recaudo.outreach.contract import (
    Event,
    OutboundMessage,
    PayloadError,
    ProviderResult,
    SignatureError,
    WebhookRequest,
)
from recaudo.outreach.models import WebhookEvent

logger = logging.getLogger(__name__)

OPERATOR_RETRY_AFTER_SECONDS = 3600.0
# RFC 5322 allows 998 characters a line. The default 78 makes Python fold long
# List-Unsubscribe URLs into RFC 2047 encoded words, which clients cannot use.
WIRE_POLICY = email.policy.SMTP.clone(max_line_length=998)
_LEADING_DOT = re.compile(rb"(?m)^\.")
_NOT_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]")
# Where a reply's quoted history starts: "El lun, 1 dic 2026 a las 9:00, X escribió:".
_QUOTE_HEADER = re.compile(r"^\s*(El|On|Em)\b.{0,300}\b(escribió|wrote|escreveu):\s*$")
MAX_INBOUND_TEXT = 4000
# Attachments taken as a receipt (their first bytes are checked when kept).
RECEIPT_TYPES = ("image/", "application/pdf", "application/octet-stream")
PROVIDER = "mail"


class EmailChannel:
    name: ClassVar[str] = EMAIL.name
    signature_header: ClassVar[str] = "X-Recaudo-Signature"  # inbound mail only

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
        for attachment in message.attachments:  # the statement of account, as a PDF
            maintype, _slash, subtype = attachment.mime_type.partition("/")
            mail.add_attachment(
                attachment.content,
                maintype=maintype,
                subtype=subtype or "octet-stream",
                filename=attachment.filename,
            )
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
        secret = str(self.config.get("inbound_secret") or "")
        if not secret:
            raise SignatureError("inbound email is not configured (EMAIL_INBOUND_SECRET)")
        given = request.headers.get(self.signature_header, "")
        if not given:
            raise SignatureError("no X-Recaudo-Signature", missing=True)
        expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, given.strip()):
            raise SignatureError("inbound email: wrong signature")

    def webhook_id(self, request: WebhookRequest) -> str:
        """The message's Message-ID (a relay's retry is the same message), else its hash."""
        message_id = str(_mime(request.body).get("Message-ID") or "").strip()
        if message_id:
            return f"{PROVIDER}:{message_id}"[:300]
        return f"{PROVIDER}:sha256:" + hashlib.sha256(request.body).hexdigest()

    def parse_webhook(self, request: WebhookRequest) -> list[Event]:
        message = _mime(request.body)
        if report_type(message):
            return self.report_events(message, self.webhook_id(request))
        sender = parseaddr(str(message.get("From") or ""))[1].strip().lower()
        if "@" not in sender:
            raise PayloadError("inbound email has no sender address (From)")
        text = _reply_text(message)
        raw: dict[str, Any] = {"subject": str(message.get("Subject") or "")[:300]}
        key = self.webhook_id(request)
        for number, part in enumerate(message.iter_attachments()):
            content_type = part.get_content_type()
            if content_type.startswith(RECEIPT_TYPES):
                kind = "image" if content_type.startswith("image/") else "document"
                raw[kind] = {
                    "id": f"{key}#{number}",
                    "mime_type": content_type,
                    "filename": str(part.get_filename() or "")[:200],
                }
                break
        has_file = "image" in raw or "document" in raw
        return [
            Event(
                channel=self.name,
                kind="inbound" if text or has_file else "other",
                # The email it answers: of several debtors with this address, the one written to.
                provider_message_id=str(message.get("In-Reply-To") or "").strip()[:200],
                provider_event_id=key,
                occurred_at=_date(message),
                address=sender,
                text=text,
                raw=raw,
            )
        ]

    def report_events(self, message: Any, key: str) -> list[Event]:
        """A bounce (DSN) or complaint (ARF) report as ``bounce``/``complaint`` events.

        A report about nothing we act on (a success notice, a "not-spam"
        feedback) is one ``other`` event: kept, changes nothing.
        """
        events = []
        for report in read_reports(message):
            local = report.original_message_id.strip("<>").partition("@")[0]
            events.append(
                Event(
                    channel=self.name,
                    kind="complaint" if report.kind == "complaint" else "bounce",
                    provider_message_id=report.original_message_id,
                    provider_event_id=key,
                    reference=local,
                    occurred_at=_date(message),
                    address=report.recipient,
                    error_code=report.status,
                    error_message=report.diagnostic,
                    raw={
                        "report": {
                            "report_id": key,
                            "kind": report.kind,
                            "action": report.action,
                            "invalidates_address": report.invalidates_address,
                            "reporting_mta": report.reporting_mta,
                        }
                    },
                )
            )
        if events:
            return events
        kind = report_type(message)
        return [Event(channel=self.name, kind="other", provider_event_id=key, raw={"report": kind})]

    def download_media(self, reference: str, max_bytes: int) -> tuple[bytes, str]:
        """An attachment of a stored inbound email (``<webhook id>#<n>``): its bytes and type.

        The stored webhook is the mail itself, so nothing is fetched; the size
        is checked here, the type by its first bytes where it is kept.
        """
        key, _sep, number = reference.rpartition("#")
        stored = WebhookEvent.objects.filter(provider=PROVIDER, dedupe_key=key).first()
        if stored is None or not number.isdigit():
            raise MediaError(f"attachment {reference}: no such stored email")
        parts = list(_mime(stored.body.encode("utf-8", "surrogateescape")).iter_attachments())
        if int(number) >= len(parts):
            raise MediaError(f"attachment {reference}: not in the email")
        part = parts[int(number)]
        content = part.get_payload(decode=True)
        if not isinstance(content, bytes) or not content:
            raise MediaError(f"attachment {reference}: empty")
        if len(content) > max_bytes:
            raise MediaError(f"attachment {reference}: larger than {max_bytes} bytes")
        return content, part.get_content_type()


def _mime(body: bytes) -> Any:
    return BytesParser(policy=email.policy.default).parsebytes(body)


def _reply_text(message: Any) -> str:
    """The debtor's own words: the plain text (or the HTML's), without the quoted history."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = str(part.get_content())
    except (LookupError, ValueError):
        return ""
    if part.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", re.sub(r"(?i)<br\s*/?>|</p>", "\n", text))
    kept = []
    for line in text.splitlines():
        if _QUOTE_HEADER.match(line) or line.strip() == "-- ":
            break
        if not line.lstrip().startswith(">"):
            kept.append(line.rstrip())
    return "\n".join(kept).strip()[:MAX_INBOUND_TEXT]


def _date(message: Any) -> datetime | None:
    try:
        moment = parsedate_to_datetime(str(message.get("Date") or ""))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


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
