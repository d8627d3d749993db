"""Audit events: the record of every change to a debtor's debts and payments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from recaudo.portfolio.models import AuditEvent, Debt, Debtor, Payment


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def build_event(
    kind: str,
    *,
    creditor_id: int,
    actor: str,
    debtor_id: int | None = None,
    debt_id: int | None = None,
    payment_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """An unsaved event, for callers that write many at once with bulk_create."""
    return AuditEvent(
        kind=kind,
        creditor_id=creditor_id,
        debtor_id=debtor_id,
        debt_id=debt_id,
        payment_id=payment_id,
        actor=actor,
        data=_jsonable(data or {}),
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value differs, as ``{field: [old, new]}``."""
    return {
        field: [before.get(field), value]
        for field, value in after.items()
        if before.get(field) != value
    }


def debt_status_changed(debt: Debt, old: str, *, actor: str, reason: str) -> AuditEvent:
    return AuditEvent.objects.create(
        kind=AuditEvent.Kind.DEBT_STATUS_CHANGED,
        creditor_id=debt.creditor_id,
        debtor_id=debt.debtor_id,
        debt=debt,
        actor=actor,
        data={"from": old, "to": debt.status, "reason": reason},
    )


def payment_recorded(payment: Payment, allocations: list[tuple[Debt, Decimal]], *, actor: str) -> AuditEvent:
    return AuditEvent.objects.create(
        kind=AuditEvent.Kind.PAYMENT_RECORDED,
        creditor_id=payment.creditor_id,
        debtor_id=payment.debtor_id,
        payment=payment,
        actor=actor,
        data=_jsonable(
            {
                "external_id": payment.external_id,
                "amount": payment.amount,
                "currency": payment.currency,
                "paid_at": payment.paid_at,
                "allocations": [
                    {"debt": debt.external_id, "amount": amount} for debt, amount in allocations
                ],
                "unallocated": payment.unallocated,
            }
        ),
    )


def debtor_event(debtor: Debtor, kind: str, *, actor: str, data: dict[str, Any]) -> AuditEvent:
    return AuditEvent.objects.create(
        kind=kind, creditor_id=debtor.creditor_id, debtor=debtor, actor=actor, data=_jsonable(data)
    )
