"""Notices the debtor triggered are not collection contacts; answers to a debtor who wrote go out.

Issue 15, "Notices and replies": a thank-you waited a week behind the caps,
and the bot's answer to a debtor without a consent on file ended
``failed: no_consent``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from recaudo.compliance.packs import PACK_COUNTRIES, get_pack
from recaudo.compliance.rules import PastContact, check_contact
from recaudo.outreach.history import debtor_history
from recaudo.outreach.models import Outreach, OutreachDebt
from recaudo.outreach.notify import notify, queue_reply
from recaudo.outreach.settle import cancel_settled
from recaudo.portfolio.models import ChannelConsent
from tests.dispatching import dispatch_and_record as _run
from tests.factories import make_debt, make_debtor

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá, a Tuesday
BOGOTA = "America/Bogota"


# --- the rule, without a database ---------------------------------------------------


def test_every_country_pack_states_with_its_source_whether_notices_count_toward_the_caps():
    for country in (*PACK_COUNTRIES, "UY"):
        pack = get_pack(country)
        assert pack.notices_source is not None, country
        assert pack.notices_source.law and pack.notices_source.article, country
        assert pack.notices_counted is False, country


def test_a_receipt_may_go_out_right_after_a_reminder_that_used_up_the_day():
    pack = get_pack("CO")  # at most one contact a day, one channel a week
    reminder = PastContact("whatsapp", NOW - timedelta(hours=2))

    receipt = check_contact(
        pack, timezone=BOGOTA, channel="sms", at=NOW, history=[reminder], notice=True
    )
    another_reminder = check_contact(
        pack, timezone=BOGOTA, channel="whatsapp", at=NOW, history=[reminder]
    )

    assert (receipt.allowed, receipt.reasons) == (True, ())
    assert another_reminder.allowed is False
    assert "daily_cap" in another_reminder.reasons


def test_a_notice_still_waits_for_the_hours_the_country_allows():
    late = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 22:00 in Bogotá

    decision = check_contact(get_pack("CO"), timezone=BOGOTA, channel="whatsapp", at=late,
                             notice=True)  # fmt: skip

    assert decision.allowed is False
    assert decision.reasons == ("outside_hours",)
    assert decision.next_allowed_at == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 07:00


def test_a_notice_sent_earlier_does_not_use_up_the_collection_contacts_of_the_day():
    receipt = PastContact("whatsapp", NOW - timedelta(hours=1), notice=True)

    decision = check_contact(
        get_pack("CO"), timezone=BOGOTA, channel="whatsapp", at=NOW, history=[receipt]
    )

    assert decision.allowed is True


def test_where_a_pack_counts_notices_they_wait_behind_the_caps_like_any_contact():
    pack = replace(get_pack("CO"), notices_counted=True)
    reminder = PastContact("whatsapp", NOW - timedelta(hours=2))

    decision = check_contact(
        pack, timezone=BOGOTA, channel="whatsapp", at=NOW, history=[reminder], notice=True
    )

    assert decision.allowed is False
    assert "daily_cap" in decision.reasons


# --- notices in the outbox ------------------------------------------------------------


def _consented(creditor, channel="whatsapp"):
    debtor = make_debtor(creditor, phone="+573001234567", first_name="Lucía")
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel=channel,
        source="contrato",
        granted_at=NOW - timedelta(days=30),
    )
    return debtor


def _sent_reminder(debtor, at):
    return Outreach.objects.create(
        creditor_id=debtor.creditor_id,
        debtor=debtor,
        anchor_due_on=at.date(),
        planned_on=at.date(),
        action=Outreach.Action.MESSAGE,
        channel="whatsapp",
        contact_point=debtor.contact_points.get(),
        template_key="overdue_early",
        tone="early",
        language="es",
        currency="COP",
        amount_due=Decimal("150000"),
        window_start=at,
        window_end=at + timedelta(hours=8),
        status=Outreach.Status.SENT,
        sent_at=at,
    )


@pytest.mark.django_db
def test_a_receipt_after_a_reminder_the_same_morning_is_placed_and_sent_within_minutes(creditor):
    debtor = _consented(creditor)
    make_debt(debtor, "150000.00")
    _sent_reminder(debtor, NOW - timedelta(hours=2))

    receipt = {"paid_amount": "150000", "paid_on": "2026-11-24", "payment_reference": "P-1",
               "remaining_balance": "0", "currency": "COP"}  # fmt: skip
    notice = notify(debtor, "payment_thanks", key="thanks:1", context=receipt, now=NOW)

    assert notice is not None
    assert notice.window_start == NOW
    sent = _run(NOW + timedelta(minutes=1))
    notice.refresh_from_db()
    assert notice.status == "sent"
    assert len(sent) == 1


@pytest.mark.django_db
def test_the_outbox_history_marks_notices_and_replies_as_triggered_by_the_debtor(creditor):
    debtor = _consented(creditor)
    _sent_reminder(debtor, NOW - timedelta(hours=3))
    notify(debtor, "payment_thanks", key="thanks:2", now=NOW - timedelta(hours=2))
    queue_reply(debtor, channel="whatsapp", contact_point=debtor.contact_points.get(),
                text="Hola", key="reply:1", now=NOW - timedelta(hours=1))  # fmt: skip

    history = debtor_history(debtor.pk, NOW, placing=True)

    assert sorted(past.notice for past in history) == [False, True, True]


# --- answers to a debtor who wrote first --------------------------------------------------


@pytest.mark.django_db
def test_an_answer_to_a_debtor_who_wrote_first_is_delivered_without_a_consent_on_file(creditor):
    debtor = make_debtor(creditor, phone="+573001234567")  # no consent: Colombia requires one
    point = debtor.contact_points.get()

    reply = queue_reply(debtor, channel="sms", contact_point=point, text="Tu saldo es $150.000.",
                        key="reply:sms-1", now=NOW, opened_at=NOW)  # fmt: skip
    sent = _run(NOW + timedelta(seconds=5))

    reply.refresh_from_db()
    assert (reply.status, reply.status_reason) == ("sent", "")
    assert [message.text for message in sent] == ["Tu saldo es $150.000."]
    assert reply.notice_context["answer_until"] == (NOW + timedelta(hours=24)).isoformat()


@pytest.mark.django_db
def test_an_answer_after_the_window_the_debtor_opened_needs_a_consent_again(creditor):
    debtor = make_debtor(creditor, phone="+573001234567")
    point = debtor.contact_points.get()
    wrote = NOW - timedelta(hours=30)  # more than WhatsApp's 24 hours ago

    reply = queue_reply(debtor, channel="whatsapp", contact_point=point, text="Hola",
                        key="agent:1", now=NOW, opened_at=wrote)  # fmt: skip
    sent = _run(NOW + timedelta(seconds=5))

    reply.refresh_from_db()
    assert reply.status == "failed"
    assert "no_consent" in reply.status_reason
    assert sent == []


@pytest.mark.django_db
def test_an_opt_out_still_stops_an_answer_the_debtor_would_otherwise_have_opened(creditor):
    debtor = make_debtor(creditor, phone="+573001234567")
    point = debtor.contact_points.get()
    reply = queue_reply(debtor, channel="whatsapp", contact_point=point, text="Hola",
                        key="reply:3", now=NOW, opened_at=NOW)  # fmt: skip
    point.opted_out_at = NOW
    point.save()

    sent = _run(NOW + timedelta(seconds=5))

    reply.refresh_from_db()
    assert reply.status == "failed"
    assert sent == []


@pytest.mark.django_db
def test_a_notice_that_asks_for_money_is_a_collection_attempt_and_waits_behind_the_caps(
    creditor,
):
    debtor = _consented(creditor)
    make_debt(debtor, "150000.00")
    _sent_reminder(debtor, NOW - timedelta(hours=2))

    broken = notify(debtor, "promise_broken", key="promise-broken:1", now=NOW)

    assert broken is not None
    assert broken.window_start.date() > NOW.date()  # Colombia: one contact a day
    [past] = [p for p in debtor_history(debtor.pk, NOW + timedelta(days=1), placing=True)
              if p.channel == broken.channel and p.at == broken.window_start]  # fmt: skip
    assert past.notice is False


# --- what a payment cancels: stale reminders, never a thank-you or an answer ------------


@pytest.mark.django_db
def test_a_second_payment_does_not_cancel_a_thank_you_or_an_answer_still_waiting(creditor):
    debtor = _consented(creditor)
    debt = make_debt(debtor, "150000.00")
    late = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 22:00 in Bogotá: the notice waits
    thanks = notify(debtor, "payment_thanks", key="thanks:first", now=late)
    answer = queue_reply(debtor, channel="whatsapp", contact_point=debtor.contact_points.get(),
                         text="Gracias, recibimos su pago.", key="reply:p", now=late)  # fmt: skip
    assert thanks is not None and thanks.status == "planned"

    debt.amount_paid = debt.amount
    debt.status = "paid"
    debt.save()
    cancelled = cancel_settled(debtor.pk, "paid (P-2)")

    thanks.refresh_from_db()
    answer.refresh_from_db()
    assert cancelled == 0
    assert (thanks.status, answer.status) == ("planned", "planned")


@pytest.mark.django_db
def test_a_promise_reminder_is_about_the_promised_debts_and_a_payment_cancels_it(creditor):
    debtor = _consented(creditor)
    promised, other = make_debt(debtor, "150000.00"), make_debt(debtor, "90000.00")
    reminder = notify(debtor, "promise_reminder", key="promise-reminder:7", now=NOW,
                      context={"promise_date": "2026-11-25", "promise_amount": "150000"},
                      debts=[promised])  # fmt: skip
    assert reminder is not None
    assert list(OutreachDebt.objects.filter(outreach=reminder).values_list("debt", flat=True)) == [
        promised.pk
    ]

    cancel_settled(debtor.pk, "paid (P-3)")  # a payment on the other debt: stale all the same

    reminder.refresh_from_db()
    other.refresh_from_db()
    assert (reminder.status, reminder.status_reason) == ("cancelled", "paid (P-3)")


@pytest.mark.django_db
def test_a_promise_reminder_whose_debt_was_paid_by_import_is_held_back_at_sending(creditor):
    # An imported payment cancels nothing itself: the dispatcher's re-check must see it.
    debtor = _consented(creditor)
    promised = make_debt(debtor, "150000.00")
    reminder = notify(debtor, "promise_reminder", key="promise-reminder:8", now=NOW,
                      context={"promise_date": "2026-11-25", "promise_amount": "150000"},
                      debts=[promised])  # fmt: skip
    assert reminder is not None
    promised.amount_paid = promised.amount
    promised.status = "paid"
    promised.save()

    sent = _run(NOW + timedelta(minutes=1))

    reminder.refresh_from_db()
    assert sent == []
    assert (reminder.status, reminder.status_reason) == ("cancelled", "nothing_owed")


@pytest.mark.django_db
def test_a_promise_reminder_goes_while_the_promised_debt_is_still_owed(creditor):
    debtor = _consented(creditor)
    promised = make_debt(debtor, "150000.00")
    reminder = notify(debtor, "promise_reminder", key="promise-reminder:9", now=NOW,
                      context={"promise_date": "2026-11-25", "promise_amount": "150000"},
                      debts=[promised])  # fmt: skip
    assert reminder is not None

    sent = _run(NOW + timedelta(minutes=1))

    reminder.refresh_from_db()
    assert reminder.status == "sent"
    assert len(sent) == 1
