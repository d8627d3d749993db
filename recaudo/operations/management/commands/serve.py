"""``recaudo serve``: the production web server (gunicorn), static files included."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from recaudo.checks import refuse_unsafe_start
from recaudo.operations.server import RecaudoServer, ServerOptions


class Command(BaseCommand):
    help = (
        "Serve Recaudo with gunicorn: the pages, the API, the webhooks and the static files "
        "(collected first). SIGTERM stops it gracefully: requests in flight finish within "
        "WEB_GRACEFUL_TIMEOUT seconds."
    )
    # The secrets are checked below; the full system checks run in `recaudo check --deploy`.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.WEB_HOST, help="address to listen on")
        parser.add_argument("--port", type=int, default=settings.WEB_PORT, help="TCP port")
        parser.add_argument(
            "--workers", type=int, default=settings.WEB_WORKERS, help="worker processes"
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=settings.WEB_THREADS,
            help="threads per worker (1: gunicorn's sync worker; more: gthread)",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="serve the static files already in STATIC_ROOT",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("port", "workers", "threads"):
            if options[name] < 1:
                raise CommandError(f"--{name}: give 1 or more")
        # Before forking: a public secret stops the server here, once, with its reasons.
        refuse_unsafe_start()
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        server_options = ServerOptions(
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            threads=options["threads"],
            timeout=settings.WEB_TIMEOUT,
            graceful_timeout=settings.WEB_GRACEFUL_TIMEOUT,
            keepalive=settings.WEB_KEEPALIVE,
        )
        # Workers are forked from this process: none may inherit its connections.
        connections.close_all()
        self.stdout.write(
            f"serving on http://{server_options.host}:{server_options.port} "
            f"with {server_options.workers} workers"
        )
        self.stdout.flush()
        RecaudoServer(server_options).run()
