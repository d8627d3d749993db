"""Agreements over payments: instalments paid, promises kept, and the daily upkeep.

``after_payment(payment)`` runs in the transaction of every payment recorded
or reversed, whatever its route (portal, provider webhook, API, import,
admin, an agent confirming a receipt): ``portfolio.actions`` calls it (the
payments app registers it at start-up). What was paid toward the debts of
the debtor's active plan since the plan was agreed covers its instalments
oldest first; pending promises covered by payments are kept.

Daily upkeep: broken promises and missed instalments.

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

from recaudo.payments import outbound
from recaudo.payments.debit import OWING, cancel_with_plan, paid_toward
from recaudo.payments.debit_charges import notify_upcoming_debits, retries_ahead
from recaudo.payments.debit_mercadopago import reconcile_preapprovals, sync_preapprovals
from recaudo.payments.models import DebtorReport, Instalment, InstalmentPlan
from recaudo.payments.promises import break_overdue_promises, keep_paid_promises
from recaudo.payments.reminders import plan_broken, remind_instalments, remind_promises
from recaudo.payments.reports import resume_unreviewed
from recaudo.payments.rules import instalments_covered
from recaudo.payments.terms import creditor_settings
from recaudo.portfolio import events
from recaudo.portfolio.models import Debt, Payment
from recaudo.portfolio.outbound import EventType


def after_payment(payment: Payment) -> None:
    """A payment was recorded or reversed: bring the debtor's agreements up to date."""
    taken_back = payment.status == Payment.Status.REVERSED
    if taken_back:
        reopen_completed_plan(payment)
    count_toward_plan(payment.debtor_id, undo=taken_back)
    keep_paid_promises(payment.debtor_id)


