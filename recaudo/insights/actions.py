"""Keeping the figures current: the folds the worker runs, and the rebuild (docs/insights.md).

``refresh`` is what the worker calls (every ``REFRESH_SECONDS``): each fold
reads only what arrived since its watermark (``folds.py``); the outbox's last
``recount_days`` days are recounted (statuses still move there); the day's
balance snapshot is taken again when older than ``SNAPSHOT_EVERY``.
``rebuild`` empties the derived tables and folds the whole history again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from recaudo.conversations.models import Message
from recaudo.insights import folds, snapshots
from recaudo.insights.conf import attribution_days
from recaudo.insights.models import (
    AgentDay,
    AgentThread,
    Attribution,
    BalanceDay,
    CohortMonth,
    OutreachDay,
    RefusalDay,
    ResponseDay,
    Watermark,
)
from recaudo.insights.rules import LOOKBACK_DAYS, Touch, attribute
from recaudo.outreach.models import COLLECTION_NOTICES, Outreach
from recaudo.payments.models import PaymentLinkOpen
from recaudo.portfolio.models import AuditEvent, Debt, Debtor, Payment, PaymentAllocation

REFRESH_SECONDS = 60.0
REVERSED = Payment.Status.REVERSED
SNAPSHOT_EVERY = timedelta(minutes=15)
VARIANT = "variant" if any(f.name == "variant" for f in Outreach._meta.fields) else None
MESSAGE_FIELDS = (
    "id",
    "debtor_id",
    "creditor_id",
    "segment_id",
    "step_id",
    "channel",
    "template_key",
    "planned_on",
    "sent_at",
    "currency",
    "debtor__country",
)


def touching() -> Q:
    """The outbox rows that count as a touch: messages and offers, and notices asking for money."""
    return Q(sent_at__isnull=False) & (
        Q(action__in=[Outreach.Action.MESSAGE, Outreach.Action.OFFER])
        | Q(action=Outreach.Action.NOTICE, template_key__in=sorted(COLLECTION_NOTICES))
    )


def _messages(queryset: Any) -> dict[int, dict[str, Any]]:
    fields = (*MESSAGE_FIELDS, VARIANT) if VARIANT else MESSAGE_FIELDS
    found = {}
    for row in queryset.values(*fields):
        row["country"] = row.pop("debtor__country")
        row["variant"] = row.get(VARIANT) if VARIANT else None
        found[row["id"]] = row
    return found


def fold_debts(now: datetime) -> int:
    """New debts into their placement month's cohort (``months_after`` -1)."""
    with transaction.atomic():
        mark = folds.lock("debts")
        if mark is None:
            return 0
        debts = list(
            Debt.objects.filter(id__gt=mark.position)
            .order_by("id")
            .values("id", "creditor_id", "currency", "amount", "created_at", "debtor__country")[
                : folds.BATCH
            ]
        )
        debts = folds.settled(debts, lambda row: row["created_at"], now)
        if not debts:
            return 0
        folds.add_cohorts(
            row
            for debt in debts
            for key in [
                (
                    folds.month_start(debt["created_at"]),
                    debt["creditor_id"],
                    debt["debtor__country"],
                    debt["currency"],
                    -1,
                )
            ]
            for row in [(key, "placed_debts", 1), (key, "placed", debt["amount"])]
        )
        folds.move(mark, debts[-1]["id"])
        return len(debts)


def fold_allocations(now: datetime) -> int:
    """Money allocated to debts into their cohort, at the month it was paid."""
    with transaction.atomic():
        mark = folds.lock("allocations")
        if mark is None:
            return 0
        allocations = list(
            PaymentAllocation.objects.filter(id__gt=mark.position)
            .order_by("id")
            .values(*ALLOCATION_FIELDS)[: folds.BATCH]
        )
        allocations = folds.settled(allocations, lambda row: row["payment__created_at"], now)
        if not allocations:
            return 0
        pending = _reversal_pending(
            {r["payment_id"] for r in allocations if r["payment__status"] == REVERSED}
        )
        folds.add_cohorts(
            _recovered(
                row
                for row in allocations
                if row["payment__status"] == Payment.Status.RECEIVED or row["payment_id"] in pending
            )
        )
        folds.move(mark, allocations[-1]["id"])
        return len(allocations)


