"""``recaudo archive``: finished rows out of the live tables; expired ones out of the archive."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.privacy.archive import ArchiveBusy, run
from recaudo.privacy.models import ArchivedRecord


class Command(BaseCommand):
    help = (
        "Move finished contacts, processed webhooks and audit events older than the cut-off "
        "into the archive (partitioned by month on PostgreSQL), in batches of one transaction "
        "each; then delete from the archive what is past its retention (docs/privacy.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-months",
            type=int,
            default=None,
            help="archive rows older than this many months (default ARCHIVE_AFTER_MONTHS, 6; "
            "at least 1)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="rows per transaction (default ARCHIVE_BATCH_SIZE, 1000)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would move or go; change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        months = options["older_than_months"] or settings.ARCHIVE_AFTER_MONTHS
        batch_size = options["batch_size"] or settings.ARCHIVE_BATCH_SIZE
        if months < 1:
            raise CommandError(
                _("--older-than-months: al menos 1 (los topes de contacto miran 14 días atrás)"),
                returncode=1,
            )
        if batch_size < 1:
            raise CommandError(_("--batch-size: al menos 1"), returncode=1)
        try:
            report = run(
                now=timezone.now(),
                months=months,
                batch_size=batch_size,
                dry_run=options["dry_run"],
            )
        except ArchiveBusy:
            raise CommandError(
                _("Otro archivado está en curso; nada cambió."), returncode=1
            ) from None
        verb = _("se archivarían") if report.dry_run else _("archivados")
        self.stdout.write(
            _("Corte: %(cutoff)s (%(months)s meses).")
            % {"cutoff": report.cutoff.isoformat(timespec="seconds"), "months": months}
        )
        for kind in ("outreach", "webhook", "payment_webhook", "audit"):
            self.stdout.write(f"  {kind}: {report.moved[kind]} {verb}")
        gone = _("se borrarían por retención") if report.dry_run else _("borrados por retención")
        archived = {kind for kind, _label in ArchivedRecord.Kind.choices}
        from_archive = sum(n for kind, n in report.purged.items() if kind in archived)
        self.stdout.write(f"  {_('archivo')}: {from_archive} {gone}")
        for kind, count in sorted(report.purged.items()):
            if kind not in archived:
                self.stdout.write(f"  {kind}: {count} {gone}")
        for name in report.partitions_created:
            self.stdout.write(_("  partición creada: %(name)s") % {"name": name})
        for name in report.partitions_dropped:
            self.stdout.write(_("  partición vacía eliminada: %(name)s") % {"name": name})
