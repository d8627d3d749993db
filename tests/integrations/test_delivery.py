"""The deliverer: signed, retried with backoff, in order per debtor, disabled, replayed."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command

from recaudo.conversations.models import AgentProfile
from recaudo.integrations import actions, deliverer
from recaudo.integrations.models import Delivery, Endpoint, Event
from recaudo.portfolio.actions import record_payment
from recaudo.roles import SUPERVISOR, set_role
from tests.factories import make_creditor, make_debtor

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"
T0 = datetime(2026, 11, 20, 15, tzinfo=UTC)


def documented_verify():
    text = DOCS.read_text()
    block = re.search(
        r"verification snippet: begin.*?```python\n(.*?)```", text, flags=re.DOTALL
    ).group(1)
    scope: dict = {}
    exec(compile(block, str(DOCS), "exec"), scope)
    return scope["verify"]


def pay(debtor, number: int) -> None:
    record_payment(
        creditor=debtor.creditor, debtor=debtor, external_id=f"P-{debtor.pk}-{number}",
        amount=Decimal("1000"), currency="COP", paid_at=T0, actor="api:test",
    )  # fmt: skip


def deliver(at: datetime, worker: str = "w1") -> dict[str, int]:
    return deliverer.deliver_batch(worker, now=at)


def test_a_delivered_event_is_signed_so_that_the_documented_snippet_verifies_it(
    endpoint, debtor, receiver
):
    pay(debtor, 1)

    counts = deliver(datetime.now(UTC))

    assert counts == {"delivered": 1}
    [got] = receiver.received
    event = Event.objects.get()
    verify = documented_verify()
    assert verify(receiver.secret, got.headers["Recaudo-Signature"], got.raw)
    assert not verify(receiver.secret, got.headers["Recaudo-Signature"], got.raw + b" ")
    assert not verify("whsec_other", got.headers["Recaudo-Signature"], got.raw)
    assert got.headers["Recaudo-Event-Id"] == str(event.uuid)
    assert got.headers["Recaudo-Event-Type"] == "payment.recorded"
    assert got.body["id"] == str(event.uuid)
    assert got.body["debtor"] == {"external_id": debtor.external_id}
    assert got.body["sequence"] == 1
    assert got.body["data"]["payment"]["external_id"] == f"P-{debtor.pk}-1"
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 204)


def test_a_receiver_that_fails_twice_gets_the_event_a_third_time_after_backoff(
    endpoint, debtor, receiver, settings
):
    settings.WEBHOOKS_OUT_RETRY_BASE_SECONDS = 10
    calls = []

    def answer(body):
        calls.append(body["id"])
        return 503 if len(calls) <= 2 else 200

    receiver.answer = answer
    pay(debtor, 1)
    start = datetime.now(UTC)

    assert deliver(start) == {"retry": 1}
    first = Delivery.objects.get()
    assert start + timedelta(seconds=5) <= first.next_attempt_at <= start + timedelta(seconds=10)
    assert (first.attempts, first.last_status_code) == (1, 503)
    assert first.last_error.startswith("HTTP 503")
    assert deliver(start + timedelta(seconds=4)) == {}  # not due yet
    assert deliver(first.next_attempt_at) == {"retry": 1}
    second = Delivery.objects.get()
    # The second wait is drawn from a doubled ceiling: between 10 and 20 s.
    assert timedelta(seconds=10) <= second.next_attempt_at - first.next_attempt_at
    assert second.next_attempt_at - first.next_attempt_at <= timedelta(seconds=20)
    assert deliver(second.next_attempt_at) == {"delivered": 1}

    done = Delivery.objects.get()
    assert (done.status, done.attempts, done.last_status_code) == ("delivered", 3, 200)
    assert len(set(calls)) == 1 and len(calls) == 3  # the same event, three times


def test_a_refused_connection_is_recorded_and_retried(debtor, settings):
    import socket

    spare = socket.socket()
    spare.bind(("127.0.0.1", 0))
    port = spare.getsockname()[1]
    spare.close()  # nothing listens there now
    actions.create_endpoint(debtor.creditor, name="down", url=f"http://127.0.0.1:{port}/x")
    pay(debtor, 1)

    assert deliver(datetime.now(UTC)) == {"retry": 1}
    delivery = Delivery.objects.get()
    assert delivery.status == "pending"
    assert "ConnectError" in delivery.last_error
    assert delivery.last_status_code is None


def test_order_per_debtor_holds_while_the_receiver_fails_every_third_request(
    endpoint, receiver, settings
):
    settings.WEBHOOKS_OUT_CHAIN = 3
    settings.WEBHOOKS_OUT_BATCH_SIZE = 2
    debtors = [make_debtor(endpoint.creditor) for _ in range(3)]
    for number in range(6):
        for debtor in debtors:
            pay(debtor, number)
    counter = iter(range(10_000))
    lock = threading.Lock()

    def answer(body):
        with lock:
            return 500 if next(counter) % 3 == 2 else 204

    receiver.answer = answer
    at = datetime.now(UTC)
    for _ in range(200):
        if not Delivery.objects.exclude(status="delivered").exists():
            break
        deliver(at)
        at += timedelta(hours=2)  # past any backoff

    assert Delivery.objects.exclude(status="delivered").count() == 0
    for debtor in debtors:
        accepted = [got.sequence for got in receiver.accepted() if got.debtor == debtor.external_id]
        assert accepted == [1, 2, 3, 4, 5, 6]
        attempted = [got.sequence for got in receiver.received if got.debtor == debtor.external_id]
        # Never a later event before an earlier one was accepted.
        highest = 0
        for sequence in attempted:
            assert sequence <= highest + 1
            highest = max(highest, sequence)


def test_an_endpoint_failing_for_too_long_is_disabled_and_its_owners_are_emailed(
    endpoint, debtor, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_OUT_DISABLE_AFTER_FAILURES = 3
    settings.WEBHOOKS_OUT_DISABLE_AFTER_HOURS = 1
    admin = User.objects.create_user("ana", email="ana@example.com", is_staff=True)
    set_role(admin, "admin")
    AgentProfile.objects.create(user=admin, creditor=debtor.creditor)
    supervisor = User.objects.create_user("sol", email="sol@example.com", is_staff=True)
    set_role(supervisor, SUPERVISOR)
    AgentProfile.objects.create(user=supervisor, creditor=debtor.creditor)
    elsewhere = User.objects.create_user("otro", email="otro@example.com", is_staff=True)
    set_role(elsewhere, SUPERVISOR)
    AgentProfile.objects.create(user=elsewhere, creditor=make_creditor())
    agent = User.objects.create_user("agente", email="agente@example.com", is_staff=True)
    AgentProfile.objects.create(user=agent, creditor=debtor.creditor)
    receiver.answer = lambda body: 500
    pay(debtor, 1)
    at = datetime.now(UTC)

    for _ in range(3):
        deliver(at, worker="w1")
        at += timedelta(minutes=20)
    assert Endpoint.objects.get().active  # 3 failures, but over 40 minutes: not yet
    with django_capture_on_commit_callbacks(execute=True):
        deliver(at + timedelta(hours=1))

    endpoint.refresh_from_db()
    assert endpoint.active is False
    assert endpoint.failure_count == 4
    assert "HTTP 500" in endpoint.disabled_reason
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ana@example.com",
        "sol@example.com",
    ]
    assert endpoint.url in mail.outbox[0].body
    # Disabled: nothing is sent any more, the delivery waits.
    before = len(receiver.received)
    assert deliver(at + timedelta(days=1)) == {}
    assert len(receiver.received) == before
    assert Delivery.objects.get().status == "pending"


def test_a_success_resets_the_failure_count(endpoint, debtor, receiver):
    answers = iter([500, 500, 204])
    receiver.answer = lambda body: next(answers)
    pay(debtor, 1)
    at = datetime.now(UTC)
    deliver(at)
    deliver(at + timedelta(hours=1))
    assert Endpoint.objects.get().failure_count == 2

    deliver(at + timedelta(hours=2))

    endpoint.refresh_from_db()
    assert (endpoint.failure_count, endpoint.failing_since, endpoint.active) == (0, None, True)


def test_a_replay_from_a_date_sends_those_events_again_in_order(endpoint, debtor, receiver):
    pay(debtor, 1)
    Event.objects.update(created_at=T0 - timedelta(days=2))
    pay(debtor, 2)
    pay(debtor, 3)
    deliver(datetime.now(UTC))
    assert [got.sequence for got in receiver.received] == [1, 2, 3]

    call_command("events", "replay", "--endpoint", str(endpoint.pk), "--since", "2026-11-19")
    deliver(datetime.now(UTC))

    assert [got.sequence for got in receiver.received] == [1, 2, 3, 2, 3]
    assert receiver.received[3].event_id == receiver.received[1].event_id


def test_a_replay_includes_events_made_before_the_endpoint_existed(debtor, receiver):
    Endpoint.objects.create(creditor=debtor.creditor, name="old", url=receiver.url, secret="s1")
    pay(debtor, 1)
    made, secret = actions.create_endpoint(debtor.creditor, name="new", url=receiver.url)
    receiver.secret = secret

    assert actions.replay(made.pk, since=T0 - timedelta(days=30)) == 1
    deliver(datetime.now(UTC))
    assert [(got.sequence, got.signed) for got in receiver.received if got.signed] == [(1, True)]


def test_the_replay_command_names_a_missing_endpoint(db):
    with pytest.raises(CommandError, match="--endpoint: no endpoint 999"):
        call_command("events", "replay", "--endpoint", "999", "--since", "2026-11-01")
    with pytest.raises(CommandError, match="--since: 'ayer' is not an ISO"):
        Endpoint.objects.create(creditor=make_creditor(), name="x", url="http://x", secret="s")
        call_command(
            "events", "replay", "--endpoint", str(Endpoint.objects.get().pk), "--since", "ayer"
        )


def test_a_claim_left_by_a_dead_worker_is_sent_again_after_its_lease(
    endpoint, debtor, receiver, settings
):
    pay(debtor, 1)
    at = datetime.now(UTC)
    chains = deliverer.claim("dead", now=at, limit=10, chain=5)
    assert [[item.sequence for item in chain] for chain in chains] == [[1]]

    assert deliver(at, worker="alive") == {}  # still leased
    later = at + timedelta(seconds=settings.WEBHOOKS_OUT_LEASE_SECONDS + 1)
    assert deliver(later, worker="alive") == {"delivered": 1}
    assert len(receiver.received) == 1


def test_the_worker_delivers_between_its_batches(endpoint, debtor, receiver):
    from recaudo.operations.loops import run_between_batches

    pay(debtor, 1)

    # What ``recaudo worker`` calls between its dispatch batches (integrations/apps.py).
    run_between_batches(datetime.now(UTC))

    assert [got.sequence for got in receiver.accepted()] == [1]


def test_an_endpoint_needs_https_unless_allowed(debtor, settings):
    settings.WEBHOOKS_OUT_ALLOW_HTTP = False
    with pytest.raises(actions.EndpointError, match="url: use https"):
        actions.create_endpoint(debtor.creditor, name="x", url="http://erp.example/hook")
    with pytest.raises(actions.EndpointError, match="event_types: unknown type"):
        actions.create_endpoint(
            debtor.creditor, name="x", url="https://erp.example/hook", event_types=["nope"]
        )
    assert Endpoint.objects.count() == 0


def test_metrics_show_the_queue_and_the_disabled_endpoints(endpoint, debtor, receiver):
    from recaudo.metrics import render

    pay(debtor, 1)
    Endpoint.objects.create(
        creditor=debtor.creditor, name="off", url=receiver.url, secret="s", active=False
    )

    text = render(datetime.now(UTC) + timedelta(seconds=30)).decode()

    assert 'recaudo_event_deliveries{status="pending"} 1.0' in text
    assert 'recaudo_event_endpoints{state="disabled"} 1.0' in text
    assert 'recaudo_event_endpoints{state="active"} 1.0' in text
    oldest = re.search(r"^recaudo_event_oldest_due_seconds ([0-9.]+)$", text, re.MULTILINE)
    assert 29 <= float(oldest.group(1)) <= 40
