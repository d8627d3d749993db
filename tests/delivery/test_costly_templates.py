"""A costly template that reached the database fails its message cleanly at send time."""

from __future__ import annotations

import random
import time

import pytest

from recaudo.delivery.dispatcher import Dispatcher
from recaudo.delivery.messages import clear_template_cache
from recaudo.outreach.models import Outreach
from recaudo.policies.models import Template
from tests.delivery.test_dispatcher import SEND_AT, Channels, _planned
from tests.policies.test_template_bounds import NESTED_LOOPS, STRING_DOUBLING, TRIPLE_LOOP

pytestmark = pytest.mark.django_db


@pytest.fixture
def channels():
    return Channels()


@pytest.fixture
def dispatcher(channels):
    worker = Dispatcher(channels=channels, name="test-worker", rng=random.Random(1))
    yield worker
    worker.close()


@pytest.mark.parametrize(
    "body",
    [NESTED_LOOPS, STRING_DOUBLING, TRIPLE_LOOP],
    ids=["nested loops", "string doubling", "triple loop"],
)
def test_a_costly_template_saved_without_checks_falls_back_without_hanging_the_worker(
    creditor,
    channels,
    dispatcher,
    body,
):
    _debtor, _debt, outreach = _planned(creditor)
    # Written around the checks on save, as an old row or a script could be.
    Template.objects.bulk_create(
        [
            Template(
                creditor=creditor,
                key=outreach.template_key,
                channel=outreach.channel,
                language="es",
                body=body,
            )
        ]
    )
    clear_template_cache()
    started = time.monotonic()

    result = dispatcher.run_once(SEND_AT)

    assert time.monotonic() - started < 2
    outreach.refresh_from_db()
    assert result.counts == {"fell_back": 1}
    assert channels.get("whatsapp").sent == []
    assert outreach.status == Outreach.Status.PLANNED
    assert outreach.channel != "whatsapp"
    assert outreach.status_reason == "whatsapp: no_template"
    clear_template_cache()
