"""Experiments' pure rules: stable assignment, Wilson and Newcombe intervals, the verdict."""

from __future__ import annotations

import pytest

from recaudo.learning import rules
from recaudo.learning.rules import Arm, arm_result


def test_a_debtor_gets_the_same_bucket_every_time_and_it_is_the_sha256_one():
    assert rules.bucket(7, 42) == rules.bucket(7, 42)
    # hashlib.sha256(b"7:42"): first 8 bytes big-endian, mod 10,000.
    import hashlib

    expected = int.from_bytes(hashlib.sha256(b"7:42").digest()[:8], "big") % 10_000
    assert rules.bucket(7, 42) == expected
    assert rules.bucket(8, 42) != rules.bucket(7, 42) or rules.bucket(8, 43) != rules.bucket(7, 43)


def test_assignment_is_stable_and_splits_by_weight_with_the_holdout_taking_its_share():
    arms = [Arm(1, 1), Arm(2, 3), Arm(9, 1, holdout=True)]
    ranges = rules.arms_by_bucket(arms, 10)
    assert ranges == [(1000, 9), (3250, 1), (10000, 2)]
    first = [rules.assign(ranges, 5, debtor) for debtor in range(1, 20001)]
    again = [rules.assign(ranges, 5, debtor) for debtor in reversed(range(1, 20001))][::-1]
    assert first == again
    share = {arm: first.count(arm) / len(first) for arm in (1, 2, 9)}
    assert share[9] == pytest.approx(0.10, abs=0.01)
    assert share[1] == pytest.approx(0.225, abs=0.01)
    assert share[2] == pytest.approx(0.675, abs=0.01)


def test_an_experiment_without_an_arm_that_sends_is_refused():
    with pytest.raises(ValueError, match="at least one arm that sends"):
        rules.arms_by_bucket([Arm(1, 1, holdout=True)], 20)


def test_wilson_interval_of_50_of_100_is_the_textbook_one():
    low, high = rules.wilson(50, 100)
    assert (round(low, 4), round(high, 4)) == (0.4038, 0.5962)
    assert rules.wilson(0, 0) == (0.0, 0.0)
    assert rules.wilson(0, 10)[0] == 0.0


def test_newcombe_difference_matches_newcombe_1998_example():
    # Newcombe (1998), Statistics in Medicine 17:873, method 10: 56/70 - 48/80.
    difference, low, high = rules.newcombe(56, 70, 48, 80)
    assert round(difference, 4) == 0.2
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def _arms(*counts):
    return [
        arm_result(index + 1, f"v{index + 1}", holdout, n, paid, 0.0)
        for index, (n, paid, holdout) in enumerate(counts)
    ]


def test_the_readout_keeps_running_until_every_arm_has_the_minimum():
    verdict = rules.verdict(_arms((399, 200, False), (1000, 100, False)), 400)
    assert verdict == rules.Verdict("running", None, None, None)


def test_a_clear_best_arm_wins_and_its_uplift_over_the_holdout_is_given():
    verdict = rules.verdict(_arms((1000, 300, False), (1000, 400, False), (1000, 200, True)), 400)
    assert verdict.state == "winner" and verdict.winner == 2
    assert verdict.margin is not None and verdict.margin[1] > 0
    assert verdict.uplift is not None and round(verdict.uplift[0], 3) == 0.2


def test_arms_within_noise_of_each_other_read_no_difference():
    verdict = rules.verdict(_arms((1000, 300, False), (1000, 310, False)), 400)
    assert verdict.state == "no_difference" and verdict.winner is None


def test_sample_size_for_three_points_over_thirty_percent():
    assert rules.sample_size(0.30, 0.03) == 3763
