"""``recaudo sandbox``: local fakes of WhatsApp, Twilio, RBM and SMTP (see docs/sandbox.md)."""

from __future__ import annotations

import asyncio
import signal
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from recaudo.sandbox import runner
from recaudo.sandbox.catalog import approved_whatsapp_templates
from recaudo.sandbox.config import Behaviour, Credentials
from recaudo.sandbox.state import Sandbox


def _probability(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Serve local fakes of the WhatsApp Cloud API, Twilio, Google RBM and an SMTP server, "
        "with signed status webhooks to Recaudo and an inspection API under /_sandbox/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        default = urlsplit(settings.SANDBOX_URL)
        defaults = Behaviour()
        parser.add_argument("--host", default=default.hostname or "127.0.0.1")
        parser.add_argument("--port", type=int, default=default.port or 8025)
        parser.add_argument("--smtp-port", type=int, default=1025)
        parser.add_argument(
            "--webhook-base-url",
            default=settings.PUBLIC_BASE_URL,
            help="where Recaudo listens; webhooks go to <this>/webhooks/{whatsapp,twilio,rbm}",
        )
        parser.add_argument("--seed", type=int, help="seed of the simulated behaviour")
        parser.add_argument(
            "--no-webhooks", action="store_true", help="move statuses but post no webhooks"
        )
        parser.add_argument(
            "--whatsapp-mps",
            type=float,
            default=defaults.whatsapp_mps,
            help="WhatsApp messages per second per business number (Meta: 80)",
        )
        parser.add_argument(
            "--no-pair-limit", action="store_true", help="disable WhatsApp's pair rate (131056)"
        )
        parser.add_argument("--pair-interval", type=float, default=defaults.pair_interval_seconds)
        parser.add_argument("--pair-burst", type=int, default=defaults.pair_burst)
        for name in ("read", "out_of_order", "duplicate"):
            parser.add_argument(
                f"--{name.replace('_', '-')}-probability",
                type=_probability,
                default=getattr(defaults, f"{name}_probability"),
            )
        parser.add_argument("--max-messages", type=int, default=50_000)

    def handle(self, *args: Any, **options: Any) -> None:
        behaviour = Behaviour()
        errors = behaviour.update(
            {
                "webhook_base_url": options["webhook_base_url"],
                "webhooks_enabled": not options["no_webhooks"],
                "whatsapp_mps": options["whatsapp_mps"],
                "pair_limit_enabled": not options["no_pair_limit"],
                "pair_interval_seconds": options["pair_interval"],
                "pair_burst": options["pair_burst"],
                "read_probability": options["read_probability"],
                "out_of_order_probability": options["out_of_order_probability"],
                "duplicate_probability": options["duplicate_probability"],
            }
        )
        if errors:
            raise CommandError("; ".join(errors))
        sandbox = Sandbox(
            Credentials.from_django_settings(),
            behaviour,
            seed=options["seed"],
            max_messages=options["max_messages"],
        )
        try:
            templates = approved_whatsapp_templates()
        except DatabaseError as error:
            self.stderr.write(f"WhatsApp templates not loaded from the database: {error}")
            templates = []
        for approved in templates:
            sandbox.catalog.register(
                approved.name,
                approved.language,
                approved.parameter_count,
                approved.text,
                header=approved.header,
                buttons=approved.buttons,
            )
        try:
            asyncio.run(self._serve(sandbox, options))
        except OSError as error:
            raise CommandError(f"cannot listen: {error}") from None

    async def _serve(self, sandbox: Sandbox, options: dict[str, Any]) -> None:
        running = await runner.start(
            sandbox, options["host"], options["port"], options["smtp_port"]
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stop.set)
        self.stdout.write(
            f"sandbox on {running.url} (SMTP {running.host}:{running.smtp_port}); "
            f"{len(sandbox.catalog.templates)} WhatsApp templates approved; webhooks "
            + (
                f"to {sandbox.behaviour.webhook_base_url}/webhooks/..."
                if sandbox.behaviour.webhooks_enabled
                else "off"
            )
        )
        self.stdout.flush()
        try:
            await stop.wait()
        finally:
            await running.close()
