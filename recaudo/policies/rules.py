"""Which segment a debtor falls into: plain data and one pure function."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple


class DebtorFacts(NamedTuple):
    """What segments look at, computed over the debtor's open debts."""

    kind: str  # person | company
    country: str
    currency: str  # the currency in which the debtor owes the most
    days_past_due: int  # of the oldest open debt; negative before it is due
    balance: Decimal  # open balance in ``currency``
    tags: frozenset[str] = frozenset()
    risk_band: str = ""


@dataclass(frozen=True)
class SegmentRule:
    """A segment's conditions; an empty condition matches everything."""

    id: int
    policy_id: int
    position: int = 100
    is_default: bool = False
    debtor_kind: str = ""
    min_days_past_due: int | None = None
    max_days_past_due: int | None = None
    min_balance: Decimal | None = None
    max_balance: Decimal | None = None
    currency: str = ""
    country: str = ""
    tags_any: frozenset[str] = frozenset()
    risk_band: str = ""

    def matches(self, facts: DebtorFacts) -> bool:
        if self.debtor_kind and facts.kind != self.debtor_kind:
            return False
        if self.country and facts.country != self.country:
            return False
        if self.currency and facts.currency != self.currency:
            return False
        if self.min_days_past_due is not None and facts.days_past_due < self.min_days_past_due:
            return False
        if self.max_days_past_due is not None and facts.days_past_due > self.max_days_past_due:
            return False
        if self.min_balance is not None and facts.balance < self.min_balance:
            return False
        if self.max_balance is not None and facts.balance > self.max_balance:
            return False
        if self.tags_any and not (self.tags_any & facts.tags):
            return False
        return not (self.risk_band and facts.risk_band != self.risk_band)


def ordered(rules: Iterable[SegmentRule]) -> list[SegmentRule]:
    """Evaluation order: by position (then id); default segments last."""
    return sorted(rules, key=lambda rule: (rule.is_default, rule.position, rule.id))


def match_segment(rules: Sequence[SegmentRule], facts: DebtorFacts) -> SegmentRule | None:
    """The first segment (in ``ordered`` order) whose conditions all hold.

    A default segment catches whoever matches no other segment, whatever its
    conditions say; ``None`` only when there is neither a match nor a default.
    """
    fallback = None
    for rule in rules:
        if rule.is_default:
            if fallback is None:
                fallback = rule
            continue
        if rule.matches(facts):
            return rule
    return fallback
