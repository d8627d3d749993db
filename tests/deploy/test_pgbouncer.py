"""Recaudo through PgBouncer in transaction mode (docs/operations.md#pgbouncer).

A real PgBouncer lends a few server connections to the planner and to two
workers of two lanes each (more client connections than server ones), so
every transaction may land on another server connection: the planner's
temporary table and ``SET LOCAL``, the claim's ``SKIP LOCKED``, the batch's
``FOR SHARE`` and the side connections must all hold within one transaction.
PostgreSQL and the pgbouncer program only; skipped otherwise.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from django.db import connection

from recaudo.outreach.models import Outreach
from recaudo.portfolio.models import ChannelConsent
from tests.delivery.test_reliability import DAY, LEASE_SECONDS, PLANNED_AT, Sandbox
from tests.factories import make_creditor, make_debt, make_debtor
from tests.helpers import ROOT, database_url, free_port

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(
        "postgres" not in os.environ.get("DATABASE_URL", ""),
        reason="PgBouncer pools PostgreSQL connections",
    ),
    pytest.mark.skipif(shutil.which("pgbouncer") is None, reason="pgbouncer is not installed"),
]

# Two workers of two lanes: 2 * (1 + 2 * (2 + 1)) = 14 client connections on 8
# server ones, twice the 4 lanes (docs/operations.md: the pool must exceed them).
SERVER_CONNECTIONS = 8


@pytest.fixture
def pgbouncer() -> Iterator[str]:
    """A PgBouncer in transaction mode in front of the test database; yields its URL."""
    settings = connection.settings_dict
    user = settings.get("USER") or "postgres"
    password = settings.get("PASSWORD") or ""
    port = free_port()
    # PgBouncer refuses to run as root: as root, run it as the postgres user,
    # in a directory that user can write.
    as_root = os.geteuid() == 0
    directory = Path(tempfile.mkdtemp(prefix="recaudo-pgbouncer-"))
    server = f"host={settings.get('HOST') or '127.0.0.1'} port={settings.get('PORT') or 5432}"
    server += f" user={user}" + (f" password={password}" if password else "")
    (directory / "users.txt").write_text(f'"{user}" ""\n')
    (directory / "pgbouncer.ini").write_text(
        f"[databases]\n* = {server}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {directory / 'users.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {SERVER_CONNECTIONS}\nreserve_pool_size = 0\n"
        "max_client_conn = 100\nquery_wait_timeout = 120\n"
        f"logfile = {directory / 'pgbouncer.log'}\n"
    )
    command = ["pgbouncer", str(directory / "pgbouncer.ini")]
    if as_root:
        owner = pwd.getpwnam("postgres")
        for path in (directory, *directory.iterdir()):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        command = ["runuser", "-u", "postgres", "--", *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"postgres://{user}@127.0.0.1:{port}/{settings['NAME']}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                psycopg.connect(
                    url.replace("postgres://", "postgresql://"), connect_timeout=2
                ).close()
                break
            except psycopg.OperationalError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


class PatientSandbox(Sandbox):
    """The reliability tests' sandbox, given a minute to start on a busy machine, and
    stopped if it does not (it reads the test database, which must be dropped after)."""

    def __init__(self, *extra: str) -> None:
        self.port, self.smtp_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "SANDBOX_URL": self.url,
            "SMTP_PORT": str(self.smtp_port),
            "DISPATCH_LEASE_SECONDS": str(LEASE_SECONDS),
            "LOG_LEVEL": "WARNING",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "recaudo.cli", "sandbox", "--port", str(self.port),
             "--smtp-port", str(self.smtp_port), "--no-webhooks", "--seed", "7", *extra],
            cwd=ROOT, env=self.environment,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/_sandbox/health", timeout=0.5)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.process.kill()
        self.process.wait()
        raise RuntimeError("the sandbox did not start")


def through(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "recaudo.cli", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": url,
            "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "true",
            "LOG_LEVEL": "WARNING",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_planning_and_two_workers_through_pgbouncer_send_each_contact_once(pgbouncer):
    creditor = make_creditor(country="MX", default_currency="MXN")
    for number in range(40):
        debtor = make_debtor(
            creditor, phone=f"+52552{number:07d}", country="MX", timezone="America/Mexico_City"
        )
        ChannelConsent.objects.create(
            contact_point=debtor.contact_points.get(),
            channel="whatsapp",
            source="contrato",
            granted_at=PLANNED_AT,
        )
        make_debt(debtor, "1200.00", due_on=DAY + timedelta(days=7))

    planned = through(pgbouncer, "plan", "--date", DAY.isoformat())

    assert planned.returncode == 0, planned.stderr
    assert Outreach.objects.filter(status="planned").count() == 40

    sandbox = PatientSandbox("--no-pair-limit")
    try:
        sandbox.environment = {
            **sandbox.environment,
            "DATABASE_URL": pgbouncer,
            "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "true",
        }
        workers = [sandbox.worker(f"bouncer{n}", "--lanes", "2") for n in range(2)]
        try:
            for worker in workers:
                _out, errors = worker.communicate(timeout=300)
                assert worker.returncode == 0, errors
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()
        sent = list(Outreach.objects.filter(status="sent").select_related("contact_point"))
        assert len(sent) == 40
        assert Outreach.objects.exclude(status="sent").count() == 0
        per_phone = Counter(row.contact_point.value for row in sent)
        assert {phone: len(sandbox.messages_to(phone)) for phone in per_phone} == per_phone
        assert len({row.provider_message_id for row in sent}) == 40
    finally:
        # The sandbox reads the test database: it must be gone before the database is.
        try:
            sandbox.stop()
        except subprocess.TimeoutExpired:
            sandbox.process.kill()
            sandbox.process.wait()
