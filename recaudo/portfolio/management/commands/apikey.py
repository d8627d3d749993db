"""``recaudo apikey create|revoke|list``: a creditor's keys for the REST API."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recaudo.portfolio.apikeys import create_key, revoke_key
from recaudo.portfolio.lookups import find_creditor
from recaudo.portfolio.models import ApiKey


class Command(BaseCommand):
    help = "Create, revoke or list API keys. A new key is printed once and never stored in clear."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a key and print it once")
        create.add_argument("--creditor", required=True, help="creditor name or id")
        create.add_argument("--name", required=True, help="a label: who or what uses the key")
        revoke = actions.add_parser("revoke", help="revoke a key; requests with it get 401")
        revoke.add_argument("prefix", help="the key's prefix, as `apikey list` shows it")
        listing = actions.add_parser("list", help="list keys (never their secrets)")
        listing.add_argument("--creditor", help="only this creditor's keys (name or id)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            new = create_key(find_creditor(options["creditor"]), options["name"])
            self.stderr.write(
                f"API key '{new.api_key.name}' for {new.api_key.creditor.name} "
                f"(prefix {new.api_key.prefix}). Store it now: it is not shown again."
            )
            # The key alone on stdout, so scripts can capture it.
            self.stdout.write(new.key)
        elif action == "revoke":
            try:
                api_key = revoke_key(options["prefix"])
            except ApiKey.DoesNotExist:
                raise CommandError(f"no API key with prefix '{options['prefix']}'") from None
            self.stdout.write(
                f"revoked {api_key.prefix} ({api_key.name}, {api_key.creditor.name}) "
                f"at {api_key.revoked_at:%Y-%m-%d %H:%M:%S} UTC"
            )
        else:
            self._list(options.get("creditor"))

    def _list(self, creditor_name: str | None) -> None:
        keys = ApiKey.objects.select_related("creditor").order_by("creditor__name", "created_at")
        if creditor_name:
            keys = keys.filter(creditor=find_creditor(creditor_name))
        self.stdout.write("prefix\tcreditor\tname\tcreated\tlast_used\trevoked")
        for key in keys:
            self.stdout.write(
                "\t".join(
                    [
                        key.prefix,
                        key.creditor.name,
                        key.name,
                        _when(key.created_at),
                        _when(key.last_used_at),
                        _when(key.revoked_at),
                    ]
                )
            )


def _when(moment: Any) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"

