"""The staff home: today's work and headline figures, for the user's creditors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from recaudo.conversations.calls import worklist
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


def figures(user: User, now: datetime | None = None) -> list[Figure]:
    """Open balance and payments received this month (the reader's month), per currency."""
    now = timezone.localtime(now or timezone.now())
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    scope = creditor_scope(user)
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
    return [
        Figure(
            currency,
            staff_money(open_by.get(currency, Decimal(0)), currency),
            staff_money(paid_by.get(currency, Decimal(0)), currency),
        )
        for currency in sorted(set(open_by) | set(paid_by))
    ]
