"""Contact outcomes for the company's systems: sent, delivered, read, failed.

Emitted (``portfolio/outbound.py``) in the transaction that moves the row;
payload: docs/integrations.md#event-types.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from recaudo.outreach.models import Outreach
from recaudo.portfolio.outbound import EventType, OutboundEvent, emit_many

TYPES: dict[str, str] = {
    Outreach.Status.SENT: EventType.CONTACT_SENT,
    Outreach.Status.DELIVERED: EventType.CONTACT_DELIVERED,
    Outreach.Status.READ: EventType.CONTACT_READ,
    Outreach.Status.FAILED: EventType.CONTACT_FAILED,
}
FIELDS = ("pk", "creditor_id", "debtor_id", "channel", "action", "template_key", "last_error_code")


class Contact(NamedTuple):
    pk: int
    creditor_id: int
    debtor_id: int
    channel: str
    action: str
    template_key: str
    error_code: str = ""


def of(outreach: Outreach) -> Contact:
    return Contact(*(getattr(outreach, name) for name in FIELDS))


def load(pks: Iterable[int]) -> list[Contact]:
    return [Contact(*row) for row in Outreach.objects.filter(pk__in=list(pks)).values_list(*FIELDS)]


def contacts(status: str, rows: Iterable[Contact]) -> None:
    """Emit one event per row that reached ``status`` (sent, delivered, read, failed)."""
    emit_many(
        OutboundEvent(
            TYPES[status],
            row.creditor_id,
            row.debtor_id,
            {
                "contact": {
                    "id": row.pk,
                    "status": status,
                    "channel": row.channel,
                    "action": row.action,
                    "template": row.template_key,
                    **({"error_code": row.error_code} if status == Outreach.Status.FAILED else {}),
                }
            },
        )
        for row in rows
    )
