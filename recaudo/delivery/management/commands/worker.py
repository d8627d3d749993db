"""``recaudo worker``: send due outreach until stopped; plan each morning."""

from __future__ import annotations

import signal
import threading
import time
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from recaudo.checks import SECRETS
from recaudo.delivery.lanes import lane_count, run_lanes
from recaudo.delivery.provider_events import process_pending
from recaudo.delivery.reconcile import reconcile_unknown
from recaudo.insights.actions import REFRESH_SECONDS, refresh
from recaudo.learning.experiments import apply_to_plan
from recaudo.learning.training import refresh_due
from recaudo.operations.heartbeat import Heartbeat
from recaudo.operations.loops import run_between_batches
from recaudo.outreach.campaigns import launch_due
from recaudo.outreach.planner import plan
from recaudo.payments.agreements import settle_agreements
from recaudo.payments.receipts import SWEEP_SECONDS, thank_new_payments
from recaudo.portfolio.import_jobs import run_next as run_next_import
from recaudo.reports.weekly import send_weekly_reports

WEEKLY_CHECK_SECONDS = 3600


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
            "--lanes",
            type=int,
            help="dispatch loops in this process (default DISPATCH_LANES; SQLite: 1)",
        )
        parser.add_argument(
            "--at",
            help="act as if the clock had started at this ISO moment (tests and replays); "
            "time then advances normally",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["skip_checks"]:
            # With DEBUG off, a secret left at its public sandbox value (or a generated
            # SECRET_KEY) stops the worker as it stops the web app (docs/security.md).
            self.check(tags=[SECRETS], include_deployment_checks=True)
        stop = threading.Event()

        def request_stop(signum: int, frame: Any) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        if options["lanes"] is not None and options["lanes"] < 1:
            raise CommandError("--lanes: give 1 or more")
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
        thanked_at = float("-inf")

        reconciled_at: float | None = None
        weekly_at: float | None = None
        refreshed_at = float("-inf")

        lanes = 1 if options["once"] else lane_count(options["lanes"])
        # Read by /readyz (recaudo/health.py): written from the loop, so a stuck loop goes stale.
        heartbeat = Heartbeat(options["name"], lanes=lanes)
        heartbeat.beat()

        def plan_daily() -> None:
            nonlocal planned_on, reconciled_at, thanked_at, weekly_at, refreshed_at
            heartbeat.beat()
            if settings.WEBHOOK_PROCESSING == "deferred":
                process_pending()
            if not options["no_planning"]:
                planned_on = self._plan_daily(planned_on)
            # Payments recorded by the API, a file or staff get their receipt within a minute.
            if time.monotonic() - thanked_at >= SWEEP_SECONDS:
                thanked_at = time.monotonic()
                thank_new_payments(timezone.now() + offset)
            # The results' figures: what arrived since the last fold (insights/actions.py).
            if time.monotonic() - refreshed_at >= REFRESH_SECONDS:
                refreshed_at = time.monotonic()
                refresh(timezone.now() + offset)
            # Unknown contacts: asked about once a minute (delivery/reconcile.py).
            if reconciled_at is None or time.monotonic() - reconciled_at >= 60:
                reconciled_at = time.monotonic()
                settled = reconcile_unknown(timezone.now() + offset)
                if settled:
                    summary = ", ".join(f"{key}: {count}" for key, count in sorted(settled.items()))
                    self.stdout.write(f"unknown contacts reconciled; {summary}")
            # The registered jobs: the outgoing webhooks (integrations/deliverer.py).
            run_between_batches(timezone.now() + offset)
            # Last week's summary per creditor: claimed once per week, so asking hourly
            # (and from every worker) sends it once (reports/weekly.py).
            if weekly_at is None or time.monotonic() - weekly_at >= WEEKLY_CHECK_SECONDS:
                weekly_at = time.monotonic()
                weekly = send_weekly_reports(timezone.now() + offset)
                if weekly["sent"] or weekly["failed"]:
                    self.stdout.write(
                        f"weekly reports: {weekly['sent']} sent, {weekly['failed']} failed"
                    )

        self.stdout.write(f"worker started with {lanes} lane{'s' if lanes > 1 else ''}")
        # Imports from the staff pages run beside the lanes, in their own thread: one
        # can take minutes and must not hold up sending.
        lanes_done = threading.Event()
        importer = threading.Thread(
            target=self._import_loop,
            args=(stop, lanes_done, heartbeat.name, options["idle_sleep"]),
            name="imports",
            daemon=True,
        )
        importer.start()
        totals = run_lanes(
            clock=lambda: timezone.now() + offset,
            stop=stop,
            lanes=lanes,
            until_idle=options["until_idle"],
            once=options["once"],
            idle_sleep=options["idle_sleep"],
            batch_size=options["batch_size"],
            name=options["name"],
            between_batches=plan_daily,
        )
        lanes_done.set()
        importer.join()
        heartbeat.remove()
        summary = ", ".join(f"{key}: {count}" for key, count in sorted(totals.items()))
        self.stdout.write(f"worker stopped; {summary or 'nothing sent'}")

    def _import_loop(
        self, stop: threading.Event, lanes_done: threading.Event, name: str, idle_sleep: float
    ) -> None:
        """Run queued import jobs until stopped; the one in hand is finished first.

        With ``--once`` or ``--until-idle`` it stops when the lanes are done and no
        job waits.
        """
        try:
            while not stop.is_set():
                job = run_next_import(f"{name}/imports")
                if job is not None:
                    self.stdout.write(
                        f"import {job.pk} ({job.file_name}): {job.status}, {job.rows} rows"
                    )
                    continue
                if lanes_done.is_set():
                    return
                lanes_done.wait(idle_sleep)
        finally:
            connection.close()

    def _plan_daily(self, planned_on: date | None) -> date:
        """Once a day per process: settle promises and plans, then plan the day.

        Both are idempotent: other workers find the day settled and planned.
        """
        today = timezone.now().date()
        if planned_on == today:
            return today

        started = time.perf_counter()
        # Promises and plans first: broken ones put their debts back on the
        # policy that the planner then follows.
        settled = settle_agreements(today)
        # Scores, risk bands and best hours before the plan, which reads them
        # (recaudo/learning/, LEARNING_REFRESH_HOURS); then the day's contacts of
        # running experiments get their arms.
        for learnt in refresh_due(timezone.now()):
            self.stdout.write(f"learning: {learnt.line()}")
        result = plan(today)
        arms = apply_to_plan(today)
        if arms:
            self.stdout.write(f"experiments: {arms}")
        # Campaigns whose day came: after the plan, so its reminders keep their places.
        for campaign_id, summary in launch_due().items():
            self.stdout.write(f"campaign {campaign_id} launched: {summary}")
        elapsed = time.perf_counter() - started
        details = ", ".join(f"{key}: {count}" for key, count in settled.items())
        self.stdout.write(f"{result.summary_lines()[0]} ({elapsed:.1f} s); {details}")
        return today
