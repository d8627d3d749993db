"""Each outbound message carries its own link token; an opening through it is credited to
the message; the debtor's own link keeps working (issue 17, "Attribution")."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from recaudo.outreach.models import Outreach
from recaudo.outreach.planner import plan
from recaudo.payments.links import find_link, live_link, message_tokens, opened_from
from recaudo.payments.models import MessageLink, PaymentLinkOpen
from tests.delivery.test_dispatcher import DAY, PLANNED_AT, SEND_AT, _debtor
from tests.factories import make_debt

pytestmark = pytest.mark.django_db


@pytest.fixture
def debtor(creditor):
    debtor = _debtor(creditor)
    make_debt(debtor, "150000.00", due_on=DAY)
    return debtor


def _one_sent_message(creditor, dispatcher, channels):
    debtor = _debtor(creditor)
    make_debt(debtor, "150000.00", due_on=DAY + timedelta(days=7))
    plan(DAY, now=PLANNED_AT)
    dispatcher.run_once(SEND_AT)
    return debtor, channels.all_sent()


def _token(text: str) -> str:
    match = re.search(r"/p/([A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)


def test_a_sent_message_carries_its_own_token_not_the_debtors(creditor, dispatcher, channels):
    debtor, [message] = _one_sent_message(creditor, dispatcher, channels)
    outreach = Outreach.objects.get(debtor=debtor)

    token = _token(message.text)

    own = MessageLink.objects.get(outreach_id=outreach.pk)
    assert token == own.token
    assert token != live_link(debtor.pk).token
    assert own.link_id == live_link(debtor.pk).pk


def test_opening_a_messages_token_opens_the_debtors_portal_and_credits_the_message(
    client, creditor, dispatcher, channels
):
    debtor, [message] = _one_sent_message(creditor, dispatcher, channels)
    outreach = Outreach.objects.get(debtor=debtor)

    response = client.get(f"/p/{_token(message.text)}", HTTP_USER_AGENT="phone")

    assert response.status_code == 200
    [opening] = PaymentLinkOpen.objects.all()
    assert opening.outreach_id == outreach.pk
    assert opening.link_id == live_link(debtor.pk).pk


def test_the_debtors_own_link_still_opens_and_credits_no_message(client, creditor, debtor):
    link = live_link(debtor.pk)

    response = client.get(f"/p/{link.token}")

    assert response.status_code == 200
    [opening] = PaymentLinkOpen.objects.all()
    assert opening.outreach_id is None
    assert opened_from(find_link(link.token)) is None


def test_a_retried_message_keeps_its_token_and_each_message_gets_a_different_one(debtor):
    debtor_token = live_link(debtor.pk).token

    first = message_tokens({101: debtor_token, 102: debtor_token})
    again = message_tokens({101: debtor_token})

    assert again[101] == first[101]
    assert first[101] != first[102]
    assert MessageLink.objects.count() == 2
    found = find_link(first[102])
    assert found is not None and found.debtor_id == debtor.pk and opened_from(found) == 102


def test_an_unknown_debtor_token_mints_no_message_token(debtor):
    assert message_tokens({7: "no-such-token"}) == {}
    assert MessageLink.objects.count() == 0
