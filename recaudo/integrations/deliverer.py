"""The deliverer: claims each debtor's next events per endpoint, POSTs them signed, records.

Ordering per debtor and endpoint comes from the claim: a delivery is claimed
only when no earlier one of the same debtor for the same endpoint is still
pending or on its way (its *head*). Holding a head owns the debtor's queue
for that endpoint: the worker also takes the next ``WEBHOOKS_OUT_CHAIN``
pending ones behind it and sends them one after the other, stopping at the
first failure (the rest go back untried). At least once: a worker that dies
leaves its claims ``sending`` until their lease expires; they are then
pending again and sent again (a receiver deduplicates by ``Recaudo-Event-Id``).
docs/integrations.md#delivery.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from recaudo.delivery.channels.transport import PooledHTTP
from recaudo.integrations import notices, rules
from recaudo.integrations.models import Delivery, Endpoint, Event

logger = logging.getLogger(__name__)

TABLE = Delivery._meta.db_table
ENDPOINTS = Endpoint._meta.db_table
Status = Delivery.Status


@dataclass
class Claimed:
    pk: int
    endpoint_id: int
    debtor_id: int
    sequence: int
    event_id: int


@dataclass
class Outcome:
    pk: int
    endpoint_id: int
    tried: bool
    delivered: bool = False
    status_code: int | None = None
    error: str = ""


_client: PooledHTTP | None = None
_pool: ThreadPoolExecutor | None = None
_setup = threading.Lock()


def _http() -> tuple[PooledHTTP, ThreadPoolExecutor]:
    global _client, _pool
    with _setup:
        if _client is None or _pool is None:
            _client = PooledHTTP(
                timeout=settings.WEBHOOKS_OUT_TIMEOUT, user_agent="Recaudo-Webhooks/1"
            )
            _pool = ThreadPoolExecutor(settings.WEBHOOKS_OUT_THREADS, "webhooks-out")
        return _client, _pool


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}/events"


# --- claims -------------------------------------------------------------------------


def expire_leases(now: datetime) -> int:
    """Claims whose worker died go back to the queue (sent again: at least once)."""
    return Delivery.objects.filter(status=Status.SENDING, lease_until__lt=now).update(
        status=Status.PENDING, claimed_by="", lease_until=None, updated_at=now
    )


def claim(worker: str, *, now: datetime, limit: int, chain: int) -> list[list[Claimed]]:
    """Up to ``limit`` debtors' heads with up to ``chain`` events each, in order; committed."""
    lease_until = now + timedelta(seconds=settings.WEBHOOKS_OUT_LEASE_SECONDS)
    skip_locked = " FOR UPDATE OF d SKIP LOCKED" if connection.vendor == "postgresql" else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET status = %s, lease_until = %s, claimed_by = %s, updated_at = %s "
            f"WHERE id IN (SELECT d.id FROM {TABLE} d JOIN {ENDPOINTS} e ON e.id = d.endpoint_id "
            "WHERE d.status = %s AND d.next_attempt_at <= %s AND e.active "
            f"AND NOT EXISTS (SELECT 1 FROM {TABLE} p WHERE p.endpoint_id = d.endpoint_id "
            "AND p.debtor_id = d.debtor_id AND p.sequence < d.sequence "
            "AND p.status IN (%s, %s)) "
            f"ORDER BY d.next_attempt_at, d.id LIMIT %s{skip_locked}) "
            "RETURNING id, endpoint_id, debtor_id, sequence, event_id",
            [
                Status.SENDING, lease_until, worker, now,
                Status.PENDING, now, Status.PENDING, Status.SENDING, limit,
            ],
        )  # fmt: skip
        heads = [Claimed(*row) for row in cursor.fetchall()]
        if not heads:
            return []
        chains = {(head.endpoint_id, head.debtor_id): [head] for head in heads}
        if chain > 1:
            # Behind a head nobody else can claim (its head is not delivered): ours to take.
            followers = _followers(cursor, heads, now, chain - 1)
            taken = []
            for row in followers:
                queue = chains[(row.endpoint_id, row.debtor_id)]
                if row.sequence > queue[-1].sequence and len(queue) < chain:
                    queue.append(row)
                    taken.append(row.pk)
            if taken:
                Delivery.objects.filter(pk__in=taken, status=Status.PENDING).update(
                    status=Status.SENDING, lease_until=lease_until, claimed_by=worker,
                    updated_at=now,
                )  # fmt: skip
        return list(chains.values())


