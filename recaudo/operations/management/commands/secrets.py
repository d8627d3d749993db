"""`recaudo secrets rotate`: encrypt every stored secret again with the first key.

Put the new key first in RECAUDO_SECRET_KEYS (keeping the old one after it),
restart the processes, run this, then drop the old key (docs/security.md#stored-secrets).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recaudo.vault import SecretsNotConfigured, UnreadableSecret, rotate_all


class Command(BaseCommand):
    help = "Stored secrets: `rotate` encrypts each again with the first key of RECAUDO_SECRET_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rotate"])
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more")
        try:
            changed = rotate_all(batch_size=options["batch_size"])
        except (SecretsNotConfigured, UnreadableSecret) as error:
            raise CommandError(str(error)) from None
        for column, count in changed.items():
            self.stdout.write(f"{column}: {count} re-encrypted")
        self.stdout.write(f"{sum(changed.values())} secrets re-encrypted with the first key")
