"""``recaudo seed``: load a reproducible demo portfolio (see sandbox/demo/seed.py)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from recaudo.portfolio.models import Creditor
from recaudo.sandbox.demo import seed
from recaudo.sandbox.demo import write as seed_write


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today: '{text}' is not a date (use YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Create a realistic demo portfolio: creditors in MX, CO, CL, PE, AR and BR, their "
        "debtors, contacts, debts and some payments. The same --debtors, --seed and --today "
        "give the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--debtors", type=int, required=True, help="how many debtors to create")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--creditor-name",
            help="put every debtor under this one creditor (reused if it exists) instead of six",
        )
        parser.add_argument(
            "--country",
            choices=seed.COUNTRIES,
            help="country of a new --creditor-name creditor (default: MX)",
        )
        parser.add_argument(
            "--today", type=_day, help="reference date for due dates, YYYY-MM-DD (default: today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["debtors"] < 1:
            raise CommandError("--debtors must be at least 1")
        country = options["country"]
        name = options["creditor_name"]
        if name:
            existing = Creditor.objects.filter(name=name).first()
            if existing is not None:
                if country and country != existing.country:
                    raise CommandError(f"creditor '{name}' is in {existing.country}, not {country}")
                if existing.country not in seed.COUNTRIES:
                    raise CommandError(
                        f"creditor '{name}' is in {existing.country}; the seed knows "
                        f"{', '.join(seed.COUNTRIES)}"
                    )
                country = existing.country
        elif country:
            raise CommandError("--country only applies together with --creditor-name")
        started = time.perf_counter()
        portfolio = seed.generate(
            options["debtors"],
            seed=options["seed"],
            today=options["today"] or timezone.localdate(),
            creditor_name=name,
            country=country,
        )
        try:
            counts = seed_write.write(portfolio)
        except seed_write.SeedConflict as error:
            raise CommandError(f"{error}; nothing was written") from None
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{key}={value}" for key, value in sorted(counts.items()))
        self.stdout.write(f"seed {options['seed']}: {summary} in {elapsed:.1f}s")
