"""What the learning job reads from the database: responses within a day at the debtor's local
hour, and point-in-time features (nothing after the snapshot counts)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from recaudo.conversations.models import Message, Thread
from recaudo.learning.besttime import load_contacts, refresh_best_hours
from recaudo.learning.features import load_raw
from recaudo.outreach.models import Outreach
from recaudo.payments.models import PaymentLink, PaymentLinkOpen
from recaudo.portfolio.models import Debt, Debtor
from tests.factories import make_creditor

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def _debtor(creditor, number=1, zone="America/Bogota"):
    debtor = Debtor.objects.create(
        creditor=creditor, external_id=f"L{number}", full_name="Deudor", country="CO",
        timezone=zone,
    )  # fmt: skip
    Debt.objects.create(
        creditor=creditor, debtor=debtor, external_id=f"LD{number}", currency="COP",
        amount=Decimal("100000.00"), due_on=date(2026, 11, 1),
    )  # fmt: skip
    return debtor


def _sent(debtor, at, *, read_at=None, channel="sms"):
    return Outreach.objects.create(
        creditor=debtor.creditor, debtor=debtor, anchor_due_on=date(2026, 11, 1),
        planned_on=at.date(), action="message", channel=channel, template_key="due_today",
        tone="early", language="es", currency="COP", amount_due=Decimal("1000.00"),
        window_start=at, window_end=at + timedelta(hours=4), status="sent", sent_at=at,
        read_at=read_at,
    )  # fmt: skip


def test_a_contact_responds_by_a_read_a_reply_or_a_link_opening_within_a_day():
    creditor = make_creditor()
    debtor = _debtor(creditor)
    read = datetime(2026, 11, 10, 14, 0, tzinfo=UTC)  # 09:00 in Bogotá
    replied = datetime(2026, 11, 11, 23, 0, tzinfo=UTC)  # 18:00
    opened = datetime(2026, 11, 12, 17, 0, tzinfo=UTC)  # 12:00
    silent = datetime(2026, 11, 13, 13, 0, tzinfo=UTC)  # 08:00, answered only 2 days later
    _sent(debtor, read, read_at=read + timedelta(hours=1))
    _sent(debtor, replied)
    _sent(debtor, opened)
    _sent(debtor, silent)
    thread = Thread.objects.create(creditor=creditor, debtor=debtor)
    Message.objects.create(
        thread=thread, direction="in", author="debtor", text="ya pago",
        occurred_at=replied + timedelta(hours=2),
    )  # fmt: skip
    Message.objects.create(
        thread=thread, direction="in", author="debtor", text="hola",
        occurred_at=silent + timedelta(days=2),
    )  # fmt: skip
    link = PaymentLink.objects.create(
        creditor=creditor, debtor=debtor, token="t" * 40, expires_at=NOW + timedelta(days=9)
    )
    open_row = PaymentLinkOpen.objects.create(link=link)
    PaymentLinkOpen.objects.filter(pk=open_row.pk).update(opened_at=opened + timedelta(hours=3))

    contacts = sorted(load_contacts(creditor.pk, NOW), key=lambda contact: contact.hour)

    assert [(c.hour, c.responded) for c in contacts] == [
        (8, False), (9, True), (12, True), (18, True)
    ]  # fmt: skip
    assert {(c.debtor, c.country, c.channel) for c in contacts} == {(debtor.pk, "CO", "sms")}


def test_best_hours_are_written_on_every_owing_debtor_with_the_country_fallback():
    creditor = make_creditor()
    active, quiet = _debtor(creditor, 1), _debtor(creditor, 2)
    for day in range(1, 11):
        at = datetime(2026, 11, day, 23, 0, tzinfo=UTC)  # 18:00 in Bogotá
        _sent(active, at, read_at=at + timedelta(minutes=5))
        early = datetime(2026, 11, day, 13, 0, tzinfo=UTC)  # 08:00
        _sent(active, early)

    written = refresh_best_hours(creditor.pk, NOW)

    assert written == 2
    assert Debtor.objects.get(pk=active.pk).best_hours == {"sms": 18}
    assert Debtor.objects.get(pk=quiet.pk).best_hours == {"sms": 18}  # the country's


def test_features_count_only_what_happened_before_the_snapshot():
    creditor = make_creditor()
    debtor = _debtor(creditor)
    Debt.objects.filter(debtor=debtor).update(created_at=datetime(2026, 10, 1, tzinfo=UTC))
    before = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)
    after = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    _sent(debtor, before, read_at=before + timedelta(hours=1))
    _sent(debtor, after, read_at=after + timedelta(hours=1))
    _sent(debtor, before - timedelta(days=1))

    raw = load_raw(creditor.pk, date(2026, 11, 10))

    assert list(raw.debtor_ids) == [debtor.pk]
    assert (raw.sent[0], raw.reads[0], raw.days_past_due[0], raw.debt_age[0]) == (2, 1, 9, 40)
    assert (raw.balance[0], raw.open_debts[0], raw.country[0]) == (100000.0, 1, "CO")
    assert list(load_raw(creditor.pk, date(2026, 9, 30)).debtor_ids) == []
