"""Bounces and complaints about the email we sent, read from the reports themselves.

An MTA that cannot deliver a message sends a Delivery Status Notification
(RFC 3464: ``multipart/report; report-type=delivery-status``, one
``message/delivery-status`` part with a block per recipient: ``Action``,
``Status`` as an RFC 3463 enhanced code, ``Final-Recipient``,
``Diagnostic-Code``), and a mailbox provider's feedback loop sends an Abuse
Reporting Format report when a recipient marks it as spam (RFC 5965:
``report-type=feedback-report``, ``Feedback-Type: abuse``). Both usually
carry the original message or its headers, whose ``Message-ID`` is the one
our email channel set (``<outreach-<id>-<attempt>@domain>``).

Pure: Python's ``email`` package parses the MIME; this reads the fields.
What a report does to the outbox and the contact point is
``delivery/bounces.py``.
"""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.parser import HeaderParser
from email.utils import parseaddr
from typing import Literal

ReportKind = Literal["hard", "soft", "complaint"]

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_DIAGNOSTIC_LIMIT = 300
# RFC 3463 subjects of a permanent failure that say the address itself is
# wrong: 1 addressing (unknown user 5.1.1, unknown domain 5.1.2, bad syntax
# 5.1.3, moved 5.1.6, null MX 5.1.10), 2 mailbox (disabled 5.2.1), 4 routing
# (no such host 5.4.4). The others (3 mail system, 5 protocol, 6 content,
# 7 security or policy: "blocked as spam", DMARC) refuse this message, not
# the address; 5.2.2 (mailbox full) and 5.2.3 (message too big) neither.
ADDRESS_STATUSES = re.compile(r"^5\.(1\.\d+|2\.1|4\.4)$")


@dataclass(frozen=True)
class MailReport:
    """One recipient's bounce, or one complaint, as a report states it."""

    kind: ReportKind
    recipient: str  # lower-cased address
    status: str = ""  # RFC 3463 code ("5.1.1"); "" for complaints
    action: str = ""  # DSN Action (failed, delayed) or ARF Feedback-Type (abuse)
    diagnostic: str = ""  # the remote server's words, shortened
    original_message_id: str = ""  # the Message-ID of the message reported on
    reporting_mta: str = ""

    @property
    def invalidates_address(self) -> bool:
        """A permanent failure that says the address does not exist or takes no mail."""
        return self.kind == "hard" and bool(ADDRESS_STATUSES.match(self.status))


def report_type(message: Message) -> str:
    """``delivery-status`` or ``feedback-report`` for a report; "" for other mail."""
    if message.get_content_type() != "multipart/report":
        return ""
    return str(message.get_param("report-type", "", header="content-type") or "").lower()


def read_reports(message: Message) -> list[MailReport]:
    """The bounces (one per failed or delayed recipient) or the complaint a report carries.

    Recipients delivered, relayed or expanded are not bounces and are left
    out; an empty list means the report says nothing we act on.
    """
    kind = report_type(message)
    if kind == "delivery-status":
        return _delivery_status(message)
    if kind == "feedback-report":
        return _feedback(message)
    return []


def _delivery_status(message: Message) -> list[MailReport]:
    blocks = _part_payload(message, "message/delivery-status")
    if not blocks:
        return []
    per_message, per_recipient = blocks[0], blocks[1:]
    original = _original_message_id(message)
    reporting = _after_type(str(per_message.get("Reporting-MTA") or ""))
    reports = []
    for block in per_recipient:
        action = str(block.get("Action") or "").strip().lower()
        status = _status(str(block.get("Status") or "")) or _status(
            str(block.get("Diagnostic-Code") or "")
        )
        if action not in ("failed", "delayed") or not status:
            continue
        recipient = _after_type(
            str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
        )
        if "@" not in recipient:
            continue
        hard = action == "failed" and status.startswith("5.")
        reports.append(
            MailReport(
                kind="hard" if hard else "soft",
                recipient=recipient.lower(),
                status=status,
                action=action,
                diagnostic=" ".join(str(block.get("Diagnostic-Code") or "").split())[
                    :_DIAGNOSTIC_LIMIT
                ],
                original_message_id=original,
                reporting_mta=reporting[:200],
            )
        )
    return reports


def _feedback(message: Message) -> list[MailReport]:
    blocks = _part_payload(message, "message/feedback-report")
    if not blocks:
        return []
    fields = blocks[0]
    feedback_type = str(fields.get("Feedback-Type") or "").strip().lower()
    # "abuse" (marked as spam) and "fraud" are complaints; "not-spam", "virus",
    # "auth-failure" and the like are not the recipient refusing our mail.
    if feedback_type not in ("abuse", "fraud"):
        return []
    original = _original_headers(message)
    recipient = parseaddr(str(fields.get("Original-Rcpt-To") or ""))[1]
    if not recipient and original is not None:
        recipient = parseaddr(str(original.get("To") or ""))[1]
    if "@" not in recipient:
        return []
    return [
        MailReport(
            kind="complaint",
            recipient=recipient.lower(),
            action=feedback_type,
            original_message_id=_original_message_id(message),
            reporting_mta=_after_type(str(fields.get("Reporting-MTA") or ""))[:200],
        )
    ]


def _part_payload(message: Message, content_type: str) -> list[Message]:
    """The header blocks Python parsed a ``message/...`` report part into."""
    for part in message.walk():
        if part.get_content_type() == content_type:
            payload = part.get_payload()
            if isinstance(payload, list):
                return [block for block in payload if isinstance(block, Message)]
            if isinstance(payload, str):  # an unusual layout: parse the text as header blocks
                parser = HeaderParser(policy=email.policy.default)
                return [parser.parsestr(text) for text in re.split(r"\r?\n\r?\n", payload) if text]
    return []


def _original_headers(message: Message) -> Message | None:
    """The reported message (``message/rfc822``) or its headers (``text/rfc822-headers``)."""
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
        if content_type == "text/rfc822-headers":
            text = part.get_content() if isinstance(part, EmailMessage) else part.get_payload()
            return HeaderParser(policy=email.policy.default).parsestr(str(text))
    return None


def _original_message_id(message: Message) -> str:
    original = _original_headers(message)
    if original is None:
        return ""
    return str(original.get("Message-ID") or "").strip()[:300]


def _after_type(value: str) -> str:
    """``rfc822; ana@example.com`` -> ``ana@example.com`` (RFC 3464 typed fields)."""
    _type, separator, rest = value.partition(";")
    return (rest if separator else value).strip().strip("<>").strip()


def _status(value: str) -> str:
    found = _STATUS.search(value)
    return ".".join(found.groups()) if found else ""
