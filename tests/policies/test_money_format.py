"""The compiled money formatter writes exactly what Babel writes."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recaudo.policies.rendering import _babel_money, _money_shape, format_money

# Every country Recaudo ships rules for, in each language it writes, with the
# local currency and the dollar and euro; plus locales with unusual shapes.
LOCALES = [
    "es_MX", "es_CO", "es_CL", "es_PE", "es_AR", "es_ES", "es_US", "es",
    "pt_BR", "pt", "en_US", "en", "fr_FR", "de_CH", "en_IN", "ar_EG",
]  # fmt: skip
CURRENCIES = ["MXN", "COP", "CLP", "PEN", "ARS", "EUR", "USD", "BRL", "JPY", "KWD", "INR"]

amounts = st.decimals(
    min_value=Decimal("-10000000000"),
    max_value=Decimal("10000000000"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)


@settings(max_examples=400, deadline=None)
@given(
    amount=amounts,
    locale=st.sampled_from(LOCALES),
    currency=st.sampled_from(CURRENCIES),
)
def test_any_amount_in_any_locale_and_currency_reads_as_babel_writes_it(amount, locale, currency):
    assert format_money(amount, currency, locale) == _babel_money(amount, currency, locale)


@pytest.mark.parametrize(
    ("amount", "currency", "locale"),
    [
        ("0.005", "MXN", "es_MX"),  # half to even: 0.00
        ("0.015", "MXN", "es_MX"),  # half to even: 0.02
        ("1234.5", "CLP", "es_CL"),  # no minor unit: rounds to 1.234
        ("1235.5", "CLP", "es_CL"),
        ("9999.995", "EUR", "es_ES"),  # rounding carries into a new group
        ("1234", "EUR", "es"),  # four digits, grouped or not as CLDR says
        ("12345678901234.56", "COP", "es_CO"),
        ("1.100", "KWD", "en"),  # three minor digits
    ],
)
def test_rounding_and_grouping_edges_match_babel(amount, currency, locale):
    assert format_money(Decimal(amount), currency, locale) == _babel_money(
        Decimal(amount), currency, locale
    )


def test_the_shipped_locales_use_the_compiled_formatter():
    for locale, currency in [("es_MX", "MXN"), ("es_CO", "COP"), ("es_CL", "CLP"),
                             ("pt_BR", "BRL"), ("en_US", "USD"), ("es_ES", "EUR")]:  # fmt: skip
        assert _money_shape(currency, locale) is not None, (locale, currency)


def test_a_grouping_the_shape_cannot_express_goes_to_babel():
    assert _money_shape("INR", "en_IN") is None
    assert format_money(Decimal("1234567.5"), "INR", "en_IN") == "₹12,34,567.50"


def test_negative_zero_and_amounts_too_long_to_round_are_written_by_babel():
    assert format_money(Decimal("-0"), "USD", "en_US") == _babel_money(
        Decimal("-0"), "USD", "en_US"
    )
    huge = Decimal("1E+30")
    with pytest.raises(Exception):  # noqa: B017 - Babel's own error, whatever its class
        _babel_money(huge, "MXN", "es_MX")
    with pytest.raises(Exception):  # noqa: B017
        format_money(huge, "MXN", "es_MX")  # never an empty amount
