"""``/healthz`` and ``/readyz``: answered first, before anything reads the Host or redirects.

Load balancers probe over plain HTTP by the machine's address, which is not
in ALLOWED_HOSTS and would be redirected to HTTPS: this middleware sits first
in MIDDLEWARE and answers those two paths itself (no session, no cookie, no
CSRF). See docs/operations.md#serving.

- ``/healthz``: the process answers (200, ``ok``).
- ``/readyz``: 200 when every check passes, else 503; the JSON body names
  only the checks that failed (no hosts, versions or errors):
  ``database`` (a query answers), ``migrations`` (none left unapplied; a
  success is kept for the life of the process), ``worker`` (a worker's
  heartbeat within READY_WORKER_STALE_SECONDS) and ``queue`` (the oldest due
  outreach waits less than READY_MAX_QUEUE_LAG_SECONDS).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from recaudo.operations.heartbeat import freshest_seen_at
from recaudo.outreach.models import Outreach

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
NOT_CACHED = "no-store"

# Set once this process has seen every migration applied; migrations are applied
# before a deployment's processes start, so one success is enough.
_migrations_applied = False


def database_answers() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def migrations_applied() -> bool:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrations_applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrations_applied


def worker_fresh() -> bool:
    """A worker's heartbeat is recent enough (0 seconds: the check is off)."""
    stale = settings.READY_WORKER_STALE_SECONDS
    if not stale:
        return True
    age = freshest_seen_at()
    return age is not None and age <= stale


def queue_head(now: datetime) -> QuerySet[Outreach]:
    """Due outreach in the order the dispatcher claims it."""
    return (
        Outreach.objects.planned()
        .exclude(action=Outreach.Action.CALL_TASK)
        .filter(window_start__lte=now)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("window_start", "id")
    )


def queue_lag_seconds(now: datetime) -> float:
    """How long the next row the dispatcher would claim has been due (0 when none is).

    The dispatcher's own order and conditions (recaudo/outreach/sending.py's
    claim), so the query walks the same partial index (``outreach_due_idx``).
    """
    head = queue_head(now).values_list("window_start", "next_attempt_at").first()
    if head is None:
        return 0.0
    window_start, next_attempt_at = head
    due_since = max(window_start, next_attempt_at or window_start)
    return max(0.0, (now - due_since).total_seconds())


def queue_moving() -> bool:
    """The oldest due outreach waits no longer than READY_MAX_QUEUE_LAG_SECONDS (0: off)."""
    limit = settings.READY_MAX_QUEUE_LAG_SECONDS
    return not limit or queue_lag_seconds(timezone.now()) <= limit


CHECKS: dict[str, Callable[[], bool]] = {
    "migrations": migrations_applied,
    "worker": worker_fresh,
    "queue": queue_moving,
}


def failed_checks() -> list[str]:
    """The names of the checks that fail; the database first (nothing else runs without it)."""
    try:
        if not database_answers():
            return ["database"]
    except Exception:
        log.warning("readyz: the database does not answer", exc_info=True)
        return ["database"]
    failed = []
    for name, check in CHECKS.items():
        try:
            passed = check()
        except Exception:
            log.warning("readyz: check %s raised", name, exc_info=True)
            passed = False
        if not passed:
            failed.append(name)
    return failed


def healthz() -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def readyz() -> HttpResponse:
    failed = failed_checks()
    body: dict[str, object] = {"ready": not failed}
    if failed:
        body["failed"] = failed
        log.warning("readyz: not ready (%s)", ", ".join(failed))
    response = JsonResponse(body, status=503 if failed else 200)
    # Logged above with the reason; Django's own line ("Service Unavailable: /readyz")
    # would repeat it at every probe without one.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class HealthMiddleware:
    """Answers GET/HEAD ``/healthz`` and ``/readyz`` before any other middleware runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            if request.path_info == HEALTH_PATH:
                return _probe_answer(request, healthz())
            if request.path_info == READY_PATH:
                return _probe_answer(request, readyz())
        return self.get_response(request)


def _probe_answer(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NOT_CACHED
    if request.method == "HEAD":
        response.content = b""  # the status says it all; WSGI servers drop a HEAD's body
    return response