ALLOCATION_FIELDS = (
    "id",
    "payment_id",
    "amount",
    "payment__paid_at",
    "payment__status",
    "payment__created_at",
    "debt__created_at",
    "debt__creditor_id",
    "debt__currency",
    "debt__debtor__country",
)


def _recovered(allocations: Any, sign: int = 1) -> list[tuple[tuple[Any, ...], str, Any]]:
    """The ``CohortMonth`` additions of allocations: their debt's placement month, at the
    month the payment was made (``sign`` -1: taken off again)."""
    rows = []
    for row in allocations:
        cohort = folds.month_start(row["debt__created_at"])
        after = max(0, folds.months_between(cohort, folds.month_start(row["payment__paid_at"])))
        key = (
            cohort,
            row["debt__creditor_id"],
            row["debt__debtor__country"],
            row["debt__currency"],
            after,
        )
        rows.append((key, "recovered", sign * row["amount"]))
    return rows


def _reversal_pending(payment_ids: set[int]) -> set[int]:
    """Of these reversed payments, those whose reversal the ``reversals`` fold has not
    taken off yet: they are counted now and taken off by it. A reversed payment whose
    reversal is behind that fold's watermark (or archived with its audit event) is not
    counted at all, so a rebuild and the increments agree."""
    if not payment_ids:
        return set()
    position = Watermark.objects.filter(name="reversals").values_list("position", flat=True)
    return set(
        AuditEvent.objects.filter(
            kind=AuditEvent.Kind.PAYMENT_REVERSED,
            payment_id__in=sorted(payment_ids),
            id__gt=position.first() or 0,
        ).values_list("payment_id", flat=True)
    )


def fold_payments(now: datetime) -> int:
    """New payments credited to messages (``rules.attribute``): ``Attribution`` rows and
    the paid columns of the credited message's day."""
    with transaction.atomic():
        mark = folds.lock("payments")
        if mark is None:
            return 0
        payments = list(
            Payment.objects.filter(id__gt=mark.position)
            .order_by("id")
            .values(
                "id",
                "creditor_id",
                "debtor_id",
                "amount",
                "currency",
                "paid_at",
                "status",
                "created_at",
            )[: folds.BATCH]
        )
        payments = folds.settled(payments, lambda row: row["created_at"], now)
        if not payments:
            return 0
        pending = _reversal_pending({p["id"] for p in payments if p["status"] == REVERSED})
        received: list[dict[str, Any]] = [
            dict(p)
            for p in payments
            if p["status"] == Payment.Status.RECEIVED or p["id"] in pending
        ]
        if received:
            _attribute(received, attribution_days())
        folds.move(mark, payments[-1]["id"])
        return len(payments)


