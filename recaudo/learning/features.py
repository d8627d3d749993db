"""The propensity model's features: raw per-debtor facts in, a numeric matrix out.

``Raw`` holds one array per fact, aligned on debtor ids; the database loader
(``load_raw``, a handful of grouped queries per creditor, no per-debtor
queries) and the simulator (simulator.py) both produce it, so the model is
trained and measured on the same definitions it scores with.

Never used (protected attributes and their proxies, docs/insights.md): the
name, the document, the debtor's language, the region, tags, and anything
about age or gender (Recaudo stores neither). The country is used: the law,
the currency and the economy differ per country; the fairness check compares
the score's calibration across countries and debtor kinds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from recaudo.conversations.models import Message
from recaudo.outreach.models import Outreach
from recaudo.payments.models import PaymentLinkOpen, Promise
from recaudo.portfolio.models import ContactPoint, Debt, Debtor, Payment

COUNTRIES = ("AR", "BR", "CL", "CO", "EC", "ES", "MX", "PE", "UY")
# Name of each column of the matrix ``matrix`` builds, in order.
FEATURES = (
    "days_past_due",
    "balance",
    "open_debts",
    "debt_age",
    "payments_before",
    "payment_delay",
    "promises_kept",
    "promises_broken",
    "read_rate",
    "replies",
    "link_opens",
    "never_contacted",
    "reachable_channels",
    "company",
    *(f"country_{code}" for code in COUNTRIES),
)
# How far back contacts, replies and link openings are counted.
ACTIVITY_DAYS = 180


@dataclass
class Raw:
    """Per-debtor facts as of one day; every array has one entry per ``debtor_ids``."""

    debtor_ids: np.ndarray
    days_past_due: np.ndarray
    balance: np.ndarray
    open_debts: np.ndarray
    debt_age: np.ndarray
    payments_before: np.ndarray
    payment_delay: np.ndarray  # mean days paid after the due date; 0 without payments
    promises_kept: np.ndarray
    promises_broken: np.ndarray
    sent: np.ndarray
    reads: np.ndarray
    replies: np.ndarray
    link_opens: np.ndarray
    reachable_channels: np.ndarray
    company: np.ndarray
    country: np.ndarray  # ISO codes (object array)

    def __len__(self) -> int:
        return len(self.debtor_ids)

    def has_history(self) -> np.ndarray:
        """Debtors with anything to learn from: a payment, a promise or a contact sent."""
        return (
            (self.payments_before > 0)
            | (self.promises_kept + self.promises_broken > 0)
            | (self.sent > 0)
        )


def matrix(raw: Raw) -> np.ndarray:
    """The model's input (float64, one row per debtor, columns as ``FEATURES``)."""
    sent = raw.sent.astype(float)
    columns = [
        np.clip(raw.days_past_due, -60, 720) / 30.0,
        np.log1p(np.maximum(raw.balance, 0.0)),
        np.minimum(raw.open_debts, 20),
        np.log1p(np.maximum(raw.debt_age, 0.0)),
        np.log1p(raw.payments_before),
        np.clip(raw.payment_delay, -60, 365) / 30.0,
        np.minimum(raw.promises_kept, 10),
        np.minimum(raw.promises_broken, 10),
        np.where(sent > 0, raw.reads / np.maximum(sent, 1.0), 0.0),
        np.log1p(raw.replies),
        np.log1p(raw.link_opens),
        (sent == 0).astype(float),
        np.minimum(raw.reachable_channels, 5),
        raw.company.astype(float),
        *((raw.country == code).astype(float) for code in COUNTRIES),
    ]
    return np.column_stack(columns).astype(np.float64)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.get_current_timezone())


