"""Experiments as plain functions: stable assignment, intervals, and the readout's verdict.

Stopping rule (docs/insights.md): fixed horizon. An experiment is read out
only when every arm has at least ``min_per_arm`` debtors whose outcome window
(``outcome_days`` after their first contact of the step) has closed; before
that the readout says "keep running" whatever the numbers look like (peeking
at a running test inflates false winners). Then the arm with the highest
payment rate wins if the 95% Newcombe interval of its difference with every
other message arm excludes zero; otherwise "no difference". The holdout arm
is compared separately: the uplift of the winner over no message.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054
BUCKETS = 10_000


def bucket(experiment_id: int, debtor_id: int) -> int:
    """A debtor's stable place in 0..9999 for one experiment (SHA-256, not Python's hash)."""
    digest = hashlib.sha256(f"{experiment_id}:{debtor_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


@dataclass(frozen=True)
class Arm:
    id: int
    weight: int
    holdout: bool = False


def arms_by_bucket(arms: Sequence[Arm], holdout_percent: int) -> list[tuple[int, int]]:
    """(upper bucket, arm id) ranges: the holdout takes ``holdout_percent``, the rest by weight."""
    ranges: list[tuple[int, int]] = []
    upper = 0
    holdout = [arm for arm in arms if arm.holdout]
    if holdout and holdout_percent > 0:
        upper = BUCKETS * holdout_percent // 100
        ranges.append((upper, holdout[0].id))
    sending = [arm for arm in arms if not arm.holdout]
    total = sum(arm.weight for arm in sending)
    if not sending or total <= 0:
        raise ValueError("an experiment needs at least one arm that sends, with a weight")
    left = BUCKETS - upper
    running = 0
    for arm in sending:
        running += arm.weight
        ranges.append((upper + left * running // total, arm.id))
    return ranges


def assign(ranges: Sequence[tuple[int, int]], experiment_id: int, debtor_id: int) -> int:
    """The arm id of the debtor (stable: the same every day, in every process)."""
    place = bucket(experiment_id, debtor_id)
    for upper, arm_id in ranges:
        if place < upper:
            return arm_id
    return ranges[-1][1]


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (0, 0 for no trials)."""
    if trials <= 0:
        return 0.0, 0.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, z: float = Z95
) -> tuple[float, float, float]:
    """Difference of proportions a - b with Newcombe's hybrid score interval (method 10)."""
    if trials_a <= 0 or trials_b <= 0:
        return 0.0, -1.0, 1.0
    p1, p2 = successes_a / trials_a, successes_b / trials_b
    l1, u1 = wilson(successes_a, trials_a, z)
    l2, u2 = wilson(successes_b, trials_b, z)
    difference = p1 - p2
    lower = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return difference, lower, upper


@dataclass(frozen=True)
class ArmResult:
    id: int
    name: str
    holdout: bool
    debtors: int  # with a closed outcome window
    paid: int
    amount: float
    rate: float
    low: float
    high: float


@dataclass(frozen=True)
class Verdict:
    """The readout: ``state`` is "running" (too few), "winner" or "no_difference"."""

    state: str
    winner: int | None
    # Winner vs the runner-up message arm, and vs the holdout (difference, low, high).
    margin: tuple[float, float, float] | None
    uplift: tuple[float, float, float] | None


def arm_result(
    id: int, name: str, holdout: bool, debtors: int, paid: int, amount: float
) -> ArmResult:
    low, high = wilson(paid, debtors)
    rate = paid / debtors if debtors else 0.0
    return ArmResult(id, name, holdout, debtors, paid, amount, rate, low, high)


def verdict(arms: Sequence[ArmResult], min_per_arm: int) -> Verdict:
    sending = [arm for arm in arms if not arm.holdout]
    holdout = next((arm for arm in arms if arm.holdout), None)
    if not sending or any(arm.debtors < min_per_arm for arm in arms):
        return Verdict("running", None, None, None)
    ranked = sorted(sending, key=lambda arm: (-arm.rate, arm.id))
    best = ranked[0]
    uplift = newcombe(best.paid, best.debtors, holdout.paid, holdout.debtors) if holdout else None
    if len(ranked) == 1:
        return Verdict("winner", best.id, None, uplift)
    margins = [newcombe(best.paid, best.debtors, arm.paid, arm.debtors) for arm in ranked[1:]]
    closest = min(margins, key=lambda margin: margin[1])
    if all(margin[1] > 0 for margin in margins):
        return Verdict("winner", best.id, closest, uplift)
    return Verdict("no_difference", None, closest, uplift)


def sample_size(
    base_rate: float, lift: float, alpha_z: float = Z95, power_z: float = 0.8416
) -> int:
    """Debtors per arm to detect ``lift`` (absolute) over ``base_rate`` (two-sided 5%, 80%)."""
    p1, p2 = base_rate, base_rate + lift
    mean = (p1 + p2) / 2
    top = alpha_z * math.sqrt(2 * mean * (1 - mean)) + power_z * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return math.ceil(top * top / (lift * lift))
