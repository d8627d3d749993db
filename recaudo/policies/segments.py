"""Which segment a debtor is in today, and so which register (tú / usted) they get.

The segment's policy chooses the templates of the debtor's reminders, and
its ``register`` says how those templates address the debtor. Whatever
speaks to a debtor in free text (the bot) asks ``register_for`` so it speaks
the same way: one source of truth, the policy. The facts are computed as the
planner computes them (open debts, main currency, oldest due date), so the
segment is the one the planner picks reminders from.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recaudo.policies.loaders import load_segment_rules
from recaudo.policies.models import Policy, Segment
from recaudo.policies.planning import OpenDebt, currency_and_balance
from recaudo.policies.rules import DebtorFacts, match_segment
from recaudo.portfolio.models import Debt, Debtor

# No segment, no policy, no reminders: the polite form is the safe one in Spanish.
UNKNOWN_REGISTER = Policy.Register.USTED


def debtor_facts(debtor: Debtor, today: date) -> DebtorFacts:
    """What segments look at, over the debtor's open debts (none: a zero balance, not due)."""
    debts = [
        OpenDebt(debt.pk, debt.due_on, debt.balance, debt.currency)
        for debt in Debt.objects.filter(debtor=debtor, status=Debt.Status.OPEN)
        if debt.balance > 0
    ]
    if debts:
        currency, balance = currency_and_balance(debts)
        oldest = min(debt.due_on for debt in debts)
    else:
        currency, balance, oldest = debtor.creditor.default_currency, Decimal(0), today
    return DebtorFacts(
        kind=debtor.kind,
        country=debtor.country,
        currency=currency,
        days_past_due=(today - oldest).days,
        balance=balance,
        tags=frozenset(debtor.tags or ()),
        risk_band=debtor.risk_band,
    )


def segment_for(debtor: Debtor, today: date) -> Segment | None:
    rule = match_segment(load_segment_rules(debtor.creditor_id), debtor_facts(debtor, today))
    if rule is None:
        return None
    return Segment.objects.select_related("policy").filter(pk=rule.id).first()


def register_for(debtor: Debtor, today: date) -> str:
    """``"tu"`` or ``"usted"``: how the debtor's reminders, and so the bot, address them."""
    segment = segment_for(debtor, today)
    return segment.policy.register if segment is not None else UNKNOWN_REGISTER
