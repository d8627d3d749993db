"""``recaudo debtor export|erase``: a debtor's data-subject requests (docs/privacy.md)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.portfolio.erased import erased_matches
from recaudo.portfolio.lookups import find_creditor
from recaudo.portfolio.models import Debtor
from recaudo.privacy.erase import ErasureRefused, dumps, erase, record_export, section_sizes
from recaudo.privacy.export import debtor_export
from recaudo.privacy.pdf import export_pdf


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def find_debtor(reference: str, creditor_name: str | None) -> Debtor:
    """The debtor with this external id (of the creditor named, or of the only one that has it)."""
    debtors = Debtor.objects.select_related("creditor")
    if creditor_name:
        debtors = debtors.filter(creditor=find_creditor(creditor_name))
    found = list(debtors.filter(external_id=reference)[:2])
    if not found:
        # An erased debtor is found by the id it had (its pseudonymous reference).
        for debtor in debtors.filter(erased_at__isnull=False, external_id__startswith="erased-"):
            if debtor.external_id in erased_matches(debtor.creditor_id, [reference]):
                found.append(debtor)
    if not found:
        raise CommandError(_("No hay un deudor «%(ref)s».") % {"ref": reference}, returncode=1)
    if len(found) > 1:
        raise CommandError(
            _("Varios acreedores tienen un deudor «%(ref)s»: indique uno con --creditor.")
            % {"ref": reference},
            returncode=1,
        )
    return found[0]


class Command(BaseCommand):
    help = (
        "Data-subject requests: export everything held about a debtor (JSON or PDF), or "
        "erase their personal data keeping what accounting law requires (docs/privacy.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="everything held about the debtor")
        export.add_argument("debtor", help="the debtor's external id")
        export.add_argument("--creditor", help="the creditor (name or id)")
        export.add_argument("--format", choices=("json", "pdf"), required=True)
        export.add_argument("--output", required=True, help="the file to write")
        erase_parser = actions.add_parser("erase", help="anonymise the debtor's personal data")
        erase_parser.add_argument("debtor", help="the debtor's external id")
        erase_parser.add_argument("--creditor", help="the creditor (name or id)")
        erase_parser.add_argument("--reason", required=True, help="why (kept in the audit trail)")
        erase_parser.add_argument(
            "--force",
            action="store_true",
            help="erase even though the debtor still owes (say why in --reason)",
        )
        erase_parser.add_argument(
            "--dry-run", action="store_true", help="say what would change; change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        debtor = find_debtor(options["debtor"], options.get("creditor"))
        if options["action"] == "export":
            self._export(debtor, options["format"], Path(options["output"]))
        else:
            self._erase(debtor, options)

    def _export(self, debtor: Debtor, export_format: str, output: Path) -> None:
        with transaction.atomic():
            data = debtor_export(debtor, now=timezone.now())
            content = dumps(data).encode() if export_format == "json" else export_pdf(data)
            try:
                output.write_bytes(content)
            except OSError as error:
                raise CommandError(
                    _("No se pudo escribir %(file)s: %(error)s")
                    % {"file": output, "error": error.strerror},
                    returncode=1,
                ) from None
            record_export(
                debtor, actor=actor(), export_format=export_format, sections=section_sizes(data)
            )
        self.stdout.write(
            _(
                "Exportado el deudor %(ref)s (%(format)s) en %(file)s; "
                "queda registrado en la auditoría."
            )
            % {"ref": debtor.external_id, "format": export_format, "file": output}
        )

    def _erase(self, debtor: Debtor, options: dict[str, Any]) -> None:
        reason = options["reason"].strip()
        if not reason:
            raise CommandError(_("--reason: diga por qué se borran los datos."), returncode=1)
        try:
            result = erase(
                debtor,
                reason=reason,
                actor=actor(),
                now=timezone.now(),
                force=options["force"],
                dry_run=options["dry_run"],
            )
        except ErasureRefused as refused:
            owed = ", ".join(f"{amount} {currency}" for currency, amount in refused.owed.items())
            raise CommandError(
                _(
                    "El deudor %(ref)s todavía debe %(owed)s: sus datos se conservan para "
                    "cobrar (interés legítimo del acreedor y el contrato). Nada cambió. Para "
                    "borrarlos igual, repita con --force y explique el motivo en --reason."
                )
                % {"ref": debtor.external_id, "owed": owed},
                returncode=1,
            ) from None
        if result.already_erased:
            self.stdout.write(_("Los datos de este deudor ya estaban borrados; nada cambió."))
            return
        if result.dry_run:
            self.stdout.write(_("Simulación: nada cambió. Se borraría:"))
        else:
            self.stdout.write(
                _("Datos personales borrados; el deudor queda como %(ref)s.")
                % {"ref": result.reference}
            )
        for name, count in sorted(result.counts.items()):
            self.stdout.write(f"  {name}: {count}")
        if result.forced:
            self.stdout.write(
                _("Atención: el deudor todavía debía; sus deudas y pagos se conservan.")
            )
