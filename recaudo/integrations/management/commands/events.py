"""``recaudo events``: deliver the outgoing webhooks, or replay them from a date."""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recaudo.integrations import actions, deliverer
from recaudo.integrations.models import Endpoint


def _moment(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: '{text}' is not an ISO date or moment") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "deliver: send pending events to the endpoints (recaudo worker does it too); "
        "replay: send an endpoint's events again from a date."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="deliver until stopped")
        deliver.add_argument("--until-idle", action="store_true")
        deliver.add_argument("--once", action="store_true")
        deliver.add_argument("--name", help="this deliverer's name in the claims")
        replay = sub.add_parser("replay", help="send an endpoint's events again")
        replay.add_argument("--endpoint", type=int, required=True, help="the endpoint's id")
        replay.add_argument("--since", required=True, help="ISO date or moment (UTC if no zone)")
        replay.add_argument("--until", help="ISO date or moment, excluded")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "replay":
            if not Endpoint.objects.filter(pk=options["endpoint"]).exists():
                raise CommandError(f"--endpoint: no endpoint {options['endpoint']}")
            since = _moment(options["since"], "--since")
            until = _moment(options["until"], "--until") if options["until"] else None
            count = actions.replay(options["endpoint"], since=since, until=until)
            self.stdout.write(f"{count} events queued again for endpoint {options['endpoint']}")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        totals = deliverer.run(
            options["name"] or deliverer.worker_name(),
            stop=stop,
            until_idle=options["until_idle"],
            once=options["once"],
        )
        summary = ", ".join(f"{key}: {count}" for key, count in sorted(totals.items()))
        self.stdout.write(f"events: {summary or 'nothing to deliver'}")
