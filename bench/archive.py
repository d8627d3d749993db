"""Benchmark: archive N finished contacts (with their debt links) and N audit events.

Usage: python bench/archive.py --rows 50000 [--batch-size 1000] [--database postgres|sqlite]
Builds, in a fresh database, one creditor with N/10 debtors, N sent contacts
(each linked to one debt) and N audit events, all ten months old, then runs
``recaudo.privacy.archive.run`` (cut-off six months). Prints one JSON line:
rows, batch_size, database, seconds, rows_per_second (contacts and events
moved), partitions (PostgreSQL), left (rows still live: must be 0).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime(2027, 9, 15, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=300)


def prepare_database(database: str) -> None:
    if database == "sqlite":
        path = Path(os.environ.get("TMPDIR", "/tmp")) / "recaudo-bench-archive.sqlite3"
        path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return
    import psycopg

    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(base.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS recaudo_bench_archive")
        conn.execute("CREATE DATABASE recaudo_bench_archive")
    os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/recaudo_bench_archive"


def build(rows: int) -> None:
    from django.db.models import F

    from recaudo.outreach.models import Outreach, OutreachDebt
    from recaudo.portfolio.models import AuditEvent, Creditor, Debt, Debtor

    creditor = Creditor.objects.create(
        name="Bench", country="CO", default_currency="COP", brand_name="Bench"
    )
    debtors = Debtor.objects.bulk_create(
        Debtor(
            creditor=creditor,
            external_id=f"D{n}",
            full_name=f"Deudor {n}",
            country="CO",
            timezone="America/Bogota",
        )
        for n in range(max(rows // 10, 1))
    )
    debts = Debt.objects.bulk_create(
        Debt(
            creditor=creditor,
            debtor=debtor,
            external_id=f"F{debtor.pk}",
            currency="COP",
            amount=Decimal(1000),
            due_on=date(2026, 11, 1),
        )
        for debtor in debtors
    )
    # Spread over three months so several partitions are made.
    moments = [OLD - timedelta(days=(n % 90)) for n in range(rows)]
    contacts = Outreach.objects.bulk_create(
        Outreach(
            creditor=creditor,
            debtor=debts[n % len(debts)].debtor,
            anchor_due_on=date(2026, 11, 1),
            planned_on=moments[n].date(),
            action="message",
            channel="sms",
            template_key="reminder",
            tone="friendly",
            language="es",
            currency="COP",
            amount_due=Decimal(1000),
            window_start=moments[n],
            window_end=moments[n] + timedelta(hours=8),
            status="sent",
            sent_at=moments[n],
            notice_key=f"bench:{n}",
        )
        for n in range(rows)
    )
    OutreachDebt.objects.bulk_create(
        OutreachDebt(outreach=row, debt=debts[n % len(debts)], balance=Decimal(1000))
        for n, row in enumerate(contacts)
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(creditor=creditor, debtor=debts[n % len(debts)].debtor, kind="opt_out",
                   actor="bench", data={"channel": "sms"})
        for n in range(rows)
    )  # fmt: skip
    AuditEvent.objects.update(created_at=OLD)
    Outreach.objects.update(created_at=F("window_start"), updated_at=F("window_start"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    options = parser.parse_args()
    prepare_database(options.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from recaudo.outreach.models import Outreach
    from recaudo.portfolio.models import AuditEvent
    from recaudo.privacy import archive

    build(options.rows)
    started = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        with cProfile.Profile() as profile:
            report = archive.run(now=NOW, months=6, batch_size=options.batch_size)
        profile.print_stats("cumulative")
    else:
        report = archive.run(now=NOW, months=6, batch_size=options.batch_size)
    seconds = time.perf_counter() - started
    moved = report.moved["outreach"] + report.moved["audit"]
    print(
        json.dumps(
            {
                "rows": options.rows,
                "batch_size": options.batch_size,
                "database": options.database,
                "moved": moved,
                "seconds": round(seconds, 2),
                "rows_per_second": round(moved / seconds),
                "partitions": len(archive.partitions()),
                "left": Outreach.objects.count() + AuditEvent.objects.count(),
            }
        )
    )


if __name__ == "__main__":
    main()