def _attribute(payments: list[dict[str, Any]], credit_days: int) -> None:
    debtor_ids = sorted({p["debtor_id"] for p in payments})
    start = min(p["paid_at"] for p in payments) - timedelta(days=max(credit_days, LOOKBACK_DAYS))
    end = max(p["paid_at"] for p in payments)
    opens: defaultdict[int, list[datetime]] = defaultdict(list)
    for outreach_id, opened_at in PaymentLinkOpen.objects.filter(
        link__debtor_id__in=debtor_ids,
        outreach_id__isnull=False,
        opened_at__gt=start,
        opened_at__lte=end,
    ).values_list("outreach_id", "opened_at"):
        if outreach_id is not None:
            opens[outreach_id].append(opened_at)
    messages = _messages(
        Outreach.objects.filter(touching(), debtor_id__in=debtor_ids).filter(
            Q(sent_at__gt=start, sent_at__lte=end) | Q(id__in=sorted(opens))
        )
    )
    by_debtor: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for message in messages.values():
        by_debtor[message["debtor_id"]].append(message)
    countries = dict(Debtor.objects.filter(id__in=debtor_ids).values_list("id", "country"))
    made, responses = [], folds.response_rows()
    for payment in payments:
        paid_at = payment["paid_at"]
        touches = [
            Touch(
                m["id"],
                m["sent_at"],
                max((at for at in opens.get(m["id"], ()) if at <= paid_at), default=None),
            )
            for m in by_debtor[payment["debtor_id"]]
        ]
        credit = attribute(paid_at, touches, credit_days)
        if credit is None:
            continue
        last, first = messages[credit.last.outreach_id], messages[credit.first.outreach_id]
        made.append(
            Attribution(
                payment_id=payment["id"],
                creditor_id=payment["creditor_id"],
                debtor_id=payment["debtor_id"],
                country=countries.get(payment["debtor_id"], ""),
                currency=payment["currency"],
                amount=payment["amount"],
                paid_at=paid_at,
                credit_days=credit_days,
                credited=credit.credited,
                days_after=credit.days_after,
                outreach_id=last["id"],
                channel=last["channel"],
                step_id=last["step_id"],
                segment_id=last["segment_id"],
                template_key=last["template_key"],
                variant=last["variant"],
                message_day=last["planned_on"],
                opened=credit.last.opened_at is not None,
                first_outreach_id=first["id"],
                first_channel=first["channel"],
                first_step_id=first["step_id"],
                first_template_key=first["template_key"],
                first_variant=first["variant"],
            )
        )
        row = responses[folds.response_key(last, payment["currency"])]
        if credit.days_after < 7:
            row["paid_7"] += 1
            row["amount_7"] += payment["amount"]
        if credit.days_after < 30:
            row["paid_30"] += 1
            row["amount_30"] += payment["amount"]
        if credit.credited:
            row["credited"] += 1
            row["amount_credited"] += payment["amount"]
    Attribution.objects.bulk_create(made, ignore_conflicts=True)
    folds.add_responses(responses)


def fold_openings(now: datetime) -> int:
    """Openings of messages' own links: the first opening of each message counts once."""
    with transaction.atomic():
        mark = folds.lock("openings")
        if mark is None:
            return 0
        opens = list(
            PaymentLinkOpen.objects.filter(id__gt=mark.position)
            .order_by("id")
            .values_list("id", "outreach_id", "opened_at")[: folds.BATCH]
        )
        opens = folds.settled(opens, lambda row: row[2], now)
        if not opens:
            return 0
        wanted = {outreach_id for _, outreach_id, _at in opens if outreach_id is not None}
        counted = set(
            PaymentLinkOpen.objects.filter(
                outreach_id__in=sorted(wanted), id__lte=mark.position
            ).values_list("outreach_id", flat=True)
        )
        messages = _messages(Outreach.objects.filter(id__in=sorted(wanted - counted)))
        responses = folds.response_rows()
        for outreach_id in sorted(set(messages)):
            responses[folds.response_key(messages[outreach_id])]["opened"] += 1
        folds.add_responses(responses)
        folds.move(mark, opens[-1][0])
        return len(opens)


def fold_opt_outs(now: datetime) -> int:
    """Opt-outs and providers' refusals (complaints), credited to the debtor's last message
    sent within the attribution window before them."""
    with transaction.atomic():
        mark = folds.lock("opt_outs")
        if mark is None:
            return 0
        events = list(
            AuditEvent.objects.filter(id__gt=mark.position)
            .order_by("id")
            .values_list("id", "kind", "debtor_id", "created_at", "data")[: folds.BATCH]
        )
        events = folds.settled(events, lambda row: row[3], now)
        if not events:
            return 0
        found = [
            (debtor_id, at, "opted_out" if kind == AuditEvent.Kind.OPT_OUT else "complaints")
            for _, kind, debtor_id, at, data in events
            if debtor_id is not None
            and (
                kind == AuditEvent.Kind.OPT_OUT
                or (
                    kind == AuditEvent.Kind.CONSENT_CHANGED
                    and (data or {}).get("source") == "provider"
                )
            )
        ]
        if found:
            _credit_opt_outs(found, attribution_days())
        folds.move(mark, events[-1][0])
        return len(events)


