"""The gate before each request, the lease kept while a batch sends, and short debtor locks."""

from __future__ import annotations

import os
import random
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection

from recaudo.delivery import crashpoints
from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.contract import OutboundMessage, ProviderResult
from recaudo.outreach.models import Outreach
from recaudo.outreach.planner import plan
from recaudo.portfolio.actions import record_payment
from recaudo.portfolio.models import ChannelConsent, Debt
from tests.delivery.test_dispatcher import DAY, PLANNED_AT, SEND_AT, Channels, RecordingChannel
from tests.factories import make_debt, make_debtor

only_postgres = pytest.mark.skipif(
    "postgres" not in os.environ.get("DATABASE_URL", ""),
    reason="the gate's own connection sees only committed rows: PostgreSQL, real transactions",
)


def _debtors(creditor, count: int) -> list:
    debtors = []
    for number in range(count):
        debtor = make_debtor(creditor, phone=f"+5730012345{number:02d}", first_name="Lucía")
        ChannelConsent.objects.create(
            contact_point=debtor.contact_points.get(kind="phone"),
            channel="whatsapp",
            source="contrato",
            granted_at=PLANNED_AT,
        )
        make_debt(debtor, "150000.00", due_on=DAY + timedelta(days=7))
        debtors.append(debtor)
    plan(DAY, now=PLANNED_AT)
    return debtors


def _pay_in_full(debtor) -> None:
    debt = Debt.objects.get(debtor=debtor)
    record_payment(
        creditor=debtor.creditor,
        debtor=debtor,
        external_id=f"PAY-{debt.pk}",
        amount=debt.amount,
        currency=debt.currency,
        paid_at=SEND_AT,
        actor="test",
    )


@pytest.mark.django_db
def test_a_debtor_who_pays_between_the_decision_and_the_send_is_decided_again_and_not_sent(
    creditor, monkeypatch
):
    first, second = _debtors(creditor, 2)
    reached = crashpoints.reached

    def pay_after_deciding(point: str) -> None:
        if point == "decided":
            _pay_in_full(second)
        reached(point)

    monkeypatch.setattr(crashpoints, "reached", pay_after_deciding)
    channels = Channels()
    dispatcher = Dispatcher(channels=channels, name="w", rng=random.Random(1))
    try:
        result = dispatcher.run_once(SEND_AT)
        again = dispatcher.run_once(SEND_AT + timedelta(minutes=1))
    finally:
        dispatcher.close()

    assert [m.to for m in channels.all_sent()] == [first.contact_points.get().value]
    assert result.counts == {"sent:whatsapp": 1, "decided_again": 1}
    # The next batch decided afresh: paid, so cancelled; never an attempt at the provider.
    assert again.counts == {"cancelled:nothing_owed": 1}
    row = Outreach.objects.get(debtor=second)
    assert row.status == "cancelled"
    assert row.send_started_at is None


class SlowChannel(RecordingChannel):
    def __init__(self, name: str, seconds: float) -> None:
        super().__init__(name)
        self.seconds = seconds

    def send(self, message: OutboundMessage) -> ProviderResult:
        time.sleep(self.seconds)
        return super().send(message)


class SlowChannels(Channels):
    def __init__(self, seconds: float) -> None:
        self.by_name = {
            name: SlowChannel(name, seconds) for name in ("whatsapp", "sms", "email")
        }


def _run_in_thread(dispatcher: Dispatcher, now, results: list) -> threading.Thread:
    def run() -> None:
        try:
            results.append(dispatcher.run_once(now))
        finally:
            dispatcher.close()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_a_payment_waits_milliseconds_not_a_whole_batch_and_its_contact_is_not_sent(
    creditor, settings
):
    settings.DISPATCH_SEND_THREADS = 1  # one request after the other, 1 s each
    debtors = _debtors(creditor, 4)
    channels = SlowChannels(1.0)
    results: list = []
    thread = _run_in_thread(Dispatcher(channels=channels, name="slow"), SEND_AT, results)
    deadline = time.monotonic() + 20
    while not Outreach.objects.filter(send_started_at__isnull=False).exists():
        assert time.monotonic() < deadline
        time.sleep(0.02)

    started = time.monotonic()
    _pay_in_full(debtors[-1])
    waited = time.monotonic() - started
    thread.join(timeout=30)

    assert waited < 0.5, waited  # the batch keeps sending for about 3 s more
    sent_to = {m.to for m in channels.all_sent()}
    assert debtors[-1].contact_points.get().value not in sent_to
    assert len(sent_to) == 3
    assert results[0].counts["decided_again"] == 1


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_batch_keeps_its_lease_so_no_other_worker_takes_its_rows(creditor, settings):
    settings.DISPATCH_SEND_THREADS = 1
    _debtors(creditor, 4)
    channels = SlowChannels(1.0)
    results: list = []
    # A 3-second lease; the batch sends for about 4 s.
    slow = Dispatcher(channels=channels, name="slow", lease_seconds=3)
    thread = _run_in_thread(slow, SEND_AT, results)
    time.sleep(3.5)
    other = Dispatcher(channels=Channels(), name="other")
    try:
        taken = other.expire_leases(SEND_AT + timedelta(seconds=3.5))
    finally:
        other.close()
    thread.join(timeout=30)

    assert taken == 0
    assert results[0].counts == {"sent:whatsapp": 4}
    assert set(Outreach.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_the_outbox_keeps_the_exact_text_and_template_version_that_left(creditor):
    from recaudo.policies.models import Template

    [debtor] = _debtors(creditor, 1)
    channels = Channels()
    dispatcher = Dispatcher(channels=channels, name="w", rng=random.Random(1))
    try:
        dispatcher.run_once(SEND_AT)
    finally:
        dispatcher.close()

    [message] = channels.all_sent()
    row = Outreach.objects.get(debtor=debtor)
    template = Template.objects.get(
        key=row.template_key, channel="whatsapp", language="es", creditor=None, register=""
    )
    assert row.sent_text == message.text
    assert "Lucía" in row.sent_text and "/p/" in row.sent_text
    assert row.template_version == f"{template.pk} v{template.version}"


@pytest.mark.django_db
def test_each_save_of_a_template_raises_its_version():
    from recaudo.policies.models import Template

    template = Template.objects.filter(creditor=None).first()
    before = template.version
    template.body = template.body + " "
    template.save()
    template.save()

    template.refresh_from_db()
    assert template.version == before + 2
