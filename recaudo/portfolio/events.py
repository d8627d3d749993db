"""Audit events: the record of every change to a debtor's debts, payments and consents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from django.utils import timezone

from recaudo.bulk import RawJSON, insert_rows
from recaudo.portfolio import outbound
from recaudo.portfolio.models import AuditEvent, ContactPoint, Debt, Debtor, Payment
from recaudo.portfolio.outbound import EventType


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


class EventRow(NamedTuple):
    """An audit event not yet written; the bulk paths make many and save them at once."""

    creditor_id: int
    debtor_id: int | None
    debt_id: int | None
    payment_id: int | None
    kind: str
    actor: str
    data: dict[str, Any] | RawJSON  # RawJSON: already serialised


def event_row(
    kind: str,
    *,
    creditor_id: int,
    actor: str,
    debtor_id: int | None = None,
    debt_id: int | None = None,
    payment_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> EventRow:
    return EventRow(creditor_id, debtor_id, debt_id, payment_id, kind, actor, _jsonable(data or {}))


def save_events(items: list[EventRow] | list[AuditEvent]) -> None:
    """Write many events at once, stamped with the current time."""
    now = timezone.now()
    insert_rows(
        AuditEvent,
        (*EventRow._fields, "created_at"),
        [
            (e.creditor_id, e.debtor_id, e.debt_id, e.payment_id, e.kind, e.actor, e.data, now)
            for e in items
        ],
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


def payment_recorded(
    payment: Payment, allocations: list[tuple[Debt, Decimal]], *, actor: str
) -> AuditEvent:
    data = _jsonable(
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
    )
    outbound.emit(
        EventType.PAYMENT_RECORDED,
        creditor_id=payment.creditor_id,
        debtor_id=payment.debtor_id,
        data={"payment": {**data, "method": payment.method}},
    )
    return AuditEvent.objects.create(
        kind=AuditEvent.Kind.PAYMENT_RECORDED,
        creditor_id=payment.creditor_id,
        debtor_id=payment.debtor_id,
        payment=payment,
        actor=actor,
        data=data,
    )


def payment_reversed(payment: Payment, *, actor: str, reason: str) -> AuditEvent:
    outbound.emit(
        EventType.PAYMENT_REVERSED,
        creditor_id=payment.creditor_id,
        debtor_id=payment.debtor_id,
        data={
            "payment": _jsonable(
                {"external_id": payment.external_id, "amount": payment.amount,
                 "currency": payment.currency}
            ),
            "reason": reason,
        },
    )  # fmt: skip
    return AuditEvent.objects.create(
        kind=AuditEvent.Kind.PAYMENT_REVERSED,
        creditor_id=payment.creditor_id,
        debtor_id=payment.debtor_id,
        payment=payment,
        actor=actor,
        data=_jsonable(
            {"external_id": payment.external_id, "amount": payment.amount, "reason": reason}
        ),
    )


def debtor_event(debtor: Debtor, kind: str, *, actor: str, data: dict[str, Any]) -> AuditEvent:
    return AuditEvent.objects.create(
        kind=kind, creditor_id=debtor.creditor_id, debtor=debtor, actor=actor, data=_jsonable(data)
    )


def contact_point_event(
    point: ContactPoint, kind: str, *, actor: str, data: dict[str, Any]
) -> AuditEvent:
    """An opt-out or consent change on ``point`` (its debtor loaded: the creditor comes from it)."""
    outbound.emit(
        EventType.OPTED_OUT if kind == AuditEvent.Kind.OPT_OUT else EventType.CONSENT_CHANGED,
        creditor_id=point.debtor.creditor_id,
        debtor_id=point.debtor_id,
        data=_jsonable(
            {key: value for key, value in data.items() if key not in ("contact_point", "text")}
            | {"contact_point": {"kind": point.kind, "address": point.masked_value}}
        ),
    )
    return AuditEvent.objects.create(
        kind=kind,
        creditor_id=point.debtor.creditor_id,
        debtor_id=point.debtor_id,
        actor=actor[:200],
        data=_jsonable(data),
    )
