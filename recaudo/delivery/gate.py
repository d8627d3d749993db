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


def _in(ids: list[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def debtor_states(
    cursor: Any, debtor_ids: Iterable[int], batch_ids: Iterable[int]
) -> dict[int, DebtorState]:
    """The state of each debtor, read with ``cursor`` (Django's or a DB-API one with ``%s``).

    ``batch_ids``: the batch's own rows, left out of "last started" (the batch
    counts them itself when it decides).
    """
    ids = sorted(set(debtor_ids))
    if not ids:
        return {}
    batch = sorted(set(batch_ids)) or [0]
    marks = _in(ids)
    queries = {
        "debtor": f"SELECT id, country, timezone FROM {DEBTORS} WHERE id IN ({marks})",
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
        f"WHERE debtor_id IN ({marks}) AND id NOT IN ({_in(batch)}) GROUP BY debtor_id",
    }
    found: dict[str, dict[int, list[tuple[Any, ...]]]] = {}
    for name, sql in queries.items():
        params: list[Any] = list(ids)
        if name == "promised":
            params.append(Promise.Status.PENDING)
        elif name == "last_started":
            params += batch
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
        self._lock = threading.Lock()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _open(self) -> Any:
        if self._connection is None:
            raw = connection.get_new_connection(connection.get_connection_params())
            if self.vendor == "postgresql":
                raw.autocommit = False
            else:
                raw.isolation_level = None  # explicit BEGIN IMMEDIATE / COMMIT
            self._connection = raw
        return self._connection

    def states(self, debtor_ids: Iterable[int], batch_ids: list[int]) -> dict[int, DebtorState]:
        """The debtors' state before the batch decides (read on the gate's connection, so both
        readings decode alike); whatever changes after this is caught at the gate."""
        with self._lock:
            raw = self._open()
            try:
                return debtor_states(_Cursor(raw.cursor(), self.vendor), debtor_ids, batch_ids)
            finally:
                if self.vendor == "postgresql":
                    raw.rollback()

    def pass_through(
        self, message: OutboundMessage, debtor_id: int, seen: DebtorState, batch_ids: list[int]
    ) -> GateVerdict:
        """Lock the debtor, compare its state with ``seen``, mark the send started, commit."""
        with self._lock:
            raw = self._open()
            try:
                cursor = _Cursor(raw.cursor(), self.vendor)
                if self.vendor == "postgresql":
                    cursor.execute(
                        f"SELECT id FROM {DEBTORS} WHERE id = %s FOR NO KEY UPDATE", [debtor_id]
                    )
                else:
                    cursor.execute("BEGIN IMMEDIATE", [])
                now_state = debtor_states(cursor, [debtor_id], batch_ids).get(debtor_id)
                if now_state != seen:
                    verdict: GateVerdict = "changed"
                elif start(cursor, message, self.worker):
                    verdict = "go"
                else:
                    verdict = "lost"
                if self.vendor == "postgresql":
                    raw.commit()
                else:
                    cursor.execute("COMMIT", [])
                return verdict
            except BaseException:
                with contextlib.suppress(Exception):  # the connection is dropped anyway
                    if self.vendor == "postgresql":
                        raw.rollback()
                    else:
                        raw.execute("ROLLBACK")
                self.close()
                raise


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
