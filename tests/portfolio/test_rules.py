"""Pure validation rules: no database."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recaudo.portfolio.rules import (
    InputError,
    OpenDebt,
    allocate_payment,
    clean_amount,
    clean_currency,
    clean_date,
    clean_email,
    clean_phone,
    clean_timezone,
    timezone_for,
)


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("1234.50", "MXN", Decimal("1234.50")),
        ("1234,50", "COP", Decimal("1234.50")),
        ("1.234,50", "ARS", Decimal("1234.50")),
        ("1,234.50", "USD", Decimal("1234.50")),
        ("$ 1.234.567,89", "COP", Decimal("1234567.89")),
        ("1.234", "CLP", Decimal("1234")),
        ("15.000", "CLP", Decimal("15000")),
        ("125000", "CLP", Decimal("125000")),
        ("0,5", "PEN", Decimal("0.50")),
        ("12.3456", "CLF", Decimal("12.3456")),
        ("BRL 99,90", "BRL", Decimal("99.90")),
    ],
)
def test_it_reads_amounts_as_people_write_them(text, currency, expected):
    assert clean_amount(text, currency) == expected


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("0", "MXN", "debe ser mayor que cero"),
        ("-10", "MXN", "debe ser mayor que cero"),
        ("10.5", "CLP", "más decimales de los que admite CLP (0)"),
        ("10.505", "MXN", "tiene 3 decimales pero MXN admite 2"),
        ("10.5051", "MXN", "más decimales de los que admite MXN (2)"),
        ("diez", "MXN", "no es un número"),
        ("1.23.4", "MXN", "separadores de miles mal puestos"),
        ("", "MXN", "es obligatorio"),
        ("NaN", "MXN", "no es un número"),
    ],
)
def test_it_refuses_bad_amounts_with_the_reason(text, currency, message):
    with pytest.raises(InputError) as error:
        clean_amount(text, currency)
    assert error.value.field == "amount"
    assert message in error.value.message


def test_it_refuses_unknown_currency_codes():
    with pytest.raises(InputError, match="'ABC' no es un código de moneda ISO 4217"):
        clean_currency("ABC")
    assert clean_currency(" cop ") == "COP"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-15", date(2026, 12, 15)),
        ("15/12/2026", date(2026, 12, 15)),
        ("05-01-2027", date(2027, 1, 5)),
        ("2026-12-15 00:00:00", date(2026, 12, 15)),
    ],
)
def test_it_reads_iso_and_day_first_dates(text, expected):
    assert clean_date(text, "due_on") == expected


def test_it_refuses_impossible_dates():
    with pytest.raises(InputError, match="'31/11/2026' no es una fecha"):
        clean_date("31/11/2026", "due_on")


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("300 123 4567", "CO", "+573001234567"),
        ("+52 55 1234 5678", None, "+525512345678"),
        ("9 6123 4567", "CL", "+56961234567"),
        ("(11) 96123-4567", "BR", "+5511961234567"),
    ],
)
def test_it_stores_phones_in_e164(text, country, expected):
    assert clean_phone(text, country) == expected


def test_it_refuses_invalid_phones():
    with pytest.raises(InputError, match="'12345' no es un número de teléfono válido"):
        clean_phone("12345", "MX")


def test_it_lowercases_the_email_domain_only():
    assert clean_email(" Ana.Ruiz@Ejemplo.EXAMPLE ") == "Ana.Ruiz@ejemplo.example"
    with pytest.raises(InputError, match="no es una dirección de correo válida"):
        clean_email("ana@")


def test_it_takes_the_zone_from_the_phone_then_the_country():
    assert timezone_for("AR", "+5491123456789") == "America/Argentina/Buenos_Aires"
    assert timezone_for("CO") == "America/Bogota"
    assert timezone_for("MX", "+526646123456") == "America/Tijuana"
    assert clean_timezone("America/Buenos_Aires") == "America/Argentina/Buenos_Aires"
    with pytest.raises(InputError, match="no es una zona horaria IANA"):
        clean_timezone("Bogota")


def test_a_payment_goes_to_the_oldest_debt_first_and_keeps_the_overpayment():
    debts = [
        OpenDebt(1, date(2026, 11, 1), Decimal("100.00")),
        OpenDebt(2, date(2026, 10, 1), Decimal("50.00")),
    ]
    allocations, remainder = allocate_payment(Decimal("170.00"), debts)
    assert [(a.debt_id, a.amount) for a in allocations] == [
        (2, Decimal("50.00")),
        (1, Decimal("100.00")),
    ]
    assert remainder == Decimal("20.00")


def test_a_payment_naming_a_debt_goes_there_first():
    debts = [
        OpenDebt(1, date(2026, 11, 1), Decimal("100.00")),
        OpenDebt(2, date(2026, 10, 1), Decimal("50.00")),
    ]
    allocations, remainder = allocate_payment(Decimal("120.00"), debts, target_debt_id=1)
    assert [(a.debt_id, a.amount) for a in allocations] == [
        (1, Decimal("100.00")),
        (2, Decimal("20.00")),
    ]
    assert remainder == 0


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)


@given(
    amount=money,
    balances=st.lists(money, max_size=6),
    days=st.lists(st.integers(min_value=1, max_value=28), min_size=6, max_size=6),
)
def test_allocation_is_exact_and_never_exceeds_a_balance(amount, balances, days):
    debts = [OpenDebt(i, date(2026, 1, days[i]), b) for i, b in enumerate(balances)]
    allocations, remainder = allocate_payment(amount, debts)
    assert sum((a.amount for a in allocations), Decimal(0)) + remainder == amount
    assert remainder >= 0
    by_id = {d.debt_id: d for d in debts}
    for allocation in allocations:
        assert 0 < allocation.amount <= by_id[allocation.debt_id].balance
    if remainder > 0:
        assert {a.debt_id for a in allocations} == {d.debt_id for d in debts}


@pytest.mark.parametrize(
    ("text", "currency", "country", "expected"),
    [
        ("$ 150.000", "COP", "CO", Decimal("150000.00")),
        ("150.000,50", "COP", "CO", Decimal("150000.50")),
        ("$ 1.234.567", "COP", "CO", Decimal("1234567.00")),
        ("COP 150.000", "COP", "CO", Decimal("150000.00")),
        ("150.000 €", "EUR", "ES", Decimal("150000.00")),
        ("1.234,56 €", "EUR", "ES", Decimal("1234.56")),
        ("R$ 1.234,56", "BRL", "BR", Decimal("1234.56")),
        ("R$ 150.000", "BRL", "BR", Decimal("150000.00")),
        ("$1,234.56", "MXN", "MX", Decimal("1234.56")),
        ("$150,000", "MXN", "MX", Decimal("150000.00")),
        ("$1,234.56", "USD", "US", Decimal("1234.56")),
        ("US$ 1,234", "USD", "US", Decimal("1234.00")),
        ("150000.50", "COP", "CO", Decimal("150000.50")),
        ("1.234", "CLP", "CL", Decimal("1234")),
    ],
)
def test_the_country_decides_how_an_amounts_separators_are_read(text, currency, country, expected):
    assert clean_amount(text, currency, country=country) == expected


@pytest.mark.parametrize(
    ("text", "currency", "country", "message"),
    [
        (
            "1,234.56",
            "COP",
            "CO",
            "'1,234.56' no está escrito como se escriben los importes en CO "
            "(1.234,56: '.' separa los miles y ',' los decimales)",
        ),
        (
            "1.234,56",
            "MXN",
            "MX",
            "'1.234,56' no está escrito como se escriben los importes en MX "
            "(1,234.56: ',' separa los miles y '.' los decimales)",
        ),
        (
            "150.000",
            "MXN",
            "MX",
            "'150.000' tiene 3 decimales pero MXN admite 2; si quiso decir 150000, "
            "escríbalo sin separador",
        ),
        (
            "150,000",
            "COP",
            "CO",
            "'150,000' tiene 3 decimales pero COP admite 2; si quiso decir 150000, "
            "escríbalo sin separador",
        ),
        ("1.50.000", "COP", "CO", "'1.50.000' tiene separadores de miles mal puestos"),
        ("150 USD", "COP", "CO", "'150 USD' no es un número"),
    ],
)
def test_an_amount_the_country_cannot_read_one_way_only_is_refused(
    text, currency, country, message
):
    with pytest.raises(InputError) as error:
        clean_amount(text, currency, country=country)
    assert (error.value.field, error.value.message) == ("amount", message)
