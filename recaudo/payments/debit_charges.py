"""Direct debit charges: claim what is due, charge off-session, record, retry, notify.

``charge_due_debits`` (``debit_job``: the worker runs it between batches)
claims each due instalment of an active mandate
(``select_for_update(skip_locked)``, one ``DebitAttempt`` row per
instalment and attempt, unique), commits the claim, then charges off-session
with the attempt's idempotency key. A paid charge is recorded through
``actions.settle_payment`` (so the plan counts it, reminders stop and the
receipt goes); a refused one is tried again on the days ``debit_retry_days``
names and the debtor is told each time (``debit_failed`` with the next
attempt's date, ``debit_failed_final`` after the last), with the link to pay
by hand or cancel; a bank that asks for authentication ends the automatic
attempts for that instalment (``debit_action_required``). ``debit_upcoming``
goes ``debit_notice_days`` before each charge. The plan breaks by the usual rule
(``agreements.break_missed_plans``), never while a retry is still ahead
(``retries_ahead``). Enrolment and cancelling: ``debit.py``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from django.db import transaction
from django.utils import timezone

from recaudo.outreach.models import Outreach
from recaudo.outreach.notify import notify
from recaudo.payments.accounts import provider_for
from recaudo.payments.actions import settle_payment
from recaudo.payments.conf import setting
from recaudo.payments.debit import (
    SELF_CHARGING,
    local_today,
    notice_context,
    owed,
    still_needed,
)
from recaudo.payments.models import DebitAttempt, Instalment, InstalmentPlan, Mandate
from recaudo.payments.providers.base import ChargeRequest, ProviderError
from recaudo.payments.receipts import reversal_context, thank_payment
from recaudo.payments.rules import debit_attempt_day
from recaudo.portfolio import events
from recaudo.portfolio.actions import reverse_payment
from recaudo.portfolio.models import AuditEvent

logger = logging.getLogger(__name__)

BATCH = 50
# ``record_refusal``'s default: the next attempt by ``debit_retry_days``.
BY_RULE: Final = date.min
# The worker asks between batches; once a minute is soon enough for a charge due today.
JOB_SECONDS = 60.0
# What ``payment_reversed_debit`` takes from a debit notice's context (the rest is the receipt's).
REVERSED_DEBIT_FIELDS = ("card_brand", "card_last4", "instalment_number", "instalment_count")
_last_job = float("-inf")


@dataclass(frozen=True)
class Claim:
    attempt_id: int
    resent: bool


def claim_due(now: datetime, limit: int = BATCH) -> list[Claim]:
    """The first page of ``claim_page``: what the worker would claim first."""
    return claim_page(now, limit)[0]


def claim_page(now: datetime, limit: int = BATCH, after: int = 0) -> tuple[list[Claim], int | None]:
    """Claim the instalments to charge now: one attempt row each, committed before any charge.

    ``skip_locked`` lets several workers claim side by side without waiting on
    each other or taking the same instalment; the unique (instalment, number)
    is the backstop. An attempt whose answer never came (``charging`` beyond
    the lease) is claimed again with its own idempotency key. Pages go by
    instalment id after ``after``; returns the claims and the last id looked
    at (None when the page was the last), so instalments waiting for a later
    retry never hold back the ones behind them.
    """
    lease = timedelta(seconds=int(setting("debit_lease_seconds")))
    retry_days = list(setting("debit_retry_days"))
    # The widest zone is UTC+14: nothing is due before the debtor's own date.
    horizon = (now + timedelta(hours=14)).date()
    claims: list[Claim] = []
    with transaction.atomic():
        due = list(
            Instalment.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=Instalment.Status.PENDING,
                plan__status=InstalmentPlan.Status.ACTIVE,
                plan__mandates__status=Mandate.Status.ACTIVE,
                due_on__lte=horizon,
            )
            .filter(pk__gt=after)
            .exclude(
                plan__in=InstalmentPlan.objects.filter(
                    mandates__status=Mandate.Status.ACTIVE, mandates__provider__in=SELF_CHARGING
                )
            )
            .select_related("plan__debtor")
            .order_by("pk")[:limit]
        )
        for instalment in due:
            debtor = instalment.plan.debtor
            attempts = list(instalment.debit_attempts.order_by("number"))
            last = attempts[-1] if attempts else None
            if last is not None and last.status in (
                DebitAttempt.Status.SUCCEEDED,
                DebitAttempt.Status.ACTION_REQUIRED,
            ):
                continue  # paid (the plan counts it) or the bank wants the debtor present
            if last is not None and last.status == DebitAttempt.Status.CHARGING:
                if last.claimed_at > now - lease:
                    continue  # another worker has it in hand
                DebitAttempt.objects.filter(pk=last.pk).update(claimed_at=now)
                claims.append(Claim(last.pk, resent=True))
                continue
            number = len(attempts) + 1
            day = debit_attempt_day(instalment.due_on, number, retry_days)
            if day is None or day > local_today(debtor, now):
                continue
            # Never more than the plan's debts still owe (a part paid by hand meanwhile).
            amount = min(instalment.amount, owed(instalment.plan))
            if amount <= 0:
                continue
            mandate = instalment.plan.mandates.get(status=Mandate.Status.ACTIVE)
            attempt = DebitAttempt.objects.create(
                mandate=mandate,
                instalment=instalment,
                number=number,
                idempotency_key=f"debit-{instalment.pk}-{number}",
                amount=amount,
                currency=instalment.plan.currency,
                claimed_at=now,
            )
            claims.append(Claim(attempt.pk, resent=False))
    return claims, (due[-1].pk if len(due) == limit else None)


def charge(claim: Claim, now: datetime) -> DebitAttempt:
    """Charge one claimed attempt and record the answer (outside the claim's transaction)."""
    attempt = DebitAttempt.objects.select_related(
        "mandate", "instalment__plan__debtor", "instalment__plan__creditor"
    ).get(pk=claim.attempt_id)
    mandate = attempt.mandate
    instalment = attempt.instalment
    plan = instalment.plan
    if not claim.resent and (
        Mandate.objects.filter(pk=mandate.pk, status=Mandate.Status.ACTIVE).count() == 0
        or Instalment.objects.filter(pk=instalment.pk, status=Instalment.Status.PENDING).count()
        == 0
    ):
        # Cancelled or paid by hand between the claim and now: nothing leaves.
        DebitAttempt.objects.filter(pk=attempt.pk, status=DebitAttempt.Status.CHARGING).update(
            status=DebitAttempt.Status.SKIPPED, completed_at=now
        )
        attempt.refresh_from_db()
        return attempt
    brand = plan.creditor.brand_name or plan.creditor.name
    try:
        result = provider_for(mandate.creditor_id, mandate.provider).charge(
            ChargeRequest(
                customer_id=mandate.customer_id,
                method_id=mandate.method_id,
                amount=attempt.amount,
                currency=attempt.currency,
                description=f"{brand}: plan {plan.pk}, cuota {instalment.number}",
                idempotency_key=attempt.idempotency_key,
                metadata={
                    "plan": str(plan.pk),
                    "instalment": str(instalment.number),
                    "attempt": str(attempt.number),
                    "mandate": mandate.reference,
                },
            )
        )
    except ProviderError as error:
        if not error.permanent:
            # The answer may be lost: the claim stays ``charging`` and is sent again
            # with the same key once its lease ends (the provider answers the first result).
            logger.warning("debit attempt %s: %s", attempt.pk, error)
            return attempt
        return record_refusal(attempt.pk, "provider_error", str(error), "", now)
    if result.status == "succeeded":
        return record_success(attempt.pk, result.payment_id, now)
    return record_refusal(
        attempt.pk,
        result.error_code or result.status,
        result.message,
        result.payment_id,
        now,
        action_required=result.status == "action_required",
    )


def record_success(attempt_id: int, payment_id: str, now: datetime) -> DebitAttempt:
    with transaction.atomic():
        attempt = (
            DebitAttempt.objects.select_for_update(of=("self",))
            .select_related("mandate", "instalment__plan__debtor", "instalment__plan__creditor")
            .get(pk=attempt_id)
        )
        if attempt.status != DebitAttempt.Status.CHARGING:
            return attempt
        plan = attempt.instalment.plan
        result = settle_payment(
            creditor=plan.creditor,
            debtor=plan.debtor,
            external_id=payment_id,
            amount=attempt.amount,
            currency=attempt.currency,
            paid_at=now,
            method=f"{attempt.mandate.provider}:debit",
            actor=f"debit:{attempt.mandate.reference[:12]}",
        )
        attempt.status = DebitAttempt.Status.SUCCEEDED
        attempt.provider_payment_id = payment_id
        attempt.payment = result.payment
        attempt.completed_at = now
        attempt.save(update_fields=["status", "provider_payment_id", "payment", "completed_at"])
        # The plan counted the payment in its transaction (agreements.after_payment).
        thank_payment(result.payment, now=now)
        return attempt


def record_refusal(
    attempt_id: int,
    code: str,
    message: str,
    payment_id: str,
    now: datetime,
    *,
    action_required: bool = False,
    retry_on: date | None = BY_RULE,
) -> DebitAttempt:
    """Record a refused attempt and tell the debtor: the next attempt is ``retry_on``
    (by default the day ``debit_retry_days`` gives; a provider's own when it retries itself),
    none for the last one."""
    with transaction.atomic():
        attempt = (
            DebitAttempt.objects.select_for_update(of=("self",))
            .select_related("mandate", "instalment__plan__debtor")
            .get(pk=attempt_id)
        )
        if attempt.status != DebitAttempt.Status.CHARGING:
            return attempt
        attempt.status = (
            DebitAttempt.Status.ACTION_REQUIRED if action_required else DebitAttempt.Status.FAILED
        )
        attempt.error_code = code[:60]
        attempt.error_message = message[:300]
        attempt.provider_payment_id = payment_id
        attempt.completed_at = now
        if action_required:
            retry_on = None
        elif retry_on == BY_RULE:
            retry_on = debit_attempt_day(
                attempt.instalment.due_on, attempt.number + 1, list(setting("debit_retry_days"))
            )
        attempt.retry_on = retry_on
        attempt.save()
        debtor = attempt.instalment.plan.debtor
        events.debtor_event(
            debtor,
            AuditEvent.Kind.DEBIT_FAILED,
            actor="debit",
            data={
                "attempt": attempt.pk,
                "instalment": attempt.instalment_id,
                "number": attempt.number,
                "code": attempt.error_code,
            },
        )
        # Which card, why, and the next attempt or none; the link pays by hand or cancels.
        if action_required:
            template_key = "debit_action_required"
        else:
            template_key = "debit_failed" if retry_on is not None else "debit_failed_final"
        notify(
            debtor,
            template_key,
            key=f"debit-failed:{attempt.pk}",
            now=now,
            context=notice_context(
                attempt.mandate,
                attempt.instalment,
                amount=attempt.amount,
                charge_on=local_today(debtor, now),
                retry_on=retry_on,
            ),
        )
        return attempt


def reverse_debit(provider_name: str, payment_id: str) -> DebitAttempt | None:
    """The provider took a debited payment back (refund, dispute): reverse it once.

    The payment is reversed (its debts and the instalment it covered are owed
    again; a plan it had completed is active again: ``agreements``) and the
    debtor gets ``payment_reversed_debit``: the amount, the charge's date, the
    card, which instalment is pending again, and that it will not be charged
    automatically (its last attempt stays ``succeeded``, so no claim takes it:
    the debtor pays it at the link). None when no debit has that id.
    """
    attempt = (
        DebitAttempt.objects.filter(
            mandate__provider=provider_name,
            provider_payment_id=payment_id,
            status=DebitAttempt.Status.SUCCEEDED,
            payment__isnull=False,
        )
        .select_related("payment", "mandate", "instalment__plan__debtor")
        .first()
    )
    if attempt is None or attempt.payment is None:
        return None
    plan = attempt.instalment.plan
    with transaction.atomic():
        paid_before = set(
            plan.instalments.filter(status=Instalment.Status.PAID).values_list("pk", flat=True)
        )
        if reverse_payment(
            attempt.payment, reason=f"{provider_name}: {payment_id}", actor=f"{provider_name}:debit"
        ):
            reopened = _reopened(attempt, paid_before)
            context = reversal_context(attempt.payment)
            if charged_again(reopened):
                # A later instalment (paid by hand, never charged) went back to
                # pending and the mandate will charge it on its date: the debit
                # notice's "not charged automatically" would be false.
                template = "payment_reversed"
            else:
                template = "payment_reversed_debit"
                card = notice_context(attempt.mandate, reopened)
                context.update({key: card[key] for key in REVERSED_DEBIT_FIELDS})
            notify(
                plan.debtor, template, key=f"payment-reversed:{attempt.payment.pk}", context=context
            )
    return attempt


def charged_again(instalment: Instalment) -> bool:
    """Whether an automatic attempt is still to come for this pending instalment.

    None is after a ``succeeded`` or ``action_required`` last attempt, past the
    last retry day, or without an active mandate on an active plan (what
    ``claim_page`` takes).
    """
    instalment.refresh_from_db(fields=["status"])
    if instalment.status != Instalment.Status.PENDING:
        return False
    plan = instalment.plan
    plan.refresh_from_db(fields=["status"])
    if plan.status != InstalmentPlan.Status.ACTIVE:
        return False
    if not plan.mandates.filter(status=Mandate.Status.ACTIVE).exists():
        return False
    attempts = list(instalment.debit_attempts.order_by("number"))
    if attempts and attempts[-1].status in (
        DebitAttempt.Status.SUCCEEDED,
        DebitAttempt.Status.ACTION_REQUIRED,
    ):
        return False
    retry_days = list(setting("debit_retry_days"))
    return debit_attempt_day(instalment.due_on, len(attempts) + 1, retry_days) is not None


def _reopened(attempt: DebitAttempt, paid_before: set[int]) -> Instalment:
    """The instalment pending again after the reversal: the charged one when it is, else
    the first that went back (payments count oldest first, so a later one may)."""
    back = list(
        Instalment.objects.filter(pk__in=paid_before, status=Instalment.Status.PENDING).order_by(
            "number"
        )
    )
    if not back or any(item.pk == attempt.instalment_id for item in back):
        return attempt.instalment
    return back[0]


def charge_due_debits(now: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Claim then charge what is due, a page at a time; counts by outcome."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    after: int | None = 0
    while after is not None:
        claims, after = claim_page(now, batch, after)
        for claim in claims:
            attempt = charge(claim, now)
            counts[attempt.status] = counts.get(attempt.status, 0) + 1
    return counts


def debit_job(now: datetime) -> dict[str, int]:
    """The worker's registered job (operations.loops): ``charge_due_debits`` once a minute."""
    global _last_job
    if time.monotonic() - _last_job < JOB_SECONDS:
        return {}
    _last_job = time.monotonic()
    counts = charge_due_debits(now)
    if counts:
        logger.info("direct debits: %s", counts)
    return counts


def retries_ahead(plan: InstalmentPlan, today: date) -> bool:
    """A pending instalment of the plan still has an automatic attempt to come."""
    mandate = plan.mandates.filter(status=Mandate.Status.ACTIVE).first()
    if mandate is None:
        return False
    retry_days = list(setting("debit_retry_days"))
    for instalment in plan.instalments.filter(status=Instalment.Status.PENDING, due_on__lt=today):
        attempts = list(instalment.debit_attempts.order_by("number"))
        if mandate.provider in SELF_CHARGING:
            # The provider's engine says when it tries again; before its first
            # answer, its charge is still ahead.
            if (not attempts and instalment.due_on >= today - timedelta(days=1)) or (
                attempts
                and attempts[-1].status == DebitAttempt.Status.FAILED
                and attempts[-1].retry_on is not None
                and attempts[-1].retry_on >= today
            ):
                return True
            continue
        if attempts and attempts[-1].status == DebitAttempt.Status.ACTION_REQUIRED:
            continue
        if attempts and attempts[-1].status == DebitAttempt.Status.CHARGING:
            return True
        day = debit_attempt_day(instalment.due_on, len(attempts) + 1, retry_days)
        if day is not None:
            return True
    return False


def notify_upcoming_debits(today: date) -> int:
    """Tell each debtor ``debit_notice_days`` before a charge (``debit_upcoming``).

    The date, the amount (capped at what the plan's debts still owe, as the
    charge will be), the card and the instalment's place in the plan, with
    the link to cancel the direct debit.
    """
    queued = 0
    day = today + timedelta(days=int(setting("debit_notice_days")))
    due = Instalment.objects.filter(
        status=Instalment.Status.PENDING,
        plan__status=InstalmentPlan.Status.ACTIVE,
        plan__mandates__status=Mandate.Status.ACTIVE,
        due_on=day,
    ).select_related("plan__debtor", "plan__debtor__creditor")
    for instalment in due:
        key = f"debit-notice:{instalment.pk}"
        if Outreach.objects.for_notice(key).exists():
            continue
        mandate = instalment.plan.mandates.get(status=Mandate.Status.ACTIVE)
        # What the charge will be: a provider's own engine charges what the
        # instalment still needs (debit_mercadopago syncs it), our worker the instalment.
        if mandate.provider in SELF_CHARGING:
            amount = still_needed(instalment.plan, instalment)
        else:
            amount = min(instalment.amount, owed(instalment.plan))
        if amount <= 0:
            continue
        row = notify(
            instalment.plan.debtor,
            "debit_upcoming",
            key=key,
            context=notice_context(mandate, instalment, amount=amount),
            debts=list(instalment.plan.debts.all()),
        )
        queued += row is not None
    return queued
