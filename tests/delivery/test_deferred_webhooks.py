"""WEBHOOK_PROCESSING=deferred: the request stores and answers; ``recaudo worker`` applies."""

from __future__ import annotations

import pytest
from django.urls import reverse

from recaudo.delivery import provider_events as events
from recaudo.outreach.models import Outreach, WebhookEvent
from tests.delivery.test_provider_events import make_outreach
from tests.delivery.test_webhooks import post_whatsapp, wa_status, whatsapp_body
from tests.helpers import run_recaudo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _deferred(settings):
    settings.WEBHOOK_PROCESSING = "deferred"


def test_a_signed_status_is_stored_and_answered_without_touching_the_outbox(client):
    outreach = make_outreach()

    response = post_whatsapp(client, whatsapp_body(wa_status("delivered", seconds=60)))

    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert (stored.processed_at, stored.outcome) == (None, "")
    assert Outreach.objects.get(pk=outreach.pk).status == "sent"


def test_an_unsigned_webhook_is_still_refused_before_anything_is_stored(client):
    response = post_whatsapp(client, whatsapp_body(wa_status("delivered")), signature="sha256=00")

    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()


def test_the_pending_webhooks_are_applied_once_in_the_order_received(client):
    outreach = make_outreach()
    delivered = whatsapp_body(wa_status("delivered", seconds=60))
    post_whatsapp(client, delivered)
    post_whatsapp(client, whatsapp_body(wa_status("read", seconds=120)))
    post_whatsapp(client, delivered)  # a repeated delivery

    assert events.process_pending() == 2
    assert events.process_pending() == 0

    outreach.refresh_from_db()
    assert outreach.status == "read"
    outcomes = list(WebhookEvent.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == [
        f"outreach {outreach.pk}: sent -> delivered",
        f"outreach {outreach.pk}: delivered -> read",
    ]


def test_a_failed_one_keeps_its_error_until_the_provider_delivers_it_again(client, monkeypatch):
    outreach = make_outreach()
    body = whatsapp_body(wa_status("delivered", seconds=60))
    post_whatsapp(client, body)

    def outage(*args, **kwargs):
        raise ConnectionError("database went away")

    monkeypatch.setattr(events, "process_events", outage)
    assert events.process_pending() == 1
    monkeypatch.undo()

    stored = WebhookEvent.objects.get()
    assert stored.processed_at is None
    assert stored.outcome == "error: ConnectionError: database went away"
    assert events.process_pending() == 0  # not retried in a loop

    post_whatsapp(client, body)  # Meta's retry
    assert events.process_pending() == 1
    outreach.refresh_from_db()
    assert outreach.status == "delivered"


@pytest.mark.django_db(transaction=True)
def test_the_worker_applies_pending_webhooks_between_its_batches(client, monkeypatch):
    outreach = make_outreach()
    post_whatsapp(client, whatsapp_body(wa_status("delivered", seconds=60)))
    monkeypatch.setenv("WEBHOOK_PROCESSING", "deferred")

    worker = run_recaudo("worker", "--once", "--no-planning", "--skip-checks")

    assert worker.returncode == 0, worker.stderr
    outreach.refresh_from_db()
    assert outreach.status == "delivered"
    assert WebhookEvent.objects.get().processed_at is not None


def test_staff_find_a_failed_webhook_in_the_admin_and_process_it_again_once_fixed(
    client, admin_client, monkeypatch
):
    outreach = make_outreach()
    post_whatsapp(client, whatsapp_body(wa_status("delivered", seconds=60)))
    post_whatsapp(client, whatsapp_body(wa_status("read", "wamid.other", seconds=60)))
    monkeypatch.setattr(events, "process_events", lambda *a, **k: 1 / 0)
    events.process_pending()
    monkeypatch.undo()
    post_whatsapp(client, whatsapp_body(wa_status("read", seconds=90)))  # not tried yet
    url = reverse("admin:outreach_webhookevent_changelist")

    failed_page = admin_client.get(url, {"estado": "failed"}).content.decode()
    waiting_page = admin_client.get(url, {"estado": "waiting"}).content.decode()

    assert failed_page.count("error: ZeroDivisionError") == 2
    assert "error:" not in waiting_page
    assert "1 webhook recibido" in waiting_page

    # The cause is fixed: staff select every failed row and process them again.
    failed = WebhookEvent.objects.exclude(outcome="").values_list("pk", flat=True)
    response = admin_client.post(
        url,
        {"action": "process_again", "_selected_action": [str(pk) for pk in failed]},
        follow=True,
    )

    assert "2 webhooks procesados; 0 siguen fallando." in response.content.decode()
    outreach.refresh_from_db()
    assert outreach.status == "delivered"
    assert WebhookEvent.objects.filter(processed_at__isnull=True).exclude(outcome="").count() == 0
    assert WebhookEvent.objects.filter(processed_at__isnull=True, outcome="").count() == 1
