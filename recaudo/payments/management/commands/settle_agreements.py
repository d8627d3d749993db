"""recaudo settle_agreements [--today YYYY-MM-DD]: break unkept promises and missed plans."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from recaudo.payments.agreements import settle_agreements


class Command(BaseCommand):
    help = "Break promises whose date passed unkept and plans with an instalment past its grace."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or timezone.now().date()
        self.stdout.write(json.dumps(settle_agreements(today)))
