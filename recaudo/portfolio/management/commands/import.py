import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recaudo.portfolio.imports import KINDS, ImportResult, count_unreachable, import_file
from recaudo.portfolio.lookups import find_creditor


class Command(BaseCommand):
    help = (
        "Importa deudores, deudas o pagos de un archivo CSV (coma o punto y coma, UTF-8 o "
        "Latin-1) o XLSX. Todo o nada: un archivo con cualquier error se rechaza entero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--creditor", help="nombre o id del acreedor (necesario cuando hay varios)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="revisa el archivo, no escribe nada"
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=None,
            help="idioma de los mensajes (por defecto LANGUAGE_CODE, español)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Django runs commands in LANGUAGE_CODE; --language overrides it for this run.
        with translation.override(options["language"] or settings.LANGUAGE_CODE):
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        creditor = find_creditor(options["creditor"])
        name = options["file"].name
        progress = None
        bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(
                total=options["file"].stat().st_size if options["file"].exists() else 0,
                unit="B",
                unit_scale=True,
                desc=f"import {options['kind']}",
                file=sys.stderr,
            )

            def progress(done: int, total: int) -> None:
                bar.update(done - bar.n)

        started = timezone.now()
        result = import_file(
            options["kind"],
            options["file"],
            creditor,
            dry_run=options["dry_run"],
            on_progress=progress,
        )
        if bar is not None:
            bar.close()
        if result.file_problem:
            raise CommandError(result.file_problem, returncode=1)
        if result.outcome.errors:
            for error in result.outcome.errors:
                self.stderr.write(str(error))
            errors = len(result.outcome.errors)
            raise CommandError(
                ngettext(
                    "%(file)s: %(errors)s error en %(rows)s filas; no se importó nada",
                    "%(file)s: %(errors)s errores en %(rows)s filas; no se importó nada",
                    errors,
                )
                % {"file": name, "errors": errors, "rows": result.rows},
                returncode=1,
            )
        counts = ", ".join(f"{key}={count}" for key, count in sorted(result.outcome.counts.items()))
        values = {"file": name, "rows": result.rows, "counts": counts or _("sin cambios")}
        if result.dry_run:
            summary = (
                _("%(file)s: %(rows)s filas revisadas (prueba, no se escribió nada); %(counts)s")
                % values
            )
        else:
            summary = _("%(file)s: %(rows)s filas importadas; %(counts)s") % values
        self.stdout.write(summary)
        self._report_probable_companies(result)
        if result.kind == "debts" and result.written:
            self._report_unreachable(creditor, started)

    def _report_unreachable(self, creditor: Any, started: Any) -> None:
        count = count_unreachable(creditor, started, timezone.now().date())
        if count is None:
            return
        self.stdout.write(
            ngettext(
                "%(count)s deuda abierta no será alcanzada por ningún paso de cobranza "
                "(sin segmento, sin pasos por delante ni de entrada, o sin un medio de "
                "contacto para sus canales).",
                "%(count)s deudas abiertas no serán alcanzadas por ningún paso de cobranza "
                "(sin segmento, sin pasos por delante ni de entrada, o sin un medio de "
                "contacto para sus canales).",
                count,
            )
            % {"count": count}
        )

    def _report_probable_companies(self, result: ImportResult) -> None:
        companies = result.probable_companies
        if not companies.count:
            return
        lines = ", ".join(str(line) for line in companies.lines)
        if companies.count > len(companies.lines):
            lines += " …"
        self.stdout.write(
            ngettext(
                "%(count)s deudor sin tipo parece una empresa por su nombre y quedó como "
                "persona (líneas %(lines)s). Si es una empresa, añada la columna tipo "
                "(kind) con «empresa» o «company» e importe de nuevo.",
                "%(count)s deudores sin tipo parecen empresas por su nombre y quedaron como "
                "personas (líneas %(lines)s). Si son empresas, añada la columna tipo "
                "(kind) con «empresa» o «company» e importe de nuevo.",
                companies.count,
            )
            % {"count": companies.count, "lines": lines}
        )
