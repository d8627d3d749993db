"""How long the events out are kept, and what an erasure leaves of them (docs/integrations.md).

Both are steps of the privacy app's jobs (``privacy/hooks.py``), registered in
``apps.py``: the archive job removes delivered events older than
``EVENTS_RETENTION_DAYS`` (never one still owed to an endpoint), and erasing a
debtor blanks their events' payloads and the answers in their delivery log.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet

from recaudo.integrations.models import Delivery, Event

Status = Delivery.Status
# A delivery in one of these is still owed (a failed one waits for a replay): its event stays.
UNDELIVERED = (Status.PENDING, Status.SENDING, Status.FAILED)


def _expired(now: datetime) -> QuerySet[Event]:
    cutoff = now - timedelta(days=settings.EVENTS_RETENTION_DAYS)
    owed = Delivery.objects.filter(event_id=OuterRef("pk"), status__in=UNDELIVERED)
    return Event.objects.filter(created_at__lt=cutoff).filter(~Exists(owed))


def purge_delivered(now: datetime, batch_size: int, dry_run: bool) -> dict[str, int]:
    """Delete events past retention whose every delivery was delivered (or that had none),
    with their deliveries, a batch per transaction; {"event": how many}."""
    expired = _expired(now)
    if dry_run:
        return {"event": expired.count()}
    removed = 0
    while True:
        with transaction.atomic():
            ids = list(expired.order_by("id").values_list("id", flat=True)[:batch_size])
            if not ids:
                break
            # A replay may have just put one of them back on its way: locked and read again.
            deliveries = Delivery.objects.filter(event_id__in=ids)
            if connection.vendor == "postgresql":
                deliveries = deliveries.select_for_update()
            owed = {event for event, status in deliveries.values_list("event_id", "status")
                    if status in UNDELIVERED}  # fmt: skip
            gone = [event_id for event_id in ids if event_id not in owed]
            Delivery.objects.filter(event_id__in=gone).delete()
            Event.objects.filter(id__in=gone).delete()
        removed += len(gone)
        if not gone:
            break  # every one of them is on its way again
    return {"event": removed}


def erase_debtor_events(debtor_id: int, reference: str, now: datetime) -> dict[str, int]:
    """A debtor's events lose their payload and external id (the erased reference instead);
    their deliveries lose the endpoint's answers (an answer may echo the payload)."""
    events = Event.objects.filter(debtor_id=debtor_id)
    counts = {
        "events_blanked": events.update(payload={}, debtor_external_id=reference),
        "event_deliveries_blanked": Delivery.objects.filter(event__debtor_id=debtor_id).update(
            last_error=""
        ),
    }
    return counts
