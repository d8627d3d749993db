"""``/metrics``: Prometheus figures read from the database at scrape time.

Every figure comes from the tables, not from counters kept in a process, so
any web process on any machine answers the same for the whole installation
(gunicorn's workers each holding their own counters would each tell part of
the story). Totals over the whole history would scan ever-growing tables, so
what happened is counted over a bounded window (the last 24 hours; dispatch
latency over the last hour), each read through an index; what is waiting now
(planned, sending, unknown rows) is counted whole through partial indexes
that hold only those rows. A scrape of an installation with a million
outreach rows is measured in docs/benchmarks.md.

The endpoint exists only when ``METRICS_TOKEN`` is set and then answers only
``Authorization: Bearer <token>`` (docs/operations.md, "Metrics and logs").
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from recaudo.conversations.models import Message
from recaudo.integrations.metrics import collect as integration_metrics
from recaudo.operations.models import WorkerHeartbeat
from recaudo.outreach.models import Outreach, PlannerRun, WebhookEvent
from recaudo.payments.models import PROVIDERS, PaymentWebhookEvent
from recaudo.portfolio.models import Payment

RECENT = timedelta(hours=24)
LATENCY_WINDOW = timedelta(hours=1)
# Seconds from a row's due moment (its window opening) to the provider's acceptance.
LATENCY_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400)
# The outreach states that are counted whole: rows waiting for something.
WAITING_STATES = (Outreach.Status.PLANNED, Outreach.Status.SENDING, Outreach.Status.UNKNOWN)
# What happened to a row, by the column that records when.
EVENTS = {"sent": "sent_at", "delivered": "delivered_at", "read": "read_at", "failed": "failed_at"}
PAYMENT_PROVIDERS = frozenset(name for name, _label in PROVIDERS)


class DatabaseCollector(Collector):
    """Collects every ``recaudo_`` figure with a few grouped, index-backed queries."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        now = self.now or timezone.now()
        yield from _outreach_waiting()
        yield from _queue(now)
        yield from _outreach_events(now)
        yield _dispatch_latency(now)
        yield from _webhooks(now)
        yield _workers(now)
        yield _payments(now)
        yield _bot_answers(now)
        yield from _planner()
        yield from integration_metrics(now)
        scrape = GaugeMetricFamily(
            "recaudo_metrics_scrape_duration_seconds",
            "Seconds this scrape's database queries took.",
        )
        scrape.add_metric([], time.perf_counter() - started)
        yield scrape


