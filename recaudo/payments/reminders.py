"""Notices around agreements: reminders the day before, and a kind word when one breaks.

Each goes through ``outreach.notify`` with a key naming the promise, the
instalment or the plan, so a daily run repeated (or run twice) queues each
notice once. The templates are the default ones: ``promise_reminder`` (also
used for an instalment, whose date and amount fill the same blanks),
``promise_broken`` and ``plan_broken``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef

from recaudo.outreach.models import Outreach
from recaudo.outreach.notify import notify
from recaudo.payments.models import DebtorReport, Instalment, InstalmentPlan, Promise
from recaudo.payments.rules import from_minor_units, minor_units
from recaudo.portfolio.models import Debt, Debtor


def promise_context(promised_on: date, amount: Decimal, currency: str) -> dict[str, str]:
    """The template's blanks, the amount in the currency's minor unit (as stored in JSON)."""
    exact = from_minor_units(minor_units(amount, currency), currency)
    return {"promise_date": promised_on.isoformat(), "promise_amount": str(exact)}


def remind_promises(today: date) -> int:
    """Queue ``promise_reminder`` for each pending promise due tomorrow; how many were new."""
    queued = 0
    due = Promise.objects.filter(
        status=Promise.Status.PENDING, promised_on=today + timedelta(days=1)
    ).select_related("debtor", "debtor__creditor")
    for promise in due:
        key = f"promise-reminder:{promise.pk}"
        if _queue(
            promise.debtor,
            key,
            promise_context(promise.promised_on, promise.amount, promise.currency),
            list(promise.debts.all()),
        ):
            queued += 1
    return queued


def remind_instalments(today: date) -> int:
    """Queue a reminder for each pending instalment of an active plan due tomorrow.

    None while a report ("ya pagué" or a dispute) on one of the plan's debts
    waits for review: the plan's reminders pause with it (and the plan is not
    broken meanwhile, ``agreements.break_missed_plans``).
    """
    queued = 0
    reported = DebtorReport.objects.filter(
        debt__instalment_plans=OuterRef("plan"), status=DebtorReport.Status.PENDING
    )
    due = (
        Instalment.objects.filter(
            status=Instalment.Status.PENDING,
            plan__status=InstalmentPlan.Status.ACTIVE,
            due_on=today + timedelta(days=1),
        )
        .exclude(Exists(reported))
        # Charged automatically: told ``debit_notice_days`` before instead (payments.debit).
        .exclude(plan__mandates__status="active")
        .select_related("plan__debtor", "plan__debtor__creditor")
    )
    for instalment in due:
        key = f"instalment-reminder:{instalment.pk}"
        if _queue(
            instalment.plan.debtor,
            key,
            promise_context(instalment.due_on, instalment.amount, instalment.plan.currency),
            list(instalment.plan.debts.all()),
        ):
            queued += 1
    return queued


def promise_broken(promise: Promise) -> None:
    notify(
        promise.debtor,
        "promise_broken",
        key=f"promise-broken:{promise.pk}",
        context=promise_context(promise.promised_on, promise.amount, promise.currency),
        debts=list(promise.debts.all()),
    )


def plan_broken(plan: InstalmentPlan) -> None:
    notify(plan.debtor, "plan_broken", key=f"plan-broken:{plan.pk}", debts=list(plan.debts.all()))


def _queue(debtor: Debtor, key: str, context: dict[str, str], debts: list[Debt]) -> bool:
    if Outreach.objects.for_notice(key).exists():
        return False
    return notify(debtor, "promise_reminder", key=key, context=context, debts=debts) is not None
