"""Benchmark: the bot's understanding on the held-out test set.

Usage: python bench/nlu.py [--errors] [--heldout PATH]
Trains the classifier from recaudo/conversations/data/train.json (timed), then
runs `understand()` on every held-out example (each with its own `today`) and
prints one JSON line: intent_accuracy, opt_out_recall, opt_out_precision,
date_slot_accuracy (examples with a gold date: exact ISO match),
date_slot_false_positives (examples without a gold date that got one),
amount_slot_accuracy (examples with a gold amount: equal as decimals),
p50_ms and p95_ms of in-process `understand()` latency, per-intent and
per-language accuracy, and the data set sizes. --errors lists the misses on
stderr. --heldout evaluates another file of the same format.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recaudo.conversations.nlu import understand  # noqa: E402
from recaudo.conversations.nlu.dataset import HELDOUT, read, training_examples  # noqa: E402
from recaudo.conversations.nlu.model import get_model  # noqa: E402


def evaluate(path: Path = HELDOUT, show_errors: bool = False) -> dict:
    started = time.perf_counter()
    get_model()
    train_seconds = time.perf_counter() - started
    examples = read(path)
    correct: Counter[str] = Counter()
    total: Counter[str] = Counter()
    by_language: Counter[str] = Counter()
    language_total: Counter[str] = Counter()
    dates_right = dates_total = date_false_positives = 0
    amounts_right = amounts_total = 0
    predicted_opt_out = true_opt_out = 0
    latencies: list[float] = []
    for example in examples:
        start = time.perf_counter()
        result = understand(example.text, example.today)
        latencies.append((time.perf_counter() - start) * 1000)
        total[example.intent] += 1
        language_total[example.language] += 1
        if result.intent == example.intent:
            correct[example.intent] += 1
            by_language[example.language] += 1
        elif show_errors:
            print(
                f"intent {example.intent} -> {result.intent} ({result.confidence:.2f}): "
                f"{example.text}",
                file=sys.stderr,
            )
        if result.intent == "opt_out":
            predicted_opt_out += 1
            true_opt_out += example.intent == "opt_out"
        found_date = result.slots.get("date")
        if example.date:
            dates_total += 1
            dates_right += found_date == example.date
        elif found_date:
            date_false_positives += 1
        if show_errors and found_date != example.date:
            print(f"date {example.date} -> {found_date}: {example.text}", file=sys.stderr)
        if example.amount:
            amounts_total += 1
            found = result.slots.get("amount")
            right = found is not None and Decimal(found) == Decimal(example.amount)
            amounts_right += right
            if show_errors and not right:
                print(f"amount {example.amount} -> {found}: {example.text}", file=sys.stderr)
    # Latency of a warm process: time a second pass too and keep both.
    for example in examples:
        start = time.perf_counter()
        understand(example.text, example.today)
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    return {
        "benchmark": "nlu",
        "intent_accuracy": round(sum(correct.values()) / len(examples), 4),
        "opt_out_recall": round(correct["opt_out"] / total["opt_out"], 4),
        "opt_out_precision": round(true_opt_out / max(predicted_opt_out, 1), 4),
        "date_slot_accuracy": round(dates_right / max(dates_total, 1), 4),
        "date_slot_false_positives": date_false_positives,
        "amount_slot_accuracy": round(amounts_right / max(amounts_total, 1), 4),
        "p50_ms": round(statistics.median(latencies), 3),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 3),
        "train_seconds": round(train_seconds, 2),
        "examples": len(examples),
        "date_examples": dates_total,
        "amount_examples": amounts_total,
        "training_examples": len(training_examples()),
        "per_language_accuracy": {
            language: round(by_language[language] / count, 4)
            for language, count in sorted(language_total.items())
        },
        "per_intent_accuracy": {
            intent: round(correct[intent] / count, 4) for intent, count in sorted(total.items())
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the misses on stderr")
    parser.add_argument("--heldout", type=Path, default=HELDOUT, help="test set to evaluate")
    options = parser.parse_args()
    print(json.dumps(evaluate(options.heldout, options.errors)))


if __name__ == "__main__":
    main()
