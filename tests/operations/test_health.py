"""``/healthz`` and ``/readyz``: what a load balancer sees, whatever the Host and the scheme."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.test.utils import CaptureQueriesContext

from recaudo import health
from recaudo.operations.heartbeat import Heartbeat
from recaudo.outreach.models import Outreach
from tests.delivery.test_provider_events import make_outreach

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_process(settings):
    """Each test is a new process as far as the cached migration check goes."""
    settings.READY_WORKER_STALE_SECONDS = 60
    settings.READY_MAX_QUEUE_LAG_SECONDS = 900
    health._migrations_applied = False
    yield
    health._migrations_applied = False


@pytest.fixture
def probe(settings) -> Client:
    """A load balancer: plain http, by an address that is not in ALLOWED_HOSTS, with the
    production HTTPS redirect on."""
    settings.ALLOWED_HOSTS = ["cobranza.example"]
    settings.SECURE_SSL_REDIRECT = True
    return Client(HTTP_HOST="10.0.3.17:8000")


def worker_seen(at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        Heartbeat("web-1:42", lanes=2).beat()


def due_outreach(window_start: datetime, **fields) -> Outreach:
    outreach = make_outreach(status="planned")
    Outreach.objects.filter(pk=outreach.pk).update(
        window_start=window_start, window_end=window_start + timedelta(hours=8), **fields
    )
    return outreach


def test_healthz_answers_ok_by_ip_over_plain_http_without_redirect_or_cookie(probe):
    response = probe.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies
    assert Session.objects.count() == 0


def test_readyz_is_200_when_the_database_migrations_a_worker_and_the_queue_are_fine(probe):
    worker_seen(NOW - timedelta(seconds=30))
    due_outreach(NOW - timedelta(minutes=5))

    with time_machine.travel(NOW, tick=False):
        response = probe.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"ready": True}
    assert not response.cookies
    assert Session.objects.count() == 0


def test_readyz_is_503_naming_the_worker_when_no_worker_ever_beat(probe):
    response = probe.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"ready": False, "failed": ["worker"]}


def test_readyz_is_503_naming_the_worker_when_its_heartbeat_is_stale(probe):
    worker_seen(NOW - timedelta(seconds=61))

    with time_machine.travel(NOW, tick=False):
        response = probe.get("/readyz")

    assert response.json() == {"ready": False, "failed": ["worker"]}


def test_readyz_leaves_the_worker_out_when_its_check_is_off(probe, settings):
    settings.READY_WORKER_STALE_SECONDS = 0

    assert probe.get("/readyz").json() == {"ready": True}


def test_readyz_is_503_naming_the_queue_when_the_oldest_due_outreach_waits_too_long(probe):
    worker_seen(NOW)
    due_outreach(NOW - timedelta(seconds=901))

    with time_machine.travel(NOW, tick=False):
        response = probe.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"ready": False, "failed": ["queue"]}


def test_the_queue_lag_counts_only_rows_the_dispatcher_would_claim_now():
    late = NOW - timedelta(hours=2)
    due_outreach(late, action=Outreach.Action.CALL_TASK)  # an agent's work, not the worker's
    due_outreach(late, next_attempt_at=NOW + timedelta(minutes=1))  # a retry not due yet
    due_outreach(NOW + timedelta(minutes=5))  # its window has not opened
    due_outreach(late, status=Outreach.Status.SENDING)  # already claimed

    assert health.queue_lag_seconds(NOW) == 0.0

    due_outreach(late, next_attempt_at=NOW - timedelta(seconds=40))  # a retry due 40 s ago

    assert health.queue_lag_seconds(NOW) == 40.0


def test_readyz_is_503_naming_migrations_while_one_is_unapplied(probe, settings):
    settings.READY_WORKER_STALE_SECONDS = 0
    MigrationRecorder(connection).record_unapplied("operations", "0001_initial")

    response = probe.get("/readyz")

    assert response.json() == {"ready": False, "failed": ["migrations"]}


def test_readyz_keeps_a_migration_success_for_the_life_of_the_process(probe, settings):
    settings.READY_WORKER_STALE_SECONDS = 0
    assert probe.get("/readyz").status_code == 200

    MigrationRecorder(connection).record_unapplied("operations", "0001_initial")

    assert probe.get("/readyz").status_code == 200


def test_readyz_is_503_naming_only_the_database_when_it_does_not_answer(probe, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.5 refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = probe.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"ready": False, "failed": ["database"]}
    assert b"10.0.0.5" not in response.content


def test_readyz_answers_head_with_the_status_alone(probe):
    response = probe.head("/readyz")

    assert response.status_code == 503
    assert response.content == b""


def test_other_methods_and_paths_are_left_to_the_site(probe, settings):
    settings.ALLOWED_HOSTS = ["10.0.3.17"]
    settings.SECURE_SSL_REDIRECT = False

    assert probe.post("/healthz").status_code == 404
    assert probe.get("/healthz/").status_code == 404


def test_a_ready_probe_makes_three_small_queries_once_migrations_are_known(probe):
    worker_seen(NOW)
    probe.get("/readyz")  # the migration check, once per process

    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        response = probe.get("/readyz")

    assert response.status_code == 200
    assert len(queries) == 3  # SELECT 1, the freshest heartbeat, the head of the queue


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_queue_lag_query_walks_the_dispatchers_partial_index():
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = health.queue_head(NOW)[:1].explain()
        cursor.execute("RESET enable_seqscan")

    assert "outreach_due_idx" in plan
