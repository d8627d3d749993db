"""``recaudo insights refresh|rebuild``: fold what is new, or make every figure again."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from recaudo.insights.actions import rebuild, refresh


class Command(BaseCommand):
    help = "Keep the results' figures current (refresh) or make them again from history (rebuild)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["refresh", "rebuild"])

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        totals = rebuild() if options["action"] == "rebuild" else refresh()
        totals["seconds"] = round(time.perf_counter() - started, 1)  # type: ignore[assignment]
        self.stdout.write(json.dumps(totals, sort_keys=True))
