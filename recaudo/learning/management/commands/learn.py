"""``recaudo learn``: train, score, band and refresh best hours now (the worker does it on a
schedule, ``LEARNING_REFRESH_HOURS``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from recaudo.learning.models import LearningRun
from recaudo.learning.training import learn
from recaudo.portfolio.models import Creditor


class Command(BaseCommand):
    help = (
        "Retrain each creditor's propensity-to-pay model from its history, score every "
        "debtor who owes, set their risk bands and best hours per channel."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--creditor", type=int, help="only this creditor (its id)")
        parser.add_argument(
            "--no-retrain", action="store_true", help="score with the active model, do not train"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        creditors = Creditor.objects.order_by("pk")
        if options["creditor"] is not None:
            creditors = creditors.filter(pk=options["creditor"])
            if not creditors.exists():
                raise CommandError(f"--creditor: no creditor with id {options['creditor']}")
        for creditor in creditors:
            now = timezone.now()
            result = learn(creditor, now, retrain=not options["no_retrain"])
            LearningRun.objects.create(
                creditor=creditor, finished_at=now, summary=result.line()[:500]
            )
            self.stdout.write(result.line())
