"""Every payment thanks the debtor, once, with a receipt: the one place that queues it.

Payments arrive by many routes: the portal and the providers' webhooks
(``actions.apply_provider_record``), the REST API, a file import, staff
confirming a transfer. Whatever the route, ``thank_payment`` queues one
notice per payment (notice key ``thanks:<payment id>``, unique in the outbox):
``payment_thanks`` with the amount, the date, the reference and what is still
owed, or ``paid_in_full`` with a link to the "paz y salvo" certificate when
nothing is owed any more.

The portal route calls it at once. The routes recorded by the ground layer
(``portfolio``: API, import), which cannot reach the outbox, are picked up by
``thank_new_payments``, which the worker runs every ``SWEEP_SECONDS``: a
receipt reaches the phone within a minute or so of any payment, inside the
hours the country allows (a notice is not held by the caps where the pack
says so, docs/compliance.md).

A payment is thanked when it is news: recorded in the last
``RECORDED_WITHIN`` and paid in the last ``PAID_WITHIN``. A file of last
year's payments loaded today thanks nobody.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from recaudo.outreach.models import Outreach
from recaudo.outreach.notify import notify
from recaudo.portfolio.models import Debt, Debtor, Payment

log = logging.getLogger(__name__)

KEY_PREFIX = "thanks:"
RECORDED_WITHIN = timedelta(days=2)
PAID_WITHIN = timedelta(days=7)
SWEEP_SECONDS = 30.0
SWEEP_BATCH = 500
# A debt in one of these is settled: nothing more is asked for it.
SETTLED = (Debt.Status.PAID, Debt.Status.WRITTEN_OFF)


def thanks_key(payment_id: int) -> str:
    return f"{KEY_PREFIX}{payment_id}"


def owed_after(debtor_id: int, currency: str) -> Decimal:
    """What the debtor still owes in ``currency`` (every debt not paid or written off)."""
    return sum(
        (
            debt.balance
            for debt in Debt.objects.filter(debtor_id=debtor_id, currency=currency).exclude(
                status__in=SETTLED
            )
        ),
        Decimal(0),
    )


def paid_in_full(debtor: Debtor) -> bool:
    """The debtor is "a paz y salvo": has debts, owes nothing on any, and has paid.

    A debt is settled when paid or written off (what an approved discount
    leaves, once its amount is paid).
    """
    debts = list(Debt.objects.filter(debtor=debtor).only("status", "amount", "amount_paid"))
    if not debts or not all(debt.status in SETTLED or debt.balance <= 0 for debt in debts):
        return False
    return Payment.objects.filter(debtor=debtor, status=Payment.Status.RECEIVED).exists()


def receipt_context(payment: Payment) -> dict[str, Any]:
    """What the receipt says (strings, stored with the notice as JSON)."""
    debtor = payment.debtor
    paid_on = timezone.localtime(payment.paid_at, ZoneInfo(debtor.timezone)).date()
    context: dict[str, Any] = {
        "paid_amount": str(payment.amount),
        "paid_on": paid_on.isoformat(),
        "payment_reference": payment.external_id,
        "remaining_balance": str(owed_after(debtor.pk, payment.currency)),
        "currency": payment.currency,
    }
    if paid_in_full(debtor):
        context["paid_in_full"] = True
    return context


def reversal_context(payment: Payment) -> dict[str, Any]:
    """What a notice about money taken back says (``payment_reversed*``): the payment's
    amount, currency and local date, and what the debtor owes again after it."""
    context = receipt_context(payment)
    context.pop("paid_in_full", None)
    return context


def thank_payment(payment: Payment, *, now: datetime | None = None) -> Outreach | None:
    """Queue the thank-you with the receipt for ``payment``, once (see the module's notes).

    Returns the notice row (the existing one when it was queued before), or
    None for a reversed payment. A debtor who cannot be reached gets a failed
    row with the reason, so staff see it and the sweep does not try again.
    """
    if payment.status != Payment.Status.RECEIVED:
        return None
    context = receipt_context(payment)
    template = "paid_in_full" if context.get("paid_in_full") else "payment_thanks"
    return notify(
        payment.debtor,
        template,
        key=thanks_key(payment.pk),
        context=context,
        now=now,
        record_unreachable=True,
    )


def unthanked(now: datetime) -> Any:
    """Payments that are news and have no thank-you yet (a queryset, oldest first)."""
    notice_key = Concat(Value(KEY_PREFIX), Cast(OuterRef("pk"), CharField()))
    return (
        Payment.objects.filter(
            status=Payment.Status.RECEIVED,
            created_at__gte=now - RECORDED_WITHIN,
            paid_at__gte=now - PAID_WITHIN,
        )
        # ``notice_key <> ''`` lets PostgreSQL use the partial unique index on it.
        .exclude(Exists(Outreach.objects.filter(notice_key=notice_key).exclude(notice_key="")))
        .order_by("created_at", "id")
    )


def thank_new_payments(now: datetime | None = None, *, limit: int = SWEEP_BATCH) -> int:
    """Thank every recent payment not thanked yet, whatever its route; how many were queued."""
    now = now or timezone.now()
    queued = 0
    for payment in unthanked(now).select_related("debtor", "debtor__creditor")[:limit]:
        try:
            if thank_payment(payment, now=now) is not None:
                queued += 1
        except Exception:
            # One payment's fault (a broken template context, a bad zone) must
            # neither stop the worker nor keep the others waiting; it is logged
            # and tried again on the next sweep.
            log.exception("could not thank payment %s", payment.pk)
    return queued
