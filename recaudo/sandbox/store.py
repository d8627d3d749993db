"""Every message the sandbox saw, by address, in memory and bounded."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from recaudo.sandbox.rules import BoundedDict, normalize_address

# A status only moves forward: a late "sent" webhook after "delivered" (the
# out-of-order injection) does not move the phone's ticks back.
STATUS_RANK = {
    "accepted": 0,
    "queued": 0,
    "sent": 1,
    "delivered": 2,
    "undelivered": 3,
    "failed": 3,
    "read": 3,
    "received": 3,
}


@dataclass(slots=True)
class MessageRecord:
    id: str
    channel: str  # whatsapp | sms | rcs | email
    direction: str  # outbound | inbound
    address: str  # the debtor's phone (E.164) or email
    text: str
    status: str
    created_at: float = field(default_factory=time.time)
    template: dict[str, Any] | None = None
    reference: str = ""  # biz_opaque_callback_data, RBM messageId...
    error_code: str = ""
    subject: str = ""
    html: str = ""
    headers: dict[str, str] | None = None
    history: list[tuple[str, float]] = field(default_factory=list)
    sender: str = ""  # our number or sender id, where the provider records one
    # What the debtor can tap (WhatsApp buttons, list rows, template quick
    # replies): {"kind": button_reply | list_reply | quick_reply, "id", "title"}.
    choices: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "channel": self.channel,
            "direction": self.direction,
            "address": self.address,
            "text": self.text,
            "status": self.status,
            "created_at": self.created_at,
            "template": self.template,
            "reference": self.reference,
            "error_code": self.error_code,
            "subject": self.subject,
            "html": self.html,
            "headers": self.headers,
            "history": [{"status": status, "at": at} for status, at in self.history],
            "choices": list(self.choices),
        }


class MessageLog:
    """The last ``per_address`` messages of each address, at most ``max_messages`` in all."""

    def __init__(
        self, max_messages: int = 50_000, per_address: int = 200, max_addresses: int = 50_000
    ) -> None:
        self.per_address = per_address
        self.by_id: BoundedDict = BoundedDict(max_messages)
        self.by_address: BoundedDict = BoundedDict(max_addresses)

    def add(self, record: MessageRecord) -> MessageRecord:
        record.address = normalize_address(record.address)
        if not record.history:
            record.history.append((record.status, record.created_at))
        self.by_id[record.id] = record
        ids = self.by_address.get(record.address)
        if ids is None:
            ids = deque(maxlen=self.per_address)
        ids.append(record.id)
        self.by_address[record.address] = ids  # refreshes its place in the LRU
        return record

    def get(self, message_id: str) -> MessageRecord | None:
        return self.by_id.get(message_id)

    def set_status(
        self, message_id: str, status: str, error_code: str = "", at: float | None = None
    ) -> bool:
        """Move a message to ``status`` unless it is already further; True if it moved."""
        record = self.by_id.get(message_id)
        if record is None:
            return False
        if STATUS_RANK.get(status, 0) <= STATUS_RANK.get(record.status, 0):
            return False
        record.status = status
        if error_code:
            record.error_code = error_code
        record.history.append((status, time.time() if at is None else at))
        return True

    def all(self, channel: str) -> list[MessageRecord]:
        return [record for record in self.by_id.values() if record.channel == channel]

    def for_address(self, address: str, channel: str = "") -> list[MessageRecord]:
        ids = self.by_address.get(normalize_address(address), ())
        records = (self.by_id.get(message_id) for message_id in ids)
        return [
            record
            for record in records
            if record is not None and (not channel or record.channel == channel)
        ]

    def clear(self) -> None:
        self.by_id.clear()
        self.by_address.clear()

    def __len__(self) -> int:
        return len(self.by_id)
