"""The staff home: today's work and headline figures, for the user's creditors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from recaudo.conversations.calls import worklist
from recaudo.conversations.desk import staff_zone
from recaudo.conversations.models import Thread
from recaudo.conversations.scope import Scope, creditor_scope, scoped, visible_threads
from recaudo.languages import staff_money
from recaudo.payments.models import DebtorReport, DebtorRequest
from recaudo.portfolio.models import Debt, Payment


@dataclass(frozen=True)
class Work:
    queue: int
    mine: int
    calls_due: int
    reviews_waiting: int
    approvals_waiting: int


@dataclass(frozen=True)
class Figure:
    currency: str
    open_balance: str
    paid_this_month: str


def pending_requests(scope: Scope) -> QuerySet[DebtorRequest]:
    return scoped(DebtorRequest.objects.filter(status=DebtorRequest.Status.PENDING), scope)


def pending_reviews(scope: Scope) -> QuerySet[DebtorReport]:
    reviews = DebtorReport.objects.filter(status=DebtorReport.Status.PENDING).exclude(
        kind=DebtorReport.Kind.PAUSE
    )
    return scoped(reviews, scope)


def todays_work(user: User) -> Work:
    scope = creditor_scope(user)
    queue = visible_threads(user).filter(state__in=Thread.QUEUE_STATES)
    return Work(
        queue=queue.count(),
        mine=queue.filter(assigned_to=user).count(),
        calls_due=worklist(user).count(),
        reviews_waiting=pending_reviews(scope).count(),
        approvals_waiting=pending_requests(scope).count(),
    )


# The headline figures add up every open debt in scope: a few minutes old is fine.
FIGURES_SECONDS = 300


def figures(user: User, now: datetime | None = None) -> list[Figure]:
    """Open balance and payments received this month, per currency.

    "This month" is the calendar month in the user's zone (``desk.staff_zone``: their
    creditors' team zone, else ``STAFF_TIME_ZONE``), whatever zone the request runs
    in. The totals are kept in the cache for ``FIGURES_SECONDS`` per scope and month
    (on 1M debts the sum takes about 0.3 s); they are formatted for each reader.
    """
    now = (now or timezone.now()).astimezone(ZoneInfo(staff_zone(user)))
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    scope = creditor_scope(user)
    name = "*" if scope is None else ",".join(map(str, sorted(scope)))
    key = (
        "staff-figures:" + hashlib.sha256(f"{name}|{month_start.isoformat()}".encode()).hexdigest()
    )
    totals: dict[str, list[str]] | None = cache.get(key)
    if totals is None:
        totals = _totals(scope, month_start)
        cache.set(key, totals, FIGURES_SECONDS)
    return [
        Figure(currency, staff_money(Decimal(owed), currency), staff_money(Decimal(paid), currency))
        for currency, (owed, paid) in sorted(totals.items())
    ]


def _totals(scope: Scope, month_start: datetime) -> dict[str, list[str]]:
    open_rows = (
        scoped(Debt.objects.filter(status__in=Debt.COLLECTIBLE), scope)
        .values("currency")
        .annotate(total=Sum(F("amount") - F("amount_paid")))
    )
    paid_rows = (
        scoped(
            Payment.objects.filter(status=Payment.Status.RECEIVED, paid_at__gte=month_start),
            scope,
        )
        .values("currency")
        .annotate(total=Sum("amount"))
    )
    open_by = {row["currency"]: row["total"] or Decimal(0) for row in open_rows}
    paid_by = {row["currency"]: row["total"] or Decimal(0) for row in paid_rows}
    return {
        currency: [str(open_by.get(currency, Decimal(0))), str(paid_by.get(currency, Decimal(0)))]
        for currency in set(open_by) | set(paid_by)
    }
