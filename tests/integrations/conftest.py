from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import time_machine

from recaudo.integrations.actions import create_endpoint
from recaudo.integrations.models import Endpoint
from recaudo.sandbox.receiver import Receiver
from tests.factories import make_creditor, make_debt, make_debtor

NOW = "2026-11-20 15:00:00+00:00"


@pytest.fixture(autouse=True)
def _plain_http(settings):
    settings.WEBHOOKS_OUT_ALLOW_HTTP = True  # the receivers here listen on 127.0.0.1


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def debtor(db):
    creditor = make_creditor(brand_name="Tienda Sol")
    debtor = make_debtor(creditor, first_name="Camila", full_name="Camila Rojas")
    make_debt(debtor, "185000.00", due_on=date(2026, 10, 15))
    make_debt(debtor, "215000.00", due_on=date(2026, 11, 15))
    return debtor


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def endpoint(debtor, receiver) -> Endpoint:
    made, secret = create_endpoint(debtor.creditor, name="ERP", url=receiver.url)
    receiver.secret = secret
    return made
