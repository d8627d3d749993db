"""A supervisor's decision on a discount or a new due date reaches the debtor.

Issue 15: the portal promised "le avisaremos", but approving or refusing sent nothing.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.contract import ProviderResult
from recaudo.outreach.models import Outreach
from recaudo.payments import concessions
from recaudo.payments.links import live_link
from recaudo.policies.models import Segment
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Debt
from tests.helpers import own_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(debtor):
    shipped = Segment.objects.filter(creditor__isnull=True)
    assert shipped.update(max_extension_days=10, max_discount_percent=Decimal(20))
    return shipped


@pytest.fixture
def phone(debtor):
    point = ContactPoint.objects.create(
        debtor=debtor, kind="phone", value="+573001112233", channels=["whatsapp", "sms"]
    )
    ChannelConsent.objects.create(
        contact_point=point, channel="whatsapp", source="contrato", granted_at=timezone.now()
    )
    return point


class Recorder:
    def __init__(self) -> None:
        self.sent = []

    def get(self, name):
        return self

    def send(self, message):
        self.sent.append(message)
        return ProviderResult("accepted", provider_message_id=f"id-{len(self.sent)}")


def _dispatch():
    channels = Recorder()
    worker = Dispatcher(channels=channels, name="t", rng=random.Random(1))
    worker.run_once(timezone.now())
    worker.close()
    return channels.sent


def test_an_approved_new_due_date_is_sent_to_the_debtor_with_the_date_and_the_link(
    debtor, limits, phone, frozen
):
    debt = Debt.objects.get(invoice_number="FV-2")
    asked = concessions.request_extension(
        live_link(debtor.pk), debt_id=debt.pk, new_due_on=date(2026, 12, 1)
    )
    assert asked.status == "pending"
    assert not Outreach.objects.filter(action="notice").exists()

    assert concessions.approve(asked.pk, "admin:sup") is True
    concessions.approve(asked.pk, "admin:sup")  # a second click changes nothing

    notice = Outreach.objects.get(action="notice")
    assert (notice.template_key, notice.notice_key) == (
        "extension_approved",
        f"request-decided:{asked.pk}",
    )
    [message] = _dispatch()
    assert "1 de diciembre" in message.text
    assert f"/p/{own_token(message, debtor)}" in message.text


def test_an_approved_discount_names_the_amount_that_settles_the_debt(
    client, debtor, limits, phone, frozen
):
    token = live_link(debtor.pk).token
    client.post(f"/p/{token}/descuento", {"amount": "700000", "reason": "Sin empleo"})
    asked = concessions.offered_discount(debtor) or concessions.DebtorRequest.objects.get()

    concessions.approve(asked.pk, "admin:sup")

    notice = Outreach.objects.get(action="notice")
    assert notice.template_key == "discount_approved"
    [message] = _dispatch()
    assert "700.000" in message.text
    assert "1.419.567" in message.text  # what was owed when asked
    assert f"/p/{own_token(message, debtor)}" in message.text


def test_a_refused_request_is_sent_with_the_balance_and_the_link(debtor, limits, phone, frozen):
    debt = Debt.objects.get(invoice_number="FV-2")
    asked = concessions.request_extension(
        live_link(debtor.pk), debt_id=debt.pk, new_due_on=date(2027, 1, 15)
    )

    concessions.refuse(asked.pk, "admin:sup")

    notice = Outreach.objects.get(action="notice")
    assert notice.template_key == "request_refused"
    [message] = _dispatch()
    assert "1.419.567" in message.text
    assert f"/p/{own_token(message, debtor)}" in message.text


def test_a_request_the_segment_approves_at_once_sends_nothing_the_portal_already_said_it(
    client, debtor, limits, phone, frozen
):
    debt = Debt.objects.get(invoice_number="FV-2")
    token = live_link(debtor.pk).token

    client.post(f"/p/{token}/nueva-fecha", {"debt": str(debt.pk), "date": "2026-11-30"})

    assert not Outreach.objects.filter(action="notice").exists()
