"""Load segments and policy steps from the database as plain data."""

from __future__ import annotations

from collections import defaultdict

from recaudo.policies.models import Policy, Segment, Step
from recaudo.policies.planning import StepInfo
from recaudo.policies.rules import SegmentRule, ordered


def load_segment_rules(creditor_id: int) -> list[SegmentRule]:
    """The creditor's segments in evaluation order; the shipped defaults when it has none."""
    rows = list(Segment.objects.filter(creditor_id=creditor_id))
    if not rows:
        rows = list(Segment.objects.filter(creditor__isnull=True))
    return ordered(
        SegmentRule(
            id=row.pk,
            policy_id=row.policy_id,
            position=row.position,
            is_default=row.is_default,
            debtor_kind=row.debtor_kind,
            min_days_past_due=row.min_days_past_due,
            max_days_past_due=row.max_days_past_due,
            min_balance=row.min_balance,
            max_balance=row.max_balance,
            currency=row.currency,
            country=row.country,
            tags_any=frozenset(row.tags_any or ()),
            risk_band=row.risk_band,
        )
        for row in rows
    )


def segment_names(rules: list[SegmentRule]) -> dict[int, str]:
    return dict(
        Segment.objects.filter(id__in=[rule.id for rule in rules]).values_list("id", "name")
    )


def load_policies(policy_ids: set[int] | None = None) -> dict[int, list[StepInfo]]:
    """Steps of the active policies (or of ``policy_ids``), by policy id, in offset order."""
    steps = Step.objects.filter(policy__active=True).order_by("offset_days", "action", "id")
    if policy_ids is not None:
        steps = steps.filter(policy_id__in=policy_ids)
    by_policy: dict[int, list[StepInfo]] = defaultdict(list)
    for step in steps:
        by_policy[step.policy_id].append(
            StepInfo(
                id=step.pk,
                policy_id=step.policy_id,
                offset_days=step.offset_days,
                action=step.action,
                channels=step.channel_list(),
                template_key=step.template_key,
                tone=step.tone,
                stage=step.stage,
                repeat_every=step.repeat_every_days,
                repeat_from=step.repeat_from,
                repeat_until=step.repeat_until_days,
            )
        )
    return dict(by_policy)


def policies_placing_new_debts(policy_ids: set[int]) -> set[int]:
    """Of ``policy_ids``, the policies that place a new, already late debt at its entry step."""
    return set(
        Policy.objects.filter(id__in=policy_ids, place_new_debts=True).values_list("id", flat=True)
    )


def policies_at_best_time(policy_ids: set[int]) -> set[int]:
    """Of ``policy_ids``, the policies that send each message at the debtor's best hour."""
    return set(
        Policy.objects.filter(id__in=policy_ids, place_at_best_time=True).values_list(
            "id", flat=True
        )
    )
