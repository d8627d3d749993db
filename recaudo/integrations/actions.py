"""State changes of the outgoing webhooks, one transaction each."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from recaudo.integrations import rules
from recaudo.integrations.models import Delivery, Endpoint, Event
from recaudo.portfolio.models import Creditor
from recaudo.portfolio.outbound import EventType


class EndpointError(ValueError):
    """Bad input for an endpoint, naming the field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_types(event_types: list[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(EventType.ALL))
    if unknown:
        raise EndpointError("event_types", f"unknown type(s): {', '.join(unknown)}")
    return sorted(set(event_types))


def create_endpoint(
    creditor: Creditor, *, name: str, url: str, event_types: list[str] | None = None
) -> tuple[Endpoint, str]:
    """A new active endpoint and its secret (shown to the user once)."""
    problem = rules.url_problem(url, allow_http=settings.WEBHOOKS_OUT_ALLOW_HTTP)
    if problem:
        raise EndpointError("url", problem)
    if not name.strip():
        raise EndpointError("name", "give the endpoint a name")
    secret = rules.new_secret()
    endpoint = Endpoint.objects.create(
        creditor=creditor,
        name=name.strip()[:100],
        url=url.strip(),
        secret=secret,
        event_types=check_types(event_types or []),
    )
    return endpoint, secret


def enable(endpoint_id: int) -> None:
    """Active again, its failure count cleared; what queued while disabled is sent."""
    Endpoint.objects.filter(pk=endpoint_id).update(
        active=True, failure_count=0, failing_since=None, disabled_at=None, disabled_reason=""
    )


def disable(endpoint_id: int, *, reason: str) -> None:
    Endpoint.objects.filter(pk=endpoint_id).update(
        active=False, disabled_at=timezone.now(), disabled_reason=reason[:300]
    )


def replay(endpoint_id: int, *, since: datetime, until: datetime | None = None) -> int:
    """Send again every event of the endpoint's creditor from ``since`` (to ``until``).

    Delivered or given-up deliveries go back to pending, their attempts
    reset; events the endpoint never had (made before it, or while it was
    disabled) get a delivery. Deliveries pending or on their way are left as
    they are. Returns how many will be sent.
    """
    now = timezone.now()
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
        events = Event.objects.filter(creditor_id=endpoint.creditor_id, created_at__gte=since)
        if until is not None:
            events = events.filter(created_at__lt=until)
        if endpoint.event_types:
            events = events.filter(type__in=endpoint.event_types)
        again = Delivery.objects.filter(
            endpoint=endpoint,
            event__in=events,
            status__in=[Delivery.Status.DELIVERED, Delivery.Status.FAILED],
        ).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now, delivered_at=None,
            last_error="", updated_at=now,
        )  # fmt: skip
        missing = events.exclude(deliveries__endpoint=endpoint).values_list(
            "pk", "debtor_id", "sequence"
        )
        new = Delivery.objects.bulk_create(
            [
                Delivery(
                    event_id=pk,
                    endpoint=endpoint,
                    debtor_id=debtor_id,
                    sequence=sequence,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
                for pk, debtor_id, sequence in missing.iterator()
            ],
            batch_size=1000,
        )
        return again + len(new)
