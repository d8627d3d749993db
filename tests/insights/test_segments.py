"""The segment filter splits the portfolio, compliance and agreements figures by the
debtor's segment (the planner's last for them), and the page and the API say which figures
it does not split (docs/insights.md, "Definitions").

Segments on the fixed portfolio (tests/insights/portfolio.py): A's and B's contacts were
planned in "Temprana" (m1-m4), C's and D's in "Tardía" (m5-m7 and the call); E was never
planned. At October's snapshot A and B were in "Temprana", C and D in "Tardía".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from recaudo.insights import people
from recaudo.insights.actions import rebuild
from recaudo.insights.figures import (
    Filters,
    aging,
    liquidation,
    opt_outs,
    recovery,
    refusals,
    rolls,
)
from recaudo.insights.models import BalanceDay, DebtState
from recaudo.insights.snapshots import debtor_segment, newest_segments, snapshot_balances
from recaudo.outreach.models import Outreach
from recaudo.policies.models import Policy, Segment
from recaudo.portfolio.apikeys import create_key
from recaudo.portfolio.models import Debtor
from recaudo.roles import SUPERVISOR
from tests.insights.portfolio import NOW, build
from tests.staff.helpers import browser_of, staff

pytestmark = pytest.mark.django_db

D = Decimal
NOVEMBER = "desde=2026-11-01&hasta=2026-11-20"


@pytest.fixture
def book():
    made = build()
    creditor = made.creditor
    policy = Policy.objects.create(creditor=creditor, code="mora", name="Mora")
    early = Segment.objects.create(creditor=creditor, name="Temprana", policy=policy)
    late = Segment.objects.create(creditor=creditor, name="Tardía", policy=policy)
    debtors = {name: made.debts[name].debtor_id for name in ("a1", "b1", "c1", "d1")}
    for name, segment in (("a1", early), ("b1", early), ("c1", late), ("d1", late)):
        Outreach.objects.filter(debtor_id=debtors[name]).update(segment=segment)
        # The segment each debtor had at October's snapshot (the planner's then).
        DebtState.objects.filter(debt_id=made.debts[name].pk).update(segment_id=segment.pk)
    with time_machine.travel(NOW, tick=False):
        rebuild(NOW)
    made.segments = {"early": early.pk, "late": late.pk}  # type: ignore[attr-defined]
    return made


def november(book, segment: str) -> Filters:
    return Filters(
        scope=None,
        start=date(2026, 11, 1),
        end=date(2026, 11, 20),
        creditor=book.creditor.pk,
        segment=book.segments[segment],
    )


def rows(table, *keys):
    return [tuple(row[key] for key in keys) for row in table.rows]


def test_aging_on_the_last_snapshot_is_split_by_the_debtors_segment(book):
    # Temprana: b1, 150,000 80 days late (a1 is paid). Tardía: c1 current, d1 172 days late.
    assert rows(aging(november(book, "early")), "bucket", "debts", "balance") == [
        ("current", 0, D(0)),
        ("1-30", 0, D(0)),
        ("31-60", 0, D(0)),
        ("61-90", 1, D("150000.00")),
        ("91-180", 0, D(0)),
        ("180+", 0, D(0)),
    ]
    assert rows(aging(november(book, "late")), "bucket", "debts", "balance") == [
        ("current", 1, D("300000.00")),
        ("1-30", 0, D(0)),
        ("31-60", 0, D(0)),
        ("61-90", 0, D(0)),
        ("91-180", 1, D("300000.00")),
        ("180+", 0, D(0)),
    ]


def test_roll_and_cure_rates_are_split_by_the_segment_at_the_earlier_snapshot(book):
    # Temprana: a1 (1-30) paid: cured; b1 rolled 31-60 -> 61-90.
    assert rows(
        rolls(november(book, "early")), "from_bucket", "debts", "balance", "roll_rate", "cure_rate"
    ) == [
        ("1-30", 1, D("100000.00"), D("0.0000"), D("1.0000")),
        ("31-60", 1, D("200000.00"), D("1.0000"), D("0.0000")),
    ]
    # Tardía: c1 stayed current, d1 stayed 91-180.
    assert rows(
        rolls(november(book, "late")), "from_bucket", "debts", "balance", "roll_rate", "cure_rate"
    ) == [
        ("current", 1, D("300000.00"), D("0.0000"), None),
        ("91-180", 1, D("400000.00"), D("0.0000"), D("0.0000")),
    ]


def test_refusals_and_opt_outs_are_split_by_the_contacts_segment(book):
    assert rows(refusals(november(book, "early")), "reason", "contacts") == []
    assert rows(refusals(november(book, "late")), "outcome", "reason", "contacts") == [
        ("cancelled", "outside contact hours", 1),
        ("postponed", "holiday", 1),
    ]
    # Temprana sent m1-m4 (two WhatsApp, two SMS); A's opt-out is credited to m2 (SMS).
    assert rows(opt_outs(november(book, "early")), "channel", "sent", "opted_out") == [
        ("sms", 2, 1),
        ("whatsapp", 2, 0),
    ]
    assert rows(opt_outs(november(book, "late")), "channel", "sent", "opted_out") == [
        ("call", 1, 0),
        ("email", 0, 0),
        ("whatsapp", 0, 0),
    ]


def test_agreements_are_split_by_the_debtors_segment(book):
    early, late = november(book, "early"), november(book, "late")
    # A's kept promise (100,000) and B's broken one (80,000) are Temprana's.
    assert rows(people.promises(early), "status", "count", "amount") == [
        ("made", 2, D("180000.00")),
        ("pending", 0, D(0)),
        ("kept", 1, D("100000.00")),
        ("broken", 1, D("80000.00")),
        ("superseded", 0, D(0)),
    ]
    assert rows(people.promises(late), "status", "count") == []
    # D's plan is Tardía's.
    assert rows(people.plans(early), "status", "count") == []
    assert rows(people.plans(late), "status", "count", "total") == [("active", 1, D("300000.00"))]
    # B's discount (decided) is Temprana's; E's waiting one is in no segment.
    assert rows(people.requests(early), "kind", "waiting", "decided", "granted") == [
        ("discount", 0, 1, 1)
    ]
    assert rows(people.requests(late), "kind", "waiting", "decided") == []


def test_recovery_and_liquidation_ignore_the_segment_and_say_so(book):
    whole = Filters(
        scope=None, start=date(2026, 11, 1), end=date(2026, 11, 20), creditor=book.creditor.pk
    )
    for make in (recovery, liquidation):
        split = make(november(book, "early"))
        assert split.by_segment is False
        assert split.rows == make(whole).rows


def test_the_page_names_the_figures_the_segment_does_not_split_next_to_the_filter(book):
    client = browser_of(staff("sofia", SUPERVISOR, book.creditor))
    early = book.segments["early"]

    with time_machine.travel(NOW, tick=True):
        page = client.get(f"/equipo/resultados/cartera/?{NOVEMBER}&segmento={early}")
        agreements = client.get(f"/equipo/resultados/acuerdos/?{NOVEMBER}&segmento={early}")

    text = page.content.decode()
    note = text[
        text.index('id="segment-note"') : text.index("</small>", text.index("segment-note"))
    ]
    assert "Recupero por mes, tasa de recupero y DSO" in note
    assert "Curvas de liquidación" in note
    assert "antigüedad" not in note
    assert text.count("El filtro de segmento no se aplica a esta cifra") == 2
    assert 'id="segment-note"' not in agreements.content.decode()


def test_the_api_says_which_tables_the_segment_splits(book):
    from django.test import Client

    api = Client(headers={"Authorization": f"Bearer {create_key(book.creditor, 'BI').key}"})
    with time_machine.travel(NOW, tick=True):
        body = api.get(
            f"/api/v1/insights/portfolio?{NOVEMBER}&segment={book.segments['late']}"
        ).json()

    assert {t["name"]: t["segment_applies"] for t in body["tables"]} == {
        "aging": True,
        "rolls": True,
        "recovery": False,
        "liquidation": False,
    }
    assert body["tables"][0]["rows"][0] == {
        "currency": "COP",
        "bucket": "current",
        "debts": 1,
        "balance": "300000.00",
    }


def reseat_d(book):
    """D's newest contact (the call) loses its segment; of m6 and m7, planned the same day,
    the later id goes to Temprana and the other stays in Tardía."""
    d = book.debts["d1"].debtor_id
    call = Outreach.objects.filter(debtor_id=d).order_by("-planned_on", "-id").first()
    Outreach.objects.filter(pk=call.pk).update(segment=None)
    older, newer = Outreach.objects.filter(debtor_id=d).exclude(pk=call.pk).order_by("id")
    assert older.planned_on == newer.planned_on < call.planned_on
    Outreach.objects.filter(pk=newer.pk).update(segment_id=book.segments["early"])
    Outreach.objects.filter(pk=older.pk).update(segment_id=book.segments["late"])


def test_the_snapshot_takes_the_newest_contact_with_a_segment_the_later_id_on_a_tie(book):
    reseat_d(book)
    with time_machine.travel(NOW, tick=False):
        snapshot_balances(NOW.date())

    # d1 (91-180, 300,000 owed) is now in Temprana with b1; Tardía keeps c1 only; E (1-30) none.
    assert sorted(
        BalanceDay.objects.filter(day=NOW.date()).values_list(
            "segment_id", "bucket", "debts", "balance"
        )
    ) == sorted(
        [
            (book.segments["early"], "61-90", 1, D("150000.00")),
            (book.segments["early"], "91-180", 1, D("300000.00")),
            (book.segments["late"], "current", 1, D("300000.00")),
            (0, "1-30", 1, D("500000.00")),
        ]
    )


def test_the_one_pass_segments_are_each_debtors_own_lookup(book):
    reseat_d(book)

    sql, params = newest_segments()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        one_pass = dict(cursor.fetchall())
    looked_up = dict(
        Debtor.objects.annotate(segment=debtor_segment("id"))
        .filter(segment__gt=0)
        .values_list("id", "segment")
    )
    assert one_pass == looked_up
    assert sorted(one_pass.values()) == sorted(
        [book.segments["early"]] * 3 + [book.segments["late"]]
    )
