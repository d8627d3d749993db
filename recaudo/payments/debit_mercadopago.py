"""Direct debit through Mercado Pago's subscriptions (preapproval), docs/payments.md.

Mercado Pago's engine, not our worker, charges a preapproval: monthly from the
next pending instalment's date, one amount at a time. What Recaudo decides:

- before each charge (the daily run, ``debit_notice_days`` ahead, when
  ``debit_upcoming`` goes) ``sync_preapprovals`` sets the amount the next
  instalment needs (``PUT /preapproval/{id}``; the amount set is kept on the
  mandate, so a repeated run sends nothing), and cancels the preapproval when
  nothing is left to charge;
- each ``subscription_authorized_payment`` notification is read back
  (``GET /authorized_payments/{id}``) and recorded as one ``DebitAttempt`` per
  authorized payment and retry (key ``mp-<id>-<retry>``) on the plan's earliest
  pending instalment: approved → ``settle_payment`` as the worker's charges
  are (once per payment id, whichever notification comes first or again);
  refused with a retry ahead → ``debit_failed`` with Mercado Pago's
  ``next_retry_date``; refused for the last time → ``debit_failed_final``;
- ``subscription_preapproval`` activates the mandate (the debtor authorised,
  even without coming back) or cancels it (cancelled at Mercado Pago);
- a ``payment`` notice of a charge no checkout names is looked up among the
  invoices (``GET /authorized_payments/search?payment_id=``) and recorded the
  same way, so either notice of a charge is enough;
- a notice lost for good loses nothing: the daily run (``reconcile_preapprovals``)
  asks for every invoice of each mandate (``?preapproval_id=``) and records
  them through the same mapping (same keys: nothing twice), and cancels again
  at Mercado Pago a preapproval whose mandate we cancelled but that is still
  authorised there (a cancel whose call failed).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from recaudo.payments.accounts import provider_for
from recaudo.payments.conf import setting
from recaudo.payments.debit import activate, cancel_mandate, still_needed
from recaudo.payments.debit_charges import BY_RULE, record_refusal, record_success
from recaudo.payments.models import DebitAttempt, Instalment, InstalmentPlan, Mandate
from recaudo.payments.providers.base import HttpProvider, ProviderError
from recaudo.payments.providers.mercadopago import (
    AUTHORIZED_PAYMENT,
    PREAPPROVAL,
    AuthorizedPayment,
    MercadoPagoProvider,
)
from recaudo.portfolio.models import Payment

logger = logging.getLogger(__name__)
PROVIDER = "mercadopago"
KINDS = (PREAPPROVAL, AUTHORIZED_PAYMENT)
# A cancelled preapproval's status: the update reference spells its enum "canceled".
CANCELLED = ("cancelled", "canceled")
# How long after our cancel a mandate's invoices are still looked at (a charge
# made before the cancel reached Mercado Pago, a cancel whose call failed).
RECONCILE_DAYS_AFTER_CANCEL = 7


def _mercadopago(provider: HttpProvider) -> MercadoPagoProvider:
    if not isinstance(provider, MercadoPagoProvider):
        raise ProviderError(f"{provider.name} has no subscriptions", permanent=True)
    return provider


def process_notice(
    provider: HttpProvider,
    kind: str,
    data_id: str,
    creditor_id: int | None,
    now: datetime | None = None,
) -> tuple[str, int]:
    """A verified subscription notification: read its object back and act; (outcome, HTTP status).

    5xx asks Mercado Pago to send it again (its API did not answer).
    """
    if not data_id:
        return "ignored: nothing to fetch", 200
    mandates = Mandate.objects.filter(provider=PROVIDER)
    if creditor_id is not None:
        mandates = mandates.filter(creditor_id=creditor_id)
    try:
        client = _mercadopago(provider)
        if kind == PREAPPROVAL:
            return _preapproval(client, mandates, data_id)
        return _invoice(client, mandates, client.authorized_payment(data_id), now)
    except ProviderError as error:
        return f"lookup failed: {error}", 400 if error.permanent else 502


def process_payment_notice(
    provider: HttpProvider, payment_id: str, creditor_id: int | None, now: datetime | None = None
) -> tuple[str, int] | None:
    """A ``payment`` notice no checkout claims: the invoice it paid or refused, if any.

    None when no invoice of Mercado Pago's subscriptions made that payment.
    """
    mandates = Mandate.objects.filter(provider=PROVIDER)
    if creditor_id is not None:
        mandates = mandates.filter(creditor_id=creditor_id)
    try:
        client = _mercadopago(provider)
        found = client.search_authorized_payments(payment_id=payment_id)
        if not found:
            return None
        return _invoice(client, mandates, found[0], now)
    except ProviderError as error:
        return f"lookup failed: {error}", 400 if error.permanent else 502


def _invoice(
    client: MercadoPagoProvider,
    mandates: QuerySet[Mandate],
    payment: AuthorizedPayment,
    now: datetime | None,
) -> tuple[str, int]:
    # The preapproval's id is the mandate's setup session and, once active, its method.
    mandate = mandates.filter(setup_session_id=payment.preapproval_id).first()
    if mandate is None:
        return f"ignored: no mandate for preapproval {payment.preapproval_id!r}", 200
    if mandate.status == Mandate.Status.PENDING:
        # The charge's notice came before the debtor or the preapproval's notice did.
        mandate = activate(mandate)
    attempt = record_authorized_payment(client, mandate, payment, now or timezone.now())
    if mandate.status == Mandate.Status.CANCELLED and payment.payment_status == "approved":
        # Charged after our cancel: maybe the cancel's own call never reached
        # Mercado Pago. Best effort: the charge is recorded, the daily run tries again.
        try:
            _cancel_leftover(client, mandate)
        except ProviderError as error:
            logger.warning("cancelling preapproval of mandate %s again: %s", mandate.pk, error)
    if attempt is None:
        return f"authorized payment {payment.id} {payment.status}: nothing to record", 200
    return f"debit {attempt.pk} {attempt.status}", 200


def _preapproval(
    client: MercadoPagoProvider, mandates: QuerySet[Mandate], data_id: str
) -> tuple[str, int]:
    mandate = mandates.filter(setup_session_id=data_id).first()
    if mandate is None:
        return f"ignored: no mandate for preapproval {data_id!r}", 200
    if mandate.status == Mandate.Status.PENDING:
        mandate = activate(mandate)
    elif (
        mandate.status == Mandate.Status.ACTIVE
        and client.preapproval(data_id).get("status") in CANCELLED
    ):
        # Cancelled at Mercado Pago (by the debtor there, or after refused charges).
        mandate = cancel_mandate(
            mandate, channel=Mandate.Channel.SYSTEM, by="mercadopago", detach=False
        )
    return f"mandate {mandate.pk} {mandate.status}", 200


def record_authorized_payment(
    client: MercadoPagoProvider, mandate: Mandate, payment: AuthorizedPayment, now: datetime
) -> DebitAttempt | None:
    """Record one authorized payment's outcome once; None while it has no payment's answer."""
    if not payment.payment_id or payment.payment_status not in ("approved", "rejected"):
        return None  # scheduled, or the payment is still in process: a later notice says
    if payment.payment_status == "rejected" and mandate.status != Mandate.Status.ACTIVE:
        return None  # refused after our cancel: nothing was taken, nothing to tell
    # One attempt per payment Mercado Pago made for the invoice: each try is a payment of
    # its own, whereas the retry counter may move before the next payment exists.
    key = f"mp-{payment.id}-{payment.payment_id}"
    if not mandate.last4 and not DebitAttempt.objects.filter(idempotency_key=key).exists():
        # Mercado Pago names the card in the payment, not in the preapproval: asked once
        # per new attempt, not for every invoice the daily reconcile reads again.
        try:
            last4 = client.card_last4(payment.payment_id)
        except ProviderError as error:
            logger.warning("card of Mercado Pago payment %s: %s", payment.payment_id, error)
            last4 = ""
        if last4:
            Mandate.objects.filter(pk=mandate.pk).update(last4=last4)
            mandate.last4 = last4
    with transaction.atomic():
        # One at a time per plan: a repeated or concurrent notice finds the row written.
        InstalmentPlan.objects.select_for_update().get(pk=mandate.plan_id)
        attempt = DebitAttempt.objects.filter(idempotency_key=key).first()
        if attempt is None:
            earlier = (
                DebitAttempt.objects.filter(idempotency_key__startswith=f"mp-{payment.id}-")
                .select_related("instalment")
                .order_by("-number")
                .first()
            )
            instalment = (
                earlier.instalment if earlier is not None else next_to_charge(mandate.plan_id)
            )
            if instalment is None:
                instalment = (
                    Instalment.objects.filter(plan_id=mandate.plan_id).order_by("-number").first()
                )
            if instalment is None:
                return None
            attempt = DebitAttempt.objects.create(
                mandate=mandate,
                instalment=instalment,
                number=instalment.debit_attempts.count() + 1,
                idempotency_key=key,
                amount=payment.amount,
                currency=payment.currency,
                claimed_at=now,
            )
        if attempt.status != DebitAttempt.Status.CHARGING:
            return attempt
        if payment.payment_status == "approved":
            return record_success(attempt.pk, payment.payment_id, now)
        # Recycling: Mercado Pago tries again. Its reference's sample shows no
        # next_retry_date; without one the notice gives our own rule's day.
        retry_on: date | None = None
        if payment.status == "recycling":
            retry_on = payment.next_retry_date or BY_RULE
        return record_refusal(
            attempt.pk,
            payment.payment_status_detail or "rejected",
            f"Mercado Pago: {payment.status}",
            payment.payment_id,
            now,
            retry_on=retry_on,
        )


def next_to_charge(plan_id: int) -> Instalment | None:
    """The earliest pending instalment Mercado Pago's next charge is for.

    Not one reopened by a refund of its charge: the debtor was told it is not
    charged again automatically (``debit_charges.reverse_debit``) and pays it
    by hand, so the next charge stays the size of the next instalment.
    """
    pending = Instalment.objects.filter(plan_id=plan_id, status=Instalment.Status.PENDING)
    for instalment in pending.order_by("number"):
        last = instalment.debit_attempts.select_related("payment").order_by("-number").first()
        reopened = (
            last is not None
            and last.status == DebitAttempt.Status.SUCCEEDED
            and last.payment is not None
            and last.payment.status == Payment.Status.REVERSED
        )
        if not reopened:
            return instalment
    return None


def sync_preapprovals(today: date) -> int:
    """Before each charge: set the amount the next instalment needs, or cancel; how many changed.

    Run by the daily run ``debit_notice_days`` ahead of the instalment (and
    on each day until it is charged, so a failed call is tried again).
    """
    horizon = today + timedelta(days=int(setting("debit_notice_days")))
    changed = 0
    mandates = Mandate.objects.filter(
        provider=PROVIDER,
        status=Mandate.Status.ACTIVE,
        plan__status=InstalmentPlan.Status.ACTIVE,
    ).select_related("plan")
    for mandate in mandates:
        plan = mandate.plan
        pending = next_to_charge(plan.pk)
        amount = still_needed(plan, pending) if pending is not None else None
        if amount is None or amount <= 0:
            cancel_mandate(
                mandate, channel=Mandate.Channel.SYSTEM, by=f"plan {plan.pk}: nothing left"
            )
            changed += 1
            continue
        if pending is None or pending.due_on > horizon or amount == mandate.synced_amount:
            continue
        try:
            _mercadopago(_provider(mandate)).set_amount(mandate.method_id, amount, plan.currency)
        except ProviderError as error:
            logger.warning("syncing preapproval of mandate %s failed: %s", mandate.pk, error)
            continue
        Mandate.objects.filter(pk=mandate.pk).update(synced_amount=amount)
        changed += 1
    return changed


def reconcile_preapprovals(now: datetime | None = None) -> int:
    """Ask Mercado Pago for each mandate's invoices and record what no notice did; how many.

    Active mandates, and those cancelled in the last ``RECONCILE_DAYS_AFTER_CANCEL``
    days (a charge made before our cancel reached Mercado Pago is money taken);
    a cancelled one still ``authorized`` there is cancelled there again. A
    pending one enrolled in those days is activated first if the debtor
    authorised it (its return and its notices lost).
    Run by the daily run before plans are broken and amounts synced.
    """
    now = now or timezone.now()
    since = now - timedelta(days=RECONCILE_DAYS_AFTER_CANCEL)
    enrolling = Mandate.objects.filter(
        provider=PROVIDER,
        status=Mandate.Status.PENDING,
        plan__status=InstalmentPlan.Status.ACTIVE,
        created_at__gte=since,
    ).exclude(setup_session_id="")
    for mandate in enrolling.order_by("pk"):
        # Authorised, but neither the debtor nor a notice came back to say so.
        try:
            activate(mandate)
        except ProviderError as error:
            logger.warning("activating mandate %s failed: %s", mandate.pk, error)
    mandates = (
        Mandate.objects.filter(provider=PROVIDER)
        .exclude(method_id="")
        .filter(
            Q(status=Mandate.Status.ACTIVE)
            | Q(status=Mandate.Status.CANCELLED, cancelled_at__gte=since)
        )
        .order_by("pk")
    )
    recorded = 0
    for mandate in mandates:
        before = DebitAttempt.objects.filter(mandate=mandate).count()
        try:
            client = _mercadopago(_provider(mandate))
            invoices = client.search_authorized_payments(preapproval_id=mandate.method_id)
            # Oldest first, so each lands on the instalment its turn pays.
            for invoice in sorted(invoices, key=_charged_order):
                record_authorized_payment(client, mandate, invoice, now)
            if mandate.status == Mandate.Status.CANCELLED:
                _cancel_leftover(client, mandate)
        except ProviderError as error:
            logger.warning("reconciling preapproval of mandate %s failed: %s", mandate.pk, error)
        recorded += DebitAttempt.objects.filter(mandate=mandate).count() - before
    return recorded


def _charged_order(invoice: AuthorizedPayment) -> tuple[date, int, str]:
    return invoice.debit_date or date.min, len(invoice.id), invoice.id


def _cancel_leftover(client: MercadoPagoProvider, mandate: Mandate) -> None:
    """Cancel at Mercado Pago the preapproval of a mandate we cancelled, if it still charges.

    The cancel's own call is best effort (``debit.cancel_mandate``); when it
    failed, Mercado Pago's engine would go on charging a cancelled mandate.
    """
    if client.preapproval(mandate.method_id).get("status") in CANCELLED:
        return
    client.detach(mandate.method_id)
    logger.warning("preapproval of cancelled mandate %s cancelled again", mandate.pk)


def _provider(mandate: Mandate) -> HttpProvider:
    return provider_for(mandate.creditor_id, mandate.provider)
