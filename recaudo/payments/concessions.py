"""New due dates and discounts (quitas) asked for on the portal. One transaction each.

Within the segment's limits (``Segment.max_extension_days``,
``Segment.max_discount_percent``) a request is approved at once; beyond them it
waits as a ``DebtorRequest`` for a supervisor (admin actions approve / refuse).
An approved extension moves the debt's due date, and the contacts planned
for the old date are cancelled so the planner plans from the new one. An
approved discount is an offer: a checkout for ``amount``; once that payment
arrives, what is left of the debts is written off (``settle_discount``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.outreach.notify import notify
from recaudo.outreach.settle import cancel_for_due_date, cancel_settled
from recaudo.payments import outbound
from recaudo.payments.models import DebtorRequest, PaymentLink
from recaudo.payments.receipts import owed_after
from recaudo.payments.rules import AgreementError, discount_percent, extension_allowed
from recaudo.payments.terms import collectible_debts, debtor_today, terms_for
from recaudo.portfolio import events
from recaudo.portfolio.models import AuditEvent, Debt, Debtor

SEGMENT = "segment"


def request_extension(
    link: PaymentLink, *, debt_id: int, new_due_on: date, reason: str = ""
) -> DebtorRequest:
    with transaction.atomic():
        debtor = link.debtor
        debt = _open_debt(debtor, debt_id)
        terms = terms_for(debtor)
        within = extension_allowed(
            new_due_on, debt.due_on, debtor_today(debtor), terms.max_extension_days
        )
        _refuse_duplicate(debtor, DebtorRequest.Kind.EXTENSION)
        request = DebtorRequest.objects.create(
            creditor_id=link.creditor_id,
            debtor=debtor,
            kind=DebtorRequest.Kind.EXTENSION,
            new_due_on=new_due_on,
            reason=reason[:2000],
        )
        request.debts.set([debt])
        if within:
            _apply_extension(request, SEGMENT)
        return request


def request_discount(link: PaymentLink, *, amount: Decimal, reason: str = "") -> DebtorRequest:
    """``amount`` is what the debtor can pay now to settle all their open debts."""
    with transaction.atomic():
        debtor = link.debtor
        terms = terms_for(debtor)
        debts = [
            debt
            for debt in collectible_debts(debtor)
            if debt.currency == terms.currency and debt.status == Debt.Status.OPEN
        ]
        if not debts:
            raise AgreementError(_("No hay deudas para saldar con descuento."))
        owed = sum((debt.balance for debt in debts), Decimal(0))
        percent = discount_percent(owed, amount)
        _refuse_duplicate(debtor, DebtorRequest.Kind.DISCOUNT)
        within = percent <= terms.max_discount_percent
        request = DebtorRequest.objects.create(
            creditor_id=link.creditor_id,
            debtor=debtor,
            kind=DebtorRequest.Kind.DISCOUNT,
            currency=terms.currency,
            owed=owed,
            amount=amount,
            discount_percent=percent,
            reason=reason[:2000],
            status=DebtorRequest.Status.APPROVED if within else DebtorRequest.Status.PENDING,
            decided_at=timezone.now() if within else None,
            decided_by=SEGMENT if within else "",
        )
        request.debts.set(debts)
        if within:
            outbound.review(request)
        return request


def approve(request_id: int, supervisor: str, reason: str = "") -> bool:
    """A supervisor approves a pending request; False when it was no longer pending.

    The debtor, who was told "le avisaremos", gets the decision as a notice
    with the new terms and the payment link (``announce_decision``); the
    decision and its reason are an audit event (``request_decided``).
    """
    with transaction.atomic():
        request = DebtorRequest.objects.select_for_update().get(pk=request_id)
        if request.status != DebtorRequest.Status.PENDING:
            return False
        if request.kind == DebtorRequest.Kind.EXTENSION:
            _apply_extension(request, supervisor)
        else:
            _decide(request, DebtorRequest.Status.APPROVED, supervisor)
        _audit_decision(request, supervisor, reason)
        announce_decision(request)
        return True


def refuse(request_id: int, supervisor: str, reason: str = "") -> bool:
    """A supervisor refuses a pending request; the debtor is told, with the balance and the link."""
    with transaction.atomic():
        request = DebtorRequest.objects.select_for_update().get(pk=request_id)
        if request.status != DebtorRequest.Status.PENDING:
            return False
        _decide(request, DebtorRequest.Status.REFUSED, supervisor)
        _audit_decision(request, supervisor, reason)
        announce_decision(request)
        return True


def _audit_decision(request: DebtorRequest, supervisor: str, reason: str) -> None:
    AuditEvent.objects.create(
        kind=AuditEvent.Kind.REQUEST_DECIDED,
        creditor_id=request.creditor_id,
        debtor_id=request.debtor_id,
        actor=supervisor[:200],
        data={
            "request": request.pk,
            "kind": request.kind,
            "status": request.status,
            "reason": reason[:2000],
        },
    )


def announce_decision(request: DebtorRequest) -> None:
    """Queue the notice of a supervisor's decision, once per request (in the caller's transaction).

    A notice the debtor's own request called for: only the hours hold it back
    where the country's pack leaves notices out of the caps (docs/compliance.md).
    """
    debts = list(request.debts.all())
    currency = request.currency or (debts[0].currency if debts else "")
    context: dict[str, str] = {
        "currency": currency,
        "remaining_balance": str(owed_after(request.debtor_id, currency)),
    }
    if request.status == DebtorRequest.Status.REFUSED:
        template = "request_refused"
    elif request.kind == DebtorRequest.Kind.EXTENSION:
        template = "extension_approved"
        assert request.new_due_on is not None
        context["new_due_on"] = request.new_due_on.isoformat()
    else:
        template = "discount_approved"
        context["agreed_amount"] = str(request.amount or 0)
        context["remaining_balance"] = str(request.owed or context["remaining_balance"])
    notify(request.debtor, template, key=f"request-decided:{request.pk}", context=context)


def settle_discount(request_id: int, paid: Decimal, actor: str) -> bool:
    """The agreed amount arrived: write off what is left of the debts (called in a transaction)."""
    request = DebtorRequest.objects.select_for_update().get(pk=request_id)
    if request.status != DebtorRequest.Status.APPROVED or paid < (request.amount or 0):
        return False
    for debt in request.debts.filter(status__in=Debt.COLLECTIBLE):
        old = debt.status
        Debt.objects.filter(pk=debt.pk).update(status=Debt.Status.WRITTEN_OFF)
        debt.status = Debt.Status.WRITTEN_OFF
        events.debt_status_changed(
            debt, old, actor=actor, reason=f"discount {request.pk} ({request.discount_percent}%)"
        )
    request.status = DebtorRequest.Status.SETTLED
    request.save(update_fields=["status"])
    cancel_settled(request.debtor_id, f"discount {request.pk} settled")
    return True


def offered_discount(debtor: Debtor) -> DebtorRequest | None:
    return DebtorRequest.objects.filter(
        debtor=debtor, kind=DebtorRequest.Kind.DISCOUNT, status=DebtorRequest.Status.APPROVED
    ).first()


def _open_debt(debtor: Debtor, debt_id: int) -> Debt:
    debt = next(
        (d for d in collectible_debts(debtor) if d.pk == debt_id and d.status == Debt.Status.OPEN),
        None,
    )
    if debt is None:
        raise AgreementError(_("Elija una deuda de la lista."))
    return debt


def _refuse_duplicate(debtor: Debtor, kind: str) -> None:
    if DebtorRequest.objects.filter(
        debtor=debtor, kind=kind, status=DebtorRequest.Status.PENDING
    ).exists():
        raise AgreementError(_("Ya tiene un pedido igual en revisión."))
    if kind == DebtorRequest.Kind.DISCOUNT:  # a new discount request replaces an offer not taken
        DebtorRequest.objects.filter(
            debtor=debtor, kind=kind, status=DebtorRequest.Status.APPROVED
        ).update(status=DebtorRequest.Status.REFUSED, decided_by="replaced")


def _decide(request: DebtorRequest, status: str, by: str) -> None:
    request.status = status
    request.decided_at = timezone.now()
    request.decided_by = by[:150]
    request.save(update_fields=["status", "decided_at", "decided_by"])
    outbound.review(request)


def _apply_extension(request: DebtorRequest, by: str) -> None:
    assert request.new_due_on is not None
    for debt in request.debts.select_for_update():
        old = debt.due_on
        Debt.objects.filter(pk=debt.pk).update(due_on=request.new_due_on)
        AuditEvent.objects.create(
            kind=AuditEvent.Kind.DEBT_UPDATED,
            creditor_id=debt.creditor_id,
            debtor_id=debt.debtor_id,
            debt=debt,
            actor=f"portal:extension:{by}"[:150],
            data={
                "due_on": [old.isoformat(), request.new_due_on.isoformat()],
                "reason": f"extension {request.pk}",
            },
        )
        # Contacts planned for the old date no longer fit; the planner plans the new one.
        cancel_for_due_date(debt.pk, old, f"due date moved ({request.pk})")
    _decide(request, DebtorRequest.Status.APPROVED, by)
