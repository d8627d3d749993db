"""The outgoing webhooks' figures for ``/metrics`` (recaudo/metrics.py reads them at scrape)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Count, Min
from prometheus_client.core import GaugeMetricFamily, Metric

from recaudo.integrations.models import Delivery, Endpoint


def collect(now: datetime) -> Iterator[Metric]:
    deliveries = GaugeMetricFamily(
        "recaudo_event_deliveries",
        "Outgoing webhook deliveries not delivered, by status (failed: given up).",
        labels=["status"],
    )
    open_statuses = [Delivery.Status.PENDING, Delivery.Status.SENDING, Delivery.Status.FAILED]
    counts = dict(
        Delivery.objects.filter(status__in=open_statuses)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for status in open_statuses:
        deliveries.add_metric([status], counts.get(status, 0))
    yield deliveries
    oldest = Delivery.objects.filter(
        status=Delivery.Status.PENDING, next_attempt_at__lte=now, endpoint__active=True
    ).aggregate(first=Min("created_at"))["first"]
    yield GaugeMetricFamily(
        "recaudo_event_oldest_due_seconds",
        "Age of the oldest delivery due to an active endpoint and not yet delivered.",
        value=(now - oldest).total_seconds() if oldest else 0,
    )
    endpoints = GaugeMetricFamily(
        "recaudo_event_endpoints", "Outgoing webhook endpoints by state.", labels=["state"]
    )
    active = dict(Endpoint.objects.values_list("active").annotate(n=Count("id")).order_by())
    endpoints.add_metric(["active"], active.get(True, 0))
    endpoints.add_metric(["disabled"], active.get(False, 0))
    yield endpoints