def _credit_opt_outs(found: list[tuple[int, datetime, str]], days: int) -> None:
    start = min(at for _, at, _ in found) - timedelta(days=days)
    end = max(at for _, at, _ in found)
    messages = _messages(
        Outreach.objects.filter(
            touching(),
            debtor_id__in=sorted({d for d, _, _ in found}),
            sent_at__gt=start,
            sent_at__lte=end,
        )
    )
    responses = folds.response_rows()
    for debtor_id, at, column in found:
        before = [
            m
            for m in messages.values()
            if m["debtor_id"] == debtor_id and at - timedelta(days=days) < m["sent_at"] <= at
        ]
        if before:
            last = max(before, key=lambda m: (m["sent_at"], m["id"]))
            responses[folds.response_key(last)][column] += 1
    folds.add_responses(responses)


def fold_agent_messages(now: datetime) -> int:
    """Agents' messages: the first one each agent wrote in each conversation counts the
    conversation as taken up that day (``AgentDay``)."""
    with transaction.atomic():
        mark = folds.lock("agent_messages")
        if mark is None:
            return 0
        messages = list(
            Message.objects.filter(id__gt=mark.position)
            .order_by("id")
            .values_list(
                "id",
                "author",
                "agent_id",
                "thread_id",
                "occurred_at",
                "thread__creditor_id",
                "thread__debtor__country",
                "created_at",
            )[: folds.BATCH]
        )
        messages = folds.settled(messages, lambda row: row[7], now)
        if not messages:
            return 0
        first: dict[tuple[int, int], tuple[datetime, int, str]] = {}
        for _, author, agent_id, thread_id, at, creditor_id, country, _made in messages:
            if author != Message.Author.AGENT or agent_id is None:
                continue
            key = (agent_id, thread_id)
            if key not in first or at < first[key][0]:
                first[key] = (at, creditor_id, country)
        known = set(
            AgentThread.objects.filter(
                thread_id__in=sorted({thread for _, thread in first})
            ).values_list("agent_id", "thread_id")
        )
        new = {key: value for key, value in first.items() if key not in known}
        AgentThread.objects.bulk_create(
            AgentThread(agent_id=agent, thread_id=thread, first_at=at)
            for (agent, thread), (at, _, _) in new.items()
        )
        days: defaultdict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: {"threads": 0})
        for (agent, _thread), (at, creditor_id, country) in new.items():
            days[(at.date(), creditor_id, country, agent)]["threads"] += 1
        folds.add(AgentDay, ("day", "creditor_id", "country", "agent_id"), ("threads",), days)
        folds.move(mark, messages[-1][0])
        return len(messages)


