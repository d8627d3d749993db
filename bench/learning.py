"""Benchmark: the learning app measured on the debtor-behaviour simulator.

Usage: python bench/learning.py [--debtors N] [--runs R] [--seed S] [--score-size M]

1. Propensity: simulates N debtors' histories and 30-day outcomes, trains the
   model (scoring.fit: logistic regression + isotonic calibration) on 70% of
   the debtors and measures it on the other 30%: ``auc``, ``brier``, and
   ``auc_ceiling`` (the AUC of the simulator's true probabilities on the same
   debtors: no model can beat it). ``fairness``: per country and kind, the
   mean score less the observed rate (calibration gap) and the AUC.
2. Best time: learns best hours (besttime.best_hours) from a simulated contact
   history, then runs a month of three WhatsApp reminders on two random halves
   of fresh debtors: at the window's start (8:00) and at the best hour.
   ``best_time_uplift``: the difference in 30-day payment rate, with its 95%
   Newcombe interval.
3. A/B/n: R runs of a three-arm test (true effects 0, +0.15, +0.35 on the
   log-odds of paying) with stable hash assignment and the fixed-horizon
   readout (rules.verdict, min_per_arm from rules.sample_size);
   ``ab_correct``: the share of runs whose declared winner is the true best.
4. ``score_seconds_1m``: features -> probability -> band -> top-3 factors for
   M (default 1,000,000) simulated debtors.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from recaudo.learning import rules, scoring, simulator  # noqa: E402
from recaudo.learning.besttime import best_hours  # noqa: E402
from recaudo.learning.features import FEATURES, Raw, matrix  # noqa: E402


def subset(raw: Raw, rows: np.ndarray) -> Raw:
    return Raw(**{name: getattr(raw, name)[rows] for name in raw.__dataclass_fields__})


def propensity(debtors: int, seed: int) -> dict:
    world = simulator.population(debtors, seed)
    rng = np.random.default_rng(seed + 1)
    # The month after the snapshot, with the usual reminders at the usual hour.
    reads = simulator.month_of_reminders(world, rng, np.full(debtors, 8))
    truth = simulator.sigmoid(world.propensity + simulator.READ_EFFECT * reads)
    labels = (rng.random(debtors) < truth).astype(float)
    order = rng.permutation(debtors)
    cut = int(debtors * 0.7)
    train, test = order[:cut], order[cut:]
    x = matrix(world.raw)
    started = time.perf_counter()
    fitted = scoring.fit(x[train], labels[train], FEATURES, seed=seed)
    train_seconds = time.perf_counter() - started
    measured = scoring.evaluate(fitted, x[test], labels[test])
    predicted = fitted.probability(x[test])
    fairness = {}
    test_raw = subset(world.raw, test)
    groups = {f"country_{c}": test_raw.country == c for c in simulator.COUNTRIES}
    groups["person"] = test_raw.company == 0
    groups["company"] = test_raw.company == 1
    for name, mask in groups.items():
        y, p = labels[test][mask], predicted[mask]
        fairness[name] = {
            "n": int(mask.sum()),
            "calibration_gap": round(float(p.mean() - y.mean()), 4),
            "auc": round(float(roc_auc_score(y, p)), 4),
        }
    return {
        "auc": round(measured.auc or 0.0, 4),
        "auc_ceiling": round(float(roc_auc_score(labels[test], truth[test])), 4),
        "brier": round(measured.brier or 0.0, 4),
        "base_rate": round(float(labels.mean()), 4),
        "train_seconds": round(train_seconds, 2),
        "fairness": fairness,
    }


def best_time(debtors: int, seed: int) -> dict:
    world = simulator.population(debtors, seed + 10)
    learnt, fallback = best_hours(simulator.contact_history(world, seed + 11))
    channel = simulator.CHANNELS[0]
    ids = world.raw.debtor_ids
    hours = np.array(
        [
            learnt.get(int(i), {}).get(
                channel, fallback.get((str(world.raw.country[k]), channel), 8)
            )
            for k, i in enumerate(ids)
        ]
    )
    assert ((hours >= 8) & (hours <= 19)).all(), "a best hour outside the legal hours"
    rng = np.random.default_rng(seed + 12)
    arm = rng.random(debtors) < 0.5  # True: best time
    placed = np.where(arm, hours, 8)
    reads = simulator.month_of_reminders(world, rng, placed)
    paid = simulator.paid_in_30_days(world, rng, reads, np.zeros(debtors))
    best_paid, best_n = int(paid[arm].sum()), int(arm.sum())
    start_paid, start_n = int(paid[~arm].sum()), int((~arm).sum())
    difference, low, high = rules.newcombe(best_paid, best_n, start_paid, start_n)
    return {
        "best_time_uplift": round(difference, 4),
        "best_time_uplift_ci95": [round(low, 4), round(high, 4)],
        "best_time_rate": round(best_paid / best_n, 4),
        "window_start_rate": round(start_paid / start_n, 4),
    }


def ab(runs: int, seed: int) -> dict:
    effects = np.array([0.0, 0.2, 0.45])
    base = 0.45
    per_arm = rules.sample_size(base, 0.03)
    debtors = per_arm * 3 + 3000
    correct = 0
    verdicts: dict[str, int] = {}
    for run in range(runs):
        world = simulator.population(debtors, seed + 100 + run)
        experiment_id = 1000 + run
        arms = [rules.Arm(1, 1), rules.Arm(2, 1), rules.Arm(3, 1)]
        ranges = rules.arms_by_bucket(arms, 0)
        assigned = np.array(
            [rules.assign(ranges, experiment_id, int(i)) for i in world.raw.debtor_ids]
        )
        rng = np.random.default_rng(seed + 500 + run)
        reads = simulator.month_of_reminders(world, rng, np.full(debtors, 12))
        paid = simulator.paid_in_30_days(world, rng, reads, effects[assigned - 1])
        results = [
            rules.arm_result(arm.id, str(arm.id), False, int((assigned == arm.id).sum()),
                             int(paid[assigned == arm.id].sum()), 0.0)
            for arm in arms
        ]  # fmt: skip
        found = rules.verdict(results, per_arm)
        verdicts[found.state] = verdicts.get(found.state, 0) + 1
        correct += found.winner == 3
    return {"ab_correct": round(correct / runs, 3), "ab_runs": runs, "ab_per_arm": per_arm,
            "ab_verdicts": verdicts}  # fmt: skip


def score_speed(size: int, seed: int) -> dict:
    world = simulator.population(50_000, seed + 20)
    labels = np.random.default_rng(seed).random(50_000) < simulator.sigmoid(world.propensity)
    fitted = scoring.fit(matrix(world.raw), labels.astype(float), FEATURES)
    big = simulator.population(size, seed + 21).raw
    started = time.perf_counter()
    x = matrix(big)
    probability = fitted.probability(x)
    scoring.bands(probability)
    scoring.top_factors(fitted, x)
    return {"score_seconds_1m": round((time.perf_counter() - started) * 1_000_000 / size, 2),
            "score_size": size}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--debtors", type=int, default=60_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--score-size", type=int, default=1_000_000)
    options = parser.parse_args()
    result: dict = {}
    result.update(propensity(options.debtors, options.seed))
    result.update(best_time(options.debtors, options.seed))
    result.update(ab(options.runs, options.seed))
    result.update(score_speed(options.score_size, options.seed))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
