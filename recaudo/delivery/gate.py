"""The gate each message passes just before its request: a short lock, a check, a mark.

A batch decides its rows in one short transaction and commits (so a payment
never waits behind a whole batch of sends). Between that decision and each
message's request, the debtor may pay, promise, dispute, opt out, or be sent
something by another worker. So each message, right before its request,
passes this gate on the lane's own connection, in a transaction of its own:

1. the debtor's row is locked (PostgreSQL ``FOR NO KEY UPDATE``; SQLite
   ``BEGIN IMMEDIATE``): a payment, which locks its debtor ``FOR UPDATE``,
   either committed before (and is seen) or waits the few milliseconds until
   this commits;
2. the debtor's **state** is read again and compared with the one the batch
   decided on (``debtor_states``): its debts (status, amount paid), pending
   promises, contact points (opt-out, invalid, channels), consents, and when
   another of its contacts last started. Anything different and the row goes
   back to the queue, undecided, for the next batch to decide afresh;
3. the send-started mark is written and committed (``sending.start_send``).

The committed mark is the point of no return: a payment that commits after
it is after the send. A worker killed before the mark leaves a row that
provably never left (its lease expires and it is sent again); killed after
it, the row becomes ``unknown`` and is reconciled (delivery/reconcile.py).
"""

from __future__ import annotations

import contextlib
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.db import connection

from recaudo.outreach import sending
from recaudo.outreach.contract import OutboundMessage
from recaudo.outreach.models import Outreach
from recaudo.payments.models import Promise
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Debt, Debtor

GateVerdict = Literal["go", "changed", "lost"]

DEBTORS = Debtor._meta.db_table
DEBTS = Debt._meta.db_table
POINTS = ContactPoint._meta.db_table
CONSENTS = ChannelConsent._meta.db_table
PROMISES = Promise._meta.db_table
PROMISE_DEBTS = Promise.debts.through._meta.db_table
OUTREACH = Outreach._meta.db_table


@dataclass(frozen=True, slots=True)
class DebtorState:
    """What a decision about a debtor rests on, as comparable plain values."""

    debtor: tuple[Any, ...]
    debts: tuple[tuple[Any, ...], ...]
    promised: tuple[int, ...]
    points: tuple[tuple[Any, ...], ...]
    consents: tuple[tuple[Any, ...], ...]
    last_started: Any


# Every fact a decision rests on, per debtor, as one digest (same text both times:
# the same statement reads it before the decision and at the gate).
_STATE_SQL = (
    "SELECT d.id, md5(concat_ws('|', d.country, d.timezone, d.region, "
    f"(SELECT string_agg(concat_ws(',', b.id, b.status, b.amount_paid, b.amount), ';' "
    f"ORDER BY b.id) FROM {DEBTS} b WHERE b.debtor_id = d.id), "
    f"(SELECT max(o.send_started_at)::text FROM {OUTREACH} o "
    "WHERE o.debtor_id = d.id AND o.id <> ALL(%s::bigint[])), "
    # An agent's call recorded meanwhile (it has no send-started mark).
    f"(SELECT max(o.sent_at)::text FROM {OUTREACH} o "
    "WHERE o.debtor_id = d.id AND o.action = 'call_task'), "
    f"(SELECT string_agg(pd.debt_id::text, ',' ORDER BY pd.debt_id) FROM {PROMISES} p "
    f"JOIN {PROMISE_DEBTS} pd ON pd.promise_id = p.id "
    "WHERE p.debtor_id = d.id AND p.status = %s), "
    # Each point with its consents, looked up by the point (an index, whatever the stats).
    f"(SELECT string_agg(concat_ws(',', c.id, coalesce(c.opted_out_at::text, '-'), "
    "coalesce(c.invalid_since::text, '-'), "
    f"c.channels::text, (SELECT string_agg(concat_ws(':', k.id, k.channel, "
    "coalesce(k.revoked_at::text, '-')), "
    f"';' ORDER BY k.id) FROM {CONSENTS} k WHERE k.contact_point_id = c.id)), '/' "
    f"ORDER BY c.id) FROM {POINTS} c WHERE c.debtor_id = d.id))) "
    f"FROM {DEBTORS} d WHERE d.id = ANY(%s::bigint[]) ORDER BY d.id"
)


# A debtor's state: a digest on PostgreSQL, the rows themselves on SQLite.
State = DebtorState | str


