"""``recaudo worker`` as a process: it stops cleanly when told to.

The test settings keep the sandbox's public secrets, which stop a worker with
DEBUG off (recaudo/checks.py), so these workers start with ``--skip-checks``.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers import ROOT, database_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_stops_cleanly_on_sigterm_and_says_what_it_did():
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "recaudo.cli", "worker", "--skip-checks"),
            *("--no-planning", "--idle-sleep", "0.2"),
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Started (its stop handler installed) when it says so, however busy the machine is.
    assert worker.stdout is not None
    ready, _, _ = select.select([worker.stdout], [], [], 60)
    started = worker.stdout.readline() if ready else ""
    time.sleep(0.5)
    assert worker.poll() is None  # still polling for work

    worker.send_signal(signal.SIGTERM)
    output, errors = worker.communicate(timeout=20)

    assert started.startswith("worker started"), errors
    assert worker.returncode == 0, errors
    assert "worker stopped; nothing sent" in output


def test_the_worker_refuses_a_moment_without_a_time_zone():
    environment = {**os.environ, "DATABASE_URL": database_url()}
    run = subprocess.run(
        [
            *(sys.executable, "-m", "recaudo.cli", "worker", "--skip-checks"),
            *("--once", "--at", "2026-11-24T10:00"),
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert run.returncode == 1
    assert "--at: give a time zone" in run.stderr
