"""The languages debtors read, and the words that change with their country.

A debtor's ``language`` is stored as a two-letter code (``es``, ``en``,
``pt``); the country supplies the variant (``pt`` + ``BR`` is Brazilian
Portuguese, ``es`` + ``MX`` Mexican Spanish). Django names its catalogues
differently (``pt-br``, whose files live in ``locale/pt_BR``), so every page
or text shown to a debtor activates ``django_language(debtor.language)``.
Babel's locale for money and dates comes from ``policies.rendering.locale_for``.

See docs/languages.md for the rules and the sources of the country words.
"""

from __future__ import annotations

import functools
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency
from django.utils.translation import get_language

# Debtor language -> the Django language whose catalogues hold its texts.
DJANGO_LANGUAGE = {"es": "es", "en": "en", "pt": "pt-br"}
DEBTOR_LANGUAGES = tuple(DJANGO_LANGUAGE)
FALLBACK = "es"

# What each country calls the first payment of an instalment plan, in the
# debtor's language (Spanish by country; see docs/languages.md for sources).
# Each with its indefinite article, for running text ("un enganche de $500").
_DOWN_PAYMENT_ES = {
    "AR": ("anticipo", "un"),
    "CL": ("pie", "un"),
    "CO": ("cuota inicial", "una"),
    "MX": ("enganche", "un"),
    "PE": ("cuota inicial", "una"),
}
_DOWN_PAYMENT_ES_OTHER = ("pago inicial", "un")
_DOWN_PAYMENT = {"pt": ("entrada", "uma"), "en": ("down payment", "a")}


def debtor_language(code: str | None) -> str:
    """``"pt-BR"``, ``"pt_br"``, ``"PT"`` -> ``"pt"``; unknown or empty -> Spanish."""
    short = (code or "").strip().replace("_", "-").split("-")[0].lower()
    return short if short in DJANGO_LANGUAGE else FALLBACK


def django_language(code: str | None) -> str:
    """The Django language code to activate for a debtor language (``pt`` -> ``pt-br``)."""
    return DJANGO_LANGUAGE[debtor_language(code)]


def down_payment_name(language: str | None, country: str | None) -> str:
    """The word for a plan's first payment: "pie" in Chile, "enganche" in Mexico..."""
    return _down_payment(language, country)[0]


def down_payment_phrase(language: str | None, country: str | None) -> str:
    """The same word with its article: "un pie", "una cuota inicial", "uma entrada"."""
    word, article = _down_payment(language, country)
    return f"{article} {word}"


def _down_payment(language: str | None, country: str | None) -> tuple[str, str]:
    code = debtor_language(language)
    if code == "es":
        return _DOWN_PAYMENT_ES.get((country or "").strip().upper(), _DOWN_PAYMENT_ES_OTHER)
    return _DOWN_PAYMENT[code]


@functools.lru_cache(maxsize=1024)
def locale_for(language: str, country: str) -> str:
    """The Babel locale for a reader: "es_CO", else "es"; unknown languages become "es"."""
    code = (language or "").strip().replace("-", "_").split("_")[0].lower() or FALLBACK
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        code = FALLBACK
    region = (country or "").strip().upper()
    if region:
        try:
            Locale.parse(f"{code}_{region}")
        except (UnknownLocaleError, ValueError):
            return code
        return f"{code}_{region}"
    return code


def staff_money(amount: Decimal | None, currency: str, country: str = "") -> str:
    """An amount on a staff page (admin lists): the reader's language, the money's country.

    ``1.522,17 MXN`` or ``$1,522.17``, never a bare ``1522,17`` or ``599.0000 MXN``.
    """
    if amount is None or not currency:
        return "-"
    locale = locale_for(get_language() or FALLBACK, country)
    text = format_currency(Decimal(amount), currency.upper(), locale=locale, currency_digits=True)
    return text.replace("\u00a0", " ").replace("\u202f", " ")
