"""Direct debit ("domiciliación"): a saved payment method charges a plan's instalments.

The debtor enrols from the portal (the bot sends the portal's enrolment
link): ``start_enrolment`` writes a ``pending`` Mandate, then asks the
provider for its setup page (Stripe Checkout in ``setup`` mode);
``complete_enrolment`` (the debtor's return) or the provider's webhook reads
the provider's own record and ``activate`` makes the mandate ``active`` with
the card's brand and last four digits.

``cancel_mandate`` stops it at any time: the saved method is detached at the
provider and no charge is claimed after the cancel commits. The charges, the
retries and the notices are in ``debit_charges.py`` (docs/payments.md).
"""

from __future__ import annotations

import functools
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from recaudo.outreach.notify import notify
from recaudo.payments.accounts import provider_for
from recaudo.payments.models import (
    DebitAttempt,
    Instalment,
    InstalmentPlan,
    Mandate,
    PaymentLink,
)
from recaudo.payments.providers import get_provider
from recaudo.payments.providers.base import ProviderError, SetupRequest
from recaudo.payments.rules import AgreementError, add_months, from_minor_units, minor_units
from recaudo.payments.terms import terms_for
from recaudo.portfolio import events
from recaudo.portfolio.models import (
    AuditEvent,
    ContactPoint,
    Debt,
    Debtor,
    Payment,
    PaymentAllocation,
)

logger = logging.getLogger(__name__)
# Cancels confirmed by a ``debit_cancelled`` notice: the bot's own answer confirms
# one made in a conversation, and a plan that ends says so in its own notice.
CONFIRMED_CANCELS = (Mandate.Channel.PORTAL, Mandate.Channel.STAFF)


# What a plan's debts still owe (a debt paused by a report is still owed: agreements).
OWING = [*Debt.COLLECTIBLE, Debt.Status.DISPUTED]
# Providers whose own engine charges a mandate (Mercado Pago's subscriptions):
# never claimed by our worker; their charges arrive by webhook (debit_mercadopago.py).
SELF_CHARGING = ("mercadopago",)
# A provider that charges on its own schedule is given this hour of the debtor's day.
CHARGE_HOUR = time(12)


class DebitError(AgreementError):
    """The debtor cannot enrol or cancel now; the text says why, in their language."""


class PayerEmailError(DebitError):
    """The provider needs the e-mail of the debtor's account there, and it is missing or invalid."""


def owed(plan: InstalmentPlan) -> Decimal:
    """What the plan's debts still owe."""
    return sum((debt.balance for debt in plan.debts.filter(status__in=OWING)), Decimal(0))


def paid_toward(plan: InstalmentPlan) -> Decimal:
    """What payments recorded since the plan was agreed applied to its debts (reversed ones not)."""
    return PaymentAllocation.objects.filter(
        debt__in=plan.debts.all(),
        payment__status=Payment.Status.RECEIVED,
        payment__created_at__gte=plan.created_at,
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)


def still_needed(plan: InstalmentPlan, instalment: Instalment) -> Decimal:
    """What a pending instalment still needs: its part not yet covered by what was paid
    toward the plan (a part paid by hand), never more than the plan's debts still owe."""
    through = sum(
        plan.instalments.filter(number__lte=instalment.number).values_list("amount", flat=True),
        Decimal(0),
    )
    need = min(instalment.amount, through - paid_toward(plan))
    return max(Decimal(0), min(need, owed(plan)))


def email_on_file(debtor_id: int) -> ContactPoint | None:
    """The debtor's usable e-mail address on file, if any."""
    return (
        ContactPoint.objects.filter(
            debtor_id=debtor_id, kind=ContactPoint.Kind.EMAIL, opted_out_at=None, invalid_since=None
        )
        .order_by("-preferred", "pk")
        .first()
    )


def payer_email(given: str, debtor: Debtor) -> str:
    """The e-mail the debtor typed, or the one on file when they left it empty; validated."""
    point = email_on_file(debtor.pk)
    email = (given or "").strip() or (point.value if point is not None else "")
    if not email:
        raise PayerEmailError("no e-mail")
    try:
        validate_email(email)
    except ValidationError:
        raise PayerEmailError("invalid e-mail") from None
    return email


