"""Benchmark: import N realistic debt rows from CSV through `recaudo import`'s code path.

Usage: python bench/import.py --rows 1000000 [--database sqlite|postgres]
Prints one JSON line: rows, seconds, rows_per_second, peak_rss_mb (and context).
The database is a fresh one made for the run (a temporary SQLite file, or the
PostgreSQL database `recaudo_bench`, recreated).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST = [
    "María",
    "José",
    "Juan",
    "Ana",
    "Luis",
    "Carmen",
    "Jorge",
    "Lucía",
    "Pedro",
    "Sofía",
    "Andrés",
    "Valentina",
    "Diego",
    "Camila",
    "Miguel",
    "Daniela",
    "Carlos",
    "Paula",
]
LAST = [
    "García",
    "Rodríguez",
    "Martínez",
    "López",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
    "Cruz",
    "Morales",
    "Reyes",
    "Ortiz",
]
CONCEPTS = [
    "Plan Móvil 20GB",
    "Internet Hogar 300 Mb",
    "Consumo de energía",
    "Cuota préstamo",
    "Servicio de agua",
    "Televisión por cable",
    "Compra a crédito",
]


def write_csv(path: Path, rows: int, seed: int) -> None:
    """Debt rows with their debtor's details, about 2.5 debts per debtor, as exported."""
    rng = random.Random(seed)
    today = date(2026, 11, 22)
    debtors = max(1, rows * 2 // 5)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            [
                "id_deuda",
                "id_cliente",
                "nombre",
                "celular",
                "correo",
                "factura",
                "concepto",
                "moneda",
                "monto",
                "fecha_emision",
                "fecha_vencimiento",
            ]
        )
        for number in range(rows):
            customer = rng.randrange(debtors)
            # The debtor's details depend only on the customer, as in a real export.
            local = random.Random(customer)
            first, last1, last2 = local.choice(FIRST), local.choice(LAST), local.choice(LAST)
            prefix = f"3{local.choice((0, 1))}{local.randrange(0, 6)}"
            phone = f"+57 {prefix}{local.randrange(1_000_000, 9_999_999)}"
            email = f"{first[0].lower()}{customer}@correo.example"
            due = today + timedelta(days=rng.randrange(-90, 31))
            writer.writerow(
                [
                    f"F{number:09d}",
                    f"C{customer:08d}",
                    f"{first} {last1} {last2}",
                    phone,
                    email,
                    f"FAC-{number:09d}",
                    f"{rng.choice(CONCEPTS)} {due:%m/%Y}",
                    "COP",
                    f"{rng.randrange(20, 2_500) * 1000}",
                    (due - timedelta(days=30)).isoformat(),
                    due.isoformat(),
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the CSV and SQLite file")
    parser.add_argument("--csv", type=Path, help="import this file (from an earlier run)")
    arguments = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="recaudo-bench-"))
    csv_path = arguments.csv or workdir / "debts.csv"
    if not arguments.csv:
        write_csv(csv_path, arguments.rows, arguments.seed)

    if arguments.database == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        import psycopg

        with psycopg.connect(base.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS recaudo_bench")
            conn.execute("CREATE DATABASE recaudo_bench")
        os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/recaudo_bench"
    os.environ["IMPORT_MAX_FILE_MB"] = "2000"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")

    import django

    django.setup()
    from django.core.management import call_command

    from recaudo.portfolio.imports import import_file
    from recaudo.portfolio.models import Creditor, Debt

    call_command("migrate", verbosity=0)
    creditor = Creditor.objects.create(
        name="Bench", country="CO", default_currency="COP", brand_name="Bench"
    )
    started = time.perf_counter()
    result = import_file("debts", csv_path, creditor)
    seconds = time.perf_counter() - started
    if not result.written:
        errors = result.file_problem or [str(e) for e in result.outcome.errors[:5]]
        raise SystemExit(f"import failed: {errors}")
    assert Debt.objects.count() == arguments.rows
    # The file is cleaned in a forked child: count whichever process peaked higher.
    peak_mb = (
        max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        / 1024
    )
    print(
        json.dumps(
            {
                "bench": "import",
                "database": arguments.database,
                "rows": arguments.rows,
                "file_mb": round(csv_path.stat().st_size / 1_000_000, 1),
                "seconds": round(seconds, 2),
                "rows_per_second": round(arguments.rows / seconds),
                "peak_rss_mb": round(peak_mb, 1),
                "counts": dict(result.outcome.counts),
            }
        )
    )
    if not arguments.keep:
        for path in workdir.iterdir():  # never the --csv file, which lives elsewhere
            path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
