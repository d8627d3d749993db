import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recaudo.portfolio.imports import KINDS, import_file
from recaudo.portfolio.lookups import find_creditor


class Command(BaseCommand):
    help = (
        "Import debtors, debts or payments from a CSV (comma or semicolon, UTF-8 or Latin-1) "
        "or XLSX file. All or nothing: a file with any error is rejected whole."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--creditor", help="creditor name or id (needed when there are several)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check the file, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        creditor = find_creditor(options["creditor"])
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
            raise CommandError(
                f"{options['file'].name}: {len(result.outcome.errors)} error(s) "
                f"in {result.rows} rows; "
                "nothing was imported",
                returncode=1,
            )
        counts = ", ".join(
            f"{name}={count}" for name, count in sorted(result.outcome.counts.items())
        )
        verb = "checked (dry run, nothing written)" if result.dry_run else "imported"
        self.stdout.write(
            f"{options['file'].name}: {result.rows} rows {verb}; {counts or 'no changes'}"
        )
