"""What a provider's status report does to an outbox row.

Status moves forward only: planned/sending/unknown -> sent -> delivered ->
read. A repeated or late report changes nothing; "read" before "delivered"
ends as read with ``delivered_at`` filled in too. A failure report counts only
while the provider has not said the message arrived. The caller
(delivery/provider_events.py) finds and locks the row; these write it.
"""

from __future__ import annotations

from datetime import datetime

from recaudo.outreach import outbound
from recaudo.outreach.models import Outreach

Status = Outreach.Status

# How far a message has gone; a status report only ever moves a row forward.
PROGRESS: dict[str, int] = {
    Status.PLANNED: 0,
    Status.SENDING: 0,
    Status.UNKNOWN: 0,
    Status.SENT: 1,
    Status.DELIVERED: 2,
    Status.READ: 3,
}
MILESTONES = (
    (Status.SENT, "sent_at"),
    (Status.DELIVERED, "delivered_at"),
    (Status.READ, "read_at"),
)
# A failure report counts only while the provider has not said it arrived.
FAILABLE = (Status.PLANNED, Status.SENDING, Status.UNKNOWN, Status.SENT)


def next_status(current: str, reported: str) -> str | None:
    """The status after a provider's report, or None when it changes nothing."""
    if current not in PROGRESS or reported not in PROGRESS:
        return None
    return reported if PROGRESS[reported] > PROGRESS[current] else None


def record_progress(
    outreach: Outreach, reported: str, *, when: datetime, provider_message_id: str = ""
) -> str | None:
    """Move the (locked) row forward to ``reported``; returns the new status, or None."""
    status = next_status(outreach.status, reported)
    if status is None:
        return None
    changed = ["status", "updated_at"]
    outreach.status = status
    # A later milestone implies the earlier ones (a "read" may come first).
    for milestone, field in MILESTONES:
        if getattr(outreach, field) is None:
            setattr(outreach, field, when)
            changed.append(field)
        if milestone == status:
            break
    changed += _reconcile(outreach, provider_message_id)
    outreach.save(update_fields=changed)
    if status in outbound.TYPES:
        outbound.contacts(status, [outbound.of(outreach)])
    return status


def record_failure_report(
    outreach: Outreach, *, code: str, reason: str, provider_message_id: str = ""
) -> bool:
    """Note the provider's failure on the (locked) row; False when it no longer counts.

    The caller then falls back to the next channel (``fallback.fall_back``).
    """
    if outreach.status not in FAILABLE:
        return False
    changed = ["last_error_code", "last_error", "updated_at"]
    changed += _reconcile(outreach, provider_message_id)
    outreach.last_error_code = code[:50]
    outreach.last_error = reason[:500]
    outreach.save(update_fields=changed)
    return True


def _reconcile(outreach: Outreach, provider_message_id: str) -> list[str]:
    """Record the provider's id on a row whose send outcome was never written."""
    if provider_message_id and not outreach.provider_message_id:
        outreach.provider_message_id = provider_message_id[:200]
        return ["provider_message_id"]
    return []
