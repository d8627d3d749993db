"""Lanes: several dispatch loops in one worker process."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection

from recaudo.delivery.lanes import lane_count, run_lanes
from recaudo.outreach.models import Outreach
from recaudo.outreach.planner import plan
from recaudo.portfolio.models import ChannelConsent
from tests.delivery.test_dispatcher import DAY, PLANNED_AT, SEND_AT, Channels
from tests.factories import make_creditor, make_debt, make_debtor

on_postgres = pytest.mark.skipif(
    "postgresql" not in connection.settings_dict["ENGINE"], reason="lanes need PostgreSQL"
)


def _planned(count: int) -> None:
    creditor = make_creditor(country="CO", default_currency="COP")
    for number in range(count):
        debtor = make_debtor(creditor, phone=f"+57300{number:07d}")
        ChannelConsent.objects.create(
            contact_point=debtor.contact_points.get(), channel="whatsapp",
            source="contrato", granted_at=PLANNED_AT,
        )  # fmt: skip
        make_debt(debtor, "150000.00", due_on=DAY + timedelta(days=7))
    plan(DAY, now=PLANNED_AT)


@pytest.mark.django_db
@pytest.mark.skipif(
    "sqlite" not in connection.settings_dict["ENGINE"], reason="SQLite's single lane"
)
def test_sqlite_always_runs_one_lane_whatever_is_asked(settings):
    settings.DISPATCH_LANES = 4

    assert lane_count() == 1
    assert lane_count(3) == 1


@on_postgres
@pytest.mark.django_db
def test_postgresql_runs_the_lanes_asked_for(settings):
    settings.DISPATCH_LANES = 3

    assert lane_count() == 3
    assert lane_count(2) == 2


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_lanes_send_every_due_contact_exactly_once_under_their_own_names():
    _planned(60)
    channels = Channels()

    totals = run_lanes(
        clock=lambda: SEND_AT,
        stop=threading.Event(),
        lanes=2,
        until_idle=True,
        batch_size=7,
        name="host:1",
        dispatcher_options={"channels": channels},
    )

    sent = channels.get("whatsapp").sent
    assert totals["sent:whatsapp"] == 60
    assert len(sent) == 60
    assert len({message.to for message in sent}) == 60  # nobody twice
    claims = Counter(Outreach.objects.values_list("claimed_by", flat=True))
    assert set(claims) <= {"host:1/1", "host:1/2"}
    assert Outreach.objects.filter(status="sent").count() == 60


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_an_error_in_one_lane_stops_the_others_and_reaches_the_caller():
    _planned(30)
    calls = Counter()

    def clock():
        calls["now"] += 1
        if calls["now"] == 3:
            raise RuntimeError("the clock broke")
        return SEND_AT

    stop = threading.Event()
    with pytest.raises(RuntimeError, match="the clock broke"):
        run_lanes(
            clock=clock, stop=stop, lanes=2, until_idle=False, batch_size=5,
            idle_sleep=0.05, dispatcher_options={"channels": Channels()},
        )  # fmt: skip
    assert stop.is_set()
