"""``/metrics``: figures read from the database, behind a bearer token (recaudo/metrics.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from recaudo.conversations.models import Message, Thread
from recaudo.metrics import render
from recaudo.operations.models import WorkerHeartbeat
from recaudo.outreach.models import Outreach, PlannerRun, WebhookEvent
from recaudo.payments.models import PaymentWebhookEvent
from recaudo.portfolio.models import Creditor, Payment
from tests.factories import make_creditor, make_debtor

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
TOKEN = "scrape-token-for-tests-0123456789"


def outreach(creditor: Creditor, *, channel: str = "whatsapp", **fields) -> Outreach:
    values = {
        "window_start": NOW - timedelta(hours=1),
        "window_end": NOW + timedelta(hours=5),
        "status": "planned",
        "action": "message",
    }
    values.update(fields)
    return Outreach.objects.create(
        creditor=creditor, debtor=make_debtor(creditor), anchor_due_on=date(2026, 11, 1),
        planned_on=NOW.date(), channel=channel, template_key="recordatorio",
        tone="late", language="es", currency="COP", amount_due=Decimal("1000.00"), **values,
    )  # fmt: skip


def samples(now: datetime = NOW) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape at ``now``: (name, sorted labels) -> value."""
    text = render(now).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def named(found: dict, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {labels: value for (each, labels), value in found.items() if each == name}


# --- access -------------------------------------------------------------------


def test_metrics_do_not_exist_while_no_token_is_configured(settings):
    settings.METRICS_TOKEN = ""

    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 404


def test_metrics_without_a_bearer_token_are_refused_with_401(settings):
    settings.METRICS_TOKEN = TOKEN

    response = Client().get("/metrics")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"recaudo_" not in response.content


def test_metrics_with_a_wrong_token_are_refused_with_403(settings):
    settings.METRICS_TOKEN = TOKEN

    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x")

    assert response.status_code == 403
    assert b"recaudo_" not in response.content


def test_metrics_with_the_token_are_served_in_prometheus_text_format(settings):
    settings.METRICS_TOKEN = TOKEN
    outreach(make_creditor(), status="unknown")

    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response["Cache-Control"] == "no-store"
    families = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert {
        "recaudo_outreach_messages",
        "recaudo_outreach_unknown_messages",
        "recaudo_outreach_queue_depth",
        "recaudo_outreach_oldest_due_age_seconds",
        "recaudo_outreach_events_last_24h",
        "recaudo_outreach_dispatch_latency_seconds",
        "recaudo_webhook_requests_stored_last_24h",
        "recaudo_webhook_requests_failed_last_24h",
        "recaudo_webhook_requests_waiting",
        "recaudo_worker_heartbeat_age_seconds",
        "recaudo_payments_recorded_last_24h",
        "recaudo_bot_answers_last_24h",
        "recaudo_planner_last_run_duration_seconds",
        "recaudo_planner_last_run_timestamp_seconds",
        "recaudo_metrics_scrape_duration_seconds",
    } <= families
    assert ("recaudo_outreach_unknown_messages", ()) in {
        (sample.name, tuple(sample.labels.items()))
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
        if sample.value == 1
    }


# --- the outbox -----------------------------------------------------------------


def test_waiting_rows_are_counted_by_state_channel_and_creditor_id():
    first, second = make_creditor(), make_creditor()
    outreach(first, channel="whatsapp")
    outreach(first, channel="whatsapp", window_start=NOW + timedelta(hours=2))
    outreach(first, channel="sms", status="sending", lease_until=NOW + timedelta(minutes=5))
    outreach(second, channel="email", status="unknown")
    outreach(second, channel="email", status="unknown")
    outreach(second, channel="email", status="cancelled")

    found = samples()

    assert named(found, "recaudo_outreach_messages") == {
        (("channel", "whatsapp"), ("creditor", str(first.pk)), ("state", "planned")): 2,
        (("channel", "sms"), ("creditor", str(first.pk)), ("state", "sending")): 1,
        (("channel", "email"), ("creditor", str(second.pk)), ("state", "unknown")): 2,
    }
    assert named(found, "recaudo_outreach_unknown_messages") == {(): 2}


def test_queue_depth_counts_only_due_rows_and_ages_the_oldest_window():
    creditor = make_creditor()
    outreach(creditor, window_start=NOW - timedelta(minutes=30))
    outreach(creditor, window_start=NOW - timedelta(minutes=5))
    outreach(creditor, window_start=NOW + timedelta(hours=1))  # not due yet
    outreach(  # waiting for its retry
        creditor, window_start=NOW - timedelta(hours=3), next_attempt_at=NOW + timedelta(minutes=9)
    )
    outreach(creditor, action="call_task", channel="call")  # an agent's, not the dispatcher's

    found = samples()

    assert named(found, "recaudo_outreach_queue_depth") == {(): 2}
    assert named(found, "recaudo_outreach_oldest_due_age_seconds") == {(): 1800}


def test_an_empty_queue_has_no_age():
    found = samples()

    assert named(found, "recaudo_outreach_queue_depth") == {(): 0}
    assert named(found, "recaudo_outreach_oldest_due_age_seconds") == {(): 0}


def test_what_happened_is_counted_over_the_last_24_hours_by_when_it_happened():
    creditor = make_creditor()
    key = str(creditor.pk)
    hour = timedelta(hours=1)
    outreach(creditor, status="sent", sent_at=NOW - 2 * hour)
    outreach(creditor, status="delivered", sent_at=NOW - 3 * hour, delivered_at=NOW - 2 * hour)
    outreach(
        creditor, status="read",
        sent_at=NOW - 30 * hour, delivered_at=NOW - 29 * hour, read_at=NOW - 1 * hour,
    )  # fmt: skip
    outreach(creditor, channel="sms", status="failed", failed_at=NOW - 5 * hour)
    outreach(creditor, channel="sms", status="sent", sent_at=NOW - 25 * hour)  # too long ago

    found = samples()

    assert named(found, "recaudo_outreach_events_last_24h") == {
        (("channel", "whatsapp"), ("creditor", key), ("event", "sent")): 2,
        (("channel", "whatsapp"), ("creditor", key), ("event", "delivered")): 1,
        (("channel", "whatsapp"), ("creditor", key), ("event", "read")): 1,
        (("channel", "sms"), ("creditor", key), ("event", "failed")): 1,
    }


def test_dispatch_latency_is_a_histogram_of_the_last_hours_sends_from_due_to_sent():
    creditor = make_creditor()
    for delay, channel in ((4, "whatsapp"), (100, "whatsapp"), (4000, "whatsapp"), (20, "sms")):
        sent = NOW - timedelta(minutes=10)
        outreach(
            creditor, channel=channel, status="sent",
            window_start=sent - timedelta(seconds=delay), sent_at=sent,
        )  # fmt: skip
    outreach(  # sent two hours ago: outside the window
        creditor, status="sent", window_start=NOW - timedelta(hours=3),
        sent_at=NOW - timedelta(hours=2),
    )  # fmt: skip

    found = samples()

    histogram = "recaudo_outreach_dispatch_latency_seconds"
    bucket = {
        dict(labels)["le"]: value
        for labels, value in named(found, f"{histogram}_bucket").items()
        if ("channel", "whatsapp") in labels
    }
    assert bucket["1.0"] == 0
    assert bucket["5.0"] == 1
    assert bucket["60.0"] == 1
    assert bucket["120.0"] == 2
    assert bucket["3600.0"] == 2
    assert bucket["7200.0"] == 3
    assert bucket["+Inf"] == 3
    assert found[(f"{histogram}_count", (("channel", "whatsapp"),))] == 3
    assert found[(f"{histogram}_sum", (("channel", "whatsapp"),))] == pytest.approx(4104)
    assert found[(f"{histogram}_sum", (("channel", "sms"),))] == pytest.approx(20)


# --- webhooks, payments, the bot, the planner --------------------------------------


def test_webhooks_are_counted_stored_failed_and_waiting_per_provider():
    def stored(model, provider: str, key: str, *, processed: bool, hours_ago: float,
               outcome: str = "") -> None:  # fmt: skip
        field = "dedupe_key" if model is WebhookEvent else "event_id"
        row = model.objects.create(provider=provider, body="{}", **{field: key})
        model.objects.filter(pk=row.pk).update(
            received_at=NOW - timedelta(hours=hours_ago),
            processed_at=NOW if processed else None,
            outcome=outcome,
        )

    stored(WebhookEvent, "whatsapp", "a", processed=True, hours_ago=1)
    stored(WebhookEvent, "whatsapp", "b", processed=False, hours_ago=2, outcome="error: KeyError")
    stored(WebhookEvent, "whatsapp", "w", processed=False, hours_ago=0.1)  # deferred: not tried yet
    stored(WebhookEvent, "twilio", "c", processed=True, hours_ago=3)
    stored(WebhookEvent, "twilio", "d", processed=False, hours_ago=30)  # too long ago for the 24 h
    stored(PaymentWebhookEvent, "stripe", "evt_1", processed=True, hours_ago=1)

    found = samples()

    assert named(found, "recaudo_webhook_requests_stored_last_24h") == {
        (("provider", "whatsapp"),): 3,
        (("provider", "twilio"),): 1,
        (("provider", "stripe"),): 1,
    }
    assert named(found, "recaudo_webhook_requests_failed_last_24h") == {
        (("provider", "whatsapp"),): 1,
        (("provider", "twilio"),): 0,
        (("provider", "stripe"),): 0,
    }
    # Waiting rows are counted whole, however old.
    assert named(found, "recaudo_webhook_requests_waiting") == {
        (("provider", "whatsapp"),): 1,
        (("provider", "twilio"),): 1,
    }


def test_each_worker_heartbeat_age_is_exposed_and_a_dead_worker_keeps_ageing():
    for name, seconds_ago in (("web-1:101", 4), ("web-2:202", 600)):
        WorkerHeartbeat.objects.create(
            name=name, host=name.split(":")[0], pid=int(name.split(":")[1]), lanes=2,
            started_at=NOW - timedelta(hours=1), seen_at=NOW - timedelta(seconds=seconds_ago),
        )  # fmt: skip

    assert named(samples(), "recaudo_worker_heartbeat_age_seconds") == {
        (("worker", "web-1:101"),): 4,
        (("worker", "web-2:202"),): 600,
    }


def test_payments_are_counted_per_creditor_and_known_provider_only():
    creditor = make_creditor()
    debtor = make_debtor(creditor)

    def paid(external_id: str, method: str, hours_ago: float) -> None:
        payment = Payment.objects.create(
            creditor=creditor, debtor=debtor, external_id=external_id,
            amount=Decimal("5000"), currency="COP", paid_at=NOW, method=method,
        )  # fmt: skip
        Payment.objects.filter(pk=payment.pk).update(created_at=NOW - timedelta(hours=hours_ago))

    paid("P1", "stripe", 1)
    paid("P2", "stripe", 2)
    paid("P3", "transferencia Bancolombia", 3)  # free text from an import: not a label
    paid("P4", "", 4)
    paid("P5", "mercadopago", 48)  # too long ago

    found = samples()

    key = str(creditor.pk)
    assert named(found, "recaudo_payments_recorded_last_24h") == {
        (("creditor", key), ("provider", "other")): 2,
        (("creditor", key), ("provider", "stripe")): 2,
    }


def test_bot_answers_are_counted_per_creditor_over_the_last_24_hours():
    creditor = make_creditor()
    thread = Thread.objects.create(creditor=creditor, debtor=make_debtor(creditor))
    for author, hours_ago in (("bot", 1), ("bot", 2), ("debtor", 1), ("agent", 1), ("bot", 26)):
        message = Message.objects.create(
            thread=thread, direction="in" if author == "debtor" else "out", author=author,
            channel="whatsapp", text="hola", occurred_at=NOW,
        )  # fmt: skip
        Message.objects.filter(pk=message.pk).update(created_at=NOW - timedelta(hours=hours_ago))

    found = samples()

    assert named(found, "recaudo_bot_answers_last_24h") == {(("creditor", str(creditor.pk)),): 2}


def test_the_planner_s_last_run_per_creditor_gives_its_duration_and_end():
    creditor = make_creditor()
    for day, seconds in ((date(2026, 11, 23), 50), (date(2026, 11, 24), 12.5)):
        started = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=5)
        PlannerRun.objects.create(
            creditor=creditor, run_on=day, started_at=started,
            finished_at=started + timedelta(seconds=seconds), outreach_created=3,
        )  # fmt: skip

    found = samples()

    key = (("creditor", str(creditor.pk)),)
    assert found[("recaudo_planner_last_run_duration_seconds", key)] == 12.5
    assert found[("recaudo_planner_last_run_timestamp_seconds", key)] == (
        datetime(2026, 11, 24, 5, 0, 12, 500000, tzinfo=UTC).timestamp()
    )


def test_the_view_counts_at_the_present_moment(settings):
    settings.METRICS_TOKEN = TOKEN
    outreach(make_creditor(), window_start=NOW - timedelta(minutes=10))

    with time_machine.travel(NOW, tick=False):
        response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert b"recaudo_outreach_oldest_due_age_seconds 600.0" in response.content


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_the_windowed_counts_can_read_their_partial_indexes_on_postgresql():
    since = NOW - timedelta(hours=24)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = {}
        for column in ("sent_at", "delivered_at", "read_at", "failed_at"):
            query = Outreach.objects.filter(**{f"{column}__gte": since}).values("channel")
            plans[column] = query.explain()
        plans["unknown"] = Outreach.objects.filter(status="unknown").values("channel").explain()

    for column in ("sent_at", "delivered_at", "read_at", "failed_at"):
        assert f"outreach_{column}_idx" in plans[column]
    assert "outreach_unknown_idx" in plans["unknown"]
