"""``recaudo plan`` as a separate process, alone and two at once."""

from __future__ import annotations

import concurrent.futures
from datetime import UTC, date, datetime, timedelta

import pytest

from recaudo.outreach.models import Outreach, OutreachDebt
from recaudo.portfolio.models import ChannelConsent, ContactPoint
from tests.factories import make_creditor, make_debt, make_debtor
from tests.helpers import run_recaudo

DAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def _portfolio(creditor, debtors: int) -> None:
    for number in range(debtors):
        debtor = make_debtor(creditor, phone=f"+5730012{number:05d}")
        email = ContactPoint.objects.create(
            debtor=debtor, kind="email", value=f"d{number}@example.com", channels=["email"]
        )
        phone = debtor.contact_points.get(kind="phone")
        for point, channel in ((phone, "sms"), (phone, "call"), (email, "email")):
            ChannelConsent.objects.create(
                contact_point=point, channel=channel, source="contrato", granted_at=NOW
            )
        for offset in (7, 0, -1, -7, -14):
            make_debt(debtor, due_on=DAY + timedelta(days=offset))
        # A second invoice on the same day goes into the same message.
        make_debt(debtor, due_on=DAY - timedelta(days=1))
    # Five steps fall due for each debtor (-7, 0, +1, +7, +14): one message stands
    # for all five, the other four are recorded as covered by it.


@pytest.mark.django_db(transaction=True)
def test_the_plan_command_prints_a_summary_per_segment_and_channel():
    creditor = make_creditor(name="Servicios Andinos")
    _portfolio(creditor, 3)

    dry = run_recaudo("plan", "--date", DAY.isoformat(), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert Outreach.objects.count() == 0
    lines = dry.stdout.splitlines()
    assert lines[0] == "2026-11-24: would plan 3 contacts for 3 debtors with steps due"
    assert "  Personas / sms: 3" in lines
    assert "  covered by the debtor's one message: 12" in lines

    done = run_recaudo("plan", "--date", DAY.isoformat(), "--creditor", "Servicios Andinos")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("2026-11-24: planned 3 contacts")
    assert Outreach.objects.filter(status="planned").count() == 3
    assert Outreach.objects.filter(status="covered").count() == 12
    assert Outreach.objects.count() == 15
    # Each message is about its debtor's six debts; each covered step keeps its own
    # (five: the +14 offer leads, about one debt of its own).
    assert OutreachDebt.objects.filter(outreach__status="planned").count() == 18
    assert OutreachDebt.objects.filter(outreach__status="covered").count() == 15


@pytest.mark.django_db(transaction=True)
def test_the_plan_command_rejects_a_bad_date_and_an_unknown_creditor():
    bad_date = run_recaudo("plan", "--date", "24/11/2026")
    assert bad_date.returncode == 1
    assert "--date: '24/11/2026' is not a date like 2026-11-24" in bad_date.stderr

    unknown = run_recaudo("plan", "--creditor", "Nadie")
    assert unknown.returncode == 1
    assert "Nadie" in unknown.stderr


@pytest.mark.django_db(transaction=True)
def test_two_planners_at_once_plan_every_contact_exactly_once():
    creditor = make_creditor()
    _portfolio(creditor, 20)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda _: run_recaudo("plan", "--date", DAY.isoformat()), range(2)))

    for run in runs:
        assert run.returncode == 0, run.stderr
    assert Outreach.objects.count() == 100
    assert Outreach.objects.filter(status="planned").count() == 20
    keys = set(Outreach.objects.values_list("debtor_id", "step_id", "anchor_due_on"))
    assert len(keys) == 100
    created = sorted(int(run.stdout.split(" planned ")[1].split()[0]) for run in runs)
    assert created == [0, 20]
