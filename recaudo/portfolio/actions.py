"""State changes to the portfolio. Each public function is one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext

from recaudo.portfolio import events
from recaudo.portfolio.models import (
    AuditEvent,
    Creditor,
    Debt,
    Debtor,
    Payment,
    PaymentAllocation,
)
from recaudo.portfolio.rules import (
    InputError,
    OpenDebt,
    allocate_payment,
    clean_preferred_hours,
)


class PaymentConflict(InputError):
    """The external id is already used by a payment with other details."""


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    created: bool


PaymentFollowUp = Callable[[Payment], None]
_follow_ups: list[PaymentFollowUp] = []


def add_payment_follow_up(follow_up: PaymentFollowUp) -> None:
    """Run ``follow_up(payment)`` whenever a payment is recorded or reversed, by any route.

    It runs inside the payment's own transaction, after its allocations. The
    portfolio is the lowest app and cannot import the apps that hold
    agreements over payments (instalment plans, promises); they register
    here once at start-up (``AppConfig.ready``), so a transfer recorded by an
    import, the API, the admin or an agent counts exactly as a portal payment
    does. An explicit list, not a Django signal: one place to read who runs.
    """
    if follow_up not in _follow_ups:
        _follow_ups.append(follow_up)


def _follow_up(payment: Payment) -> None:
    for follow_up in _follow_ups:
        follow_up(payment)


def record_payment(
    *,
    creditor: Creditor,
    debtor: Debtor,
    external_id: str,
    amount: Decimal,
    currency: str,
    paid_at: datetime,
    method: str = "",
    debt: Debt | None = None,
    actor: str,
) -> PaymentResult:
    """Record a payment once and apply it to what the debtor owes.

    Idempotent by ``external_id``: the same payment again returns the stored
    one and changes nothing; the same id with another amount, currency or
    debtor is a conflict. Payments of one debtor are serialised by locking the
    debtor's row, so concurrent payments never lose an update.
    """
    if debt is not None and debt.debtor_id != debtor.pk:
        raise InputError(
            "debt_id", gettext("la deuda %(id)s es de otro deudor") % {"id": debt.external_id}
        )
    if debt is not None and debt.currency != currency:
        raise InputError(
            "currency",
            gettext("el pago está en %(currency)s pero la deuda %(id)s está en %(debt_currency)s")
            % {"currency": currency, "id": debt.external_id, "debt_currency": debt.currency},
        )
    with transaction.atomic():
        Debtor.objects.select_for_update().filter(pk=debtor.pk).first()
        existing = Payment.objects.filter(creditor=creditor, external_id=external_id).first()
        if existing is not None:
            return PaymentResult(_same_payment(existing, debtor, amount, currency), created=False)
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    creditor=creditor,
                    debtor=debtor,
                    external_id=external_id,
                    amount=amount,
                    currency=currency,
                    paid_at=paid_at,
                    method=method,
                    debt=debt,
                )
        except IntegrityError:
            # Another debtor's payment took this id between our read and write.
            existing = Payment.objects.get(creditor=creditor, external_id=external_id)
            return PaymentResult(_same_payment(existing, debtor, amount, currency), created=False)

        # Money is applied to collectible debts; a disputed debt only when the
        # payer names it.
        statuses = [*Debt.COLLECTIBLE] + ([Debt.Status.DISPUTED] if debt is not None else [])
        open_debts = list(
            Debt.objects.filter(debtor=debtor, currency=currency, status__in=statuses)
        )
        by_id = {item.pk: item for item in open_debts}
        shares, remainder = allocate_payment(
            amount,
            [OpenDebt(item.pk, item.due_on, item.balance) for item in open_debts],
            target_debt_id=debt.pk if debt is not None else None,
        )
        applied: list[tuple[Debt, Decimal]] = []
        for share in shares:
            target = by_id[share.debt_id]
            PaymentAllocation.objects.create(payment=payment, debt=target, amount=share.amount)
            Debt.objects.filter(pk=target.pk).update(amount_paid=F("amount_paid") + share.amount)
            target.refresh_from_db(fields=["amount_paid", "amount", "status"])
            applied.append((target, share.amount))
            if target.balance == 0 and target.status != Debt.Status.PAID:
                old_status = target.status
                target.status = Debt.Status.PAID
                target.save(update_fields=["status", "updated_at"])
                events.debt_status_changed(
                    target, old_status, actor=actor, reason=f"payment {external_id}"
                )
        if remainder:
            payment.unallocated = remainder
            payment.save(update_fields=["unallocated"])
        events.payment_recorded(payment, applied, actor=actor)
        _follow_up(payment)
        return PaymentResult(payment, created=True)


def reverse_payment(payment: Payment, *, reason: str, actor: str) -> bool:
    """Undo a payment the provider took back (refund, chargeback): once, exactly.

    Each allocation is taken off its debt; a debt that was paid by it opens
    again, so it goes back on its policy. Returns False when it was already
    reversed. Serialised with other payments by the debtor's row lock.
    """
    with transaction.atomic():
        Debtor.objects.select_for_update().filter(pk=payment.debtor_id).first()
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == Payment.Status.REVERSED:
            return False
        for allocation in payment.allocations.select_related("debt"):
            debt = allocation.debt
            Debt.objects.filter(pk=debt.pk).update(amount_paid=F("amount_paid") - allocation.amount)
            debt.refresh_from_db(fields=["amount_paid", "amount", "status"])
            if debt.status == Debt.Status.PAID and debt.balance > 0:
                debt.status = Debt.Status.OPEN
                debt.save(update_fields=["status", "updated_at"])
                events.debt_status_changed(
                    debt, Debt.Status.PAID, actor=actor, reason=f"payment {payment.external_id} "
                    f"reversed: {reason}",
                )  # fmt: skip
        payment.status = Payment.Status.REVERSED
        payment.save(update_fields=["status"])
        events.payment_reversed(payment, actor=actor, reason=reason)
        _follow_up(payment)
        return True


def _same_payment(existing: Payment, debtor: Debtor, amount: Decimal, currency: str) -> Payment:
    if (
        existing.debtor_id != debtor.pk
        or existing.amount != amount
        or existing.currency != currency
    ):
        raise PaymentConflict(
            "external_id",
            gettext(
                "el pago %(id)s ya se registró por %(amount)s %(currency)s "
                "para el deudor %(debtor)s"
            )
            % {
                "id": existing.external_id,
                "amount": existing.amount,
                "currency": existing.currency,
                "debtor": existing.debtor.external_id,
            },
        )
    return existing


def set_contact_preferences(
    debtor: Debtor,
    *,
    channel: str,
    hours_from: time | None,
    hours_to: time | None,
    actor: str,
) -> bool:
    """Store how the debtor wants to be contacted, audited; False when nothing changed.

    ``channel`` empty means no preference; the caller checks it is one the
    debtor can be reached on (the portal offers only those).
    """
    hours_from, hours_to = clean_preferred_hours(hours_from, hours_to)
    with transaction.atomic():
        current = Debtor.objects.select_for_update().get(pk=debtor.pk)
        old = _preferences(current)
        new = (channel, hours_from, hours_to)
        if old == new:
            return False
        Debtor.objects.filter(pk=debtor.pk).update(
            preferred_channel=channel, preferred_hours_from=hours_from, preferred_hours_to=hours_to
        )
        debtor.preferred_channel = channel
        debtor.preferred_hours_from, debtor.preferred_hours_to = hours_from, hours_to
        names = ("preferred_channel", "preferred_hours_from", "preferred_hours_to")
        events.debtor_event(
            debtor,
            AuditEvent.Kind.DEBTOR_UPDATED,
            actor=actor,
            data={
                "changes": {
                    name: [_plain(before), _plain(after)]
                    for name, before, after in zip(names, old, new, strict=True)
                    if before != after
                }
            },
        )
        return True


def _preferences(debtor: Debtor) -> tuple[str, time | None, time | None]:
    return (debtor.preferred_channel, debtor.preferred_hours_from, debtor.preferred_hours_to)


def _plain(value: str | time | None) -> str:
    return value.strftime("%H:%M") if isinstance(value, time) else (value or "")
