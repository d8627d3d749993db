"""``recaudo worker``: send due outreach until stopped; plan each morning."""

from __future__ import annotations

import signal
import threading
import time
from datetime import date, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from recaudo.outreach.dispatcher import Dispatcher


class Command(BaseCommand):
    help = (
        "Claim due outreach in batches, re-check each at the moment of sending and send "
        "it within the provider's rate limit; run the daily planning. Stops cleanly on "
        "SIGTERM or SIGINT (the batch in hand is finished first)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="process one batch and exit")
        parser.add_argument(
            "--until-idle", action="store_true", help="exit when nothing is due any more"
        )
        parser.add_argument("--idle-sleep", type=float, default=1.0, help="seconds between polls")
        parser.add_argument(
            "--no-planning", action="store_true", help="do not run the daily planner"
        )
        parser.add_argument("--batch-size", type=int, help="rows claimed per batch")
        parser.add_argument("--name", help="this worker's name in the claims")
        parser.add_argument(
            "--at",
            help="act as if the clock had started at this ISO moment (tests and replays); "
            "time then advances normally",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: Any) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        dispatcher = Dispatcher(batch_size=options["batch_size"], name=options["name"])
        offset = timedelta(0)
        if options["at"]:
            try:
                start = datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError(f"--at: '{options['at']}' is not an ISO moment") from None
            if start.tzinfo is None:
                raise CommandError("--at: give a time zone, e.g. 2026-11-24T16:00:00+00:00")
            offset = start - timezone.now()
        planned_on: date | None = None
        totals: dict[str, int] = {}
        try:
            while not stop.is_set():
                close_old_connections()
                if not options["no_planning"]:
                    planned_on = self._plan_daily(planned_on)
                result = dispatcher.run_once(timezone.now() + offset)
                for key, count in result.counts.items():
                    totals[key] = totals.get(key, 0) + count
                if options["once"]:
                    break
                if result.claimed == 0:
                    if options["until_idle"]:
                        break
                    stop.wait(options["idle_sleep"])
        finally:
            dispatcher.close()
        summary = ", ".join(f"{key}: {count}" for key, count in sorted(totals.items()))
        self.stdout.write(f"worker stopped; {summary or 'nothing sent'}")

    def _plan_daily(self, planned_on: date | None) -> date:
        """Once a day per process: settle promises and plans, then plan the day.

        Both are idempotent: other workers find the day settled and planned.
        """
        today = timezone.now().date()
        if planned_on == today:
            return today
        from recaudo.payments.agreements import settle_agreements
        from recaudo.policies.planner import plan

        started = time.perf_counter()
        # Promises and plans first: broken ones put their debts back on the
        # policy that the planner then follows.
        settled = settle_agreements(today)
        result = plan(today)
        elapsed = time.perf_counter() - started
        details = ", ".join(f"{key}: {count}" for key, count in settled.items())
        self.stdout.write(f"{result.summary_lines()[0]} ({elapsed:.1f} s); {details}")
        return today
