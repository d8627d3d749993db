"""The outbox's part of archiving and of erasing a debtor (docs/privacy.md).

Kept here because the outbox has one writer: the archive job and the erasure
(``recaudo.privacy``) call these functions rather than touching the rows.

- Archivable rows are finished ones only: sent, delivered, read, failed or
  cancelled, untouched since the cut-off. Planned, sending and unknown rows
  are never archived whatever their age (they are still someone's work).
- Erasing a debtor cancels every planned contact and blanks the texts a row
  may carry about the person (the notice's values, the provider's error);
  channel, status, times and amounts stay (the record of contact).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q

from recaudo.outreach.models import Outreach

Status = Outreach.Status

FINISHED: tuple[str, ...] = (
    Status.SENT,
    Status.DELIVERED,
    Status.READ,
    Status.FAILED,
    Status.CANCELLED,
)
ERASED_REASON = "debtor erased"


def finished_before(cutoff: datetime) -> Q:
    """The rows the archive job takes: finished, created, updated and due before ``cutoff``."""
    return Q(
        status__in=FINISHED, created_at__lt=cutoff, updated_at__lt=cutoff, window_end__lt=cutoff
    )


def archivable(cutoff: datetime, limit: int) -> list[Outreach]:
    """Up to ``limit`` finished rows untouched since ``cutoff``, locked (others skipped)."""
    rows = Outreach.objects.filter(finished_before(cutoff)).order_by("id")
    if connection.vendor == "postgresql":
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return list(rows.prefetch_related("debt_links")[:limit])


def count_archivable(cutoff: datetime) -> int:
    return Outreach.objects.filter(finished_before(cutoff)).count()


def archived_form(row: Outreach) -> dict[str, Any]:
    """Everything the row held, as JSON (its debts with their balance when planned)."""
    data: dict[str, Any] = {}
    for field in Outreach._meta.concrete_fields:
        value = getattr(row, field.attname)
        data[field.attname] = value.isoformat() if hasattr(value, "isoformat") else value
    data["amount_due"] = str(row.amount_due)
    data["debts"] = [
        {"debt_id": link.debt_id, "balance": str(link.balance)} for link in row.debt_links.all()
    ]
    return data


def delete_archived(ids: Iterable[int]) -> int:
    """Delete rows already copied to the archive, with their debt links.

    The ORM's delete follows every relation Django knows of: a conversation
    message that carried the row loses its link (SET NULL), a call task's
    assignment goes with it.
    """
    _deleted, by_model = Outreach.objects.filter(pk__in=list(ids)).delete()
    return by_model.get(Outreach._meta.label, 0)


def cancel_for_erasure(debtor_id: int) -> int:
    """Cancel every planned contact with the debtor; how many."""
    return (
        Outreach.objects.planned()
        .filter(debtor_id=debtor_id)
        .update(status=Status.CANCELLED, status_reason=ERASED_REASON)
    )


def scrub_for_erasure(debtor_id: int) -> int:
    """Blank the personal texts the debtor's rows carry; how many rows."""
    return Outreach.objects.filter(debtor_id=debtor_id).update(
        notice_context=None, last_error="", claimed_by="", sent_text="", sent_subject=""
    )
