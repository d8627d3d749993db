"""Bounce and complaint reports read from a mailbox (``recaudo email bounces``).

For an MTA that leaves the bounces to our envelope sender in a local mbox
file or Maildir instead of handing them to the signed ``/webhooks/email``
relay. Each report goes the same way as one posted there: stored as a
``WebhookEvent`` (provider ``mail``, keyed by its Message-ID, so a mailbox
read twice is applied once), then parsed and applied in one transaction.
Messages that are not reports (an auto-reply, a person's answer) are left
alone: this is not the inbound path for debtors' mail.
"""

from __future__ import annotations

import email.policy
import mailbox
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from functools import partial
from pathlib import Path
from typing import Any

from recaudo.channels import EMAIL
from recaudo.delivery import provider_events as events
from recaudo.delivery.channels.email import EmailChannel
from recaudo.delivery.channels.mail_reports import report_type
from recaudo.delivery.channels.registry import get_channel
from recaudo.outreach.contract import WebhookRequest

SOURCE_PATH = "recaudo email bounces"  # the stored webhook's ":path"
_HEADERS = BytesParser(policy=email.policy.default)


@dataclass
class MailboxResult:
    applied: int = 0  # reports stored and applied now
    repeated: int = 0  # reports applied before (the same Message-ID)
    not_reports: int = 0
    outcomes: list[str] = field(default_factory=list)


def messages_in(path: Path) -> Iterator[bytes]:
    """The raw messages of a Maildir (a folder with cur/ and new/) or an mbox file."""
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise ValueError(f"{path}: a folder that is not a Maildir (no cur/ or new/)")
        box: mailbox.Mailbox[Any] = mailbox.Maildir(path, factory=None, create=False)
    elif path.is_file():
        box = mailbox.mbox(path, factory=None, create=False)
    else:
        raise ValueError(f"{path}: no such file or folder")
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()


def take_reports(raw_messages: Iterator[bytes]) -> MailboxResult:
    channel = get_channel(EMAIL.name)
    assert isinstance(channel, EmailChannel)
    result = MailboxResult()
    for raw in raw_messages:
        if not report_type(_HEADERS.parsebytes(raw, headersonly=True)):
            result.not_reports += 1
            continue
        request = WebhookRequest(method="POST", path=SOURCE_PATH, body=raw)
        stored, _new = events.store_webhook(
            EMAIL.provider,
            dedupe_key=events.dedupe_key(EMAIL.provider, raw, event_id=channel.webhook_id(request)),
            headers={":path": SOURCE_PATH},
            body=raw.decode("utf-8", errors="replace"),
        )
        outcome = events.process_webhook(stored, partial(channel.parse_webhook, request))
        if outcome == events.DUPLICATE_OUTCOME:
            result.repeated += 1
        else:
            result.applied += 1
            result.outcomes.append(outcome)
    return result
