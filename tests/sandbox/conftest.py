from __future__ import annotations

import httpx
import pytest

from recaudo.sandbox.config import Behaviour, Credentials
from recaudo.sandbox.runner import BackgroundSandbox
from recaudo.sandbox.state import Sandbox
from tests.sandbox.support import Receiver

CREDENTIALS = Credentials()
TEMPLATE = ("recordatorio_pago", "es_MX", 3)


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def behaviour(receiver) -> Behaviour:
    """Fast, predictable webhooks: no read-maybe, no reordering, no duplicates."""
    return Behaviour(
        webhook_base_url=receiver.url,
        read_probability=1.0,
        out_of_order_probability=0.0,
        duplicate_probability=0.0,
        min_delay_seconds=0.05,
        max_delay_seconds=0.06,
    )


@pytest.fixture
def sandbox(behaviour) -> Sandbox:
    sandbox = Sandbox(Credentials(), behaviour, seed=7)
    sandbox.catalog.register(*TEMPLATE)
    return sandbox


@pytest.fixture
def server(sandbox):
    background = BackgroundSandbox(sandbox)
    with background as running:
        running.background = background
        yield running


@pytest.fixture
def api(server):
    with httpx.Client(base_url=server.url, timeout=5) as api:
        yield api
