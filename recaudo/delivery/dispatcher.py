"""The dispatcher: claim due contacts, re-check them, send them, record what happened.

At most once. A batch is claimed in a short transaction of its own: the rows
become ``sending`` with a lease and that is committed before any provider is
called. A second short transaction re-checks every row with
``delivery.rules.decide`` (still owed? usable contact point? does the
country's rule allow it now?) and commits the rows not to send. Then each
message passes the gate (``delivery/gate.py``: the debtor locked for
milliseconds, its state compared with the decision's, the send-started mark
committed) just before its request, concurrently within the provider's shared
rate limit, while the batch's lease is renewed. A third transaction writes the
outcomes. A worker killed mid-batch leaves rows without a mark (they return
to the queue when the lease expires) and rows with one (``unknown``:
reconciled with the provider or surfaced to staff, never resent blindly).
See docs/dispatcher.md.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from recaudo.channels import provider_of
from recaudo.compliance.rules import PastContact
from recaudo.compliance.store import pack_for
from recaudo.delivery import crashpoints
from recaudo.delivery.accounts import channel_for
from recaudo.delivery.accounts import prime as prime_accounts
from recaudo.delivery.channels.registry import get_channel
from recaudo.delivery.gate import Gate, GateVerdict, State, debtor_states, start
from recaudo.delivery.messages import NoTemplate, build_message, reply_message
from recaudo.delivery.ratelimit import RateLimiter
from recaudo.delivery.rules import (
    DebtState,
    Decision,
    PointState,
    SendFacts,
    after_send,
    decide,
)
from recaudo.outreach import optouts, sending
from recaudo.outreach.contract import OutboundMessage, ProviderResult
from recaudo.outreach.fallback import fall_back
from recaudo.outreach.history import past_contacts, triggered
from recaudo.outreach.models import Outreach, OutreachDebt
from recaudo.outreach.notify import answer_until
from recaudo.payments.links import message_tokens, payment_tokens
from recaudo.payments.promises import debts_under_promise
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Creditor, Debt, Debtor

log = logging.getLogger(__name__)

# A contact more than this late (worker down, queue backed up) is dropped:
# the next policy step will say something more current.
MAX_LATE = timedelta(hours=24)


class _Row:
    """A row a batch reads as plain values, not a model (thousands a second)."""

    __slots__ = ()
    id: int

    @property
    def pk(self) -> int:
        return self.id


@dataclass(slots=True)
class _ClaimedRow(_Row):
    """A claimed Outreach row as the batch reads it; the model only on rare paths."""

    id: int
    creditor_id: int
    debtor_id: int
    action: str
    channel: str
    contact_point_id: int | None
    template_key: str
    language: str
    attempts: int
    notice_context: dict[str, Any] | None
    window_end: datetime
    amount_due: Decimal | None
    window_start: datetime


_ROW_COLUMNS = tuple(_ClaimedRow.__dataclass_fields__)


@dataclass(slots=True)
class _DebtorRow(_Row):
    id: int
    creditor_id: int
    kind: str
    full_name: str
    first_name: str
    country: str
    timezone: str
    language: str
    region: str
    preferred_hours_from: clock_time | None
    preferred_hours_to: clock_time | None
    external_id: str  # the debtor's reference, in the WhatsApp chat link


@dataclass(slots=True)
class _DebtRow(_Row):
    id: int
    creditor_id: int
    debtor_id: int
    invoice_number: str
    description: str
    currency: str
    amount: Decimal
    amount_paid: Decimal
    due_on: date
    status: str


@dataclass(slots=True)
class _PointRow(_Row):
    id: int
    debtor_id: int
    kind: str
    value: str
    channels: list[str]
    opted_out_at: datetime | None
    invalid_since: datetime | None


_DEBTOR_COLUMNS = tuple(_DebtorRow.__dataclass_fields__)
_DEBT_COLUMNS = tuple(_DebtRow.__dataclass_fields__)
_POINT_COLUMNS = tuple(_PointRow.__dataclass_fields__)


@dataclass
class BatchResult:
    claimed: int = 0
    counts: Counter[str] = field(default_factory=Counter)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Dispatcher:
    """Sends due outreach. One per worker process; ``channels`` maps name -> channel."""

    def __init__(
        self,
        *,
        channels: Any = None,
        name: str | None = None,
        batch_size: int | None = None,
        lease_seconds: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if channels is None:
            channels = _Registry(get_channel, channel_for)
        self.channels = channels
        self.name = name or worker_name()
        self.batch_size = batch_size or settings.DISPATCH_BATCH_SIZE
        self.lease = timedelta(seconds=lease_seconds or settings.DISPATCH_LEASE_SECONDS)
        self.rng = rng or random.Random()
        self.limiters: dict[str, RateLimiter] = {}
        self.threads = settings.DISPATCH_SEND_THREADS
        self.pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="send")
        self.gate = Gate(self.name)
        self._batch_started = time.monotonic()
        self._nested = False

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        for limiter in self.limiters.values():
            limiter.close()
        self.gate.close()

    # --- the loop -----------------------------------------------------------

    def run_once(self, now: datetime | None = None) -> BatchResult:
        """Expire dead leases, claim one batch and process it."""
        now = now or timezone.now()
        self._batch_started = time.monotonic()
        result = BatchResult()
        # Called inside an enclosing transaction (tests), the claim is not
        # committed and another connection cannot see it: no start marker then.
        self._nested = connection.in_atomic_block
        expired = self.expire_leases(now)
        if expired:
            result.counts["unknown_after_lease"] += expired
        ids = self.claim(now)
        result.claimed = len(ids)
        if ids:
            self.process(ids, result, now)
        return result

    def expire_leases(self, now: datetime) -> int:
        return sending.expire_leases(now)

    def claim(self, now: datetime) -> list[int]:
        """Mark up to a batch of due rows ``sending`` under this worker's lease (committed)."""
        return sending.claim_due(
            self.name, now=now, lease_until=now + self.lease, limit=self.batch_size
        )

    # --- one batch ----------------------------------------------------------

    def process(self, ids: list[int], result: BatchResult, now: datetime) -> None:
        """Decide the batch (short, committed), send each message through the gate, record."""
        crashpoints.reached("claimed")
        to_send, states = self._decide_batch(ids, result, now)
        crashpoints.reached("decided")
        started = time.monotonic()
        outcomes = self._send_all(to_send, states, ids, now)
        done = now + timedelta(seconds=time.monotonic() - started)
        with transaction.atomic():
            accepted = []
            for (row, _message), (verdict, outcome) in zip(to_send, outcomes, strict=True):
                if verdict == "changed":
                    sending.requeue_claimed(row.pk, self.name, done, attempts=row.attempts - 1)
                    result.counts["decided_again"] += 1
                elif verdict == "lost":
                    log.warning("lease lost before sending outreach %s", row.pk)
                    result.counts["lease_lost"] += 1
                elif outcome is not None and outcome.outcome == "accepted":
                    accepted.append((row, outcome))
                elif outcome is not None:
                    self._apply_result(row, outcome, done, result)
            self._record_sent(accepted, done, result)
        crashpoints.reached("recorded")

    def _decide_batch(
        self, ids: list[int], result: BatchResult, now: datetime
    ) -> tuple[list[tuple[_ClaimedRow, OutboundMessage]], dict[int, State]]:
        """Re-check every claimed row and build the messages to send, in one short transaction.

        Rows not to send are cancelled, postponed or moved to their next
        channel here, and committed with the decisions: the debtors' locks
        last milliseconds, not the batch's sends.
        """
        to_send: list[tuple[_ClaimedRow, OutboundMessage]] = []
        with transaction.atomic():
            rows = [
                _ClaimedRow(*values)
                for values in Outreach.objects.filter(
                    id__any=ids, status=Outreach.Status.SENDING, claimed_by=self.name
                )
                .order_by("id")
                .values_list(*_ROW_COLUMNS)
            ]
            if not rows:
                return [], {}
            debtor_ids = sorted({row.debtor_id for row in rows})
            # Read before the facts: whatever changes after this shows at the gate.
            states = self._states(debtor_ids, ids)
            # The debtors are read under FOR SHARE (PostgreSQL): a payment
            # waits for these decisions (milliseconds) and the gate sees it.
            facts = _Facts.load(rows, debtor_ids, now)
            tokens = payment_tokens(
                {r.debtor_id for r in rows if r.action != Outreach.Action.REPLY},
                creditors={pk: debtor.creditor_id for pk, debtor in facts.debtors.items()},
            )
            # Each message carries its own token over the debtor's link, so an
            # opening (and the payment after it) is credited to the message.
            own_tokens = message_tokens(
                {
                    r.id: tokens[r.debtor_id]
                    for r in rows
                    if r.action != Outreach.Action.REPLY and r.debtor_id in tokens
                }
            )
            for row in rows:
                decision = self._decide(row, facts, now)
                if decision.verdict != "send":
                    self._apply_decision(row, decision, now, result)
                    continue
                assert row.contact_point_id is not None  # decide() sends to a point only
                try:
                    if row.action == Outreach.Action.REPLY:
                        message = reply_message(row, facts.points[row.contact_point_id].value)
                    else:
                        message = build_message(
                            outreach=row,
                            creditor=facts.creditors[row.creditor_id],
                            debtor=facts.debtors[row.debtor_id],
                            debts=facts.open_debt_objects(row.pk, decision.open_debt_ids),
                            address=facts.points[row.contact_point_id].value,
                            today=now.date(),
                            link_token=own_tokens.get(row.id),
                        )
                except NoTemplate as error:
                    log.error("outreach %s: %s", row.pk, error)
                    self._fall_back(row, "no_template", result, now)
                    continue
                if row.action not in (Outreach.Action.NOTICE, Outreach.Action.REPLY):
                    row.amount_due = decision.owed
                to_send.append((row, message))
                facts.history[row.debtor_id].append(
                    PastContact(row.channel, now, triggered(row.action, row.template_key))
                )
        return to_send, states

    def _states(self, debtor_ids: list[int], batch_ids: list[int]) -> dict[int, State]:
        if self._nested:
            with connection.cursor() as cursor:
                return debtor_states(cursor, debtor_ids, batch_ids)
        return self.gate.states(debtor_ids, batch_ids)

    def _decide(self, row: _ClaimedRow, facts: _Facts, now: datetime) -> Decision:
        debtor = facts.debtors[row.debtor_id]
        if now > row.window_end + MAX_LATE:
            return Decision("cancel", "expired")
        pack = pack_for(row.creditor_id, debtor.country, debtor.region)
        return decide(
            pack,
            SendFacts(
                channel=row.channel,
                debts=facts.debts.get(row.pk, ()),
                point=facts.point_state(row.contact_point_id),
                consent_required=pack.consent_required,
                timezone=debtor.timezone,
                history=facts.history[row.debtor_id],
                window_end=row.window_end,
                window_start=row.window_start,
                preferred_hours=(debtor.preferred_hours_from, debtor.preferred_hours_to)
                if debtor.preferred_hours_from is not None and debtor.preferred_hours_to is not None
                else None,
                notice=row.action == Outreach.Action.NOTICE,
                reply=row.action == Outreach.Action.REPLY,
                final=bool((row.notice_context or {}).get("final")),
                answer_until=answer_until(row.notice_context),
                template_key=row.template_key,
            ),
            now,
        )

    def _apply_decision(
        self, row: _ClaimedRow, decision: Decision, now: datetime, result: BatchResult
    ) -> None:
        if decision.verdict == "cancel":
            sending.cancel_claimed(row.pk, self.name, now, reason=decision.reason)
            result.counts[f"cancelled:{decision.reason}"] += 1
        elif decision.verdict == "postpone":
            sending.postpone_claimed(
                row.pk, self.name, now, reason=decision.reason,
                not_before=decision.not_before or now + timedelta(hours=1),
                attempts=max(0, row.attempts - 1),  # not an attempt at the provider
            )  # fmt: skip
            result.counts["postponed"] += 1
        else:
            self._fall_back(row, decision.reason, result, now)

    def _fall_back(
        self, row: _ClaimedRow, reason: str, result: BatchResult, now: datetime, code: str = ""
    ) -> None:
        # Only a row still under this claim moves on, locked until the batch
        # commits: a lease that expired meanwhile gave it to someone else.
        outreach = sending.lock_claimed(row.pk, self.name)
        if outreach is None:
            log.warning("lease lost before falling back from outreach %s", row.pk)
            result.counts["lease_lost"] += 1
            return
        moved = fall_back(outreach, reason, error_code=code, now=now)
        result.counts["fell_back" if moved else "failed"] += 1

    def _send_all(
        self,
        to_send: list[tuple[_ClaimedRow, OutboundMessage]],
        states: dict[int, State],
        batch_ids: list[int],
        now: datetime,
    ) -> list[tuple[GateVerdict, ProviderResult | None]]:
        """Send concurrently: each sending thread takes the next message until none is left.

        One task per thread rather than one per message: no future, lock and
        hand-over per message, which cost as much CPU as a request itself.
        While they send, this thread renews the batch's lease, so a slow
        (rate-limited) batch is never taken over by another worker.
        """
        if not to_send:
            return []
        outcomes: list[tuple[GateVerdict, ProviderResult | None] | None] = [None] * len(to_send)
        pending = iter(range(len(to_send)))
        taking = threading.Lock()
        nested = self._nested
        if nested:  # inside a test's transaction: the gate's connection could not see the rows
            verdicts = [self._gate_nested(row, m, states, batch_ids) for row, m in to_send]

        def drain() -> None:
            while True:
                with taking:
                    index = next(pending, None)
                if index is None:
                    return
                row, message = to_send[index]
                if nested and verdicts[index] != "go":
                    outcomes[index] = (verdicts[index], None)
                    continue
                outcomes[index] = self._send_one(
                    row,
                    message,
                    None if nested else states.get(row.debtor_id),
                    batch_ids,
                    senders[index],
                )

        # Each message's channel (the creditor's own account or the global one),
        # found here: the sending threads' connections may not see this one's rows.
        # The accounts are read afresh for each batch: a change on the staff page
        # is used from the next batch on.
        prime = getattr(self.channels, "prime", None)
        if prime is not None:
            prime({row.creditor_id for row, _message in to_send})
        senders = [self._channel(message.channel, row.creditor_id) for row, message in to_send]
        ids = [row.pk for row, _ in to_send]
        # A fresh lease before the first request: deciding the batch took part of it.
        sending.renew_lease(ids, self.name, self._clock(now) + self.lease)
        tasks = [self.pool.submit(drain) for _ in range(min(self.threads, len(to_send)))]
        renew_every = max(1.0, self.lease.total_seconds() / 3)
        while True:
            # Every task ends before the batch's outcomes are written: _send_one never raises.
            _done, running = wait(tasks, timeout=renew_every)
            if not running:
                break
            try:
                sending.renew_lease(ids, self.name, self._clock(now) + self.lease)
            except DatabaseError:  # one missed renewal is not fatal; the next one may pass
                log.warning("could not renew the lease of a batch in flight", exc_info=True)
        for task in tasks:
            task.result()
        return cast(list[tuple[GateVerdict, ProviderResult | None]], outcomes)

    def _clock(self, now: datetime) -> datetime:
        """``now`` (the batch's start, on the worker's clock) moved on by the time spent since."""
        return now + timedelta(seconds=time.monotonic() - self._batch_started)

    def _gate_nested(
        self,
        row: _ClaimedRow,
        message: OutboundMessage,
        states: dict[int, State],
        batch_ids: list[int],
    ) -> GateVerdict:
        """The gate on the batch's own connection (tests that run inside a transaction)."""
        with connection.cursor() as cursor:
            if debtor_states(cursor, [row.debtor_id], batch_ids).get(row.debtor_id) != states.get(
                row.debtor_id
            ):
                return "changed"
            return "go" if start(cursor, message, self.name) else "lost"

    def _send_one(
        self,
        row: _ClaimedRow,
        message: OutboundMessage,
        seen: State | None,
        batch_ids: list[int],
        channel: Any,
    ) -> tuple[GateVerdict, ProviderResult | None]:
        """One send through the gate; never raises, so every outcome is written."""
        try:
            self._limiter(message.channel, channel).acquire()
        except Exception as error:  # the shared limit's database: nothing was sent
            log.exception("rate limit unavailable for outreach %s", message.outreach_id)
            return "go", ProviderResult(
                "retry", error_code="rate_limit_unavailable", error_message=str(error)[:500]
            )
        if seen is not None:
            try:
                verdict = self.gate.pass_through(message, row.debtor_id, seen, batch_ids)
            except Exception as error:  # the mark was not written: nothing was sent
                log.exception("send gate failed for outreach %s", message.outreach_id)
                return "go", ProviderResult(
                    "retry", error_code="gate_unavailable", error_message=str(error)[:500]
                )
            if verdict != "go":
                return verdict, None
        crashpoints.reached("marked")
        try:
            outcome = channel.send(message)
        except Exception as error:  # a bug in a channel must not lose the outcome
            log.exception("send failed for outreach %s", message.outreach_id)
            return "go", ProviderResult("unknown", error_message=f"{type(error).__name__}: {error}")
        crashpoints.reached("answered")
        if not isinstance(outcome, ProviderResult):
            log.error("channel %s returned %r", message.channel, outcome)
            return "go", ProviderResult("unknown", error_message="the channel returned no result")
        return "go", outcome

    def _channel(self, name: str, creditor_id: int) -> Any:
        # A test's registry may offer only ``get(name)``: one account for everyone.
        get_for = getattr(self.channels, "get_for", None)
        return get_for(name, creditor_id) if get_for is not None else self.channels.get(name)

    def _limiter(self, channel: str, sender_channel: Any) -> RateLimiter:
        """The limit of the sender the message goes out from: each creditor's number has its own."""
        config = getattr(sender_channel, "config", None)
        if not isinstance(config, dict):
            config = settings.CHANNELS.get(channel, {})
        sender = (
            config.get("phone_number_id")
            or config.get("from_number")
            or config.get("messaging_service_sid")
            or config.get("agent_id")
            or channel
        )
        key = f"{channel}:{sender}"
        limiter = self.limiters.get(key)
        if limiter is None:
            limiter = RateLimiter(key, config.get("rate_per_second", 10))
            self.limiters[key] = limiter
        return limiter

    def _record_sent(
        self, accepted: list[tuple[_ClaimedRow, ProviderResult]], now: datetime, result: BatchResult
    ) -> None:
        """Mark the accepted sends ``sent`` in one statement (see ``_write`` on the condition)."""
        if not accepted:
            return
        written = sending.record_sent(
            [(row.pk, outcome.provider_message_id, row.amount_due) for row, outcome in accepted],
            now=now,
            worker=self.name,
        )
        for row, outcome in accepted:
            result.counts[f"sent:{row.channel}"] += 1
            if row.pk not in written:
                sending.complete_sent(row.pk, outcome.provider_message_id, now)

    def _apply_result(
        self, row: _ClaimedRow, outcome: ProviderResult, now: datetime, result: BatchResult
    ) -> None:
        step = after_send(
            outcome,
            channel=row.channel,
            attempts=row.attempts,
            max_attempts=settings.DISPATCH_MAX_ATTEMPTS,
            now=now,
            rng=self.rng,
        )
        errors = {"error_code": outcome.error_code, "error": outcome.error_message}
        if step.next == "sent":
            sending.sent_claimed(
                row.pk, self.name, now, provider_id=outcome.provider_message_id,
                amount_due=row.amount_due, **errors,
            )  # fmt: skip
            result.counts[f"sent:{row.channel}"] += 1
        elif step.next == "unknown":
            sending.unknown_claimed(row.pk, self.name, now, **errors)
            result.counts["unknown"] += 1
        elif step.next == "retry":
            sending.retry_claimed(row.pk, self.name, now, retry_at=step.retry_at, **errors)
            result.counts["retry"] += 1
        else:
            if step.invalidate_point and row.contact_point_id:
                ContactPoint.objects.filter(pk=row.contact_point_id).update(
                    invalid_since=now, invalid_reason=f"{row.channel}: {outcome.error_code}"[:200]
                )
            if step.opted_out and row.contact_point_id:
                optouts.record_provider_refusal(
                    row.contact_point_id,
                    row.channel,
                    actor=provider_of(row.channel),
                    reason=f"{outcome.error_code}: {outcome.error_message}",
                    when=now,
                )
            self._fall_back(
                row, outcome.error_message or outcome.error_code, result, now, outcome.error_code
            )


