"""``recaudo email bounces <mbox|maildir>``: apply the bounce and complaint reports of a mailbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from recaudo.delivery.mailbox import messages_in, take_reports


class Command(BaseCommand):
    help = (
        "Read the DSN bounces and ARF complaints of an mbox file or Maildir: hard bounces "
        "mark the address invalid, soft ones are counted, complaints revoke the email consent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        bounces = sub.add_parser("bounces", help="apply the reports in a mailbox (once each)")
        bounces.add_argument("path", help="an mbox file or a Maildir folder")
        bounces.add_argument(
            "--verbose-outcomes", action="store_true", help="print what each report did"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = take_reports(messages_in(Path(options["path"])))
        except ValueError as error:
            raise CommandError(str(error), returncode=2) from None
        if options["verbose_outcomes"]:
            for outcome in result.outcomes:
                self.stdout.write(outcome)
        self.stdout.write(
            _(
                "Informes aplicados: %(applied)d; ya aplicados antes: %(repeated)d; "
                "mensajes que no son informes: %(other)d"
            )
            % {
                "applied": result.applied,
                "repeated": result.repeated,
                "other": result.not_reports,
            }
        )
