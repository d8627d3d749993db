"""Workers' heartbeats: written from the loop at most every few seconds, gone on a clean stop."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from recaudo.operations.heartbeat import Heartbeat, freshest_seen_at
from recaudo.operations.models import WorkerHeartbeat
from tests.helpers import ROOT, database_url

START = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.django_db
def test_a_heartbeat_is_written_at_most_once_per_interval_and_removed_on_stop():
    ticks = Ticks()
    with time_machine.travel(START, tick=False):
        heartbeat = Heartbeat("web-1:42", lanes=2, interval=10, monotonic=ticks)
        assert heartbeat.beat() is True
    ticks.now += 9.9
    with time_machine.travel(START + timedelta(seconds=9.9), tick=False):
        assert heartbeat.beat() is False
    ticks.now += 0.1
    with time_machine.travel(START + timedelta(seconds=10), tick=False):
        assert heartbeat.beat() is True

    row = WorkerHeartbeat.objects.get()
    assert (row.name, row.pid, row.lanes) == ("web-1:42", os.getpid(), 2)
    assert row.started_at == START
    assert row.seen_at == START + timedelta(seconds=10)
    with time_machine.travel(START + timedelta(seconds=25), tick=False):
        assert freshest_seen_at() == 15.0

    heartbeat.remove()

    assert not WorkerHeartbeat.objects.exists()
    assert freshest_seen_at() is None


@pytest.mark.django_db
def test_a_heartbeat_without_a_name_is_named_like_the_dispatchers_claims():
    Heartbeat(None, lanes=1).beat()

    assert WorkerHeartbeat.objects.get().name.endswith(f":{os.getpid()}")


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_keeps_a_heartbeat_and_removes_it_when_stopped():
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "recaudo.cli", "worker", "--skip-checks"),
            *("--no-planning", "--idle-sleep", "0.2", "--name", "bench-worker"),
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url(), "LOG_LEVEL": "WARNING"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        ready, _, _ = select.select([worker.stdout], [], [], 60)
        assert ready and worker.stdout.readline().startswith("worker started")
        row = WorkerHeartbeat.objects.get(name="bench-worker")
        lanes = 2 if connection.vendor == "postgresql" else 1
        assert (row.pid, row.lanes) == (worker.pid, lanes)
        assert freshest_seen_at() is not None and freshest_seen_at() < 30
    finally:
        worker.send_signal(signal.SIGTERM)
        _output, errors = worker.communicate(timeout=30)

    assert worker.returncode == 0, errors
    assert not WorkerHeartbeat.objects.exists()