def reopen_completed_plan(payment: Payment) -> InstalmentPlan | None:
    """A reversed payment had completed a plan: the plan is active again; which plan.

    Without this the plan stayed ``completed`` with every instalment ``paid``
    while the money of one was gone. The instalments it cancelled as settled
    early are owed again; ``count_toward_plan(undo=True)`` then puts back to
    pending what the remaining payments do not cover. A plan's mandate was
    cancelled when it completed and stays so: what is pending is paid by hand.
    Nothing changes while the debtor has another active plan, or when the
    plan's debts still owe nothing.
    """
    if InstalmentPlan.objects.filter(
        debtor_id=payment.debtor_id, status=InstalmentPlan.Status.ACTIVE
    ).exists():
        return None
    plan = (
        InstalmentPlan.objects.filter(
            debtor_id=payment.debtor_id,
            status=InstalmentPlan.Status.COMPLETED,
            debts__in=payment.allocations.values("debt_id"),
            created_at__lte=payment.created_at,
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if plan is None or not any(debt.balance > 0 for debt in plan.debts.all()):
        return None
    InstalmentPlan.objects.filter(pk=plan.pk).update(
        status=InstalmentPlan.Status.ACTIVE, ended_at=None
    )
    owed_again = plan.instalments.filter(status=Instalment.Status.CANCELLED)
    _due_from_today(list(owed_again.values_list("pk", flat=True)))
    owed_again.update(status=Instalment.Status.PENDING)
    return plan


def _due_from_today(instalment_ids: list[int]) -> None:
    """Instalments owed again after money was taken back fall due today at the earliest:
    the debtor is told to pay them now, so the plan's grace counts from today, not from
    a date already past (which would break the plan at the next daily run)."""
    today = timezone.localdate()
    Instalment.objects.filter(pk__in=instalment_ids, due_on__lt=today).update(due_on=today)


def count_toward_plan(debtor_id: int, *, undo: bool = False) -> int:
    """Mark paid the instalments that payments since the plan cover, oldest first.

    What counts is the money applied to the plan's debts by payments recorded
    after the plan was agreed (a reversed payment no longer counts; with
    ``undo`` the instalments it had covered go back to pending). The plan is
    completed when every instalment is paid or nothing is left owing on its
    debts; then the instalments no money covered are ``cancelled``. Returns how
    many instalments became paid.
    """
    plan = InstalmentPlan.objects.filter(
        debtor_id=debtor_id, status=InstalmentPlan.Status.ACTIVE
    ).first()
    if plan is None:
        return 0
    paid = paid_toward(plan)
    instalments = list(plan.instalments.order_by("number"))
    covered = instalments_covered([item.amount for item in instalments], paid)
    now = timezone.now()
    newly_paid = Instalment.objects.filter(
        pk__in=[item.pk for item in instalments[:covered]], status=Instalment.Status.PENDING
    ).update(status=Instalment.Status.PAID, paid_at=now)
    if undo:
        uncovered = Instalment.objects.filter(
            pk__in=[item.pk for item in instalments[covered:]], status=Instalment.Status.PAID
        )
        _due_from_today(list(uncovered.values_list("pk", flat=True)))
        uncovered.update(status=Instalment.Status.PENDING, paid_at=None)
        # A debt the reversed payment had paid was opened again: it is the plan's,
        # so its instalments, not the policy's reminders, collect it.
        for debt in plan.debts.filter(status=Debt.Status.OPEN):
            debt.status = Debt.Status.IN_ARRANGEMENT
            debt.save(update_fields=["status", "updated_at"])
            events.debt_status_changed(
                debt,
                Debt.Status.OPEN,
                actor="payments:plan",
                reason=f"back in plan {plan.pk}: a payment was reversed",
            )
    # A debt paused by a report ("ya pagué", a dispute) is still owed until reviewed.
    still_owed = any(debt.balance > 0 for debt in plan.debts.filter(status__in=OWING))
    if not still_owed or not plan.instalments.exclude(status=Instalment.Status.PAID).exists():
        if not still_owed:
            # Settled early (a discount, a write-off): what no money covered is
            # not owed any more; no reminder names it (``remind_instalments``).
            plan.instalments.filter(status=Instalment.Status.PENDING).update(
                status=Instalment.Status.CANCELLED
            )
        if InstalmentPlan.objects.filter(pk=plan.pk, status=InstalmentPlan.Status.ACTIVE).update(
            status=InstalmentPlan.Status.COMPLETED, ended_at=now
        ):
            outbound.plan(plan, EventType.PLAN_COMPLETED)
            cancel_with_plan(plan.pk)
    return newly_paid


def break_missed_plans(today: date) -> list[int]:
    """Break active plans with an instalment unpaid beyond the grace period; their ids."""
    broken = []
    late = InstalmentPlan.objects.filter(
        status=InstalmentPlan.Status.ACTIVE,
        instalments__status=Instalment.Status.PENDING,
        instalments__due_on__lt=today,
    ).distinct()
    for debtor_id in set(late.values_list("debtor_id", flat=True)):
        # Payments recorded before their route counted toward plans still count.
        with transaction.atomic():
            count_toward_plan(debtor_id)
    candidates = InstalmentPlan.objects.filter(
        status=InstalmentPlan.Status.ACTIVE,
        instalments__status=Instalment.Status.PENDING,
        instalments__due_on__lt=today,
    ).distinct()
    for plan in candidates.select_related("creditor"):
        if DebtorReport.objects.filter(
            debt__in=plan.debts.all(), status=DebtorReport.Status.PENDING
        ).exists():
            continue  # the debtor says it is paid: not broken while staff review it
        if retries_ahead(plan, today):
            continue  # direct debit: broken only once its retries are spent (payments.debit)
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
        cancel_with_plan(plan.pk)
        for debt in plan.debts.filter(status=Debt.Status.IN_ARRANGEMENT):
            Debt.objects.filter(pk=debt.pk).update(status=Debt.Status.OPEN)
            debt.status = Debt.Status.OPEN
            events.debt_status_changed(
                debt,
                Debt.Status.IN_ARRANGEMENT,
                actor="payments:plan",
                reason=f"plan {plan.pk} broken",
            )
        outbound.plan(plan, EventType.PLAN_BROKEN)
        plan_broken(plan)
        return True


def settle_agreements(today: date) -> dict[str, int]:
    """The daily run: settle what is due, then remind about what falls due tomorrow."""
    return {
        # First: a Mercado Pago charge whose notice was lost pays before plans are judged.
        "debit_reconciled": reconcile_preapprovals(),
        "promises_broken": break_overdue_promises(today),
        "plans_broken": len(break_missed_plans(today)),
        "promise_reminders": remind_promises(today),
        "instalment_reminders": remind_instalments(today),
        # Mercado Pago's preapprovals get the next amount before its notice goes.
        "debit_synced": sync_preapprovals(today),
        "debit_notices": notify_upcoming_debits(today),
        "reports_resumed": resume_unreviewed(today),
    }
