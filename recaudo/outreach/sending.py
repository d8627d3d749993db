"""The outbox's side of sending: claims, leases, the send-started mark and outcomes.

The dispatcher (delivery/dispatcher.py) decides and talks to providers; every
change it makes to an ``Outreach`` row is one of these functions, so the outbox
stays the only writer of its rows. Each write over a claimed row is
conditional on the row still being ``sending`` under the same worker's claim:
a batch does not lock its rows, so a status webhook (or an expired lease) may
have moved a row on meanwhile, and then the write changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from recaudo.outreach import outbound
from recaudo.outreach.models import Outreach

Status = Outreach.Status
TABLE = Outreach._meta.db_table


def expire_leases(now: datetime) -> int:
    """Rows of a worker that died: back to the queue if never sent, else ``unknown``.

    ``unknown`` rows are never resent blindly; status webhooks settle them.
    """
    expired = Outreach.objects.filter(status=Status.SENDING, lease_until__lt=now)
    # Never handed to the provider: safe to send again.
    returned = expired.filter(send_started_at__isnull=True).update(
        status=Status.PLANNED,
        status_reason="returned to the queue: its worker stopped before sending",
        lease_until=None,
        claimed_by="",
        updated_at=now,
    )
    unknown = expired.update(
        status=Status.UNKNOWN,
        status_reason="lease expired during sending",
        lease_until=None,
        updated_at=now,
    )
    return returned + unknown


def claim_due(worker: str, *, now: datetime, lease_until: datetime, limit: int) -> list[int]:
    """Mark up to ``limit`` due rows ``sending`` under ``worker``'s lease (committed)."""
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET status = %s, lease_until = %s, "
            "claimed_by = %s, attempts = attempts + 1, send_started_at = NULL, "
            "updated_at = %s "
            f"WHERE id IN (SELECT id FROM {TABLE} WHERE status = %s "
            "AND action <> %s AND window_start <= %s "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= %s) "
            f"ORDER BY window_start, id LIMIT %s{skip_locked}) RETURNING id",
            [
                Status.SENDING, lease_until, worker, now,
                Status.PLANNED, Outreach.Action.CALL_TASK, now, now, limit,
            ],
        )  # fmt: skip
        return sorted(row[0] for row in cursor.fetchall())


def record_sent(
    accepted: Sequence[tuple[int, str, Decimal | None]], *, now: datetime, worker: str
) -> set[int]:
    """Mark accepted sends (id, provider id, amount due) ``sent`` in one statement.

    Returns the ids written; the others had been moved on by a status webhook
    (see ``complete_sent``).
    """
    if not accepted:
        return set()
    params: list[Any]
    if connection.vendor == "postgresql":
        # Three arrays, not 3 x 500 placeholders: nothing for psycopg to parse.
        values = "SELECT * FROM unnest(%s::bigint[], %s::text[], %s::numeric[])"
        params = [
            [pk for pk, _, _ in accepted],
            [provider_id[:200] for _, provider_id, _ in accepted],
            [amount for _, _, amount in accepted],
        ]
    else:
        values = "VALUES " + ", ".join(["(%s, %s, %s)"] * len(accepted))
        params = []
        for pk, provider_id, amount in accepted:
            params += [pk, provider_id[:200], str(amount)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"WITH v (id, provider_id, amount) AS ({values}) "
            f"UPDATE {TABLE} SET status = %s, "
            "provider_message_id = v.provider_id, "
            "amount_due = v.amount, sent_at = %s, status_reason = '', "
            "last_error_code = '', last_error = '', lease_until = NULL, updated_at = %s "
            f"FROM v WHERE {TABLE}.id = v.id "
            f"AND {TABLE}.status = %s AND {TABLE}.claimed_by = %s "
            f"RETURNING {TABLE}.id, {TABLE}.creditor_id, {TABLE}.debtor_id, {TABLE}.channel, "
            f"{TABLE}.action, {TABLE}.template_key",
            [*params, Status.SENT, now, now, Status.SENDING, worker],
        )
        written = [outbound.Contact(*row) for row in cursor.fetchall()]
        outbound.contacts(Status.SENT, written)
        return {row.pk for row in written}


