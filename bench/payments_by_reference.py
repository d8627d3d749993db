"""Benchmark: a payments file naming debtors by payment reference against one naming their id.

Usage: python bench/payments_by_reference.py --payments 20000 [--database sqlite|postgres]
Prints one JSON line: seconds for each file through `recaudo import payments`'s code
path (`import_file`), on a fresh database with one open debt per debtor.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=20_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    arguments = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="recaudo-bench-"))
    if arguments.database == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        import psycopg

        with psycopg.connect(base.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS recaudo_bench_references")
            conn.execute("CREATE DATABASE recaudo_bench_references")
        os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/recaudo_bench_references"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")

    import django

    django.setup()
    from django.core.management import call_command

    from recaudo.portfolio.imports import import_file
    from recaudo.portfolio.models import Creditor, Debt, Debtor, Payment
    from recaudo.portfolio.references import grouped, reference_for

    call_command("migrate", verbosity=0)
    creditor = Creditor.objects.create(
        name="Bench", country="CO", default_currency="COP", brand_name="Bench"
    )
    count = arguments.payments
    Debtor.objects.bulk_create(
        Debtor(
            creditor=creditor,
            external_id=f"C{number:08d}",
            full_name=f"Deudor {number}",
            country="CO",
            timezone="America/Bogota",
            language="es",
        )
        for number in range(2 * count)
    )
    debtors = list(Debtor.objects.order_by("pk").values_list("pk", "external_id"))
    today = date(2026, 11, 20)
    Debt.objects.bulk_create(
        Debt(
            creditor=creditor,
            debtor_id=pk,
            external_id=f"F{pk:09d}",
            currency="COP",
            amount=Decimal(100_000),
            issued_on=today - timedelta(days=60),
            due_on=today - timedelta(days=30),
        )
        for pk, _ in debtors
    )
    timings = {}
    for name, column, value in (
        ("by_debtor_id", "id_cliente", lambda pk, external_id: external_id),
        ("by_reference", "referencia", lambda pk, external_id: grouped(reference_for(pk))),
    ):
        path = workdir / f"{name}.csv"
        offset = 0 if name == "by_debtor_id" else count  # other debtors: nothing shared
        with path.open("w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["id_pago", column, "monto", "fecha_pago"])
            for number, (pk, external_id) in enumerate(debtors[offset : offset + count]):
                writer.writerow([f"{name}-{number}", value(pk, external_id), "40000", "2026-11-19"])
        started = time.perf_counter()
        result = import_file("payments", path, creditor)
        timings[name] = round(time.perf_counter() - started, 2)
        if not result.written:
            raise SystemExit(f"{name}: {[str(e) for e in result.outcome.errors[:5]]}")
    assert Payment.objects.count() == 2 * count
    print(
        json.dumps(
            {
                "bench": "payments_by_reference",
                "database": arguments.database,
                "payments": count,
                "seconds": timings,
            }
        )
    )
    for path in workdir.iterdir():
        path.unlink()
    workdir.rmdir()


if __name__ == "__main__":
    main()
