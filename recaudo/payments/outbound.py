"""What the payments app tells the company's systems: promises, plans, disputes, reviews.

Each function builds the event's ``data`` and emits it (``portfolio/outbound.py``)
in the caller's transaction. Payloads: docs/integrations.md#event-types.
"""

from __future__ import annotations

from typing import Any

from recaudo.payments.models import DebtorReport, DebtorRequest, InstalmentPlan, Promise
from recaudo.portfolio.outbound import EventType, emit


def _debts(row: Any) -> list[str]:
    return sorted(row.debts.values_list("external_id", flat=True))


def promise(item: Promise, type: str) -> None:
    emit(
        type,
        creditor_id=item.creditor_id,
        debtor_id=item.debtor_id,
        data={
            "promise": {
                "id": item.pk,
                "amount": str(item.amount),
                "currency": item.currency,
                "promised_on": item.promised_on.isoformat(),
                "status": type.split(".")[1] if type != EventType.PROMISE_MADE else "pending",
                "source": item.source,
                "debts": _debts(item),
            }
        },
    )


def plan(item: InstalmentPlan, type: str) -> None:
    emit(
        type,
        creditor_id=item.creditor_id,
        debtor_id=item.debtor_id,
        data={
            "plan": {
                "id": item.pk,
                "total": str(item.total),
                "down_payment": str(item.down_payment),
                "currency": item.currency,
                "instalment_count": item.instalment_count,
                "status": {
                    EventType.PLAN_AGREED: InstalmentPlan.Status.ACTIVE,
                    EventType.PLAN_BROKEN: InstalmentPlan.Status.BROKEN,
                    EventType.PLAN_COMPLETED: InstalmentPlan.Status.COMPLETED,
                }[type],
                "source": item.source,
                "debts": _debts(item),
            }
        },
    )


def dispute(report: DebtorReport, type: str) -> None:
    """A debtor's report ("ya pagué" or a dispute); staff pauses are not disputes."""
    if report.kind == DebtorReport.Kind.PAUSE:
        return
    emit(
        type,
        creditor_id=report.creditor_id,
        debtor_id=report.debtor_id,
        data={
            "dispute": {
                "id": report.pk,
                "kind": report.kind,
                "status": report.status,
                "debt": report.debt.external_id,
                "source": report.source,
                "reason": report.reason,
            }
        },
    )


def review(request: DebtorRequest) -> None:
    emit(
        EventType.REVIEW_DECIDED,
        creditor_id=request.creditor_id,
        debtor_id=request.debtor_id,
        data={
            "request": {
                "id": request.pk,
                "kind": request.kind,
                "status": request.status,
                "decided_by": request.decided_by,
                "new_due_on": request.new_due_on.isoformat() if request.new_due_on else None,
                "amount": str(request.amount) if request.amount is not None else None,
                "currency": request.currency,
                "discount_percent": (
                    str(request.discount_percent) if request.discount_percent is not None else None
                ),
            }
        },
    )