def complete_sent(pk: int, provider_id: str, now: datetime) -> None:
    """A status webhook matched by our reference got there first and moved the row on.

    Keep its status; add what it may lack.
    """
    Outreach.objects.filter(pk=pk, provider_message_id="").update(
        provider_message_id=provider_id[:200]
    )
    Outreach.objects.filter(pk=pk, sent_at__isnull=True).update(sent_at=now)


def _write_claimed(pk: int, worker: str, now: datetime, **fields: Any) -> bool:
    return bool(
        Outreach.objects.filter(pk=pk, status=Status.SENDING, claimed_by=worker).update(
            updated_at=now, **fields
        )
    )


def cancel_claimed(pk: int, worker: str, now: datetime, *, reason: str) -> bool:
    """The re-check at the moment of sending says no (paid, opted out, expired...)."""
    return _write_claimed(
        pk, worker, now, status=Status.CANCELLED, status_reason=reason[:200], lease_until=None
    )


def postpone_claimed(
    pk: int, worker: str, now: datetime, *, reason: str, not_before: datetime, attempts: int
) -> bool:
    """Not now (the rules' window closed): back to the queue for later, not an attempt."""
    return _write_claimed(
        pk, worker, now, status=Status.PLANNED, status_reason=f"postponed: {reason}"[:200],
        next_attempt_at=not_before, attempts=attempts, lease_until=None, claimed_by="",
    )  # fmt: skip


def sent_claimed(
    pk: int,
    worker: str,
    now: datetime,
    *,
    provider_id: str,
    amount_due: Decimal | None,
    error_code: str = "",
    error: str = "",
) -> None:
    """One accepted send, written alone (a rare path: most go by ``record_sent``)."""
    with transaction.atomic():
        if _write_claimed(
            pk, worker, now, status=Status.SENT, provider_message_id=provider_id[:200],
            sent_at=now, status_reason="", amount_due=amount_due, lease_until=None,
            last_error_code=error_code[:50], last_error=error[:500],
        ):  # fmt: skip
            outbound.contacts(Status.SENT, outbound.load([pk]))
            return
    complete_sent(pk, provider_id, now)


def unknown_claimed(
    pk: int, worker: str, now: datetime, *, error_code: str = "", error: str = ""
) -> bool:
    """The provider's answer was lost: the message may have left. Never resent blindly."""
    return _write_claimed(
        pk, worker, now, status=Status.UNKNOWN, status_reason="the provider's answer was lost",
        last_error_code=error_code[:50], last_error=error[:500], lease_until=None,
    )  # fmt: skip


def retry_claimed(
    pk: int,
    worker: str,
    now: datetime,
    *,
    retry_at: datetime | None,
    error_code: str,
    error: str,
) -> bool:
    """Nothing was sent (a temporary failure): back to the queue at ``retry_at``."""
    return _write_claimed(
        pk, worker, now, status=Status.PLANNED, next_attempt_at=retry_at, claimed_by="",
        status_reason=f"retry: {error_code or error}"[:200],
        last_error_code=error_code[:50], last_error=error[:500], lease_until=None,
    )  # fmt: skip


def lock_claimed(pk: int, worker: str) -> Outreach | None:
    """The row and its debtor if still under ``worker``'s claim; locked until the batch commits."""
    claimed = Outreach.objects.filter(pk=pk, status=Status.SENDING, claimed_by=worker)
    if connection.vendor == "postgresql":
        claimed = claimed.select_for_update(of=("self",))
    return claimed.select_related("debtor").first()


