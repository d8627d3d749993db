"""What a debtor may do on the portal: the creditor's choices and the segment's limits."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from recaudo.payments.conf import setting
from recaudo.payments.models import InstalmentPlan, PaymentSettings
from recaudo.payments.rules import PlanChoice, PlanLimits, plan_choices, settlement_minimum
from recaudo.policies.loaders import load_segment_rules
from recaudo.policies.models import Segment
from recaudo.policies.rules import DebtorFacts, match_segment
from recaudo.portfolio.models import Creditor, Debt, Debtor

DEFAULT_LIMITS = PlanLimits(max_instalments=6, min_down_payment_percent=Decimal(20))
DEFAULT_BRAND_COLOUR = "#1d4ed8"


@dataclass(frozen=True)
class Terms:
    currency: str  # the currency the debtor owes most in; the portal's choices use it
    total: Decimal  # open balance in ``currency``
    provider: str
    min_partial_percent: Decimal
    promise_max_days: int
    plan_grace_days: int
    brand_colour: str
    plan_limits: PlanLimits
    # Beyond these a request goes to a supervisor (segment's settings; 0 = always).
    max_discount_percent: Decimal = Decimal(0)
    max_extension_days: int = 0


def debtor_today(debtor: Debtor) -> date:
    try:
        zone = ZoneInfo(debtor.timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return timezone.now().astimezone(zone).date()


def collectible_debts(debtor: Debtor) -> list[Debt]:
    """Debts still owed (open or in an arrangement), oldest due first."""
    return [
        debt
        for debt in Debt.objects.filter(debtor=debtor, status__in=Debt.COLLECTIBLE).order_by(
            "due_on", "pk"
        )
        if debt.balance > 0
    ]


def creditor_settings(creditor: Creditor) -> PaymentSettings:
    found = PaymentSettings.objects.filter(creditor=creditor).first()
    if found is not None:
        return found
    return PaymentSettings(
        creditor=creditor,
        provider=setting("default_provider"),
        min_partial_percent=Decimal(str(setting("min_partial_percent"))),
        promise_max_days=int(setting("promise_max_days")),
        plan_grace_days=int(setting("plan_grace_days")),
        brand_colour=DEFAULT_BRAND_COLOUR,
    )


def _segment_of(debtor: Debtor, debts: list[Debt], currency: str, total: Decimal) -> Segment | None:
    if not debts:
        return None
    oldest = min(debt.due_on for debt in debts)
    facts = DebtorFacts(
        kind=debtor.kind,
        country=debtor.country,
        currency=currency,
        days_past_due=(debtor_today(debtor) - oldest).days,
        balance=total,
        tags=frozenset(debtor.tags or ()),
    )
    rule = match_segment(load_segment_rules(debtor.creditor_id), facts)
    if rule is None:
        return None
    return Segment.objects.filter(pk=rule.id).first()


def _main_currency(debtor: Debtor) -> tuple[list[Debt], str, dict[str, Decimal]]:
    debts = collectible_debts(debtor)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for debt in debts:
        totals[debt.currency] += debt.balance
    currency = (
        max(totals, key=lambda code: totals[code]) if totals else debtor.creditor.default_currency
    )
    return debts, currency, totals


def segment_of(debtor: Debtor) -> Segment | None:
    """The segment the debtor is in now (what ``terms_for`` reads its limits from)."""
    debts, currency, totals = _main_currency(debtor)
    open_debts = [debt for debt in debts if debt.currency == currency]
    return _segment_of(debtor, open_debts, currency, totals.get(currency, Decimal(0)))


def terms_for(debtor: Debtor) -> Terms:
    debts, currency, totals = _main_currency(debtor)
    chosen = creditor_settings(debtor.creditor)
    open_debts = [debt for debt in debts if debt.currency == currency]
    segment = _segment_of(debtor, open_debts, currency, totals.get(currency, Decimal(0)))
    limits = (
        PlanLimits(segment.max_instalments, Decimal(segment.min_down_payment_percent))
        if segment
        else DEFAULT_LIMITS
    )
    return Terms(
        currency=currency,
        total=totals.get(currency, Decimal(0)),
        provider=chosen.provider,
        min_partial_percent=Decimal(chosen.min_partial_percent),
        promise_max_days=chosen.promise_max_days,
        plan_grace_days=chosen.plan_grace_days,
        brand_colour=chosen.brand_colour,
        plan_limits=limits,
        max_discount_percent=Decimal(segment.max_discount_percent) if segment else Decimal(0),
        max_extension_days=segment.max_extension_days if segment else 0,
    )


@dataclass(frozen=True)
class PlanQuote:
    """What the debtor may agree now over their open debts (what ``agree_plan`` would cover)."""

    currency: str
    total: Decimal  # open balance in ``currency``; 0 when there is nothing a plan could cover
    choices: tuple[PlanChoice, ...]  # empty: no plan (segment allows none, or amount too small)
    has_active_plan: bool
    settlement_minimum: Decimal | None  # pays everything off within the segment's discount
    max_discount_percent: Decimal
    max_extension_days: int


def plan_quote(debtor: Debtor) -> PlanQuote:
    """The plans, discount and extension the debtor's segment allows for what they owe now."""
    terms = terms_for(debtor)
    total = sum(
        (
            debt.balance
            for debt in collectible_debts(debtor)
            if debt.currency == terms.currency and debt.status == Debt.Status.OPEN
        ),
        Decimal(0),
    )
    active = InstalmentPlan.objects.filter(
        debtor=debtor, status=InstalmentPlan.Status.ACTIVE
    ).exists()
    choices = (
        plan_choices(
            total=total,
            currency=terms.currency,
            limits=terms.plan_limits,
            first_day=debtor_today(debtor),
        )
        if total > 0 and not active
        else []
    )
    return PlanQuote(
        currency=terms.currency,
        total=total,
        choices=tuple(choices),
        has_active_plan=active,
        settlement_minimum=(
            settlement_minimum(total, terms.currency, terms.max_discount_percent)
            if total > 0 and terms.max_discount_percent > 0
            else None
        ),
        max_discount_percent=terms.max_discount_percent,
        max_extension_days=terms.max_extension_days,
    )
