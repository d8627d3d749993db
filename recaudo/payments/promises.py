"""Promises to pay, as the planner and the worker see them.

``debts_under_promise(debtor_ids)`` is the planner's hook: the ids of debts
covered by a pending promise, which get no collection reminder until the
promise is kept or broken. ``keep_paid_promises(debtor_id)`` marks kept the
pending promises that payments made since have covered (called when a
payment is recorded through the portal, and daily for payments arriving by
import or API). ``break_overdue_promises(today)`` first keeps what was paid,
then breaks the pending promises dated before ``today`` (the policy resumes).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from recaudo.payments import outbound
from recaudo.payments.models import Promise
from recaudo.payments.reminders import promise_broken
from recaudo.portfolio.models import Payment
from recaudo.portfolio.outbound import EventType


def debts_under_promise(debtor_ids: Iterable[int]) -> set[int]:
    ids = list(debtor_ids)
    if not ids:
        return set()
    return set(
        Promise.debts.through.objects.filter(
            promise__debtor_id__any=ids, promise__status=Promise.Status.PENDING
        ).values_list("debt_id", flat=True)
    )


def keep_paid_promises(debtor_id: int) -> int:
    """A pending promise is kept once what was paid since it was made reaches its amount."""
    kept = 0
    for promise in Promise.objects.filter(debtor_id=debtor_id, status=Promise.Status.PENDING):
        paid = Payment.objects.filter(
            debtor_id=debtor_id,
            currency=promise.currency,
            created_at__gte=promise.created_at,
            paid_at__date__lte=promise.promised_on,
            status=Payment.Status.RECEIVED,
        ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        if paid >= promise.amount and Promise.objects.filter(
            pk=promise.pk, status=Promise.Status.PENDING
        ).update(status=Promise.Status.KEPT, settled_at=timezone.now()):
            kept += 1
            outbound.promise(promise, EventType.PROMISE_KEPT)
    return kept


def break_overdue_promises(today: date) -> int:
    """Pending promises dated before ``today`` and not covered by payments become broken.

    Each break and its ``promise_broken`` notice commit together, once per promise.
    """
    overdue = Promise.objects.filter(status=Promise.Status.PENDING, promised_on__lt=today)
    for debtor_id in set(overdue.values_list("debtor_id", flat=True)):
        with transaction.atomic():
            keep_paid_promises(debtor_id)
    # A promise whose debts are under an active plan was folded into it (a plan
    # agreed before plans superseded promises): it is not broken.
    overdue.filter(debts__instalment_plans__status="active").update(
        status=Promise.Status.SUPERSEDED, settled_at=timezone.now()
    )
    broken = 0
    for promise in overdue.select_related("debtor", "debtor__creditor"):
        with transaction.atomic():
            if Promise.objects.filter(pk=promise.pk, status=Promise.Status.PENDING).update(
                status=Promise.Status.BROKEN, settled_at=timezone.now()
            ):
                broken += 1
                outbound.promise(promise, EventType.PROMISE_BROKEN)
                promise_broken(promise)
    return broken


def promise_record(debtor_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """(kept, broken) promises per debtor: a signal for insights and for agents.

    Debtors without a settled promise are absent.
    """
    from django.db.models import Count, Q

    rows = (
        Promise.objects.filter(debtor_id__in=list(debtor_ids))
        .values("debtor_id")
        .annotate(
            kept=Count("id", filter=Q(status=Promise.Status.KEPT)),
            broken=Count("id", filter=Q(status=Promise.Status.BROKEN)),
        )
    )
    return {
        row["debtor_id"]: (row["kept"], row["broken"])
        for row in rows
        if row["kept"] or row["broken"]
    }