def _outreach_waiting() -> Iterator[Metric]:
    messages = GaugeMetricFamily(
        "recaudo_outreach_messages",
        "Outreach rows now in a waiting state (planned, sending, unknown), "
        "by channel and creditor id.",
        labels=["state", "channel", "creditor"],
    )
    unknown_total = 0
    for state in WAITING_STATES:
        # One query per state, so each reads the partial index holding only that state.
        rows = (
            Outreach.objects.filter(status=state)
            .values("channel", "creditor_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            messages.add_metric([state, row["channel"], str(row["creditor_id"])], row["n"])
            if state == Outreach.Status.UNKNOWN:
                unknown_total += row["n"]
    yield messages
    unknown = GaugeMetricFamily(
        "recaudo_outreach_unknown_messages",
        "Outreach rows whose request may have left but whose outcome is unknown: "
        "staff must reconcile each one.",
    )
    unknown.add_metric([], unknown_total)
    yield unknown


def _due(now: datetime) -> Q:
    """What the dispatcher would claim now (recaudo/outreach/sending.py, claim_due)."""
    return (
        Q(status=Outreach.Status.PLANNED, window_start__lte=now)
        & ~Q(action=Outreach.Action.CALL_TASK)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    )


def _queue(now: datetime) -> Iterator[Metric]:
    figures = Outreach.objects.filter(_due(now)).aggregate(
        depth=Count("id"), oldest=Min("window_start")
    )
    depth = GaugeMetricFamily(
        "recaudo_outreach_queue_depth",
        "Planned outreach rows due now (their window has opened) and not yet claimed.",
    )
    depth.add_metric([], figures["depth"])
    yield depth
    oldest = GaugeMetricFamily(
        "recaudo_outreach_oldest_due_age_seconds",
        "Seconds since the window of the oldest due, unclaimed row opened (0 when none).",
    )
    age = (now - figures["oldest"]).total_seconds() if figures["oldest"] else 0.0
    oldest.add_metric([], max(age, 0.0))
    yield oldest


def _outreach_events(now: datetime) -> Iterator[Metric]:
    family = GaugeMetricFamily(
        "recaudo_outreach_events_last_24h",
        "Outreach rows sent, delivered, read or failed in the last 24 hours "
        "(by the moment each happened), by channel and creditor id.",
        labels=["event", "channel", "creditor"],
    )
    since = now - RECENT
    for event, column in EVENTS.items():
        rows = (
            Outreach.objects.filter(**{f"{column}__gte": since})
            .values("channel", "creditor_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            family.add_metric([event, row["channel"], str(row["creditor_id"])], row["n"])
    yield family


def _dispatch_latency(now: datetime) -> Metric:
    family = HistogramMetricFamily(
        "recaudo_outreach_dispatch_latency_seconds",
        "Seconds from a row's due moment (its send window opening) to the provider "
        "accepting it, over the rows sent in the last hour, by channel.",
        labels=["channel"],
    )
    latency = ExpressionWrapper(F("sent_at") - F("window_start"), output_field=DurationField())
    buckets = {
        f"le_{seconds}": Count("id", filter=Q(latency__lte=timedelta(seconds=seconds)))
        for seconds in LATENCY_BUCKETS
    }
    rows = (
        Outreach.objects.filter(sent_at__gte=now - LATENCY_WINDOW)
        .annotate(latency=latency)
        .values("channel")
        .annotate(total=Count("id"), latency_sum=Sum("latency"), **buckets)
        .order_by("channel")
    )
    for row in rows:
        family.add_metric(
            [row["channel"]],
            buckets=[
                *((str(float(seconds)), row[f"le_{seconds}"]) for seconds in LATENCY_BUCKETS),
                ("+Inf", row["total"]),
            ],
            sum_value=_seconds(row["latency_sum"]),
        )
    return family


def _seconds(value: timedelta | int | None) -> float:
    """A summed duration: a timedelta, or microseconds where the backend gives those."""
    if value is None:
        return 0.0
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value / 1_000_000


def _webhooks(now: datetime) -> Iterator[Metric]:
    stored = GaugeMetricFamily(
        "recaudo_webhook_requests_stored_last_24h",
        "Provider webhook requests verified and stored in the last 24 hours, by provider.",
        labels=["provider"],
    )
    failed = GaugeMetricFamily(
        "recaudo_webhook_requests_failed_last_24h",
        "Webhook requests stored in the last 24 hours whose processing failed and has not "
        "succeeded since (listed in the admin's stored webhooks, 'Fallidos'), by provider.",
        labels=["provider"],
    )
    waiting = GaugeMetricFamily(
        "recaudo_webhook_requests_waiting",
        "Stored webhook requests not yet tried (WEBHOOK_PROCESSING=deferred: the worker's "
        "queue), by provider.",
        labels=["provider"],
    )
    since = now - RECENT
    not_done = Q(processed_at__isnull=True)
    for model, failure in (
        (WebhookEvent, not_done & ~Q(outcome="")),
        (PaymentWebhookEvent, not_done),
    ):
        rows = (
            model.objects.filter(received_at__gte=since)
            .values("provider")
            .annotate(n=Count("id"), failed=Count("id", filter=failure))
            .order_by()
        )
        for row in rows:
            stored.add_metric([row["provider"]], row["n"])
            failed.add_metric([row["provider"]], row["failed"])
    # Counted whole, through the partial index that holds only these rows.
    queue = (
        WebhookEvent.objects.filter(not_done, outcome="").values("provider").annotate(n=Count("id"))
    )
    for row in queue.order_by():
        waiting.add_metric([row["provider"]], row["n"])
    yield stored
    yield failed
    yield waiting


def _workers(now: datetime) -> Metric:
    family = GaugeMetricFamily(
        "recaudo_worker_heartbeat_age_seconds",
        "Seconds since each worker (host:pid) last wrote its heartbeat; a worker that died "
        "keeps growing until its row is removed (docs/operations.md).",
        labels=["worker"],
    )
    for name, seen_at in WorkerHeartbeat.objects.order_by("name").values_list("name", "seen_at"):
        family.add_metric([name], max(0.0, (now - seen_at).total_seconds()))
    return family


def _payments(now: datetime) -> Metric:
    family = GaugeMetricFamily(
        "recaudo_payments_recorded_last_24h",
        "Payments recorded in the last 24 hours by creditor id and provider "
        "(a payment provider's name; 'other' for imports, the API and the admin).",
        labels=["creditor", "provider"],
    )
    rows = (
        Payment.objects.filter(created_at__gte=now - RECENT)
        .values("creditor_id", "method")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        # ``method`` is free text from imports: only known providers become labels.
        provider = row["method"] if row["method"] in PAYMENT_PROVIDERS else "other"
        key = (str(row["creditor_id"]), provider)
        counts[key] = counts.get(key, 0) + row["n"]
    for labels, count in sorted(counts.items()):
        family.add_metric(list(labels), count)
    return family


def _bot_answers(now: datetime) -> Metric:
    family = GaugeMetricFamily(
        "recaudo_bot_answers_last_24h",
        "Messages the bot wrote to debtors in the last 24 hours, by creditor id.",
        labels=["creditor"],
    )
    rows = (
        Message.objects.filter(author=Message.Author.BOT, created_at__gte=now - RECENT)
        .values("thread__creditor_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        family.add_metric([str(row["thread__creditor_id"])], row["n"])
    return family


def _planner() -> Iterable[Metric]:
    duration = GaugeMetricFamily(
        "recaudo_planner_last_run_duration_seconds",
        "Seconds the last planning run took for each creditor id.",
        labels=["creditor"],
    )
    finished = GaugeMetricFamily(
        "recaudo_planner_last_run_timestamp_seconds",
        "When the last planning run for each creditor id finished (Unix time).",
        labels=["creditor"],
    )
    latest = (
        PlannerRun.objects.values("creditor_id").annotate(last=Max("id")).order_by()
    )  # one row per creditor, through the (creditor, run_on) index
    runs = PlannerRun.objects.filter(id__in=[row["last"] for row in latest]).order_by("creditor_id")
    for run in runs:
        creditor = str(run.creditor_id)
        duration.add_metric([creditor], (run.finished_at - run.started_at).total_seconds())
        finished.add_metric([creditor], run.finished_at.timestamp())
    return (duration, finished)


def render(now: datetime | None = None) -> bytes:
    """The Prometheus text exposition of every figure."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(now))
    return generate_latest(registry)


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    expected = settings.METRICS_TOKEN
    if not expected:
        raise Http404  # not configured: as if the page did not exist
    token = _bearer_token(request)
    if token is None:
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not hmac.compare_digest(token.encode(), expected.encode()):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    response = HttpResponse(render(), content_type="text/plain; version=0.0.4; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