def _in(ids: list[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def debtor_states(
    cursor: Any, debtor_ids: Iterable[int], batch_ids: Iterable[int], *, lock: bool = False
) -> dict[int, State]:
    """The state of each debtor, read with ``cursor`` (Django's or a DB-API one with ``%s``):
    comparable values, equal when nothing the decision rests on changed.

    ``batch_ids``: the batch's own rows, left out of "last started" (the batch
    counts them itself when it decides). ``lock``: lock the debtors' rows
    (``FOR NO KEY UPDATE``, PostgreSQL) in the same statement. On PostgreSQL
    one statement computes a digest per debtor (``_STATE_SQL``); SQLite
    (one worker) reads the rows and compares them in Python.
    """
    ids = sorted(set(debtor_ids))
    if not ids:
        return {}
    batch = sorted(set(batch_ids)) or [0]
    if connection.vendor == "postgresql":
        sql = _STATE_SQL + (" FOR NO KEY UPDATE OF d" if lock else "")
        cursor.execute(sql, [batch, Promise.Status.PENDING, ids])
        return dict(cursor.fetchall())
    marks, others = _in(ids), _in(batch)
    id_params: list[Any] = list(ids)
    batch_params: list[Any] = batch
    queries = {
        "debtor": f"SELECT id, country, timezone, region FROM {DEBTORS} WHERE id IN ({marks})",
        "debts": f"SELECT debtor_id, id, status, amount_paid, amount FROM {DEBTS} "
        f"WHERE debtor_id IN ({marks}) ORDER BY id",
        "promised": f"SELECT p.debtor_id, pd.debt_id FROM {PROMISES} p "
        f"JOIN {PROMISE_DEBTS} pd ON pd.promise_id = p.id "
        f"WHERE p.debtor_id IN ({marks}) AND p.status = %s ORDER BY pd.debt_id",
        "points": f"SELECT debtor_id, id, opted_out_at, invalid_since, channels FROM {POINTS} "
        f"WHERE debtor_id IN ({marks}) ORDER BY id",
        "consents": f"SELECT cp.debtor_id, c.id, c.channel, c.revoked_at FROM {CONSENTS} c "
        f"JOIN {POINTS} cp ON cp.id = c.contact_point_id "
        f"WHERE cp.debtor_id IN ({marks}) ORDER BY c.id",
        "last_started": f"SELECT debtor_id, MAX(send_started_at) FROM {OUTREACH} "
        f"WHERE debtor_id IN ({marks}) AND id NOT IN ({others}) GROUP BY debtor_id",
    }
    found: dict[str, dict[int, list[tuple[Any, ...]]]] = {}
    for name, sql in queries.items():
        params: list[Any] = list(id_params)
        if name == "promised":
            params.append(Promise.Status.PENDING)
        elif name == "last_started":
            params += batch_params
        cursor.execute(sql, params)
        rows: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for debtor_id, *values in cursor.fetchall():
            rows[debtor_id].append(tuple(_plain(value) for value in values))
        found[name] = rows
    return {
        debtor_id: DebtorState(
            debtor=tuple(found["debtor"].get(debtor_id, [()])[0]),
            debts=tuple(found["debts"].get(debtor_id, ())),
            promised=tuple(row[0] for row in found["promised"].get(debtor_id, ())),
            points=tuple(found["points"].get(debtor_id, ())),
            consents=tuple(found["consents"].get(debtor_id, ())),
            last_started=found["last_started"].get(debtor_id, [(None,)])[0][0],
        )
        for debtor_id in ids
    }


def _plain(value: Any) -> Any:
    """Hashable and comparable (a JSON list of channels comes back as a list on PostgreSQL)."""
    return tuple(value) if isinstance(value, list) else value


class Gate:
    """One lane's gate: its own database connection, one message at a time."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self.vendor = connection.vendor
        self._connection: Any = None
        self._lock = threading.Lock()  # the connection: one user at a time
        self._ready = threading.Condition()  # the queue of messages at the gate
        self._queue: list[_Ticket] = []
        self._leading = False

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _open(self) -> Any:
        if self._connection is not None and getattr(self._connection, "closed", False):
            self._connection = None  # dropped by the server (a restart, a pooler): reconnect
        if self._connection is None:
            raw = connection.get_new_connection(connection.get_connection_params())
            if self.vendor == "postgresql":
                raw.autocommit = False
            else:
                raw.isolation_level = None  # explicit BEGIN IMMEDIATE / COMMIT
            self._connection = raw
        return self._connection

    def states(self, debtor_ids: Iterable[int], batch_ids: list[int]) -> dict[int, State]:
        """The debtors' state before the batch decides (read on the gate's connection, so both
        readings decode alike); whatever changes after this is caught at the gate."""
        with self._lock:
            raw = self._open()
            try:
                states = debtor_states(_Cursor(raw.cursor(), self.vendor), debtor_ids, batch_ids)
                if self.vendor == "postgresql":
                    raw.rollback()
                return states
            except BaseException:
                self.close()  # a broken connection is not reused: the next batch reconnects
                raise

    def pass_through(
        self, message: OutboundMessage, debtor_id: int, seen: State, batch_ids: list[int]
    ) -> GateVerdict:
        """Lock the debtor, compare its state with ``seen``, mark the send started, commit.

        Group commit: a commit waits for the database to make it durable (a
        WAL flush, milliseconds each), so one transaction per message would
        cap a lane at a few hundred messages a second, and at a few dozen on
        a busy disk. Messages arriving while a group is at the database wait
        and go together in the next one: the first to arrive leads, running
        every queued message in one transaction (debtors locked in id order),
        the others wait for its verdicts. Under load a group holds as many
        messages as there are sending threads; alone, a message goes alone.
        """
        ticket = _Ticket(message, debtor_id, seen, batch_ids)
        with self._ready:
            self._queue.append(ticket)
            while ticket.verdict is None and ticket.error is None:
                if self._leading:
                    self._ready.wait()
                    continue
                self._leading = True
                group, self._queue = self._queue, []
                self._ready.release()
                try:
                    self._run(group)
                finally:
                    self._ready.acquire()
                    self._leading = False
                    self._ready.notify_all()
        if ticket.error is not None:
            raise ticket.error
        assert ticket.verdict is not None
        return ticket.verdict

    def _run(self, group: list[_Ticket]) -> None:
        """One transaction for a group of messages; every ticket gets a verdict or the error."""
        with self._lock:
            try:
                raw = self._open()
                cursor = _Cursor(raw.cursor(), self.vendor)
                debtor_ids = sorted({ticket.debtor_id for ticket in group})
                batch_ids = sorted({pk for ticket in group for pk in ticket.batch_ids})
                if self.vendor != "postgresql":
                    cursor.execute("BEGIN IMMEDIATE", [])
                # PostgreSQL: the debtors locked and their state read in one statement.
                now = debtor_states(cursor, debtor_ids, batch_ids, lock=True)
                unchanged = [t.message for t in group if now.get(t.debtor_id) == t.seen]
                marked = sending.start_sends(
                    cursor, [_started(message) for message in unchanged], self.worker
                )
                verdicts: list[GateVerdict] = [
                    "changed"
                    if now.get(ticket.debtor_id) != ticket.seen
                    else ("go" if ticket.message.outreach_id in marked else "lost")
                    for ticket in group
                ]
                if self.vendor == "postgresql":
                    raw.commit()
                else:
                    cursor.execute("COMMIT", [])
            except BaseException as error:
                with contextlib.suppress(Exception):  # the connection is dropped anyway
                    if self.vendor == "postgresql":
                        self._connection.rollback()
                    else:
                        self._connection.execute("ROLLBACK")
                self.close()
                for ticket in group:
                    ticket.error = error
                return
        # Only once committed do the requests go.
        for ticket, verdict in zip(group, verdicts, strict=True):
            ticket.verdict = verdict


@dataclass(slots=True)
class _Ticket:
    message: OutboundMessage
    debtor_id: int
    seen: State
    batch_ids: list[int]
    verdict: GateVerdict | None = None
    error: BaseException | None = None


def _started(message: OutboundMessage) -> sending.Started:
    assert message.outreach_id is not None
    return sending.Started(
        message.outreach_id, message.text, message.subject, message.template_version
    )


def start(cursor: Any, message: OutboundMessage, worker: str) -> bool:
    """The send-started mark with what is about to leave."""
    assert message.outreach_id is not None
    return sending.start_send(
        cursor,
        message.outreach_id,
        worker,
        text=message.text,
        subject=message.subject,
        template=message.template_version,
    )


class _Cursor:
    """A raw DB-API cursor taking Django's ``%s`` placeholders on both databases."""

    def __init__(self, cursor: Any, vendor: str) -> None:
        self.cursor = cursor
        self.sqlite = vendor == "sqlite"

    def execute(self, sql: str, params: list[Any]) -> None:
        if self.sqlite:
            sql = sql.replace("%s", "?")
        self.cursor.execute(sql, params)

    @property
    def rowcount(self) -> int:
        return int(self.cursor.rowcount)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.cursor.fetchall()

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.cursor.fetchone()
