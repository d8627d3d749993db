from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.cache import cache

from recaudo.sandbox.config import Behaviour
from recaudo.sandbox.runner import BackgroundSandbox
from recaudo.sandbox.state import Sandbox
from tests.factories import make_creditor, make_debt, make_debtor

# Debts in the factories fall due on 2026-11-01; the portal is opened after.
NOW = "2026-11-20 15:00:00+00:00"


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    # The rate limits live in the shared cache, a database table.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def debtor(db):
    creditor = make_creditor(brand_name="Tienda Sol", support_phone="+57 601 555 0100")
    debtor = make_debtor(creditor, first_name="Camila", full_name="Camila Rojas Díaz")
    make_debt(
        debtor,
        "185000.50",
        description="Plan hogar octubre",
        invoice_number="FV-1",
        due_on=date(2026, 10, 15),
    )
    make_debt(
        debtor,
        "1234567.00",
        description="Plan hogar noviembre",
        invoice_number="FV-2",
        due_on=date(2026, 11, 15),
    )
    return debtor


@pytest.fixture
def payment_sandbox(settings):
    """The sandbox provider on a free port, in a thread; Recaudo's settings point at it."""
    settings.SANDBOX_PAYMENTS_ENABLED = True  # its checkouts and webhook exist only then
    sandbox = Sandbox(behaviour=Behaviour(webhook_base_url=settings.PUBLIC_BASE_URL), seed=3)
    background = BackgroundSandbox(sandbox, smtp_port=None)
    with background as running:
        settings.PAYMENTS = {"providers": {"sandbox": {"base_url": f"{running.url}/payments"}}}
        running.sandbox = sandbox
        running.background = background
        yield running
