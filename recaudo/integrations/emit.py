"""The sink that stores what the apps emit (``portfolio/outbound.py``), in their transaction.

One call writes the events, their per-debtor sequence numbers and one
pending delivery per active endpoint that wants the type. A creditor with no
endpoint at all (active or not) keeps no events: the apps' hot paths (the
dispatcher's batches) then pay one indexed lookup and nothing more.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from recaudo.integrations.models import Delivery, Endpoint, Event, EventStream
from recaudo.portfolio.models import Debtor
from recaudo.portfolio.outbound import OutboundEvent

STREAM_TABLE = EventStream._meta.db_table


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    return value


def store_events(batch: Sequence[OutboundEvent]) -> None:
    creditor_ids = {event.creditor_id for event in batch}
    endpoints: defaultdict[int, list[Endpoint]] = defaultdict(list)
    keeping: set[int] = set()
    for endpoint in Endpoint.objects.filter(creditor_id__in=sorted(creditor_ids)):
        keeping.add(endpoint.creditor_id)
        if endpoint.active:
            endpoints[endpoint.creditor_id].append(endpoint)
    kept = [event for event in batch if event.creditor_id in keeping]
    if not kept:
        return
    last = _take_sequences(Counter(event.debtor_id for event in kept))
    external_ids = dict(Debtor.objects.filter(pk__in=sorted(last)).values_list("pk", "external_id"))
    # Numbers are handed out in emit order within the batch, ending at the stream's last.
    counts = Counter(event.debtor_id for event in kept)
    next_number = {debtor: last[debtor] - counts[debtor] + 1 for debtor in counts}
    now = timezone.now()
    rows = []
    for event in kept:
        sequence = next_number[event.debtor_id]
        next_number[event.debtor_id] += 1
        rows.append(
            Event(
                type=event.type,
                creditor_id=event.creditor_id,
                debtor_id=event.debtor_id,
                debtor_external_id=external_ids.get(event.debtor_id, ""),
                sequence=sequence,
                payload=_jsonable(event.data),
                created_at=now,
            )
        )
    Event.objects.bulk_create(rows)
    deliveries = [
        Delivery(
            event_id=row.pk,
            endpoint=endpoint,
            debtor_id=row.debtor_id,
            sequence=row.sequence,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        for row in rows
        for endpoint in endpoints[row.creditor_id]
        if endpoint.wants(row.type)
    ]
    if deliveries:
        Delivery.objects.bulk_create(deliveries)


def _take_sequences(counts: Counter[int]) -> dict[int, int]:
    """Add ``counts`` to each debtor's stream (made on first use); their new last numbers.

    The upsert locks each debtor's stream row until the caller commits, in
    ascending debtor order so two batches never wait on each other in a cycle.
    """
    debtors = sorted(counts)
    values = ", ".join(["(%s, %s)"] * len(debtors))
    params: list[int] = []
    for debtor in debtors:
        params += [debtor, counts[debtor]]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {STREAM_TABLE} (debtor_id, last_sequence) VALUES {values} "
            "ON CONFLICT (debtor_id) DO UPDATE "
            f"SET last_sequence = {STREAM_TABLE}.last_sequence + excluded.last_sequence "
            "RETURNING debtor_id, last_sequence",
            params,
        )
        return {debtor: last for debtor, last in cursor.fetchall()}
