"""Reading the debtor's pick from a listed plan offer, and judging it (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from recaudo.conversations.offers import (
    OFFER_LIFETIME,
    Choice,
    OfferRecord,
    judge_pick,
    new_record,
    parse_choice,
    plan_request_kind,
)

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def offer(total: str = "200000.50", counts=(1, 2, 3, 4, 5, 6), now: datetime = NOW) -> OfferRecord:
    return new_record(
        currency="COP",
        total=Decimal(total),
        down_payment=Decimal("40000.10"),
        counts=tuple(counts),
        now=now,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", Choice(2, is_count=False)),
        ("la 2", Choice(2, is_count=False)),
        ("La segunda", Choice(2, is_count=False)),
        ("opción 3, por favor", Choice(3, is_count=False)),
        ("Sí, la 2da", Choice(2, is_count=False)),
        ("quiero 3 cuotas", Choice(3, is_count=True)),
        ("Quiero pagar en 6 cuotas", Choice(6, is_count=True)),
        ("a 6 meses", Choice(6, is_count=True)),
        ("una cuota", Choice(1, is_count=True)),
        ("plan:4", Choice(4, is_count=True)),  # a WhatsApp list or button reply id
        ("3 parcelas", Choice(3, is_count=True)),
        ("3x", Choice(3, is_count=True)),
        ("quero a opção 2", Choice(2, is_count=False)),
        ("the second one", Choice(2, is_count=False)),
        ("option 1", Choice(1, is_count=False)),
    ],
)
def test_a_short_answer_naming_an_option_or_a_number_of_instalments_is_a_pick(text, expected):
    assert parse_choice(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "pago el 2",  # a promise for the 2nd
        "voy a pagar el 2",
        "te pago el 15",
        "el 15 de este mes",
        "no puedo",
        "2 cuotas no",
        "la 2 o la 3",
        "cuánto debo",
        "",
        "70",
    ],
)
def test_anything_else_is_not_a_pick(text):
    assert parse_choice(text) is None


def test_an_option_number_and_a_number_of_instalments_name_the_listed_plan():
    listed = offer(counts=(2, 3, 6))

    assert listed.count_for(Choice(1, is_count=False)) == 2
    assert listed.count_for(Choice(3, is_count=False)) == 6
    assert listed.count_for(Choice(6, is_count=True)) == 6
    assert listed.count_for(Choice(4, is_count=False)) is None
    assert listed.count_for(Choice(4, is_count=True)) is None


def test_a_remembered_offer_reads_back_as_written_and_garbage_reads_as_none():
    listed = offer()

    assert OfferRecord.from_json(listed.as_json()) == listed
    assert OfferRecord.from_json({"currency": "COP"}) is None
    assert OfferRecord.from_json(None) is None


def test_a_live_offer_with_the_same_terms_agrees_the_picked_plan():
    assert judge_pick(
        offer(),
        offer(),
        Choice(2, False),
        NOW + timedelta(hours=1),
        owes=True,
        has_active_plan=False,
    ) == ("agree", 2)


@pytest.mark.parametrize(
    ("current", "now", "owes", "active", "verdict"),
    [
        (offer(), NOW, True, True, "active_plan"),
        (None, NOW, False, False, "nothing_owed"),
        (None, NOW, True, False, "no_plans"),
        (offer(now=NOW + OFFER_LIFETIME), NOW + OFFER_LIFETIME, True, False, "expired"),
        (offer(total="100000.50"), NOW, True, False, "changed"),
    ],
)
def test_a_pick_of_a_stale_offer_agrees_nothing(current, now, owes, active, verdict):
    assert judge_pick(
        offer(), current, Choice(2, False), now, owes=owes, has_active_plan=active
    ) == (
        verdict,
        None,
    )


def test_a_pick_not_on_the_list_is_invalid():
    assert judge_pick(
        offer(), offer(), Choice(9, False), NOW, owes=True, has_active_plan=False
    ) == ("invalid", None)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("puedo pagar en cuotas?", "instalments"),
        ("puedo pagar a plazos", "instalments"),
        ("me pueden hacer un descuento?", "discount"),
        ("me quitan los intereses?", "discount"),
        ("necesito más tiempo", "extension"),
        ("me pueden dar una prórroga", "extension"),
        ("quiero cambiar la fecha de pago", "extension"),
        ("preciso de mais prazo", "extension"),
        ("can I get a discount", "discount"),
    ],
)
def test_a_plan_request_is_read_as_instalments_a_discount_or_more_time(text, kind):
    assert plan_request_kind(text) == kind