def _followers(cursor: Any, heads: list[Claimed], now: datetime, per_head: int) -> list[Claimed]:
    debtors = sorted({head.debtor_id for head in heads})
    marks = ", ".join(["%s"] * len(debtors))
    cursor.execute(
        "SELECT id, endpoint_id, debtor_id, sequence, event_id FROM ("
        "SELECT id, endpoint_id, debtor_id, sequence, event_id, next_attempt_at, "
        "row_number() OVER (PARTITION BY endpoint_id, debtor_id ORDER BY sequence) AS place "
        f"FROM {TABLE} WHERE status = %s AND debtor_id IN ({marks})) q "
        "WHERE place <= %s AND next_attempt_at <= %s ORDER BY endpoint_id, debtor_id, sequence",
        [Status.PENDING, *debtors, per_head, now],
    )
    return [Claimed(*row) for row in cursor.fetchall()]


# --- sending ------------------------------------------------------------------------


def envelope(event: dict[str, Any]) -> bytes:
    """The body of a webhook: the same bytes on every attempt (they are what is signed)."""
    return json.dumps(
        {
            "id": str(event["uuid"]),
            "type": event["type"],
            "created_at": event["created_at"].isoformat().replace("+00:00", "Z"),
            "debtor": {"external_id": event["debtor_external_id"]},
            "sequence": event["sequence"],
            "data": event["payload"],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def post(client: PooledHTTP, endpoint: Endpoint, event: dict[str, Any], body: bytes) -> Outcome:
    headers = {
        "Content-Type": "application/json",
        rules.SIGNATURE_HEADER: rules.signature(endpoint.secret, int(time.time()), body),
        rules.EVENT_ID_HEADER: str(event["uuid"]),
        rules.EVENT_TYPE_HEADER: event["type"],
    }
    try:
        answer = client.request("POST", endpoint.url, content=body, headers=headers)
    except httpx.HTTPError as error:
        return Outcome(0, endpoint.pk, tried=True, error=f"{type(error).__name__}: {error}"[:500])
    if 200 <= answer.status_code < 300:
        return Outcome(0, endpoint.pk, tried=True, delivered=True, status_code=answer.status_code)
    return Outcome(
        0, endpoint.pk, tried=True, status_code=answer.status_code,
        error=f"HTTP {answer.status_code}: {answer.text[:200]}",
    )  # fmt: skip


def _send_chain(
    queue: list[Claimed],
    endpoints: dict[int, Endpoint],
    events: dict[int, dict[str, Any]],
    bodies: dict[int, bytes],
    client: PooledHTTP,
) -> list[Outcome]:
    outcomes = []
    failed = False
    for item in queue:
        if failed:
            outcomes.append(Outcome(item.pk, item.endpoint_id, tried=False))
            continue
        outcome = post(
            client, endpoints[item.endpoint_id], events[item.event_id], bodies[item.event_id]
        )
        outcome.pk = item.pk
        outcomes.append(outcome)
        failed = not outcome.delivered
    return outcomes


def deliver_batch(
    worker: str, *, now: datetime | None = None, clock: Callable[[], datetime] = timezone.now
) -> dict[str, int]:
    """One batch: expire leases, claim, send, record. Returns counts by outcome."""
    now = now or clock()
    expire_leases(now)
    chains = claim(
        worker, now=now, limit=settings.WEBHOOKS_OUT_BATCH_SIZE, chain=settings.WEBHOOKS_OUT_CHAIN
    )
    if not chains:
        return {}
    event_ids = [item.event_id for queue in chains for item in queue]
    events: dict[int, dict[str, Any]] = {
        row["pk"]: dict(row)
        for row in Event.objects.filter(pk__in=event_ids).values(
            "pk", "uuid", "type", "created_at", "debtor_external_id", "sequence", "payload"
        )
    }
    endpoints = Endpoint.objects.in_bulk({queue[0].endpoint_id for queue in chains})
    bodies = {pk: envelope(event) for pk, event in events.items()}
    client, pool = _http()
    futures = [
        pool.submit(_send_chain, queue, endpoints, events, bodies, client) for queue in chains
    ]
    outcomes = [outcome for future in futures for outcome in future.result()]
    return record(worker, outcomes, now=now)


# --- outcomes -----------------------------------------------------------------------


def record(worker: str, outcomes: list[Outcome], *, now: datetime) -> dict[str, int]:
    """Write every outcome of a batch in one transaction; conditional on our claim."""
    ours = Delivery.objects.filter(status=Status.SENDING, claimed_by=worker)
    counts: dict[str, int] = defaultdict(int)
    by_code: defaultdict[int | None, list[int]] = defaultdict(list)
    per_endpoint: defaultdict[int, list[Outcome]] = defaultdict(list)
    with transaction.atomic():
        for outcome in outcomes:
            if outcome.tried:
                per_endpoint[outcome.endpoint_id].append(outcome)
            if outcome.delivered:
                by_code[outcome.status_code].append(outcome.pk)
        for code, pks in by_code.items():
            counts["delivered"] += ours.filter(pk__in=pks).update(
                status=Status.DELIVERED, delivered_at=now, last_status_code=code, last_error="",
                attempts=F("attempts") + 1, lease_until=None, claimed_by="", updated_at=now,
            )  # fmt: skip
        untried = [outcome.pk for outcome in outcomes if not outcome.tried]
        if untried:
            counts["untried"] += ours.filter(pk__in=untried).update(
                status=Status.PENDING, lease_until=None, claimed_by="", updated_at=now
            )
        failures = [o for o in outcomes if o.tried and not o.delivered]
        attempts = dict(ours.filter(pk__in=[o.pk for o in failures]).values_list("pk", "attempts"))
        for outcome in failures:
            if outcome.pk not in attempts:
                continue  # the lease was lost: another worker has it now
            tries = attempts[outcome.pk] + 1
            given_up = tries >= settings.WEBHOOKS_OUT_MAX_ATTEMPTS
            wait = rules.backoff(
                tries,
                base=settings.WEBHOOKS_OUT_RETRY_BASE_SECONDS,
                cap=settings.WEBHOOKS_OUT_RETRY_CAP_SECONDS,
            )
            ours.filter(pk=outcome.pk).update(
                status=Status.FAILED if given_up else Status.PENDING,
                attempts=tries, next_attempt_at=now + timedelta(seconds=wait),
                last_status_code=outcome.status_code, last_error=outcome.error,
                lease_until=None, claimed_by="", updated_at=now,
            )  # fmt: skip
            counts["failed" if given_up else "retry"] += 1
        # Ascending ids: two workers locking the same endpoints never wait in a cycle.
        for endpoint_id in sorted(per_endpoint):
            _track_endpoint(endpoint_id, per_endpoint[endpoint_id], now)
    return dict(counts)


def _track_endpoint(endpoint_id: int, tried: list[Outcome], now: datetime) -> None:
    """Failures in a row (a success resets them); disable after too many for too long."""
    failures = sum(1 for outcome in tried if not outcome.delivered)
    if failures < len(tried):
        # The usual case writes (and locks) the row only when there is a count to clear.
        Endpoint.objects.filter(pk=endpoint_id).filter(
            Q(failure_count__gt=0) | Q(failing_since__isnull=False)
        ).update(failure_count=0, failing_since=None)
        return
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
    endpoint.failure_count += failures
    endpoint.failing_since = endpoint.failing_since or now
    changed = ["failure_count", "failing_since"]
    if endpoint.active and rules.should_disable(
        endpoint.failure_count,
        endpoint.failing_since,
        now,
        max_failures=settings.WEBHOOKS_OUT_DISABLE_AFTER_FAILURES,
        over=timedelta(hours=settings.WEBHOOKS_OUT_DISABLE_AFTER_HOURS),
    ):
        last_error = tried[-1].error
        endpoint.active = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = (
            f"{endpoint.failure_count} failures in a row since "
            f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC; last: {last_error}"
        )[:300]
        changed += ["active", "disabled_at", "disabled_reason"]
        transaction.on_commit(lambda: notices.endpoint_disabled(endpoint_id))
    endpoint.save(update_fields=changed)


# --- loops --------------------------------------------------------------------------


def run(
    worker: str,
    *,
    stop: threading.Event,
    until_idle: bool = False,
    once: bool = False,
    idle_sleep: float = 1.0,
    clock: Callable[[], datetime] = timezone.now,
) -> dict[str, int]:
    """Deliver until stopped (``recaudo events deliver``)."""
    totals: dict[str, int] = defaultdict(int)
    while not stop.is_set():
        counts = deliver_batch(worker, clock=clock)
        for key, value in counts.items():
            totals[key] += value
        if once or (until_idle and not counts):
            break
        if not counts:
            stop.wait(idle_sleep)
    return dict(totals)


def deliver_for_a_while(now: datetime, *, seconds: float = 2.0) -> dict[str, int]:
    """The worker's turn between its dispatch batches: deliver until idle or ``seconds``."""
    offset = now - timezone.now()
    started = time.monotonic()
    totals: dict[str, int] = defaultdict(int)
    while time.monotonic() - started < seconds:
        counts = deliver_batch(worker_name(), clock=lambda: timezone.now() + offset)
        if not counts:
            break
        for key, value in counts.items():
            totals[key] += value
    return dict(totals)