def _debtors_locked(debtor_ids: list[int]) -> dict[int, _DebtorRow]:
    """The batch's debtors; on PostgreSQL read ``FOR SHARE`` (held until the batch commits)."""
    if connection.vendor != "postgresql":
        found = Debtor.objects.filter(id__any=debtor_ids).values_list(*_DEBTOR_COLUMNS)
        return {values[0]: _DebtorRow(*values) for values in found}
    table = Debtor._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_DEBTOR_COLUMNS)} FROM {table} "
            "WHERE id = ANY(%s::bigint[]) ORDER BY id FOR SHARE",
            [debtor_ids],
        )
        return {values[0]: _DebtorRow(*values) for values in cursor.fetchall()}


class _Registry:
    def __init__(self, getter: Any, for_creditor: Any = None) -> None:
        self.getter = getter
        self.for_creditor = for_creditor

    def get(self, name: str) -> Any:
        return self.getter(name)

    def get_for(self, name: str, creditor_id: int) -> Any:
        """The creditor's own account's channel where it has one (delivery/accounts.py)."""
        if self.for_creditor is None:
            return self.getter(name)
        return self.for_creditor(name, creditor_id)

    def prime(self, creditor_ids: set[int]) -> None:
        """Read the batch's creditors' accounts now (``accounts.prime``)."""
        if self.for_creditor is not None:
            prime_accounts(creditor_ids)


