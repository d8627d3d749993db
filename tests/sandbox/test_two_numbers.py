"""`make run`'s demo: two creditors write from two WhatsApp numbers of the sandbox, and the
debtors' answers, signed by the fake with each number's own app secret, reach the right one."""

from __future__ import annotations

import random
import time

import pytest
from django.test import Client

from recaudo.conversations.models import Message
from recaudo.delivery.channels.registry import reset_channels
from recaudo.delivery.models import ChannelAccount
from recaudo.portfolio.models import ContactPoint
from recaudo.sandbox.config import Behaviour, Credentials
from recaudo.sandbox.demo.accounts import give_second_creditor_its_number
from recaudo.sandbox.rules import TemplateCatalog
from recaudo.sandbox.store import MessageLog
from recaudo.sandbox.whatsapp import WhatsAppFake
from tests.factories import make_creditor, make_debtor

pytestmark = pytest.mark.django_db
PHONE = "+573001234567"


@pytest.fixture(autouse=True)
def _fresh_clients():
    reset_channels()
    yield
    reset_channels()


def test_the_demo_gives_its_second_creditor_the_sandboxs_second_number_once():
    first, second = make_creditor(), make_creditor()

    account = give_second_creditor_its_number()

    number_id, facts = next(iter(Credentials().whatsapp_numbers.items()))
    assert account is not None
    assert (account.creditor, account.routing_key) == (second, number_id)
    assert (account.secret, account.signing_secret) == (facts["access_token"], facts["app_secret"])
    assert give_second_creditor_its_number() is None
    assert ChannelAccount.objects.count() == 1
    assert not ChannelAccount.objects.filter(creditor=first).exists()


def test_a_debtor_answering_the_second_number_reaches_the_second_creditors_thread():
    first, second = make_creditor(), make_creditor()
    give_second_creditor_its_number()
    for creditor in (first, second):
        make_debtor(creditor, phone=PHONE)
    catalog = TemplateCatalog()
    catalog.register("recordatorio_pago", "es_MX", 0)
    fake = WhatsAppFake(Credentials(), Behaviour(), MessageLog(), random.Random(1), catalog)
    number_id, facts = next(iter(Credentials().whatsapp_numbers.items()))
    sent = fake.send(
        number_id,
        f"Bearer {facts['access_token']}",
        {"messaging_product": "whatsapp", "to": PHONE[1:], "type": "template",
         "template": {"name": "recordatorio_pago", "language": {"code": "es_MX"}}},
        time.monotonic(),
        time.time(),
    )  # fmt: skip
    assert sent.status == 200

    _record, webhook = fake.inbound(PHONE, "hola, ¿cuánto debo?")
    response = Client().post(
        "/webhooks/whatsapp",
        webhook.body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=webhook.headers["X-Hub-Signature-256"],
    )

    assert response.status_code == 200
    [message] = Message.objects.filter(direction="in")
    assert message.thread.debtor.creditor == second
    assert message.contact_point == ContactPoint.objects.get(debtor__creditor=second)
