"""The data set: training examples and the held-out test set, kept in the repo.

- `data/templates.json`: hand-written messages and templates per intent and
  language; `generate.py` expands them into `data/train.json`.
- `data/train.json`: the training set (generated, committed, reproducible).
- `data/heldout.json`: the test set, written by hand and differently from the
  templates, with gold slots relative to each example's `today`. Never used
  for training or for tuning the rules.

Both JSON files hold a list with one example object per line, so they diff
line by line and are packaged with the app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
TRAIN = DATA / "train.json"
HELDOUT = DATA / "heldout.json"
TEMPLATES = DATA / "templates.json"

INTENTS = (
    "greeting",
    "thanks",
    "balance",
    "how_to_pay",
    "payment_link",
    "promise_to_pay",
    "payment_plan",
    "already_paid",
    "dispute",
    "due_date",
    "direct_debit",
    "opt_out",
    "human",
    "wrong_person",
    "hardship",
    "other",
)
LANGUAGES = ("es", "pt", "en")
HELDOUT_TODAY = date(2026, 11, 22)


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str = "es"
    today: date = HELDOUT_TODAY
    date: str | None = None
    amount: str | None = None


def read(path: Path) -> list[Example]:
    """Examples from one of the data files; a bad entry raises naming its index."""
    examples = []
    for index, item in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        if item.get("intent") not in INTENTS or not isinstance(item.get("text"), str):
            raise ValueError(f"{path.name}[{index}]: needs a text and a known intent")
        examples.append(
            Example(
                text=item["text"],
                intent=item["intent"],
                language=item.get("language", "es"),
                today=date.fromisoformat(item["today"]) if "today" in item else HELDOUT_TODAY,
                date=item.get("date"),
                amount=item.get("amount"),
            )
        )
    return examples


def write(path: Path, items: list[dict[str, str]]) -> None:
    """One example per line inside a JSON list."""
    lines = ",\n".join(json.dumps(item, ensure_ascii=False) for item in items)
    path.write_text(f"[\n{lines}\n]\n", encoding="utf-8")


def training_examples() -> list[Example]:
    return read(TRAIN)


def heldout_examples() -> list[Example]:
    return read(HELDOUT)