def start_send(
    cursor: Any, pk: int, worker: str, *, text: str = "", subject: str = "", template: str = ""
) -> bool:
    """Mark one row's request as about to leave (on the gate's transaction; see delivery/gate.py).

    ``cursor``: a DB-API cursor taking ``%s`` placeholders, with ``rowcount``.
    The text, subject and template version are recorded with the mark: the
    record holds exactly what left, even if the answer is lost.
    False when the row is no longer ``sending`` under ``worker``'s claim (its
    lease expired and someone else holds it): then it must not be sent.
    """
    now = "clock_timestamp()" if connection.vendor == "postgresql" else "%s"
    params: list[Any] = [text, subject[:200], template[:40], pk, worker, Status.SENDING]
    if connection.vendor != "postgresql":
        params.insert(0, _utc_now_text())
    cursor.execute(
        f"UPDATE {TABLE} SET send_started_at = {now}, sent_text = %s, sent_subject = %s, "
        "template_version = %s WHERE id = %s AND claimed_by = %s AND status = %s",
        params,
    )
    return bool(cursor.rowcount == 1)


class Started(NamedTuple):
    """A message about to leave: its row and exactly what it says."""

    pk: int
    text: str
    subject: str
    template: str


def start_sends(cursor: Any, messages: Sequence[Started], worker: str) -> set[int]:
    """``start_send`` for several rows in one statement (the gate's group); the rows marked.

    PostgreSQL: one ``UPDATE ... FROM unnest(...)``; SQLite: one statement each.
    """
    if not messages:
        return set()
    if connection.vendor != "postgresql":
        return {
            message.pk
            for message in messages
            if start_send(
                cursor, message.pk, worker, text=message.text, subject=message.subject,
                template=message.template,
            )
        }  # fmt: skip
    cursor.execute(
        f"UPDATE {TABLE} SET send_started_at = clock_timestamp(), sent_text = v.text, "
        "sent_subject = v.subject, template_version = v.template "
        "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) "
        "AS v (id, text, subject, template) "
        f"WHERE {TABLE}.id = v.id AND {TABLE}.claimed_by = %s AND {TABLE}.status = %s "
        f"RETURNING {TABLE}.id",
        [
            [m.pk for m in messages],
            [m.text for m in messages],
            [m.subject[:200] for m in messages],
            [m.template[:40] for m in messages],
            worker,
            Status.SENDING,
        ],
    )
    return {found for (found,) in cursor.fetchall()}


def _utc_now_text() -> str:
    return str(connection.ops.adapt_datetimefield_value(timezone.now()))


def renew_lease(ids: Sequence[int], worker: str, lease_until: datetime) -> int:
    """A batch still sending keeps its rows: their lease moves on (never taken over mid-send)."""
    if not ids:
        return 0
    return Outreach.objects.filter(
        id__any=list(ids), status=Status.SENDING, claimed_by=worker
    ).update(lease_until=lease_until)


def requeue_claimed(pk: int, worker: str, now: datetime, *, attempts: int) -> bool:
    """The debtor changed between the batch's decision and the send: decide again, at once.

    Not an attempt at the provider (nothing left), so the attempt is given back.
    """
    return _write_claimed(
        pk, worker, now, status=Status.PLANNED,
        status_reason="decided again: the debtor changed before the send",
        attempts=attempts, lease_until=None, claimed_by="", send_started_at=None,
    )  # fmt: skip


def reconciled_sent(pk: int, provider_id: str, now: datetime) -> bool:
    """The provider has the message whose answer was lost: it was sent."""
    with transaction.atomic():
        moved = Outreach.objects.filter(pk=pk, status=Status.UNKNOWN).update(
            status=Status.SENT,
            provider_message_id=provider_id[:200],
            sent_at=F("send_started_at"),
            status_reason="reconciled: the provider has it",
            updated_at=now,
        )
        if moved:
            outbound.contacts(Status.SENT, outbound.load([pk]))
        return bool(moved)


def reconciled_absent(pk: int, now: datetime) -> bool:
    """The provider never got it: the request never arrived, so it may be sent (once) again."""
    return bool(
        Outreach.objects.filter(pk=pk, status=Status.UNKNOWN).update(
            status=Status.PLANNED,
            status_reason="reconciled: the provider never got it; queued again",
            send_started_at=None,
            claimed_by="",
            lease_until=None,
            next_attempt_at=None,
            updated_at=now,
        )
    )