@dataclass
class _Facts:
    """What a batch's decisions need, loaded in a few queries."""

    debtors: dict[int, _DebtorRow]
    creditors: dict[int, Creditor]
    debts: dict[int, list[DebtState]]
    debt_objects: dict[int, _DebtRow]
    links: dict[int, list[int]]
    points: dict[int, _PointRow]
    consents: dict[int, set[str]]
    withdrawn: dict[int, set[str]]  # consents the debtor took back: never used again
    history: defaultdict[int, list[PastContact]]

    @classmethod
    def load(cls, rows: list[_ClaimedRow], debtor_ids: list[int], now: datetime) -> _Facts:
        outreach_ids = [row.pk for row in rows]
        debtors = _debtors_locked(debtor_ids)
        creditors = {
            c.pk: c for c in Creditor.objects.filter(id__any={r.creditor_id for r in rows})
        }
        links: dict[int, list[int]] = defaultdict(list)
        for outreach_id, debt_id in OutreachDebt.objects.filter(
            outreach_id__any=outreach_ids
        ).values_list("outreach_id", "debt_id"):
            links[outreach_id].append(debt_id)
        debt_ids = {i for ids in links.values() for i in ids}
        debt_objects = {
            values[0]: _DebtRow(*values)
            for values in Debt.objects.filter(id__any=debt_ids).values_list(*_DEBT_COLUMNS)
        }
        promised = debts_under_promise(debtor_ids)
        debts = {
            outreach_id: [
                DebtState(
                    d,
                    "promised" if d in promised else debt_objects[d].status,
                    debt_objects[d].amount - debt_objects[d].amount_paid,
                )
                for d in ids
                if d in debt_objects
            ]
            for outreach_id, ids in links.items()
        }
        point_ids = {row.contact_point_id for row in rows if row.contact_point_id}
        points = {
            values[0]: _PointRow(*values)
            for values in ContactPoint.objects.filter(id__any=point_ids).values_list(
                *_POINT_COLUMNS
            )
        }
        consents: dict[int, set[str]] = defaultdict(set)
        withdrawn: dict[int, set[str]] = defaultdict(set)
        for point_id, channel, revoked_at in ChannelConsent.objects.filter(
            contact_point_id__any=point_ids
        ).values_list("contact_point_id", "channel", "revoked_at"):
            (withdrawn if revoked_at else consents)[point_id].add(channel)
        # What the caps count at the moment of sending (outreach/history.py), less this batch.
        history = past_contacts(debtor_ids, now, placing=False, exclude_ids=outreach_ids)
        return cls(
            debtors, creditors, debts, debt_objects, links, points, consents, withdrawn, history
        )

    def point_state(self, point_id: int | None) -> PointState | None:
        point = self.points.get(point_id) if point_id else None
        if point is None:
            return None
        return PointState(
            id=point.pk,
            channels=frozenset(point.channels or ()) - self.withdrawn.get(point.pk, set()),
            consented=frozenset(self.consents.get(point.pk, ())),
            opted_out=point.opted_out_at is not None,
            invalid=point.invalid_since is not None,
        )

    def open_debt_objects(self, outreach_id: int, open_ids: tuple[int, ...]) -> list[_DebtRow]:
        return [self.debt_objects[i] for i in open_ids if i in self.debt_objects]
