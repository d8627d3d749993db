"""``recaudo plan``: plan the day's contacts from the collection policies."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recaudo.outreach.planner import plan
from recaudo.portfolio.lookups import find_creditor


class Command(BaseCommand):
    help = (
        "Put each debtor with open debts in a segment, find the policy steps due on the "
        "day and write the contacts (Outreach) inside each country's contact rules."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the day to plan, YYYY-MM-DD (default: today)")
        parser.add_argument("--creditor", help="only this creditor (name or id)")
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would be planned; write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date: '{options['date']}' is not a date like 2026-11-24", returncode=1
                ) from None
        creditor = None
        if options["creditor"]:
            creditor = find_creditor(options["creditor"])
        result = plan(day, creditor=creditor, dry_run=options["dry_run"])
        for line in result.summary_lines():
            self.stdout.write(line)