def load_raw(creditor_id: int, as_of: date) -> Raw:
    """The facts of the creditor's debtors who owed something at the start of ``as_of``.

    Point in time: debts created before ``as_of``, their balance less the
    payments made before it, and only events before it, so that a snapshot
    some days back and what happened after it make a training example.
    """
    start = _moment(as_of)
    since = start - timedelta(days=ACTIVITY_DAYS)
    debts = (
        Debt.objects.filter(creditor_id=creditor_id, created_at__lt=start)
        .exclude(status__in=(Debt.Status.WRITTEN_OFF, Debt.Status.DISPUTED))
        .annotate(
            paid_before=Coalesce(
                Sum(
                    "allocations__amount",
                    filter=Q(
                        allocations__payment__paid_at__lt=start,
                        allocations__payment__status=Payment.Status.RECEIVED,
                    ),
                ),
                0,
                output_field=Debt._meta.get_field("amount"),
            )
        )
        .values_list("debtor_id", "amount", "paid_before", "due_on", "created_at")
    )
    owed: defaultdict[int, list[Any]] = defaultdict(lambda: [0.0, 0, None, None])
    for debtor_id, amount, paid, due_on, created in debts.iterator(chunk_size=20000):
        left = float(amount - paid)
        if left <= 0.005:
            continue
        entry = owed[debtor_id]
        entry[0] += left
        entry[1] += 1
        entry[2] = due_on if entry[2] is None else min(entry[2], due_on)
        created_day = created.date()
        entry[3] = created_day if entry[3] is None else min(entry[3], created_day)
    ids = np.array(sorted(owed), dtype=np.int64)
    index = {int(debtor_id): position for position, debtor_id in enumerate(ids)}
    size = len(ids)

    def zeros() -> np.ndarray:
        return np.zeros(size, dtype=np.float64)

    balance, open_debts, dpd, age = zeros(), zeros(), zeros(), zeros()
    for debtor_id, (left, count, oldest_due, oldest_created) in owed.items():
        at = index[debtor_id]
        balance[at], open_debts[at] = left, count
        dpd[at] = (as_of - oldest_due).days
        age[at] = (as_of - oldest_created).days

    def counted(rows: Any, *columns: np.ndarray) -> None:
        for debtor_id, *values in rows:
            at = index.get(debtor_id)
            if at is None:
                continue
            for column, value in zip(columns, values, strict=True):
                column[at] = float(value or 0)

    payments, delay = zeros(), zeros()
    delays: defaultdict[int, list[int]] = defaultdict(list)
    paid_rows = Payment.objects.filter(
        creditor_id=creditor_id, paid_at__lt=start, status=Payment.Status.RECEIVED
    ).values_list("debtor_id", "paid_at", "allocations__debt__due_on")
    counted_ids: defaultdict[int, int] = defaultdict(int)
    for debtor_id, paid_at, due_on in paid_rows.iterator(chunk_size=20000):
        if debtor_id not in index:
            continue
        counted_ids[debtor_id] += 1
        if due_on is not None:
            delays[debtor_id].append((paid_at.date() - due_on).days)
    for debtor_id, count in counted_ids.items():
        payments[index[debtor_id]] = count
    for debtor_id, found in delays.items():
        delay[index[debtor_id]] = sum(found) / len(found)

    kept, broken = zeros(), zeros()
    counted(
        Promise.objects.filter(creditor_id=creditor_id, promised_on__lt=as_of)
        .values("debtor_id")
        .annotate(
            kept=Count("id", filter=Q(status=Promise.Status.KEPT)),
            broken=Count("id", filter=Q(status=Promise.Status.BROKEN)),
        )
        .values_list("debtor_id", "kept", "broken"),
        kept,
        broken,
    )
    sent, reads = zeros(), zeros()
    counted(
        Outreach.objects.filter(creditor_id=creditor_id, sent_at__gte=since, sent_at__lt=start)
        .values("debtor_id")
        .annotate(sent=Count("id"), reads=Count("id", filter=Q(read_at__lt=start)))
        .values_list("debtor_id", "sent", "reads"),
        sent,
        reads,
    )
    replies = zeros()
    counted(
        Message.objects.filter(
            thread__creditor_id=creditor_id,
            direction=Message.Direction.IN,
            occurred_at__gte=since,
            occurred_at__lt=start,
        )
        .values("thread__debtor_id")
        .annotate(count=Count("id"))
        .values_list("thread__debtor_id", "count"),
        replies,
    )
    opens = zeros()
    counted(
        PaymentLinkOpen.objects.filter(
            link__creditor_id=creditor_id, opened_at__gte=since, opened_at__lt=start
        )
        .values("link__debtor_id")
        .annotate(count=Count("id"))
        .values_list("link__debtor_id", "count"),
        opens,
    )
    reachable = zeros()
    channels: defaultdict[int, set[str]] = defaultdict(set)
    for debtor_id, names in (
        ContactPoint.objects.filter(
            debtor__creditor_id=creditor_id, opted_out_at__isnull=True, invalid_since__isnull=True
        )
        .values_list("debtor_id", "channels")
        .iterator(chunk_size=20000)
    ):
        if debtor_id in index:
            channels[debtor_id].update(names or ())
    for debtor_id, names in channels.items():
        reachable[index[debtor_id]] = len(names)
    company = zeros()
    country = np.full(size, "", dtype=object)
    for debtor_id, kind, code in (
        Debtor.objects.filter(creditor_id=creditor_id)
        .values_list("id", "kind", "country")
        .iterator(chunk_size=20000)
    ):
        place = index.get(debtor_id)
        if place is not None:
            company[place] = kind == Debtor.Kind.COMPANY
            country[place] = code
    return Raw(
        ids, dpd, balance, open_debts, age, payments, delay, kept, broken, sent, reads, replies,
        opens, reachable, company, country,
    )  # fmt: skip


def paid_within(creditor_id: int, debtor_ids: np.ndarray, start: date, days: int) -> np.ndarray:
    """1.0 for each debtor who made a payment in [``start``, ``start`` + ``days``)."""
    begin = _moment(start)
    payers = set(
        Payment.objects.filter(
            creditor_id=creditor_id,
            status=Payment.Status.RECEIVED,
            paid_at__gte=begin,
            paid_at__lt=begin + timedelta(days=days),
        )
        .values_list("debtor_id", flat=True)
        .distinct()
    )
    return np.array([float(int(debtor_id) in payers) for debtor_id in debtor_ids])
