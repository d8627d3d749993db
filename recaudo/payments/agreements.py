"""Daily upkeep of agreements: broken promises and missed instalments.

Run by ``recaudo settle_agreements`` (once a day is enough; it is idempotent).
It also queues the notices: ``promise_broken`` and ``plan_broken`` with each
break, and a reminder the day before each promise and each instalment.
A plan whose pending instalment is more than the creditor's grace days late
is broken and its debts go back to ``open`` (so the policy resumes); a
promise whose date passed unkept is broken. Both are one transaction each.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from recaudo.payments.models import Instalment, InstalmentPlan
from recaudo.payments.promises import break_overdue_promises
from recaudo.payments.reminders import plan_broken, remind_instalments, remind_promises
from recaudo.payments.terms import creditor_settings
from recaudo.portfolio import events
from recaudo.portfolio.models import Debt


def break_missed_plans(today: date) -> list[int]:
    """Break active plans with an instalment unpaid beyond the grace period; their ids."""
    broken = []
    candidates = InstalmentPlan.objects.filter(
        status=InstalmentPlan.Status.ACTIVE,
        instalments__status=Instalment.Status.PENDING,
        instalments__due_on__lt=today,
    ).distinct()
    for plan in candidates.select_related("creditor"):
        grace = creditor_settings(plan.creditor).plan_grace_days
        if plan.instalments.filter(
            status=Instalment.Status.PENDING, due_on__lt=today - timedelta(days=grace)
        ).exists() and _break(plan.pk, today - timedelta(days=grace)):
            broken.append(plan.pk)
    return broken


def _break(plan_id: int, late_before: date) -> bool:
    with transaction.atomic():
        plan = InstalmentPlan.objects.select_for_update().get(pk=plan_id)
        if plan.status != InstalmentPlan.Status.ACTIVE:
            return False
        now = timezone.now()
        plan.instalments.filter(status=Instalment.Status.PENDING, due_on__lt=late_before).update(
            status=Instalment.Status.MISSED
        )
        plan.status = InstalmentPlan.Status.BROKEN
        plan.ended_at = now
        plan.save(update_fields=["status", "ended_at"])
        for debt in plan.debts.filter(status=Debt.Status.IN_ARRANGEMENT):
            Debt.objects.filter(pk=debt.pk).update(status=Debt.Status.OPEN)
            debt.status = Debt.Status.OPEN
            events.debt_status_changed(
                debt,
                Debt.Status.IN_ARRANGEMENT,
                actor="payments:plan",
                reason=f"plan {plan.pk} broken",
            )
        plan_broken(plan)
        return True


def settle_agreements(today: date) -> dict[str, int]:
    """The daily run: settle what is due, then remind about what falls due tomorrow."""
    return {
        "promises_broken": break_overdue_promises(today),
        "plans_broken": len(break_missed_plans(today)),
        "promise_reminders": remind_promises(today),
        "instalment_reminders": remind_instalments(today),
    }