def _at_charge_hour(debtor: Debtor, day: date) -> datetime:
    try:
        zone = ZoneInfo(debtor.timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.combine(day, CHARGE_HOUR, tzinfo=zone)


def local_today(debtor: Debtor, now: datetime) -> date:
    try:
        zone = ZoneInfo(debtor.timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


def active_mandate(debtor_id: int) -> Mandate | None:
    return (
        Mandate.objects.filter(
            debtor_id=debtor_id,
            status=Mandate.Status.ACTIVE,
            plan__status=InstalmentPlan.Status.ACTIVE,
        )
        .select_related("plan")
        .first()
    )


# Enrolment.


def start_enrolment(
    link: PaymentLink,
    *,
    channel: str,
    success_url: str,
    cancel_url: str,
    description: str,
    email: str = "",
) -> Mandate:
    """Write a pending mandate for the debtor's active plan, then open the provider's setup.

    ``success_url`` and ``cancel_url`` may hold ``{reference}``. DebitError when
    there is no active plan or it already has an active mandate
    (PayerEmailError when the provider needs the e-mail of the debtor's
    account there: ``email``, or the one on file); ProviderError when the
    provider cannot (the mandate stays pending, never charged).
    """
    debtor = link.debtor
    plan = InstalmentPlan.objects.filter(debtor=debtor, status=InstalmentPlan.Status.ACTIVE).first()
    if plan is None:
        raise DebitError("no active plan")
    if plan.mandates.filter(status=Mandate.Status.ACTIVE).exists():
        raise DebitError("already enrolled")
    provider_name = terms_for(debtor).provider
    provider = provider_for(plan.creditor_id, provider_name)
    if not provider.offers_direct_debit:
        raise ProviderError(f"{provider_name} does not offer direct debit here", permanent=True)
    # A provider's own engine (Mercado Pago) charges from the next pending
    # instalment's date, monthly, until the last one (debit_mercadopago syncs each amount).
    pending = list(plan.instalments.filter(status=Instalment.Status.PENDING).order_by("number"))
    if provider.charges_itself and not pending:
        raise DebitError("nothing left to charge")
    email = payer_email(email, debtor) if provider.needs_payer_email else ""
    first_charge_at = last_charge_at = None
    amount = None
    if pending:
        amount = still_needed(plan, pending[0])
        today = local_today(debtor, timezone.now())
        first_day = today
        if pending[0].due_on > today:  # due today or before: Mercado Pago charges it on authorising
            first_day = pending[0].due_on
            first_charge_at = _at_charge_hour(debtor, first_day)
        # Its engine charges monthly from the first charge's day, not on the plan's
        # dates: enrolled late, every charge comes later, so the end follows its last.
        last_day = max(pending[-1].due_on, add_months(first_day, len(pending) - 1))
        last_charge_at = _at_charge_hour(debtor, last_day + timedelta(days=1))
    mandate = Mandate.objects.create(
        reference=secrets.token_urlsafe(24),
        creditor_id=plan.creditor_id,
        debtor=debtor,
        plan=plan,
        provider=provider_name,
        channel=channel,
    )
    session = provider.create_setup(
        SetupRequest(
            reference=mandate.reference,
            currency=plan.currency,
            description=description,
            # Stripe needs no contact data of ours to save a card; Mercado Pago the account's.
            email=email,
            name=debtor.full_name,
            success_url=success_url.replace("{reference}", mandate.reference),
            cancel_url=cancel_url.replace("{reference}", mandate.reference),
            metadata={"debtor": str(debtor.pk), "plan": str(plan.pk)},
            amount=amount,
            first_charge_at=first_charge_at,
            last_charge_at=last_charge_at,
        )
    )
    mandate.setup_session_id = session.session_id
    mandate.setup_url = session.url
    mandate.customer_id = session.customer_id
    mandate.synced_amount = amount if provider.charges_itself else None
    mandate.save(update_fields=["setup_session_id", "setup_url", "customer_id", "synced_amount"])
    return mandate


def complete_enrolment(link: PaymentLink, reference: str) -> Mandate | None:
    """Back from the provider: activate the mandate from the provider's own record.

    None when ``reference`` is not this debtor's mandate. A mandate whose
    setup is not finished stays pending; a repeated return changes nothing.
    """
    mandate = Mandate.objects.filter(reference=reference, debtor_id=link.debtor_id).first()
    if mandate is None:
        return None
    return activate(mandate)


def activate(mandate: Mandate) -> Mandate:
    """Activate a pending mandate if the provider's record shows the method saved.

    From the debtor's return (``complete_enrolment``) or the provider's webhook
    (a debtor who closed the page before coming back), whichever comes first.
    """
    if mandate.status != Mandate.Status.PENDING or not mandate.setup_session_id:
        return mandate
    provider = provider_for(mandate.creditor_id, mandate.provider)
    saved = provider.fetch_setup(mandate.setup_session_id)
    if saved.reference and saved.reference != mandate.reference:
        raise ProviderError("the provider's setup names another mandate", permanent=True)
    if not saved.method_id:
        return mandate
    with transaction.atomic():
        mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
        if mandate.status != Mandate.Status.PENDING:
            return mandate
        plan = InstalmentPlan.objects.select_for_update().get(pk=mandate.plan_id)
        if plan.status != InstalmentPlan.Status.ACTIVE:
            return mandate
        # A second enrolment replaces the first (the debtor changed cards).
        for older in plan.mandates.filter(status=Mandate.Status.ACTIVE):
            _cancel_row(older, channel=mandate.channel, by="replaced", now=timezone.now())
            if older.provider in SELF_CHARGING and older.method_id:
                # Its engine would go on charging the replaced subscription.
                transaction.on_commit(functools.partial(_detach, older))
        mandate.status = Mandate.Status.ACTIVE
        mandate.customer_id = saved.customer_id or mandate.customer_id
        mandate.method_id = saved.method_id
        mandate.brand = saved.brand[:30]
        mandate.last4 = saved.last4[:4]
        mandate.activated_at = timezone.now()
        mandate.save()
        events.debtor_event(
            mandate.debtor,
            AuditEvent.Kind.MANDATE_ACTIVATED,
            actor=f"{mandate.channel}:debit",
            data={
                "mandate": mandate.pk,
                "plan": plan.pk,
                "provider": mandate.provider,
                "brand": mandate.brand,
                "last4": mandate.last4,
            },
        )
        return mandate


# Cancelling.


def cancel_mandate(mandate: Mandate, *, channel: str, by: str, detach: bool = True) -> Mandate:
    """Cancel at once (no charge is claimed after this commits), then detach at the provider.

    Detaching runs once the caller's transaction commits (the bot cancels
    inside the webhook's); it is best effort: a failure is logged for staff,
    and the cancelled mandate is never charged whatever the provider keeps.
    ``detach=False``: the provider cancelled it itself.
    """
    with transaction.atomic():
        mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
        if mandate.status == Mandate.Status.CANCELLED:
            return mandate
        _cancel_row(mandate, channel=channel, by=by, now=timezone.now())
        if channel in CONFIRMED_CANCELS:
            notify(
                mandate.debtor,
                "debit_cancelled",
                key=f"debit-cancelled:{mandate.pk}",
                context=notice_context(mandate),
            )
    if mandate.method_id and detach:
        try:
            provider_for(mandate.creditor_id, mandate.provider).detach(mandate.method_id)
        except ProviderError as error:
            logger.warning(
                "detaching mandate %s at %s failed: %s", mandate.pk, mandate.provider, error
            )
    return mandate


def notice_context(
    mandate: Mandate,
    instalment: Instalment | None = None,
    *,
    amount: Decimal | None = None,
    charge_on: date | None = None,
    retry_on: date | None = None,
) -> dict[str, Any]:
    """What a direct debit's notice (``debit_*`` templates) says, as stored in JSON.

    The card (brand and last four digits, from the mandate; ``****`` while
    the provider has not given them); with
    ``instalment``: its place in the plan ("2 of 6", the down payment being
    the first), the amount (in the currency's minor unit) and the plan's
    currency, the charge's date (the instalment's due date unless
    ``charge_on``) and the next automatic attempt (``retry_on``, if any).
    """
    # Mercado Pago gives the card's digits only with a payment: before the
    # first one they show masked (a WhatsApp parameter is never empty).
    context: dict[str, Any] = {"card_brand": mandate.brand, "card_last4": mandate.last4 or "****"}
    if instalment is None:
        return context
    plan = instalment.plan
    numbers = list(plan.instalments.order_by("number").values_list("number", flat=True))
    currency = plan.currency
    exact = from_minor_units(
        minor_units(instalment.amount if amount is None else amount, currency), currency
    )
    context.update(
        instalment_number=numbers.index(instalment.number) + 1,
        instalment_count=len(numbers),
        charge_amount=str(exact),
        currency=currency,
        charge_date=(charge_on or instalment.due_on).isoformat(),
    )
    if retry_on is not None:
        context["retry_date"] = retry_on.isoformat()
    return context


def _cancel_row(mandate: Mandate, *, channel: str, by: str, now: datetime) -> None:
    mandate.status = Mandate.Status.CANCELLED
    mandate.cancelled_at = now
    mandate.cancelled_channel = channel
    mandate.cancelled_by = by[:150]
    mandate.save(update_fields=["status", "cancelled_at", "cancelled_channel", "cancelled_by"])
    events.debtor_event(
        mandate.debtor,
        AuditEvent.Kind.MANDATE_CANCELLED,
        actor=f"{channel}:debit",
        data={"mandate": mandate.pk, "plan": mandate.plan_id, "by": by},
    )


def cancel_with_plan(plan_id: int) -> int:
    """The plan ended (completed, broken): cancel its active mandates; how many.

    Runs inside the change that ended the plan; the methods are detached at
    the provider once it commits.
    """
    cancelled = 0
    now = timezone.now()
    for mandate in Mandate.objects.filter(plan_id=plan_id, status=Mandate.Status.ACTIVE):
        _cancel_row(mandate, channel=Mandate.Channel.SYSTEM, by=f"plan {plan_id} ended", now=now)
        if mandate.method_id:
            transaction.on_commit(functools.partial(_detach, mandate))
        cancelled += 1
    return cancelled


def _detach(mandate: Mandate) -> None:
    try:
        provider_for(mandate.creditor_id, mandate.provider).detach(mandate.method_id)
    except ProviderError as error:
        logger.warning("detaching mandate %s at %s failed: %s", mandate.pk, mandate.provider, error)


@dataclass(frozen=True)
class DebitView:
    """What the portal shows about direct debit (``payments/_debit.html``)."""

    offered: bool  # the plan can be charged automatically with the creditor's provider
    mandate: Mandate | None
    next_due_on: date | None
    next_amount: str
    last_refused: DebitAttempt | None  # the latest automatic charge, when it was refused
    action_required: bool
    # The provider needs the e-mail of the debtor's account there (Mercado Pago);
    # the one on file is shown masked, never in full, and used when the field is left empty.
    needs_email: bool = False
    email_on_file: str = ""


def debit_view(plan: InstalmentPlan | None, provider_name: str) -> DebitView:
    if plan is None:
        return DebitView(False, None, None, "", None, False)
    try:
        provider = get_provider(provider_name)
        offered, needs_email = provider.offers_direct_debit, provider.needs_payer_email
    except ProviderError:
        offered = needs_email = False
    point = email_on_file(plan.debtor_id) if needs_email else None
    mandate = plan.mandates.filter(status=Mandate.Status.ACTIVE).first()
    pending = plan.instalments.filter(status=Instalment.Status.PENDING).order_by("number").first()
    last = (
        DebitAttempt.objects.filter(mandate__plan=plan)
        .exclude(status=DebitAttempt.Status.CHARGING)
        .order_by("-completed_at", "-pk")
        .first()
    )
    refused = (
        last
        if last is not None
        and last.status in (DebitAttempt.Status.FAILED, DebitAttempt.Status.ACTION_REQUIRED)
        else None
    )
    return DebitView(
        offered=offered,
        mandate=mandate,
        next_due_on=pending.due_on if pending else None,
        next_amount=str(pending.amount) if pending else "",
        last_refused=refused,
        action_required=refused is not None
        and refused.status == DebitAttempt.Status.ACTION_REQUIRED,
        needs_email=needs_email,
        email_on_file=point.masked_value if point is not None else "",
    )
