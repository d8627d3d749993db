"""Applying provider events to the outbox, without HTTP (recaudo.delivery.provider_events)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from recaudo.delivery import provider_events as events
from recaudo.outreach.contract import Event, PayloadError
from recaudo.outreach.models import Outreach, WebhookEvent
from recaudo.outreach.planner import plan
from recaudo.portfolio.models import ChannelConsent, ContactPoint
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 24)  # a Tuesday, no holiday in Colombia
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SENT_AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
PHONE = "+573001234567"


# --- builders (also used by test_webhooks.py) -------------------------------


def make_contactable_debtor(creditor, *, whatsapp=True, phone=PHONE, rcs=False):
    """A debtor with a phone (SMS, calls, WhatsApp and RCS if asked) and an email, all consented.

    The default policies try RCS before SMS; a phone carries it here only when
    asked, so these tests see SMS behave as on a phone without RCS.
    """
    debtor = make_debtor(creditor, phone=phone)
    point = debtor.contact_points.get(kind="phone")
    if not rcs:
        point.channels = [channel for channel in point.channels if channel != "rcs"]
        point.save(update_fields=["channels"])
    email = ContactPoint.objects.create(
        debtor=debtor,
        kind="email",
        value=f"{debtor.external_id.lower()}@example.com",
        channels=["email"],
    )
    channels = ["sms", "rcs", "call"] + (["whatsapp"] if whatsapp else [])
    for channel in channels:
        ChannelConsent.objects.create(
            contact_point=point, channel=channel, source="contrato", granted_at=NOW
        )
    ChannelConsent.objects.create(
        contact_point=email, channel="email", source="contrato", granted_at=NOW
    )
    return debtor


def make_outreach(
    creditor=None,
    *,
    whatsapp=True,
    status="sent",
    provider_message_id="wamid.A1",
    debtor=None,
    rcs=False,
) -> Outreach:
    """One planned contact (by the planner), then moved to ``status`` as the dispatcher would."""
    creditor = creditor or make_creditor()
    debtor = debtor or make_contactable_debtor(creditor, whatsapp=whatsapp, rcs=rcs)
    make_debt(debtor, due_on=DAY)
    plan(DAY, creditor=creditor, now=NOW)
    outreach = Outreach.objects.get(debtor=debtor)
    outreach.status = status
    outreach.attempts = 0 if status == "planned" else 1
    if status in ("sent", "delivered", "read"):
        outreach.provider_message_id = provider_message_id
        outreach.sent_at = SENT_AT
    outreach.save()
    return outreach


def status_event(kind, outreach=None, *, at=None, **fields) -> Event:
    values = {
        "channel": outreach.channel if outreach else "whatsapp",
        "kind": kind,
        "provider_message_id": outreach.provider_message_id if outreach else "",
        "occurred_at": at,
    }
    values.update(fields)
    return Event(**values)


def at(minutes: int) -> datetime:
    return SENT_AT + timedelta(minutes=minutes)


# --- status ------------------------------------------------------------------


def test_delivered_then_read_move_the_row_forward_with_the_providers_times():
    outreach = make_outreach()

    events.apply_event(status_event("delivered", outreach, at=at(1)))
    events.apply_event(status_event("read", outreach, at=at(5)))

    outreach.refresh_from_db()
    assert outreach.status == "read"
    assert (outreach.sent_at, outreach.delivered_at, outreach.read_at) == (SENT_AT, at(1), at(5))


def test_read_before_delivered_ends_read_and_sets_delivered_at_too():
    outreach = make_outreach()

    events.apply_event(status_event("read", outreach, at=at(5)))
    outcome = events.apply_event(status_event("delivered", outreach, at=at(1)))

    outreach.refresh_from_db()
    assert outreach.status == "read"
    assert (outreach.delivered_at, outreach.read_at) == (at(5), at(5))
    assert outcome == f"outreach {outreach.pk}: delivered ignored (read)"


def test_a_repeated_event_changes_nothing():
    outreach = make_outreach()
    events.apply_event(status_event("delivered", outreach, at=at(1)))
    outreach.refresh_from_db()
    before = Outreach.objects.filter(pk=outreach.pk).values().get()

    outcome = events.apply_event(status_event("delivered", outreach, at=at(9)))

    assert Outreach.objects.filter(pk=outreach.pk).values().get() == before
    assert outcome == f"outreach {outreach.pk}: delivered ignored (delivered)"


def test_a_sent_status_after_delivered_does_not_move_the_row_back():
    outreach = make_outreach(status="delivered")
    Outreach.objects.filter(pk=outreach.pk).update(delivered_at=at(1))

    events.apply_event(status_event("sent", outreach, at=at(2)))

    outreach.refresh_from_db()
    assert (outreach.status, outreach.sent_at) == ("delivered", SENT_AT)


def test_an_unknown_row_is_reconciled_by_reference_and_gets_the_providers_id():
    outreach = make_outreach(status="unknown")
    assert outreach.provider_message_id == ""

    events.apply_event(
        status_event(
            "delivered",
            at=at(1),
            channel="whatsapp",
            provider_message_id="wamid.LOST",
            reference=f"outreach-{outreach.pk}-1",
        )
    )

    outreach.refresh_from_db()
    assert outreach.status == "delivered"
    assert outreach.provider_message_id == "wamid.LOST"
    assert (outreach.sent_at, outreach.delivered_at) == (at(1), at(1))


def test_a_report_from_the_channel_the_row_fell_back_from_is_ignored():
    outreach = make_outreach(status="planned")
    Outreach.objects.filter(pk=outreach.pk).update(channel="sms", fallback_channels=["email"])

    outcome = events.apply_event(
        status_event(
            "delivered",
            channel="whatsapp",
            provider_message_id="wamid.OLD",
            reference=f"outreach-{outreach.pk}-1",
        )
    )

    outreach.refresh_from_db()
    assert (outreach.status, outreach.channel, outreach.delivered_at) == ("planned", "sms", None)
    assert outcome == "delivered: no outreach for wamid.OLD"


def test_a_reference_whose_provider_id_differs_from_the_rows_is_not_applied():
    outreach = make_outreach(provider_message_id="wamid.MINE")

    events.apply_event(
        status_event(
            "read",
            channel="whatsapp",
            provider_message_id="wamid.OTHER",
            reference=f"outreach-{outreach.pk}-1",
        )
    )

    outreach.refresh_from_db()
    assert outreach.status == "sent"


def test_a_status_about_a_message_outside_the_outbox_is_kept_without_change():
    outreach = make_outreach()

    outcome = events.apply_event(status_event("read", provider_message_id="wamid.BOT"))

    outreach.refresh_from_db()
    assert outreach.status == "sent"
    assert outcome == "read: no outreach for wamid.BOT"


# --- failures ----------------------------------------------------------------


def test_whatsapp_131026_takes_whatsapp_off_the_phone_and_falls_back_to_sms_on_it():
    outreach = make_outreach()
    phone = outreach.contact_point
    assert (outreach.channel, outreach.fallback_channels) == ("whatsapp", ["sms", "email"])

    events.apply_event(
        status_event(
            "failed",
            outreach,
            at=at(1),
            error_code="131026",
            error_message="Message undeliverable",
        )
    )

    outreach.refresh_from_db()
    phone.refresh_from_db()
    assert (outreach.status, outreach.channel, outreach.contact_point_id) == (
        "planned",
        "sms",
        phone.pk,
    )
    assert outreach.fallback_channels == ["email"]
    assert outreach.provider_message_id == ""
    assert (outreach.last_error_code, outreach.last_error) == ("131026", "Message undeliverable")
    assert outreach.status_reason == "whatsapp: Message undeliverable"
    assert "whatsapp" not in phone.channels
    assert phone.invalid_since is None  # SMS and calls still reach it


def test_twilio_21211_marks_the_phone_invalid_and_falls_back_to_the_email():
    outreach = make_outreach(whatsapp=False, provider_message_id="SM1")
    assert (outreach.channel, outreach.fallback_channels) == ("sms", ["email"])
    email = outreach.debtor.contact_points.get(kind="email")

    events.apply_event(
        status_event("failed", outreach, at=at(1), error_code="21211", error_message="Invalid To")
    )

    outreach.refresh_from_db()
    phone = ContactPoint.objects.get(debtor=outreach.debtor, kind="phone")
    assert (outreach.status, outreach.channel, outreach.contact_point_id) == (
        "planned",
        "email",
        email.pk,
    )
    assert phone.invalid_since == at(1)
    assert phone.invalid_reason == "sms 21211: Invalid To"


def test_a_failure_that_says_nothing_about_the_address_falls_back_and_leaves_the_point_alone():
    outreach = make_outreach(whatsapp=False, provider_message_id="SM1")

    events.apply_event(status_event("failed", outreach, error_code="30003"))

    outreach.refresh_from_db()
    phone = ContactPoint.objects.get(debtor=outreach.debtor, kind="phone")
    assert (outreach.status, outreach.channel) == ("planned", "email")
    assert (phone.invalid_since, phone.channels) == (None, ["whatsapp", "sms", "call"])


def test_a_failure_with_no_channel_left_marks_the_row_failed():
    outreach = make_outreach(whatsapp=False, provider_message_id="SM1")
    Outreach.objects.filter(pk=outreach.pk).update(fallback_channels=[])

    events.apply_event(status_event("failed", outreach, at=at(1), error_code="30007"))

    outreach.refresh_from_db()
    assert (outreach.status, outreach.last_error_code) == ("failed", "30007")
    assert outreach.failed_at is not None


def test_a_failure_reported_after_delivery_is_ignored():
    outreach = make_outreach(status="delivered")

    outcome = events.apply_event(status_event("failed", outreach, error_code="131026"))

    outreach.refresh_from_db()
    assert (outreach.status, outreach.channel, outreach.last_error_code) == (
        "delivered",
        "whatsapp",
        "",
    )
    assert "whatsapp" in outreach.contact_point.channels
    assert outcome == f"outreach {outreach.pk}: failed ignored (delivered)"


def test_a_failure_for_an_unknown_row_found_by_reference_falls_back():
    outreach = make_outreach(status="unknown")

    events.apply_event(
        status_event(
            "failed",
            channel="whatsapp",
            provider_message_id="wamid.LOST",
            reference=f"outreach-{outreach.pk}-1",
            error_code="131047",
        )
    )

    outreach.refresh_from_db()
    assert (outreach.status, outreach.channel, outreach.last_error_code) == (
        "planned",
        "sms",
        "131047",
    )


# --- opt-outs and replies ----------------------------------------------------


COPIED_FIELDS = (
    "creditor", "debtor", "step", "planned_on", "action", "contact_point", "template_key",
    "tone", "language", "currency", "amount_due", "window_start", "window_end",
)  # fmt: skip


def test_stop_revokes_sms_and_cancels_the_planned_sms_outreach_on_that_phone():
    creditor = make_creditor()
    sms_row = make_outreach(creditor, whatsapp=False, status="planned")
    phone = sms_row.contact_point
    ChannelConsent.objects.create(
        contact_point=phone, channel="whatsapp", source="contrato", granted_at=NOW
    )
    whatsapp_row = Outreach.objects.create(
        **{field: getattr(sms_row, field) for field in COPIED_FIELDS},
        anchor_due_on=DAY - timedelta(days=30),
        channel="whatsapp",
    )

    outcome = events.apply_event(
        Event(
            channel="sms",
            kind="opt_out",
            address=PHONE,
            text="STOP",
            occurred_at=at(3),
            raw={"OptOutType": "STOP"},
        )
    )

    sms_row.refresh_from_db()
    whatsapp_row.refresh_from_db()
    phone.refresh_from_db()
    assert (sms_row.status, sms_row.status_reason) == ("cancelled", "opt-out by sms: STOP")
    assert whatsapp_row.status == "planned"
    assert ChannelConsent.objects.get(contact_point=phone, channel="sms").revoked_at == at(3)
    assert ChannelConsent.objects.get(contact_point=phone, channel="whatsapp").revoked_at is None
    assert phone.opted_out_at is None  # Colombia needs consent for SMS: the revocation stops it
    assert outcome == "opt-out: sms on 1 contact point(s), 1 planned outreach cancelled"


def test_a_spanish_baja_by_sms_is_an_opt_out_too():
    outreach = make_outreach(whatsapp=False, status="planned")

    events.apply_event(Event(channel="sms", kind="inbound", address=PHONE, text="Baja"))

    outreach.refresh_from_db()
    assert outreach.status == "cancelled"
    assert ChannelConsent.objects.get(
        contact_point=outreach.contact_point, channel="sms"
    ).revoked_at


def test_no_me_contacten_mas_opts_the_phone_out_of_every_channel():
    outreach = make_outreach(status="planned")
    phone = outreach.contact_point

    events.apply_event(
        Event(
            channel="whatsapp",
            kind="inbound",
            address=PHONE,
            text="No me contacten más",
            occurred_at=at(2),
        )
    )

    phone.refresh_from_db()
    outreach.refresh_from_db()
    assert phone.opted_out_at == at(2)
    assert outreach.status == "cancelled"
    revoked = ChannelConsent.objects.filter(contact_point=phone, revoked_at=at(2))
    assert set(revoked.values_list("channel", flat=True)) == {"whatsapp", "sms", "rcs", "call"}
    email = outreach.debtor.contact_points.get(kind="email")
    assert email.opted_out_at is None


def test_stop_where_sms_needs_no_consent_still_keeps_sms_off_that_phone():
    from datetime import date

    from recaudo.outreach.planner import plan

    creditor = make_creditor(country="MX", default_currency="MXN")
    debtor = make_debtor(creditor, phone="+5215512345678", timezone="America/Mexico_City")

    events.apply_event(
        Event(
            channel="sms", kind="opt_out", address="+5215512345678", text="STOP", occurred_at=at(1)
        )
    )

    phone = debtor.contact_points.get()
    consent = ChannelConsent.objects.get(contact_point=phone, channel="sms")
    assert (consent.source, consent.revoked_at) == ("opt-out", at(1))
    # Only SMS was refused: the phone itself is not opted out of everything.
    assert phone.opted_out_at is None
    make_debt(debtor, due_on=date(2026, 11, 24))
    plan(date(2026, 11, 24), creditor=creditor)
    assert not Outreach.objects.filter(debtor=debtor, channel="sms").exists()


def test_an_opt_out_from_an_unknown_number_changes_nothing():
    outreach = make_outreach(status="planned")

    outcome = events.apply_event(Event(channel="sms", kind="opt_out", address="+10000000000"))

    outreach.refresh_from_db()
    assert outreach.status == "planned"
    assert outcome == "opt-out: no contact point for this address"


def test_a_text_reply_is_kept_for_the_conversation():
    outreach = make_outreach()

    outcome = events.apply_event(
        Event(channel="whatsapp", kind="inbound", address=PHONE, text="Pago el viernes")
    )

    outreach.refresh_from_db()
    assert outcome == events.INBOUND_OUTCOME
    assert outreach.status == "sent"
    assert not ChannelConsent.objects.filter(revoked_at__isnull=False).exists()


def test_unknown_event_kinds_are_kept_and_change_nothing():
    outreach = make_outreach()

    outcome = events.apply_event(
        Event(channel="whatsapp", kind="other", provider_message_id=outreach.provider_message_id)
    )

    outreach.refresh_from_db()
    assert (outcome, outreach.status) == ("other: kept", "sent")


# --- stored webhooks ---------------------------------------------------------


def _stored(body="{}", key="k1"):
    stored, created = events.store_webhook(
        "whatsapp", dedupe_key=key, headers={"Content-Type": "application/json"}, body=body
    )
    assert created
    return stored


def test_a_stored_webhook_is_processed_once():
    outreach = make_outreach()
    stored = _stored()
    calls = []

    def parse():
        calls.append(1)
        return [status_event("delivered", outreach, at=at(1))]

    first = events.process_webhook(stored, parse)
    again, created = events.store_webhook("whatsapp", dedupe_key="k1", headers={}, body="{}")
    second = events.process_webhook(again, parse)

    assert (created, again.pk) == (False, stored.pk)
    assert first == f"outreach {outreach.pk}: sent -> delivered"
    assert second == events.DUPLICATE_OUTCOME
    assert len(calls) == 1
    stored.refresh_from_db()
    assert stored.outcome == first
    assert stored.processed_at is not None


def test_a_webhook_whose_processing_failed_is_processed_when_it_comes_again():
    outreach = make_outreach()
    stored = _stored()

    def broken():
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        events.process_webhook(stored, broken)
    events.record_failure(stored, RuntimeError("database went away"))
    stored.refresh_from_db()
    assert (stored.processed_at, stored.outcome) == (
        None,
        "error: RuntimeError: database went away",
    )

    events.process_webhook(stored, lambda: [status_event("read", outreach, at=at(2))])

    outreach.refresh_from_db()
    stored.refresh_from_db()
    assert outreach.status == "read"
    assert stored.outcome == f"outreach {outreach.pk}: sent -> read"


def test_an_unreadable_payload_is_stored_with_the_reason():
    stored = _stored(body="not json")

    def parse():
        raise PayloadError("WhatsApp webhook is not JSON")

    events.process_webhook(stored, parse)

    stored.refresh_from_db()
    assert stored.outcome == "unreadable: WhatsApp webhook is not JSON"
    assert stored.processed_at is not None


def test_inbound_webhooks_lists_replies_and_opt_outs_for_the_conversations_app():
    make_outreach(status="planned")
    reply = _stored(key="reply")
    events.process_webhook(
        reply,
        lambda: [
            Event(channel="whatsapp", kind="read", provider_message_id="wamid.X"),
            Event(channel="whatsapp", kind="inbound", address=PHONE, text="Hola"),
        ],
    )
    stop = _stored(key="stop")
    events.process_webhook(stop, lambda: [Event(channel="sms", kind="opt_out", address=PHONE)])
    status = _stored(key="status")
    events.process_webhook(status, lambda: [Event(channel="whatsapp", kind="read")])

    assert list(events.inbound_webhooks()) == [reply, stop]
    assert list(events.inbound_webhooks(since=datetime(2100, 1, 1, tzinfo=UTC))) == []
    reply.refresh_from_db()
    assert reply.outcome == f"{events.INBOUND_OUTCOME}; read: no outreach for wamid.X"


def test_a_body_with_a_nul_character_is_still_stored():
    stored = _stored(body='{"a":"\x00"}')

    assert WebhookEvent.objects.get(pk=stored.pk).body == '{"a":"\ufffd"}'
