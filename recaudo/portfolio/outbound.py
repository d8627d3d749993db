"""Events for the company's systems: what every app calls when a state change happens.

The apps that change state (portfolio, outreach, payments, conversations, staff)
sit below ``integrations``, which stores the events and delivers them as signed
webhooks, so they cannot import it. They call ``emit`` here instead, inside the
transaction of their state change; ``integrations`` registers the one sink that
writes the rows (``integrations/apps.py``), so an event commits or rolls back
with the change it reports (docs/integrations.md#emitting).

Without a registered sink (a process that never loaded ``integrations``), an
emit does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


class EventType:
    """The event types, as they appear in the ``type`` field of a webhook's body."""

    PAYMENT_RECORDED = "payment.recorded"
    PAYMENT_REVERSED = "payment.reversed"
    PROMISE_MADE = "promise.made"
    PROMISE_KEPT = "promise.kept"
    PROMISE_BROKEN = "promise.broken"
    PLAN_AGREED = "plan.agreed"
    PLAN_BROKEN = "plan.broken"
    PLAN_COMPLETED = "plan.completed"
    DISPUTE_OPENED = "dispute.opened"
    DISPUTE_RESOLVED = "dispute.resolved"
    OPTED_OUT = "contact.opted_out"
    CONSENT_CHANGED = "consent.changed"
    CONTACT_SENT = "contact.sent"
    CONTACT_DELIVERED = "contact.delivered"
    CONTACT_READ = "contact.read"
    CONTACT_FAILED = "contact.failed"
    REVIEW_DECIDED = "review.decided"

    ALL: tuple[str, ...] = (
        PAYMENT_RECORDED, PAYMENT_REVERSED, PROMISE_MADE, PROMISE_KEPT, PROMISE_BROKEN,
        PLAN_AGREED, PLAN_BROKEN, PLAN_COMPLETED, DISPUTE_OPENED, DISPUTE_RESOLVED,
        OPTED_OUT, CONSENT_CHANGED, CONTACT_SENT, CONTACT_DELIVERED, CONTACT_READ,
        CONTACT_FAILED, REVIEW_DECIDED,
    )  # fmt: skip


@dataclass(frozen=True)
class OutboundEvent:
    type: str
    creditor_id: int
    debtor_id: int
    data: dict[str, Any] = field(default_factory=dict)


Sink = Callable[[Sequence[OutboundEvent]], None]
_sinks: list[Sink] = []


def register_sink(sink: Sink) -> None:
    """Called once by ``integrations`` when Django starts; a second registration is ignored."""
    if sink not in _sinks:
        _sinks.append(sink)


def emit(type: str, *, creditor_id: int, debtor_id: int, data: dict[str, Any]) -> None:
    """Report one state change; call it inside the change's transaction."""
    emit_many([OutboundEvent(type, creditor_id, debtor_id, data)])


def emit_many(events: Iterable[OutboundEvent]) -> None:
    """Report many at once (the dispatcher's batches); one write for the lot."""
    batch = list(events)
    if not batch:
        return
    unknown = {event.type for event in batch} - set(EventType.ALL)
    if unknown:
        raise ValueError(f"unknown event type(s): {', '.join(sorted(unknown))}")
    for sink in _sinks:
        sink(batch)
