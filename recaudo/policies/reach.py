"""Which debts no policy step will reach: reported after an import.

A debt is reached when its debtor falls in a segment whose policy has a
contact step on a day still to come (a step ahead of the debt's age, or a
repetition that has not ended), or an entry step (the policy places new
debts: any written step whose day has passed, see ``planning.due_steps``),
and the debtor has a usable contact point (not opted out, not invalid) that
carries one of those steps' channels. Consents are not looked at here: the
planner reports those per contact (``no_usable_channel``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from recaudo.policies.loaders import load_policies, load_segment_rules, policies_placing_new_debts
from recaudo.policies.planning import (
    RECORDED_ACTIONS,
    WRITTEN_ACTIONS,
    OpenDebt,
    StepInfo,
    currency_and_balance,
)
from recaudo.policies.rules import DebtorFacts, match_segment
from recaudo.portfolio.models import CLOSED_STAGES, ContactPoint, Creditor, Debt, Debtor


def reaching_channels(steps: Iterable[StepInfo], days_past_due: int, place_new: bool) -> set[str]:
    """The channels of the steps that can still contact a debt ``days_past_due`` old."""
    channels: set[str] = set()
    for step in steps:
        if step.action in RECORDED_ACTIONS:
            continue
        ahead = step.offset_days >= days_past_due or (
            step.repeat_every is not None
            and (step.repeat_until is None or step.repeat_until >= days_past_due)
        )
        entry = place_new and step.action in WRITTEN_ACTIONS
        if ahead or entry:
            channels.update(step.channels)
    return channels


def unreachable_debts(creditor: Creditor, changed_since: datetime, today: date) -> int:
    """How many open debts written since ``changed_since`` no step will reach."""
    debts = list(
        Debt.objects.filter(
            creditor=creditor, status=Debt.Status.OPEN, updated_at__gte=changed_since
        ).exclude(collection_stage__in=CLOSED_STAGES)
    )
    if not debts:
        return 0
    debtor_ids = {debt.debtor_id for debt in debts}
    segments = load_segment_rules(creditor.pk)
    policies = load_policies({segment.policy_id for segment in segments})
    placing = policies_placing_new_debts(set(policies))
    owed: defaultdict[int, list[OpenDebt]] = defaultdict(list)
    for debt in Debt.objects.filter(debtor_id__in=debtor_ids, status=Debt.Status.OPEN):
        owed[debt.debtor_id].append(OpenDebt(debt.pk, debt.due_on, debt.balance, debt.currency))
    reachable_on: defaultdict[int, set[str]] = defaultdict(set)
    for debtor_id, channels in ContactPoint.objects.filter(
        debtor_id__in=debtor_ids, opted_out_at__isnull=True, invalid_since__isnull=True
    ).values_list("debtor_id", "channels"):
        reachable_on[debtor_id].update(channels or ())
    debtors = Debtor.objects.in_bulk(debtor_ids)
    unreachable = 0
    for debt in debts:
        debtor = debtors[debt.debtor_id]
        open_debts = owed[debt.debtor_id]
        currency, balance = currency_and_balance(open_debts)
        facts = DebtorFacts(
            kind=debtor.kind,
            country=debtor.country,
            currency=currency,
            days_past_due=(today - min(item.due_on for item in open_debts)).days,
            balance=balance,
            tags=frozenset(debtor.tags or ()),
        )
        segment = match_segment(segments, facts)
        channels = (
            reaching_channels(
                policies.get(segment.policy_id, []),
                (today - debt.due_on).days,
                segment.policy_id in placing,
            )
            if segment is not None
            else set()
        )
        if not channels & reachable_on[debt.debtor_id]:
            unreachable += 1
    return unreachable
