"""The date slot: Spanish relative dates (and Portuguese and English ones) from a fixed today."""

from __future__ import annotations

from datetime import date

import pytest

from recaudo.conversations.nlu.dates import find_date
from recaudo.conversations.nlu.text import simplify

SUNDAY = date(2026, 11, 22)
FRIDAY = date(2026, 11, 27)
MONTH_END = date(2026, 11, 30)
YEAR_END = date(2026, 12, 31)
FEBRUARY = date(2027, 2, 27)
LEAP_FEBRUARY = date(2028, 2, 28)


def parse(text: str, today: date, language: str = "es", past: bool = False) -> str | None:
    day, _ = find_date(simplify(text), today, language, past)
    return day.isoformat() if day else None


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("te pago el viernes", SUNDAY, "2026-11-27"),
        ("te pago el viernes", FRIDAY, "2026-12-04"),
        ("este viernes", FRIDAY, "2026-12-04"),
        ("el sábado", FRIDAY, "2026-11-28"),
        ("el lunes que viene", SUNDAY, "2026-11-23"),
        ("el lunes que viene", FRIDAY, "2026-11-30"),
        ("el viernes de la semana que viene", SUNDAY, "2026-11-27"),
        ("el miercoles de la proxima semana", FRIDAY, "2026-12-02"),
        ("mañana", SUNDAY, "2026-11-23"),
        ("manana sin falta", YEAR_END, "2027-01-01"),
        ("pasado mañana", MONTH_END, "2026-12-02"),
        ("pasado manana", YEAR_END, "2027-01-02"),
        ("hoy mismo", SUNDAY, "2026-11-22"),
        ("a fin de mes", SUNDAY, "2026-11-30"),
        ("a fin de mes", MONTH_END, "2026-11-30"),
        ("a fin de mes", FEBRUARY, "2027-02-28"),
        ("a fin de mes", LEAP_FEBRUARY, "2028-02-29"),
        ("a fin del mes que viene", YEAR_END, "2027-01-31"),
        ("el 15", SUNDAY, "2026-12-15"),
        ("el 15", YEAR_END, "2027-01-15"),
        ("el dia 30", SUNDAY, "2026-11-30"),
        ("el 30", FEBRUARY, "2027-03-30"),
        ("el 31", SUNDAY, "2026-12-31"),
        ("el 5 del mes que viene", SUNDAY, "2026-12-05"),
        ("10/12", SUNDAY, "2026-12-10"),
        ("el 5/1", SUNDAY, "2027-01-05"),
        ("10/12/2026", SUNDAY, "2026-12-10"),
        ("la quincena", date(2026, 11, 10), "2026-11-15"),
        ("la quincena", date(2026, 11, 15), "2026-11-15"),
        ("la quincena", SUNDAY, "2026-11-30"),
        ("la quincena", FEBRUARY, "2027-02-28"),
        ("la próxima semana", SUNDAY, "2026-11-23"),
        ("la semana que viene", FRIDAY, "2026-11-30"),
        ("en 3 días", SUNDAY, "2026-11-25"),
        ("en tres dias", YEAR_END, "2027-01-03"),
        ("dentro de una semana", SUNDAY, "2026-11-29"),
        ("en dos semanas", SUNDAY, "2026-12-06"),
        ("15 de diciembre", SUNDAY, "2026-12-15"),
        ("el 3 de enero", SUNDAY, "2027-01-03"),
        ("el 20 de noviembre", SUNDAY, "2027-11-20"),
        ("a principios de mes", SUNDAY, "2026-12-01"),
        ("el finde", SUNDAY, "2026-11-28"),
    ],
)
def test_spanish_relative_dates_resolve_from_today(text, today, expected):
    assert parse(text, today) == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("vou pagar na sexta", "pt", "2026-11-27"),
        ("amanhã", "pt", "2026-11-23"),
        ("depois de amanhã", "pt", "2026-11-24"),
        ("dia 10", "pt", "2026-12-10"),
        ("no fim do mês", "pt", "2026-11-30"),
        ("semana que vem", "pt", "2026-11-23"),
        ("i'll pay on friday", "en", "2026-11-27"),
        ("tomorrow", "en", "2026-11-23"),
        ("on the 15th", "en", "2026-12-15"),
        ("by the end of the month", "en", "2026-11-30"),
        ("12/10", "en", "2026-12-10"),
        ("December 5th", "en", "2026-12-05"),
        ("in 3 days", "en", "2026-11-25"),
    ],
)
def test_portuguese_and_english_dates_resolve_from_today(text, language, expected):
    assert parse(text, SUNDAY, language) == expected


def test_a_paid_weekday_or_day_of_month_is_the_last_one_before_today():
    assert parse("pagué el viernes", SUNDAY, past=True) == "2026-11-20"
    assert parse("pague el 15", SUNDAY, past=True) == "2026-11-15"
    assert parse("pague el 30", SUNDAY, past=True) == "2026-10-30"
    assert parse("ya pague ayer", YEAR_END, past=True) == "2026-12-30"


def test_of_several_dates_the_last_one_wins_and_today_only_when_alone():
    assert parse("hoy no puedo, el viernes si", SUNDAY) == "2026-11-27"
    assert parse("hoy en la mañana pago", SUNDAY) == "2026-11-22"


@pytest.mark.parametrize(
    "text",
    [
        "cuanto debo",
        "puedo pagar en 3 cuotas",
        "el 15% de descuento",
        "te pago 500",
        "la segunda cuota",
        "el mes que viene",
        "a las 5 de la tarde",
    ],
)
def test_a_message_without_a_date_has_no_date(text):
    assert parse(text, SUNDAY) is None
