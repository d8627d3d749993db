"""The amount slot: LatAm separators, currency marks, "mil", "lucas"; not days or counts."""

from __future__ import annotations

from datetime import date

import pytest

from recaudo.conversations.nlu.amounts import as_text, find_amount, to_decimal
from recaudo.conversations.nlu.dates import find_date
from recaudo.conversations.nlu.text import simplify


def amount(text: str) -> str | None:
    simple = simplify(text)
    _, taken = find_date(simple, date(2026, 11, 22))
    found = find_amount(simple, taken)
    return as_text(found) if found is not None else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("te pago 500", "500"),
        ("puedo dar $2.500", "2500"),
        ("$ 2.500", "2500"),
        ("1200 pesos", "1200"),
        ("2,500.50", "2500.50"),
        ("2.500,50", "2500.50"),
        ("$1,500", "1500"),
        ("$1.234.567", "1234567"),
        ("12,5 soles", "12.50"),
        ("mil pesos", "1000"),
        ("dos mil pesos", "2000"),
        ("5 lucas", "5000"),
        ("una luca", "1000"),
        ("10 mil", "10000"),
        ("50k", "50000"),
        ("R$ 150,00", "150"),
        ("s/200", "200"),
        ("USD 75", "75"),
        ("un palo", "1000000"),
        ("quinientos pesos", "500"),
        ("en 3 cuotas de 800", "800"),
        ("el viernes te deposito 300", "300"),
        ("pasado mañana pago 1500 y el resto el 15", "1500"),
    ],
)
def test_amounts_are_read_as_decimal_strings(text, expected):
    assert amount(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "te pago el 15",
        "el 10/12",
        "en 3 dias",
        "en 6 cuotas",
        "a las 5 pm",
        "mil gracias",
        "mi cedula es 1234567890",
        "cuanto debo",
        "pago 5",
        "15 de diciembre de 2026",
    ],
)
def test_days_counts_ids_and_thanks_are_not_amounts(text):
    assert amount(text) is None


def test_a_dot_or_comma_before_three_digits_groups_thousands():
    assert to_decimal("2.500") == to_decimal("2,500") == 2500
    assert to_decimal("2.50") == to_decimal("2,50")
    assert str(to_decimal("2.50")) == "2.50"
