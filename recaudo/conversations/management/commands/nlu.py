"""``recaudo nlu``: understand debtor messages from the command line.

Reads one JSON object per line on stdin, ``{"text": "...", "today":
"2026-11-22"}`` with an optional ``"language"`` ("es", "pt", "en"), and writes
one JSON line per input line: ``{"intent", "confidence", "slots"}``. A bad
line gets ``{"error": "line N: ..."}`` naming what is wrong; the rest still
run, and the command exits 1 at the end.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError

from recaudo.conversations.nlu import Understanding, understand
from recaudo.conversations.nlu.dataset import LANGUAGES

INPUT_FIELDS = ("text", "today", "language")


class BadLine(ValueError):
    """An input line that cannot be understood; the message names the field."""


class Command(BaseCommand):
    help = 'Understand debtor messages: {"text", "today"} JSON lines on stdin, one answer each.'
    # Pure computation: no database, no system checks, usable in a pipe.
    requires_system_checks: list[str] = []
    stealth_options = ("stdin",)

    def handle(self, *args: Any, **options: Any) -> None:
        stdin: TextIO = options.get("stdin") or sys.stdin
        bad = 0
        total = 0
        for number, line in enumerate(stdin, start=1):
            total += 1
            try:
                output = understanding_json(understand(*parse_line(line)))
            except BadLine as error:
                bad += 1
                output = {"error": f"line {number}: {error}"}
            self.stdout.write(json.dumps(output, ensure_ascii=False))
            # A consumer reading a pipe line by line needs each answer now.
            self.stdout.flush()
        if bad:
            raise CommandError(f"{bad} of {total} lines could not be understood", returncode=1)


def understanding_json(understanding: Understanding) -> dict[str, Any]:
    return {
        "intent": understanding.intent,
        "confidence": understanding.confidence,
        "slots": understanding.slots,
    }


def parse_line(line: str) -> tuple[str, date, str | None]:
    """(text, today, language) from one input line; `BadLine` naming the field if malformed."""
    if not line.strip():
        raise BadLine("empty line; expected a JSON object")
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise BadLine(f"not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(data, dict):
        raise BadLine('expected a JSON object like {"text": "...", "today": "2026-11-22"}')
    unknown = sorted(set(data) - set(INPUT_FIELDS))
    if unknown:
        raise BadLine(f"{unknown[0]}: unknown field; expected {', '.join(INPUT_FIELDS)}")
    text = data.get("text")
    if not isinstance(text, str):
        raise BadLine("text: required, a string")
    today = data.get("today")
    if not isinstance(today, str):
        raise BadLine("today: required, an ISO date like 2026-11-22")
    try:
        day = date.fromisoformat(today)
    except ValueError:
        raise BadLine(f"today: {today!r} is not an ISO date like 2026-11-22") from None
    language = data.get("language")
    if language is not None and language not in LANGUAGES:
        raise BadLine(f"language: {language!r} is not one of {', '.join(LANGUAGES)}")
    return text, day, language
