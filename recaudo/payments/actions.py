"""State changes of the payments app. Each public function is one transaction.

Provider calls never run inside a transaction: the Checkout row is written
first, the provider is called, then its answer is saved.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from recaudo.languages import down_payment_name
from recaudo.outreach.notify import notify
from recaudo.outreach.settle import cancel_settled
from recaudo.payments import outbound
from recaudo.payments.accounts import provider_for
from recaudo.payments.concessions import settle_discount
from recaudo.payments.methods import methods_for
from recaudo.payments.models import (
    Checkout,
    DebtorRequest,
    Instalment,
    InstalmentPlan,
    PaymentLink,
    Promise,
)
from recaudo.payments.providers.base import CheckoutRequest, ProviderError, ProviderRecord
from recaudo.payments.receipts import reversal_context, thank_payment
from recaudo.payments.rules import (
    AgreementError,
    check_plan,
    check_promise,
    instalment_schedule,
)
from recaudo.payments.terms import Terms, collectible_debts, debtor_today, terms_for
from recaudo.portfolio import events
from recaudo.portfolio.actions import PaymentResult, record_payment, reverse_payment
from recaudo.portfolio.models import Creditor, Debt, Debtor
from recaudo.portfolio.outbound import EventType
from recaudo.portfolio.rules import InputError

ACTOR = "portal"


def settle_payment(
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
    """Record a payment (``portfolio.actions.record_payment``) and stop what it settles.

    The debtor's planned reminders about debts the payment settled are
    cancelled in the payment's own transaction, so no screen shows them as
    still to come. (The dispatcher's locked re-check is what guarantees none
    is sent after a payment, whatever route recorded it.)
    """
    with transaction.atomic():
        result = record_payment(
            creditor=creditor,
            debtor=debtor,
            external_id=external_id,
            amount=amount,
            currency=currency,
            paid_at=paid_at,
            method=method,
            debt=debt,
            actor=actor,
        )
        if result.created:
            cancel_settled(result.payment.debtor_id, f"paid ({result.payment.external_id})")
        return result


def start_checkout(
    link: PaymentLink,
    *,
    kind: str,
    amount: Decimal,
    currency: str,
    description: str,
    success_url: str,
    cancel_url: str,
    notification_url: str,
    provider: str,
    debt: Debt | None = None,
    instalment: Instalment | None = None,
    settlement: DebtorRequest | None = None,
) -> Checkout:
    """Write the attempt, then ask the provider for its checkout page."""
    checkout = Checkout.objects.create(
        reference=secrets.token_urlsafe(24),
        link=link,
        creditor_id=link.creditor_id,
        debtor_id=link.debtor_id,
        kind=kind,
        debt=debt,
        instalment=instalment,
        settlement=settlement,
        provider=provider,
        amount=amount,
        currency=currency,
    )
    # The creditor's own account at the provider where it has one (payments/accounts.py).
    session = provider_for(link.creditor_id, provider).create_checkout(
        CheckoutRequest(
            reference=checkout.reference,
            amount=amount,
            currency=currency,
            description=description,
            success_url=success_url.replace("{reference}", checkout.reference),
            cancel_url=cancel_url.replace("{reference}", checkout.reference),
            notification_url=notification_url,
            metadata={"debtor": str(link.debtor_id), "kind": kind},
            # The methods the portal named for the debtor's country, and no others.
            methods=methods_for(provider, link.debtor.country, currency),
        )
    )
    checkout.provider_session_id = session.session_id
    checkout.url = session.url
    checkout.save(update_fields=["provider_session_id", "url"])
    return checkout


def apply_provider_record(checkout_id: int, record: ProviderRecord) -> Checkout:
    """Settle a checkout from the provider's own record (never from a webhook's claims).

    Paid: the payment is recorded once (by the provider's payment id) for the
    amount the provider says, applied to the chosen debt first, then oldest
    first. Failed: nothing is recorded. Open: nothing changes.
    """
    with transaction.atomic():
        checkout = (
            Checkout.objects.select_for_update(of=("self",))
            .select_related("creditor", "debtor", "debt", "instalment")
            .get(pk=checkout_id)
        )
        if record.reference != checkout.reference:
            raise ProviderError(
                f"provider record names {record.reference!r}, not this checkout", permanent=True
            )
        if record.status == "reversed":
            return _reverse(checkout, record)
        # Money that arrives is recorded even on a checkout closed as failed: Mercado
        # Pago's checkout takes another try after a rejected one, under the same reference.
        late_payment = checkout.status == Checkout.Status.FAILED and record.status == "paid"
        if (
            checkout.status != Checkout.Status.OPEN and not late_payment
        ) or record.status == "open":
            return checkout
        now = timezone.now()
        if record.status == "failed":
            checkout.status = Checkout.Status.FAILED
            checkout.completed_at = now
            checkout.save(update_fields=["status", "completed_at"])
            # "Your electronic payment was not completed", once per checkout.
            notify(checkout.debtor, "payment_failed", key=f"payment-failed:{checkout.reference}")
            return checkout
        if not record.payment_id or record.amount <= 0:
            raise ProviderError("provider record has no payment id or amount", permanent=True)
        debt = (
            checkout.debt if checkout.debt and checkout.debt.currency == record.currency else None
        )
        result = settle_payment(
            creditor=checkout.creditor,
            debtor=checkout.debtor,
            external_id=record.payment_id,
            amount=record.amount,
            currency=record.currency,
            paid_at=now,
            method=record.method or checkout.provider,
            debt=debt,
            actor=f"{checkout.provider}:{checkout.reference[:12]}",
        )
        checkout.status = Checkout.Status.PAID
        checkout.payment = result.payment
        checkout.completed_at = now
        checkout.save(update_fields=["status", "payment", "completed_at"])
        # The instalments it covers and the promises it keeps were brought up to
        # date in the payment's transaction (agreements.after_payment), as for
        # every route.
        if checkout.settlement_id is not None:
            settle_discount(checkout.settlement_id, record.amount, f"{checkout.provider}:discount")
        # The thank-you with its receipt, once per payment however often the
        # provider reports it (after the discount and plan above, so the
        # balance it names is the one left).
        thank_payment(result.payment, now=now)
        return checkout


def _reverse(checkout: Checkout, record: ProviderRecord) -> Checkout:
    """The provider took a paid checkout's money back (refund, chargeback).

    The payment is reversed once (its debts open again and go back on their
    policy, or on their plan's instalments) and the debtor gets the
    ``payment_reversed`` notice: the amount, the payment's date, what is owed
    again and the link.
    """
    if checkout.status != Checkout.Status.PAID or checkout.payment is None:
        return checkout
    reverse_payment(
        checkout.payment,
        reason=f"{checkout.provider}: {record.payment_id or 'refund'}",
        actor=f"{checkout.provider}:{checkout.reference[:12]}",
    )
    checkout.status = Checkout.Status.REVERSED
    checkout.save(update_fields=["status"])
    notify(
        checkout.debtor,
        "payment_reversed",
        key=f"payment-reversed:{checkout.payment_id}",
        context=reversal_context(checkout.payment),
    )
    return checkout


def agree_plan(
    link: PaymentLink, *, down_payment: Decimal, count: int, source: str = ACTOR
) -> InstalmentPlan:
    """Agree a plan over all the debtor's open debts; they go ``in_arrangement``.

    The planner and dispatcher skip debts in arrangement, and the debtor's
    planned reminders about them are cancelled in the same transaction.
    """
    with transaction.atomic():
        debtor = link.debtor
        type(debtor).objects.select_for_update().filter(pk=debtor.pk).first()
        if InstalmentPlan.objects.filter(
            debtor=debtor, status=InstalmentPlan.Status.ACTIVE
        ).exists():
            raise AgreementError(_("Ya tiene un plan de cuotas vigente."))
        terms = terms_for(debtor)
        debts = [debt for debt in collectible_debts(debtor) if debt.currency == terms.currency]
        debts = [debt for debt in debts if debt.status == Debt.Status.OPEN]
        if not debts:
            raise AgreementError(_("No hay deudas para incluir en un plan."))
        total = sum((debt.balance for debt in debts), Decimal(0))
        name = down_payment_name(get_language(), debtor.country).capitalize()
        check_plan(
            total=total,
            currency=terms.currency,
            down_payment=down_payment,
            count=count,
            limits=terms.plan_limits,
            down_payment_name=name,
        )
        schedule = instalment_schedule(
            total=total,
            currency=terms.currency,
            down_payment=down_payment,
            count=count,
            first_day=debtor_today(debtor),
            down_payment_name=name,
        )
        plan = InstalmentPlan.objects.create(
            creditor_id=link.creditor_id,
            debtor=debtor,
            currency=terms.currency,
            total=total,
            down_payment=down_payment,
            instalment_count=count,
            source=source,
        )
        plan.debts.set(debts)
        Instalment.objects.bulk_create(
            Instalment(plan=plan, number=item.number, due_on=item.due_on, amount=item.amount)
            for item in schedule
        )
        for debt in debts:
            Debt.objects.filter(pk=debt.pk).update(status=Debt.Status.IN_ARRANGEMENT)
            debt.status = Debt.Status.IN_ARRANGEMENT
            events.debt_status_changed(
                debt, Debt.Status.OPEN, actor=f"{source}:plan", reason=f"plan {plan.pk}"
            )
        cancel_settled(debtor.pk, f"plan {plan.pk} agreed")
        _close_what_the_plan_replaces(plan, debts)
        outbound.plan(plan, EventType.PLAN_AGREED)
        announce_plan(plan)
        return plan


def announce_plan(plan: InstalmentPlan) -> None:
    """Queue the "plan agreed" notice: every instalment's date and amount, and the link.

    Whatever the route (the portal, the bot, an agent using either), once per
    plan. A notice the debtor's own agreement called for: held only by the
    hours where the country's pack leaves notices out of the caps.
    """
    notify(
        plan.debtor,
        "plan_agreed",
        key=f"plan-agreed:{plan.pk}",
        context={
            "currency": plan.currency,
            "instalments": [
                {
                    "number": item.number,
                    "due_on": item.due_on.isoformat(),
                    "amount": str(item.amount),
                }
                for item in plan.instalments.order_by("number")
            ],
        },
    )


def _close_what_the_plan_replaces(plan: InstalmentPlan, debts: list[Debt]) -> None:
    """A plan supersedes open promises and pending requests over the same debts.

    A promise folded into the plan is ``superseded`` (never broken: no "we did
    not receive your payment" to a debtor current on the plan). A discount or
    new-date request still waiting for a supervisor is ``cancelled`` and the
    debtor is told why, once per request (notice ``request_closed``).
    """
    now = timezone.now()
    debt_ids = [debt.pk for debt in debts]
    Promise.objects.filter(
        debtor_id=plan.debtor_id, status=Promise.Status.PENDING, debts__in=debt_ids
    ).update(status=Promise.Status.SUPERSEDED, settled_at=now)
    pending = list(
        DebtorRequest.objects.filter(
            debtor_id=plan.debtor_id, status=DebtorRequest.Status.PENDING, debts__in=debt_ids
        ).distinct()
    )
    for request in pending:
        request.status = DebtorRequest.Status.CANCELLED
        request.decided_at = now
        request.decided_by = f"plan:{plan.pk}"
        request.save(update_fields=["status", "decided_at", "decided_by"])
        notify(plan.debtor, "request_closed", key=f"request-closed:{request.pk}")


def make_promise(
    link: PaymentLink, *, promised_on: date, amount: Decimal, source: str = ACTOR
) -> Promise:
    """A promise to pay ``amount`` by ``promised_on`` over the debtor's open debts."""
    with transaction.atomic():
        debtor = link.debtor
        terms: Terms = terms_for(debtor)
        check_promise(promised_on, debtor_today(debtor), terms.promise_max_days)
        debts = [
            debt
            for debt in collectible_debts(debtor)
            if debt.currency == terms.currency and debt.status == Debt.Status.OPEN
        ]
        total = sum((debt.balance for debt in debts), Decimal(0))
        if not debts:
            raise AgreementError(_("No hay deudas para prometer un pago."))
        if amount <= 0 or amount > total:
            raise AgreementError(_("El monto debe ser mayor que cero y no superar lo adeudado."))
        replaced = list(Promise.objects.filter(debtor=debtor, status=Promise.Status.PENDING))
        Promise.objects.filter(pk__in=[item.pk for item in replaced]).update(
            status=Promise.Status.BROKEN, settled_at=timezone.now()
        )
        for item in replaced:
            outbound.promise(item, EventType.PROMISE_BROKEN)
        promise = Promise.objects.create(
            creditor_id=link.creditor_id,
            debtor=debtor,
            amount=amount,
            currency=terms.currency,
            promised_on=promised_on,
            source=source,
        )
        promise.debts.set(debts)
        outbound.promise(promise, EventType.PROMISE_MADE)
        return promise


__all__ = [
    "AgreementError",
    "InputError",
    "agree_plan",
    "apply_provider_record",
    "make_promise",
    "start_checkout",
]
