"""The dispatcher against a recording channel: what is sent, cancelled, retried, moved."""

from __future__ import annotations

import os
import random
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.contract import OutboundMessage, ProviderResult
from recaudo.outreach.models import Outreach
from recaudo.outreach.planner import plan
from recaudo.payments.actions import settle_payment
from recaudo.portfolio.models import AuditEvent, ChannelConsent, ContactPoint, Debt
from tests.factories import make_debt, make_debtor

DAY = date(2026, 11, 24)  # Tuesday
PLANNED_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
# 10:00 in Bogotá: inside the allowed hours.
SEND_AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


class RecordingChannel:
    """Answers every send with the next queued result (default: accepted)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[OutboundMessage] = []
        self.results: list[ProviderResult] = []
        self.lock = threading.Lock()

    def send(self, message: OutboundMessage) -> ProviderResult:
        with self.lock:
            self.sent.append(message)
            if self.results:
                return self.results.pop(0)
            return ProviderResult("accepted", provider_message_id=f"{self.name}-{len(self.sent)}")


class Channels:
    def __init__(self) -> None:
        self.by_name = {name: RecordingChannel(name) for name in ("whatsapp", "sms", "email")}

    def get(self, name: str) -> RecordingChannel:
        return self.by_name[name]

    def all_sent(self) -> list[OutboundMessage]:
        return [m for channel in self.by_name.values() for m in channel.sent]


@pytest.fixture
def channels():
    return Channels()


@pytest.fixture
def dispatcher(channels):
    worker = Dispatcher(channels=channels, name="test-worker", rng=random.Random(1))
    yield worker
    worker.close()


def _debtor(creditor, *, whatsapp=True):
    debtor = make_debtor(creditor, phone="+573001234567", first_name="Lucía")
    phone = debtor.contact_points.get(kind="phone")
    email = ContactPoint.objects.create(
        debtor=debtor, kind="email", value="lucia@example.com", channels=["email"]
    )
    for point, channel in ((phone, "sms"), (email, "email")) + (
        ((phone, "whatsapp"),) if whatsapp else ()
    ):
        ChannelConsent.objects.create(
            contact_point=point, channel=channel, source="contrato", granted_at=PLANNED_AT
        )
    return debtor


def _planned(creditor, **debtor_options):
    debtor = _debtor(creditor, **debtor_options)
    debt = make_debt(debtor, "150000.00", due_on=DAY + timedelta(days=7))
    plan(DAY, now=PLANNED_AT)
    return debtor, debt, Outreach.objects.get(debtor=debtor)


def test_a_due_contact_is_sent_once_with_its_template_and_payment_link(
    creditor, channels, dispatcher
):
    _debtor, _debt, outreach = _planned(creditor)

    first = dispatcher.run_once(SEND_AT)
    second = dispatcher.run_once(SEND_AT + timedelta(minutes=5))

    outreach.refresh_from_db()
    assert outreach.status == "sent"
    assert outreach.provider_message_id == "whatsapp-1"
    assert outreach.sent_at is not None
    assert first.counts == {"sent:whatsapp": 1}
    assert second.claimed == 0
    [message] = channels.all_sent()
    assert message.to == "+573001234567"
    assert message.idempotency_key == f"outreach-{outreach.pk}-1"
    assert "Lucía" in message.text
    assert "/p/" in message.text
    assert message.template_name  # a WhatsApp template outside the 24-hour window


def test_nothing_is_sent_before_the_window_opens(creditor, channels, dispatcher):
    _debtor, _debt, outreach = _planned(creditor)

    result = dispatcher.run_once(outreach.window_start - timedelta(minutes=1))

    assert result.claimed == 0
    assert channels.all_sent() == []


def test_a_debt_paid_before_sending_cancels_the_contact(creditor, channels, dispatcher):
    _debtor, debt, outreach = _planned(creditor)
    Debt.objects.filter(pk=debt.pk).update(amount_paid=debt.amount, status=Debt.Status.PAID)

    result = dispatcher.run_once(SEND_AT)

    outreach.refresh_from_db()
    assert (outreach.status, outreach.status_reason) == ("cancelled", "nothing_owed")
    assert channels.all_sent() == []
    assert result.counts == {"cancelled:nothing_owed": 1}


def test_a_disputed_debt_is_not_collected(creditor, channels, dispatcher):
    _debtor, debt, outreach = _planned(creditor)
    Debt.objects.filter(pk=debt.pk).update(status=Debt.Status.DISPUTED)

    dispatcher.run_once(SEND_AT)

    outreach.refresh_from_db()
    assert (outreach.status, outreach.status_reason) == ("cancelled", "disputed")
    assert channels.all_sent() == []


def test_the_amount_sent_is_what_is_still_owed_at_the_moment_of_sending(
    creditor, channels, dispatcher
):
    _debtor, debt, outreach = _planned(creditor)
    Debt.objects.filter(pk=debt.pk).update(amount_paid=Decimal("50000.00"))

    dispatcher.run_once(SEND_AT)

    outreach.refresh_from_db()
    assert outreach.amount_due == Decimal("100000.00")
    assert "100.000" in channels.all_sent()[0].text


def test_an_opt_out_after_planning_moves_the_contact_to_the_next_channel(
    creditor, channels, dispatcher
):
    debtor, _debt, outreach = _planned(creditor)
    debtor.contact_points.filter(kind="phone").update(opted_out_at=SEND_AT)

    dispatcher.run_once(SEND_AT)
    outreach.refresh_from_db()
    assert (outreach.status, outreach.channel) == ("planned", "email")
    assert outreach.status_reason == "whatsapp: opted_out"

    dispatcher.run_once(SEND_AT + timedelta(minutes=1))
    outreach.refresh_from_db()
    assert outreach.status == "sent"
    assert [m.channel for m in channels.all_sent()] == ["email"]
    assert channels.all_sent()[0].unsubscribe_url.startswith("http://")


def test_a_contact_claimed_outside_the_allowed_hours_is_postponed_to_the_next_allowed_moment(
    creditor, channels, dispatcher
):
    _debtor, _debt, outreach = _planned(creditor)
    late_evening = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 22:00 in Bogotá

    result = dispatcher.run_once(late_evening)

    outreach.refresh_from_db()
    assert result.counts == {"postponed": 1}
    assert outreach.status == "planned"
    assert outreach.next_attempt_at > late_evening
    assert outreach.attempts == 0
    assert channels.all_sent() == []


def test_a_transient_failure_is_retried_later_with_backoff(creditor, channels, dispatcher):
    _debtor, _debt, outreach = _planned(creditor)
    channels.get("whatsapp").results.append(
        ProviderResult("retry", error_code="130429", error_message="rate limit hit")
    )

    dispatcher.run_once(SEND_AT)
    outreach.refresh_from_db()
    assert (outreach.status, outreach.attempts) == ("planned", 1)
    assert outreach.next_attempt_at >= SEND_AT + timedelta(seconds=15)
    assert dispatcher.run_once(SEND_AT + timedelta(seconds=1)).claimed == 0

    dispatcher.run_once(outreach.next_attempt_at)
    outreach.refresh_from_db()
    assert (outreach.status, outreach.attempts) == ("sent", 2)
    assert len(channels.get("whatsapp").sent) == 2


def test_an_undeliverable_number_is_marked_invalid_and_the_next_channel_is_used(
    creditor, channels, dispatcher
):
    debtor, _debt, outreach = _planned(creditor)
    channels.get("whatsapp").results.append(
        ProviderResult(
            "permanent",
            error_code="131026",
            error_message="Message undeliverable",
            invalidates_contact_point=True,
        )
    )

    dispatcher.run_once(SEND_AT)

    outreach.refresh_from_db()
    phone = debtor.contact_points.get(kind="phone")
    assert phone.invalid_since is not None
    assert (outreach.status, outreach.channel) == ("planned", "email")


def test_a_carrier_opt_out_revokes_the_consent_for_that_channel(creditor, channels, dispatcher):
    debtor, _debt, outreach = _planned(creditor, whatsapp=False)
    channels.get("sms").results.append(
        ProviderResult("permanent", error_code="21610", error_message="unsubscribed recipient")
    )

    dispatcher.run_once(SEND_AT)

    outreach.refresh_from_db()
    consent = ChannelConsent.objects.get(contact_point__debtor=debtor, channel="sms")
    assert consent.revoked_at is not None
    assert outreach.channel == "email"


def test_a_carrier_opt_out_is_audited_as_a_consent_change_by_the_provider(
    creditor, channels, dispatcher
):
    debtor, _debt, outreach = _planned(creditor, whatsapp=False)
    channels.get("sms").results.append(
        ProviderResult("permanent", error_code="21610", error_message="unsubscribed recipient")
    )

    dispatcher.run_once(SEND_AT)

    [event] = AuditEvent.objects.filter(debtor=debtor, kind="consent_changed")
    assert (event.actor, event.data["channel"], event.data["source"], event.data["text"]) == (
        "twilio",
        "sms",
        "provider",
        "21610: unsubscribed recipient",
    )
    assert event.data["contact_point"] == outreach.contact_point_id


def test_a_lost_answer_leaves_the_contact_unknown_and_it_is_never_sent_again(
    creditor, channels, dispatcher
):
    _debtor, _debt, outreach = _planned(creditor)
    channels.get("whatsapp").results.append(ProviderResult("unknown", error_message="read timeout"))

    dispatcher.run_once(SEND_AT)
    dispatcher.run_once(SEND_AT + timedelta(hours=1))

    outreach.refresh_from_db()
    assert outreach.status == "unknown"
    assert len(channels.all_sent()) == 1


def test_a_claim_whose_worker_died_mid_send_becomes_unknown_and_is_not_sent_again(
    creditor, channels, dispatcher
):
    _debtor, _debt, outreach = _planned(creditor)
    Outreach.objects.filter(pk=outreach.pk).update(
        status="sending",
        lease_until=SEND_AT - timedelta(seconds=1),
        claimed_by="dead-worker",
        send_started_at=SEND_AT - timedelta(seconds=30),
    )

    result = dispatcher.run_once(SEND_AT)

    outreach.refresh_from_db()
    assert outreach.status == "unknown"
    assert result.counts["unknown_after_lease"] == 1
    assert channels.all_sent() == []


def test_a_claim_whose_worker_died_before_sending_goes_back_to_the_queue(
    creditor, channels, dispatcher
):
    _debtor, _debt, outreach = _planned(creditor)
    Outreach.objects.filter(pk=outreach.pk).update(
        status="sending", lease_until=SEND_AT - timedelta(seconds=1), claimed_by="dead-worker"
    )

    dispatcher.run_once(SEND_AT)

    outreach.refresh_from_db()
    assert outreach.status == "sent"
    assert len(channels.all_sent()) == 1


def test_a_contact_more_than_a_day_late_is_dropped(creditor, channels, dispatcher):
    _debtor, _debt, outreach = _planned(creditor)

    dispatcher.run_once(outreach.window_end + timedelta(hours=25))

    outreach.refresh_from_db()
    assert (outreach.status, outreach.status_reason) == ("cancelled", "expired")
    assert channels.all_sent() == []


def test_a_second_contact_the_same_day_waits_for_the_rules(creditor, channels, dispatcher):
    debtor = _debtor(creditor)
    make_debt(debtor, due_on=DAY + timedelta(days=7))
    make_debt(debtor, due_on=DAY - timedelta(days=1))
    plan(DAY, now=PLANNED_AT)
    # The planner makes the day's two steps one message (the other step covered by
    # it); two contacts can still be due the same day (a campaign's and a reminder,
    # say): the covered row stands for the second here.
    assert Outreach.objects.filter(debtor=debtor, status="covered").update(
        status="planned", covered_by=None
    ) == 1

    dispatcher.run_once(SEND_AT)

    statuses = sorted(Outreach.objects.filter(debtor=debtor).values_list("status", flat=True))
    assert len(channels.all_sent()) == 1
    assert statuses == ["planned", "sent"]


def test_a_payment_cancels_the_planned_reminders_it_settles_in_its_own_transaction(creditor):
    debtor, debt, outreach = _planned(creditor)

    settle_payment(
        creditor=creditor,
        debtor=debtor,
        external_id="PAY-1",
        amount=debt.amount,
        currency=debt.currency,
        paid_at=SEND_AT,
        actor="test",
    )

    outreach.refresh_from_db()
    assert (outreach.status, outreach.status_reason) == ("cancelled", "paid (PAY-1)")


def test_a_partial_payment_keeps_the_reminder_for_what_is_still_owed(creditor):
    debtor, debt, outreach = _planned(creditor)

    settle_payment(
        creditor=creditor,
        debtor=debtor,
        external_id="PAY-2",
        amount=Decimal("1000.00"),
        currency=debt.currency,
        paid_at=SEND_AT,
        actor="test",
    )

    outreach.refresh_from_db()
    assert outreach.status == "planned"


def test_an_sms_stop_after_planning_is_honoured_in_a_country_without_consent_rules(
    channels, dispatcher
):
    from tests.factories import make_creditor

    creditor = make_creditor(country="MX", default_currency="MXN")
    debtor = make_debtor(
        creditor, phone="+525512345678", country="MX", timezone="America/Mexico_City"
    )
    # A phone without RCS (the default policy tries RCS before SMS).
    debtor.contact_points.filter(kind="phone").update(channels=["whatsapp", "sms", "call"])
    ContactPoint.objects.create(
        debtor=debtor, kind="email", value="mx@example.com", channels=["email"]
    )
    make_debt(debtor, due_on=DAY + timedelta(days=7))
    plan(DAY, now=PLANNED_AT)
    outreach = Outreach.objects.get(debtor=debtor)
    assert outreach.channel == "sms"
    ChannelConsent.objects.create(
        contact_point=outreach.contact_point,
        channel="sms",
        source="STOP",
        granted_at=PLANNED_AT,
        revoked_at=PLANNED_AT,
    )

    dispatcher.run_once(SEND_AT)
    dispatcher.run_once(SEND_AT + timedelta(minutes=1))

    outreach.refresh_from_db()
    assert [m.channel for m in channels.all_sent()] == ["email"]
    assert outreach.status == "sent"


def test_a_promise_made_after_planning_holds_the_reminder_back(creditor, channels, dispatcher):
    from recaudo.payments.models import Promise

    debtor, debt, outreach = _planned(creditor)
    promise = Promise.objects.create(
        creditor=creditor,
        debtor=debtor,
        amount=debt.amount,
        currency=debt.currency,
        promised_on=DAY + timedelta(days=10),
        source="bot",
    )
    promise.debts.add(debt)

    dispatcher.run_once(SEND_AT)

    outreach.refresh_from_db()
    assert (outreach.status, outreach.status_reason) == ("cancelled", "promise_pending")
    assert channels.all_sent() == []


def test_a_batch_gets_each_debtors_live_payment_link_in_one_go(creditor):
    from recaudo.payments.links import payment_token, payment_tokens

    first, second = make_debtor(creditor), make_debtor(creditor)
    existing = payment_token(first.pk)

    tokens = payment_tokens([first.pk, second.pk])

    assert tokens[first.pk] == existing
    assert tokens[second.pk] == payment_token(second.pk)
    assert len(tokens[second.pk]) >= 43


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "postgres" not in os.environ.get("DATABASE_URL", ""),
    reason="the start marker is written on a second PostgreSQL connection",
)
def test_a_row_whose_lease_expired_during_a_slow_batch_is_not_sent(
    creditor, channels, dispatcher, monkeypatch
):
    from django.db import connection

    import recaudo.delivery.dispatcher as module

    _debtor, _debt, outreach = _planned(creditor)
    render = module.build_message

    def slow_render(**kwargs):
        # Meanwhile another worker found the lease expired and took the row back.
        other = connection.get_new_connection(connection.get_connection_params())
        other.autocommit = True
        other.execute(
            "UPDATE outreach_outreach SET status = 'planned', claimed_by = '', "
            "lease_until = NULL WHERE id = %s",
            [outreach.pk],
        )
        other.close()
        return render(**kwargs)

    monkeypatch.setattr(module, "build_message", slow_render)

    result = dispatcher.run_once(SEND_AT)

    outreach.refresh_from_db()
    assert channels.all_sent() == []
    assert result.counts["lease_lost"] == 1
    assert outreach.status == "planned"
