"""Events out are kept ``EVENTS_RETENTION_DAYS`` once delivered, never removed while owed,
and an erasure blanks what they carried (docs/integrations.md#retention-and-erasure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from recaudo.integrations.models import Delivery, Event
from recaudo.portfolio.actions import record_payment
from recaudo.privacy.archive import run
from recaudo.privacy.erase import erase
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def _pay(debtor, external_id: str) -> Event:
    record_payment(
        creditor=debtor.creditor, debtor=debtor, external_id=external_id,
        amount=Decimal("1000"), currency="COP", paid_at=datetime(2026, 11, 20, 15, tzinfo=UTC),
        actor="api:test",
    )  # fmt: skip
    return Event.objects.filter(debtor=debtor).order_by("-sequence").first()


def _aged(event: Event, days: int, status: str) -> None:
    Event.objects.filter(pk=event.pk).update(created_at=NOW - timedelta(days=days))
    Delivery.objects.filter(event=event).update(status=status)


def test_the_archive_removes_delivered_events_past_retention_and_keeps_every_owed_one(
    endpoint, debtor, settings
):
    settings.EVENTS_RETENTION_DAYS = 90
    old_delivered = _pay(debtor, "P-1")
    old_failed = _pay(debtor, "P-2")
    old_pending = _pay(debtor, "P-3")
    young_delivered = _pay(debtor, "P-4")
    _aged(old_delivered, 91, "delivered")
    _aged(old_failed, 200, "failed")
    _aged(old_pending, 120, "pending")
    _aged(young_delivered, 89, "delivered")

    dry = run(now=NOW, months=6, batch_size=1, dry_run=True)
    assert Event.objects.count() == 4
    report = run(now=NOW, months=6, batch_size=1)
    again = run(now=NOW, months=6, batch_size=1)

    assert (dry.purged["event"], report.purged["event"], again.purged["event"]) == (1, 1, 0)
    assert sorted(Event.objects.values_list("pk", flat=True)) == sorted(
        [old_failed.pk, old_pending.pk, young_delivered.pk]
    )
    assert not Delivery.objects.filter(event_id=old_delivered.pk).exists()
    assert Delivery.objects.count() == 3


def test_an_event_no_endpoint_wanted_goes_after_retention_too(endpoint, debtor, settings):
    settings.EVENTS_RETENTION_DAYS = 30
    event = _pay(debtor, "P-1")
    Delivery.objects.filter(event=event).delete()
    Event.objects.filter(pk=event.pk).update(created_at=NOW - timedelta(days=31))

    run(now=NOW, months=6, batch_size=100)

    assert not Event.objects.filter(pk=event.pk).exists()


def test_the_archive_command_says_how_many_events_went(endpoint, debtor, settings, capsys):
    settings.EVENTS_RETENTION_DAYS = 90
    _aged(_pay(debtor, "P-1"), 100, "delivered")

    call_command("archive")

    assert "event: 1 " in capsys.readouterr().out
    assert Event.objects.count() == 0


def test_erasure_blanks_the_debtors_event_payloads_and_their_delivery_answers(endpoint, debtor):
    event = _pay(debtor, "P-1")
    Delivery.objects.filter(event=event).update(
        status="failed", last_status_code=500, last_error='HTTP 500: {"debtor": "Camila Rojas"}'
    )
    neighbour = make_debtor(debtor.creditor, phone="+573009999999")
    make_debt(neighbour, "5000.00", due_on=date(2026, 10, 15))
    kept = _pay(neighbour, "P-N")

    result = erase(debtor, reason="titular", actor="cli:x", now=NOW, force=True)

    event.refresh_from_db()
    delivery = Delivery.objects.get(event=event)
    assert event.payload == {}
    assert event.debtor_external_id == result.reference
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (
        "failed",
        500,
        "",
    )
    assert result.counts["events_blanked"] == 1
    assert result.counts["event_deliveries_blanked"] == 1
    kept.refresh_from_db()
    assert kept.payload["payment"]["external_id"] == "P-N"
    assert kept.debtor_external_id == neighbour.external_id
