"""scripts/backup.sh and scripts/restore.sh against a real PostgreSQL server.

A portfolio is made with the commands and the factories, backed up, restored
into a database of its own, and every table is compared row for row count.
PostgreSQL only (pg_dump and pg_restore); skipped on SQLite.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from recaudo.portfolio.actions import record_payment
from tests.factories import make_creditor, make_debt, make_debtor
from tests.helpers import ROOT, database_url, run_recaudo

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(
        "postgres" not in os.environ.get("DATABASE_URL", ""),
        reason="pg_dump and pg_restore need PostgreSQL",
    ),
]

BACKUP = ROOT / "scripts" / "backup.sh"
RESTORE = ROOT / "scripts" / "restore.sh"
DAY = date(2026, 11, 24)


def server_environment() -> dict[str, str]:
    """libpq's variables for the test server (restore.sh's way of naming it)."""
    settings = connection.settings_dict
    environment = {
        **os.environ,
        "PGHOST": settings.get("HOST") or "127.0.0.1",
        "PGPORT": str(settings.get("PORT") or 5432),
        "PGUSER": settings.get("USER") or "postgres",
    }
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = settings["PASSWORD"]
    environment.pop("DATABASE_URL", None)
    return environment


def run_script(script: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(script), *args],
        env={**server_environment(), **extra},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def connect(name: str) -> psycopg.Connection:
    environment = server_environment()
    return psycopg.connect(
        host=environment["PGHOST"],
        port=environment["PGPORT"],
        user=environment["PGUSER"],
        password=environment.get("PGPASSWORD"),
        dbname=name,
        autocommit=True,
    )


def row_counts(name: str) -> dict[str, int]:
    """Every table of the public schema and its number of rows."""
    with connect(name) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # type: ignore[index]
            for table in tables
        }


@pytest.fixture
def restored_name() -> Iterator[str]:
    name = f"recaudo_restore_{os.getpid()}"
    yield name
    with connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def portfolio() -> None:
    """Debtors, debts, contacts and payments from the seed command, today's plan, and
    a payment recorded through the portfolio's own action."""
    seeded = run_recaudo("seed", "--debtors", "60", "--seed", "7", "--today", DAY.isoformat())
    assert seeded.returncode == 0, seeded.stderr
    planned = run_recaudo("plan", "--date", DAY.isoformat())
    assert planned.returncode == 0, planned.stderr
    creditor = make_creditor(country="MX", default_currency="MXN")
    debtor = make_debtor(creditor, phone="+525512340000", country="MX")
    debt = make_debt(debtor, "1500.00", due_on=DAY - timedelta(days=3))
    record_payment(
        creditor=creditor,
        debtor=debtor,
        debt=debt,
        amount=Decimal("500.00"),
        currency="MXN",
        paid_at=datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
        external_id="pago-1",
        actor="test",
    )


def test_a_backup_restored_into_a_fresh_database_has_every_table_with_the_same_row_counts(
    portfolio, restored_name, tmp_path
):
    source = connection.settings_dict["NAME"]
    before = row_counts(source)

    backup = run_script(BACKUP, "--dir", str(tmp_path), DATABASE_URL=database_url())
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip())
    assert dump.parent == tmp_path and dump.name.startswith("recaudo-")
    assert dump.suffix == ".dump"
    assert dump.stat().st_mode & 0o077 == 0  # personal data: the owner's only
    assert list(tmp_path.iterdir()) == [dump]  # no partial file left beside it

    restore = run_script(RESTORE, str(dump), restored_name)
    assert restore.returncode == 0, restore.stderr

    after = row_counts(restored_name)
    assert after == before
    # The portfolio really is there, not two empty schemas compared.
    assert after["portfolio_debt"] > 60
    assert after["portfolio_payment"] >= 1
    assert after["outreach_outreach"] > 0
    assert after["django_migrations"] > 0


def test_restore_refuses_a_database_that_holds_tables_unless_forced(
    portfolio, restored_name, tmp_path
):
    backup = run_script(BACKUP, "--dir", str(tmp_path), DATABASE_URL=database_url())
    dump = backup.stdout.strip()
    assert run_script(RESTORE, dump, restored_name).returncode == 0
    with connect(restored_name) as conn:
        conn.execute("DELETE FROM portfolio_paymentallocation")
        conn.execute("CREATE TABLE kept_by_the_operator (id int)")

    refused = run_script(RESTORE, dump, restored_name)

    assert refused.returncode == 3
    assert f"database {restored_name} already holds" in refused.stderr
    assert "--force" in refused.stderr
    counts = row_counts(restored_name)
    assert "kept_by_the_operator" in counts  # untouched
    assert counts["portfolio_paymentallocation"] == 0

    forced = run_script(RESTORE, "--force", dump, restored_name)

    assert forced.returncode == 0, forced.stderr
    counts = row_counts(restored_name)
    assert "kept_by_the_operator" not in counts
    assert counts == row_counts(connection.settings_dict["NAME"])


def test_backup_removes_only_its_own_dumps_older_than_the_retention(tmp_path):
    day = 24 * 3600
    now = time.time()
    old = tmp_path / "recaudo-20260101T033000Z.dump"
    recent = tmp_path / "recaudo-20261120T033000Z.dump"
    someone_elses = tmp_path / "notes-20260101.txt"
    for path, age_days in ((old, 10), (recent, 3), (someone_elses, 30)):
        path.write_bytes(b"x")
        os.utime(path, (now - age_days * day, now - age_days * day))

    backup = run_script(
        BACKUP, "--dir", str(tmp_path), "--keep-days", "7", DATABASE_URL=database_url()
    )

    assert backup.returncode == 0, backup.stderr
    new = Path(backup.stdout.strip())
    assert sorted(tmp_path.iterdir()) == sorted([new, recent, someone_elses])
    assert f"removed old dump {old}" in backup.stderr


def test_a_failed_backup_writes_nothing_and_removes_nothing(tmp_path):
    old = tmp_path / "recaudo-20260101T033000Z.dump"
    old.write_bytes(b"x")
    os.utime(old, (time.time() - 90 * 24 * 3600,) * 2)
    missing = database_url().rsplit("/", 1)[0] + "/recaudo_no_such_database"

    backup = run_script(BACKUP, "--dir", str(tmp_path), "--keep-days", "7", DATABASE_URL=missing)

    assert backup.returncode == 1
    assert "no dump written, none removed" in backup.stderr
    assert list(tmp_path.iterdir()) == [old]


def test_restore_refuses_a_file_that_is_not_a_dump(restored_name, tmp_path):
    not_a_dump = tmp_path / "recaudo-20261124T033000Z.dump"
    not_a_dump.write_text("hello")

    restore = run_script(RESTORE, str(not_a_dump), restored_name)

    assert restore.returncode == 1
    assert "is not a dump pg_restore can read" in restore.stderr
    with connect("postgres") as conn:
        found = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s", [restored_name]
        ).fetchone()
    assert found == (0,)