def fold_reversals(now: datetime) -> int:
    """Reversed payments taken off the figures they were counted in, whatever their age.

    Reads the audit events past its own watermark, every kind (as the opt-outs'
    fold does: each event is read once, however rare reversals are), and acts on
    the "payment reversed" ones. A reversal waits (and every event after it)
    until the payment and its allocations have been folded; then its
    ``Attribution`` row is deleted, what that row added to its message's
    ``ResponseDay`` is subtracted, and its allocations' money is subtracted from
    the ``CohortMonth`` it was added to (the payment's month). The watermark
    moves in the same transaction: done once, even with two workers.
    """
    with transaction.atomic():
        mark = folds.lock("reversals")
        if mark is None:
            return 0
        events = list(
            AuditEvent.objects.filter(id__gt=mark.position)
            .order_by("id")
            .values_list("id", "kind", "payment_id", "created_at")[: folds.BATCH]
        )
        events = folds.settled(events, lambda row: row[3], now)
        if not events:
            return 0
        positions = dict(
            Watermark.objects.filter(name__in=["payments", "allocations"]).values_list(
                "name", "position"
            )
        )
        reversals = [
            (event_id, payment_id)
            for event_id, kind, payment_id, _at in events
            if kind == AuditEvent.Kind.PAYMENT_REVERSED and payment_id is not None
        ]
        last_allocation = dict(
            PaymentAllocation.objects.filter(payment_id__in=sorted({p for _, p in reversals}))
            .values("payment_id")
            .annotate(last=Max("id"))
            .values_list("payment_id", "last")
            .order_by()
        )
        waiting = next(
            (
                event_id
                for event_id, payment_id in reversals
                if payment_id > positions.get("payments", 0)
                or last_allocation.get(payment_id, 0) > positions.get("allocations", 0)
            ),
            None,
        )
        # A reversal whose payment is not folded yet waits, and the events after it.
        ready = [row for row in events if waiting is None or row[0] < waiting]
        if not ready:
            return 0
        taken = sorted({p for event_id, p in reversals if waiting is None or event_id < waiting})
        responses = folds.response_rows()
        for credit in Attribution.objects.filter(payment_id__in=taken):
            row = responses[
                (
                    credit.message_day,
                    credit.creditor_id,
                    credit.segment_id or 0,
                    credit.country,
                    credit.channel,
                    credit.step_id or 0,
                    credit.template_key,
                    credit.currency,
                )
            ]
            if credit.days_after < 7:
                row["paid_7"] -= 1
                row["amount_7"] -= credit.amount
            if credit.days_after < 30:
                row["paid_30"] -= 1
                row["amount_30"] -= credit.amount
            if credit.credited:
                row["credited"] -= 1
                row["amount_credited"] -= credit.amount
        folds.add_responses(responses)
        Attribution.objects.filter(payment_id__in=taken).delete()
        folds.add_cohorts(
            _recovered(
                PaymentAllocation.objects.filter(payment_id__in=taken)
                .order_by("id")
                .values(*ALLOCATION_FIELDS),
                sign=-1,
            )
        )
        folds.move(mark, ready[-1][0])
        return len(ready)


FOLDS = (
    fold_debts,
    fold_payments,
    fold_allocations,
    fold_openings,
    fold_opt_outs,
    fold_agent_messages,
    fold_reversals,
)


def catch_up(now: datetime, rounds: int = 50) -> dict[str, int]:
    """Run every fold until it finds nothing new (at most ``rounds`` batches each)."""
    totals: dict[str, int] = {}
    for fold in FOLDS:
        name = fold.__name__.removeprefix("fold_")
        for _ in range(rounds):
            count = fold(now)
            totals[name] = totals.get(name, 0) + count
            if count < folds.BATCH:
                break
    return totals


def refresh(now: datetime | None = None) -> dict[str, int]:
    """What the worker runs: the folds, the recent days recounted, the balance snapshot."""
    now = now or timezone.now()
    totals = catch_up(now)
    totals["days_recounted"] = snapshots.recount_recent(now.date())
    with transaction.atomic():
        mark = folds.lock("balances")
        if mark is not None and now.timestamp() - mark.position >= SNAPSHOT_EVERY.total_seconds():
            totals["balance_rows"] = snapshots.snapshot_balances(now.date())
            folds.move(mark, int(now.timestamp()))
    return totals


def rebuild(now: datetime | None = None) -> dict[str, int]:
    """Every derived table made again from the source rows (``recaudo insights rebuild``).

    Balance snapshots of past days and the roll from month to month cannot be
    remade (the source keeps only today's balances): today's snapshot is
    taken again, the earlier ones, the rolls and the debts' last monthly and weekly
    states are kept.
    """
    now = now or timezone.now()
    with transaction.atomic():
        derived = (Attribution, OutreachDay, ResponseDay, RefusalDay, CohortMonth)
        for model in (*derived, AgentThread, AgentDay):
            model.objects.all().delete()
        Watermark.objects.update(position=0)
    totals = catch_up(now, rounds=10**9)
    first: date | None = Outreach.objects.aggregate(first=Min("planned_on"))["first"]
    days = 0
    if first is not None:
        day = first
        while day <= now.date():
            snapshots.recount(day)
            day += timedelta(days=1)
            days += 1
    totals["days_recounted"] = days
    BalanceDay.objects.filter(day=now.date()).delete()
    totals["balance_rows"] = snapshots.snapshot_balances(now.date())
    return totals
