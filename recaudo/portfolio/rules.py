"""Pure validation and normalisation rules for portfolio data.

Plain values in, a clean value or an ``InputError`` out. No database access, so
the same rules serve file imports, the REST API and the admin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal, overload
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.languages import get_official_languages
from babel.numbers import (
    get_currency_precision,
    get_decimal_symbol,
    get_group_symbol,
    list_currencies,
)
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext
from phonenumbers import timezone as phone_timezone
from phonenumbers.tzdata import TIMEZONE_LONGEST_PREFIX

from recaudo.countries import RULE_PACK_COUNTRIES, iso_countries


class InputError(ValueError):
    """One bad value: ``field`` names it, ``message`` says what is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# Currency codes that are ISO 4217 but never money owed by a person.
_NON_MONEY_CODES = {"XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XDR", "XSU", "XUA"}


@lru_cache(maxsize=1)
def known_currencies() -> frozenset[str]:
    return frozenset(code for code in list_currencies() if code not in _NON_MONEY_CODES)


def known_countries() -> frozenset[str]:
    """The assigned ISO 3166-1 alpha-2 codes (recaudo/countries.py says which and why)."""
    return iso_countries()


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


# The zone used when a debtor's phone number does not pin one down. Where a
# country spans several zones this is the most populous one; the contact rules
# (issue 3) evaluate windows conservatively across a country's zones anyway.
COUNTRY_DEFAULT_TIMEZONE = {
    "AR": "America/Argentina/Buenos_Aires",
    "BO": "America/La_Paz",
    "BR": "America/Sao_Paulo",
    "CL": "America/Santiago",
    "CO": "America/Bogota",
    "CR": "America/Costa_Rica",
    "DO": "America/Santo_Domingo",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "GT": "America/Guatemala",
    "HN": "America/Tegucigalpa",
    "MX": "America/Mexico_City",
    "NI": "America/Managua",
    "PA": "America/Panama",
    "PE": "America/Lima",
    "PY": "America/Asuncion",
    "SV": "America/El_Salvador",
    "US": "America/New_York",
    "UY": "America/Montevideo",
    "VE": "America/Caracas",
}

# phonenumbers still answers with a few backward-compatible aliases; store the
# canonical IANA name.
_CANONICAL_ZONE = {"America/Buenos_Aires": "America/Argentina/Buenos_Aires"}

COUNTRY_DEFAULT_LANGUAGE = {"BR": "pt", "US": "en"}
SUPPORTED_LANGUAGES = ("es", "en", "pt")


def clean_currency(raw: str, field: str = "currency") -> str:
    code = (raw or "").strip().upper()
    if not code:
        raise InputError(field, gettext("es obligatorio"))
    if code not in known_currencies():
        raise InputError(
            field,
            gettext("'%(value)s' no es un código de moneda ISO 4217") % {"value": raw.strip()},
        )
    return code


def currency_decimals(currency: str) -> int:
    return get_currency_precision(currency)


_AMOUNT_CHARS = re.compile(r"^[0-9.,]+$")
# Digits with at most two decimals after a dot: read as is, no guessing needed.
_PLAIN_AMOUNT = re.compile(r"^[0-9]{1,15}(\.[0-9]{1,2})?$")


def clean_amount(
    raw: str | int | Decimal | None,
    currency: str,
    field: str = "amount",
    country: str | None = None,
) -> Decimal:
    """Parse an amount written as people write it, exactly, for ``currency``.

    Accepts ``1234.50``, ``1234,50``, ``1.234,50``, ``1,234.50``, ``$ 1.234``,
    ``R$ 1.234,56``. With ``country`` (the debtor's or the creditor's) its way
    of writing numbers decides what a lone separator followed by three digits
    means: ``150.000`` is 150000 in Colombia, Spain or Brazil, where ``.``
    groups thousands, and 150 with three decimals (an error for MXN) in Mexico,
    where it is the decimal mark; an amount written with both marks the other
    way round (``1,234.56`` in Colombia) is refused. Without a country such a
    separator groups thousands only for currencies without decimals (CLP,
    PYG...). Whatever cannot be read one way only is refused, never guessed.
    """
    if isinstance(raw, Decimal | int) and not isinstance(raw, bool):
        value = Decimal(raw)
        text = str(raw)
    else:
        text = str(raw or "").strip()
        if not text:
            raise InputError(field, gettext("es obligatorio"))
        if _PLAIN_AMOUNT.match(text):
            value = Decimal(text)
        else:
            value = _parse_amount_text(text, currency, field, country)
    if not value.is_finite():
        raise InputError(field, _not_a_number(text))
    if value <= 0:
        raise InputError(field, _not_positive(text))
    decimals = currency_decimals(currency)
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimals:
        raise InputError(
            field,
            gettext("%(value)s tiene más decimales de los que admite %(currency)s (%(decimals)s)")
            % {"value": text, "currency": currency, "decimals": decimals},
        )
    if value >= Decimal("1e15"):
        raise InputError(field, gettext("%(value)s es demasiado grande") % {"value": text})
    return value.quantize(Decimal(1).scaleb(-decimals)) if decimals else value.quantize(Decimal(1))


@lru_cache(maxsize=256)
def number_marks(country: str) -> tuple[str, str] | None:
    """(decimal mark, thousands mark) as ``country`` writes amounts (CLDR, through Babel).

    None when the country's locale is unknown or groups with spaces only (then
    no separator is read as a thousands mark by the country's custom).
    """
    candidates = [language_for(country), *get_official_languages(country)]
    for language in candidates:
        try:
            locale = Locale.parse(f"{language}_{country}")
        except (UnknownLocaleError, ValueError):
            continue
        decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
        if decimal in ".," and group in ".," and decimal != group:
            return decimal, group
        return None
    return None


# Symbols written before or after an amount; the row's currency code is stripped too.
_CURRENCY_SYMBOLS = re.compile(r"^(?:R\$|US\$|COL\$|MX\$|S/|\$|€|£)|(?:R\$|\$|€|£)$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _parse_amount_text(text: str, currency: str, field: str, country: str | None) -> Decimal:
    cleaned = _SPACES.sub("", text)
    if cleaned.upper().endswith(currency):
        cleaned = cleaned[: -len(currency)]
    if cleaned.upper().startswith(currency):
        cleaned = cleaned[len(currency) :]
    cleaned = _CURRENCY_SYMBOLS.sub("", cleaned)
    marks = number_marks(country) if country else None
    if cleaned.startswith("-"):
        raise InputError(field, _not_positive(text))
    if not cleaned or not _AMOUNT_CHARS.match(cleaned):
        raise InputError(field, _not_a_number(text))
    last_dot, last_comma = cleaned.rfind("."), cleaned.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal_mark = "." if last_dot > last_comma else ","
        thousands = "," if decimal_mark == "." else "."
        if marks is not None and decimal_mark != marks[0]:
            raise InputError(field, _written_elsewhere(text, country or "", marks))
        integer, _, fraction = cleaned.rpartition(decimal_mark)
        if decimal_mark in integer:
            raise InputError(field, _not_a_number(text))
        integer = _strip_grouping(integer, thousands, text, field)
        normalized = f"{integer}.{fraction}"
    elif last_dot >= 0 or last_comma >= 0:
        mark = "." if last_dot >= 0 else ","
        parts = cleaned.split(mark)
        if len(parts) > 2:
            normalized = _strip_grouping(cleaned, mark, text, field)
        elif len(parts[1]) == 3 and parts[0]:
            groups_thousands = (
                marks[1] == mark if marks is not None else currency_decimals(currency) == 0
            )
            if groups_thousands:
                normalized = parts[0] + parts[1]
            else:
                raise InputError(
                    field,
                    gettext(
                        "'%(value)s' tiene 3 decimales pero %(currency)s admite %(decimals)s; "
                        "si quiso decir %(digits)s, escríbalo sin separador"
                    )
                    % {
                        "value": text,
                        "currency": currency,
                        "decimals": currency_decimals(currency),
                        "digits": parts[0] + parts[1],
                    },
                )
        else:
            normalized = f"{parts[0] or '0'}.{parts[1]}"
    else:
        normalized = cleaned
    try:
        return Decimal(normalized)
    except InvalidOperation:
        raise InputError(field, _not_a_number(text)) from None


def _written_elsewhere(text: str, country: str, marks: tuple[str, str]) -> str:
    decimal, group = marks
    return gettext(
        "'%(value)s' no está escrito como se escriben los importes en %(country)s "
        "(%(example)s: '%(group)s' separa los miles y '%(decimal)s' los decimales)"
    ) % {
        "value": text,
        "country": country,
        "example": f"1{group}234{decimal}56",
        "group": group,
        "decimal": decimal,
    }


def _not_a_number(text: str) -> str:
    return gettext("'%(value)s' no es un número") % {"value": text}


def _not_positive(text: str) -> str:
    return gettext("debe ser mayor que cero; llegó %(value)s") % {"value": text}


def _strip_grouping(text: str, mark: str, original: str, field: str) -> str:
    groups = text.split(mark)
    if not groups[0] or any(len(group) != 3 for group in groups[1:]):
        raise InputError(
            field,
            gettext("'%(value)s' tiene separadores de miles mal puestos") % {"value": original},
        )
    return "".join(groups)


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")

# Every date and time that enters (API, import, portal, webhooks) lies in this
# range, checked after conversion to UTC: a year-10000 timestamp stored once
# breaks every page that reads it (Python's datetime ends at 9999).
DATE_RANGE = (date(1900, 1, 1), date(2199, 12, 31))


def date_in_range(value: date, field: str) -> date:
    """``value`` itself; an InputError naming ``field`` outside ``DATE_RANGE``."""
    earliest, latest = DATE_RANGE
    if not earliest <= value <= latest:
        raise InputError(
            field,
            gettext("%(value)s no está entre %(earliest)s y %(latest)s")
            % {"value": value.isoformat(), "earliest": earliest, "latest": latest},
        )
    return value


def datetime_in_range(value: datetime, field: str) -> datetime:
    """An aware ``value`` whose UTC day lies in ``DATE_RANGE`` (naive values are read as UTC)."""
    try:
        in_utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except (OverflowError, ValueError):
        in_utc = None
    if in_utc is None or not DATE_RANGE[0] <= in_utc.date() <= DATE_RANGE[1]:
        earliest, latest = DATE_RANGE
        raise InputError(
            field,
            gettext("%(value)s no está entre %(earliest)s y %(latest)s UTC")
            % {"value": value.isoformat(), "earliest": earliest, "latest": latest},
        )
    return value


@overload
def clean_date(
    raw: str | date | datetime | None, field: str, *, required: Literal[True] = True
) -> date: ...
@overload
def clean_date(raw: str | date | datetime | None, field: str, *, required: bool) -> date | None: ...
def clean_date(
    raw: str | date | datetime | None, field: str, *, required: bool = True
) -> date | None:
    """Dates as ISO (2026-12-15) or day first (15/12/2026), as written in Latin America.

    Only days in ``DATE_RANGE`` are dates.
    """
    day = _parse_date(raw, field, required=required)
    return None if day is None else date_in_range(day, field)


def _parse_date(raw: str | date | datetime | None, field: str, *, required: bool) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = (raw or "").strip()
    if not text:
        if required:
            raise InputError(field, gettext("es obligatorio"))
        return None
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    # Spreadsheets often export dates with a midnight time.
    if len(text) > 10 and text[10] in " T" and text[11:].strip("0: ") == "":
        text = text[:10]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InputError(
        field,
        gettext("'%(value)s' no es una fecha (use 2026-12-15 o 15/12/2026)") % {"value": text},
    )


def clean_country(raw: str, field: str = "country") -> str:
    code = (raw or "").strip().upper()
    if not code:
        raise InputError(field, gettext("es obligatorio"))
    if code not in known_countries():
        raise InputError(
            field,
            gettext("'%(value)s' no es un código de país ISO 3166-1 asignado (p. ej. CO, MX)")
            % {"value": raw.strip()},
        )
    return code


def clean_phone(raw: str, country: str | None, field: str = "phone") -> str:
    """Return the number in E.164, reading national numbers in ``country``."""
    text = (raw or "").strip()
    if not text:
        raise InputError(field, gettext("es obligatorio"))
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        raise InputError(
            field, gettext("'%(value)s' no es un número de teléfono") % {"value": text}
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise InputError(
            field, gettext("'%(value)s' no es un número de teléfono válido") % {"value": text}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# The common case, checked cheaply; anything else goes through Django's full
# validator (quoted local parts, internationalised domains...).
_SIMPLE_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def clean_email(raw: str, field: str = "email") -> str:
    text = (raw or "").strip()
    if not text:
        raise InputError(field, gettext("es obligatorio"))
    if _SIMPLE_EMAIL.match(text):
        local, _, domain = text.rpartition("@")
        return f"{local}@{domain.lower()}"
    try:
        validate_email(text)
    except ValidationError:
        raise InputError(
            field, gettext("'%(value)s' no es una dirección de correo válida") % {"value": text}
        ) from None
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_timezone(raw: str, field: str = "timezone") -> str:
    name = (raw or "").strip()
    if name not in known_timezones():
        raise InputError(
            field,
            gettext("'%(value)s' no es una zona horaria IANA (p. ej. America/Bogota)")
            % {"value": name},
        )
    return _CANONICAL_ZONE.get(name, name)


def timezone_for(country: str, phone_e164: str | None = None) -> str:
    """The debtor's zone: the phone's zone when it names exactly one, else the country's.

    In a country with a rule pack only a phone of that country counts; in one
    without, the phone tells where the debtor is whatever its country (a
    Uruguayan number is in Montevideo). Never UTC: when neither the phone nor
    the country names a zone, ``InputError`` asks for the debtor's zone.
    """
    if phone_e164:
        # In a country without a pack the phone's own region decides.
        region = country if country in RULE_PACK_COUNTRIES else None
        # Zones are assigned by number prefix (phonenumbers looks at most
        # TIMEZONE_LONGEST_PREFIX digits), so the answer is remembered per prefix.
        key = (region or "", phone_e164[: _ZONE_PREFIX_LENGTH + 1])
        zone = _phone_zone_cache.get(key)
        if zone is None:
            zone = _phone_zone(region, phone_e164)
            if len(_phone_zone_cache) < 100_000:
                _phone_zone_cache[key] = zone
        if zone:
            return zone
    if country in COUNTRY_DEFAULT_TIMEZONE:
        return COUNTRY_DEFAULT_TIMEZONE[country]
    zones = sorted(_zones_for_country(country))
    if zones:
        return _CANONICAL_ZONE.get(zones[0], zones[0])
    raise InputError(
        "timezone",
        gettext(
            "ni el país (%(country)s) ni el teléfono indican la zona horaria del deudor; "
            "indíquela (p. ej. America/Bogota)"
        )
        % {"country": country or "-"},
    )


_ZONE_PREFIX_LENGTH = TIMEZONE_LONGEST_PREFIX
_phone_zone_cache: dict[tuple[str, str], str] = {}


def _phone_zone(region: str | None, phone_e164: str) -> str:
    """The phone's zone if it names one; "" if ``region`` is given and the phone is not from it."""
    number = phonenumbers.parse(phone_e164, None)
    if region is not None and phonenumbers.region_code_for_number(number) != region:
        return ""
    zones = [
        zone for zone in phone_timezone.time_zones_for_number(number) if zone in known_timezones()
    ]
    return _CANONICAL_ZONE.get(zones[0], zones[0]) if len(zones) == 1 else ""


def _zones_for_country(country: str) -> set[str]:
    try:
        example = phonenumbers.example_number(country)
    except Exception:
        return set()
    if example is None:
        return set()
    return {z for z in phone_timezone.time_zones_for_number(example) if z in known_timezones()}


def language_for(country: str) -> str:
    return COUNTRY_DEFAULT_LANGUAGE.get(country, "es")


def clean_language(raw: str, field: str = "language") -> str:
    code = (raw or "").strip().lower()[:2]
    if code not in SUPPORTED_LANGUAGES:
        raise InputError(
            field,
            gettext("'%(value)s' no es un idioma admitido (%(languages)s)")
            % {"value": raw, "languages": ", ".join(SUPPORTED_LANGUAGES)},
        )
    return code


def clean_tags(raw: str | list[str] | None) -> list[str]:
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else re.split(r"[|;,]", raw)
    return sorted({str(item).strip().lower() for item in items if str(item).strip()})


def local_zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class Allocation:
    debt_id: int
    amount: Decimal


@dataclass(frozen=True)
class OpenDebt:
    debt_id: int
    due_on: date
    balance: Decimal


def allocate_payment(
    amount: Decimal, debts: list[OpenDebt], *, target_debt_id: int | None = None
) -> tuple[list[Allocation], Decimal]:
    """Split a payment over open debts: the named debt first, then oldest due first.

    Returns the allocations and what is left over (an overpayment, kept as the
    debtor's credit). Exact: the allocations plus the remainder equal ``amount``.
    """
    ordered = sorted(debts, key=lambda d: (d.debt_id != target_debt_id, d.due_on, d.debt_id))
    remaining = amount
    allocations = []
    for debt in ordered:
        if remaining <= 0:
            break
        if debt.balance <= 0:
            continue
        share = min(debt.balance, remaining)
        allocations.append(Allocation(debt.debt_id, share))
        remaining -= share
    return allocations, remaining


# Legal-form suffixes of company names, per country, as written in trade names.
# Sources are listed with each country in docs/importing.md ("Probable companies").
COMPANY_SUFFIXES: dict[str, tuple[str, ...]] = {
    "CO": ("S.A.S.", "S.A.", "Ltda.", "S. en C.", "S.C.A.", "E.U."),
    "MX": ("S.A. de C.V.", "S. de R.L. de C.V.", "S.A.P.I. de C.V.", "S. de R.L.", "S.C."),
    "CL": ("SpA", "S.A.", "Ltda.", "EIRL", "E.I.R.L."),
    "PE": ("S.A.C.", "S.A.A.", "S.R.L.", "E.I.R.L.", "S.A."),
    "AR": ("S.A.", "S.R.L.", "S.A.S."),
    "BR": ("Ltda.", "S.A.", "S/A", "ME", "EPP", "EIRELI", "MEI"),
    "ES": ("S.L.", "S.L.U.", "S.A.", "S.A.U.", "S.Coop."),
    "US": ("Inc.", "LLC", "L.L.C.", "Corp.", "Ltd."),
}


def _suffix_forms(suffix: str) -> set[str]:
    """``S.A. de C.V.`` as written with dots and as written without them."""
    dotted = " ".join(suffix.upper().replace(".", " ").split())
    bare = " ".join(part.replace(".", "") for part in suffix.upper().split())
    return {dotted, bare}


_COMPANY_FORMS = sorted(
    {form for suffixes in COMPANY_SUFFIXES.values() for s in suffixes for form in _suffix_forms(s)},
    key=len,
    reverse=True,
)
_COMPANY_PATTERN = re.compile(
    r"(?:^|\s)(?:" + "|".join(re.escape(form) for form in _COMPANY_FORMS) + r")$"
)
# The last word decides cheaply whether the full check is worth running.
_COMPANY_LAST_WORDS = frozenset(form.rsplit(" ", 1)[-1] for form in _COMPANY_FORMS)


def looks_like_company(name: str) -> bool:
    """Whether ``name`` ends in a company's legal form (``Ferretería El Tornillo S.A.S.``)."""
    last = name[name.rfind(" ") + 1 :].upper().replace(".", "")
    if last not in _COMPANY_LAST_WORDS:
        return False
    words = name.upper().replace(",", " ").split()
    dotted = " ".join(" ".join(words).replace(".", " ").split())
    bare = " ".join(word.replace(".", "") for word in words)
    return bool(_COMPANY_PATTERN.search(dotted) or _COMPANY_PATTERN.search(bare))


def clean_preferred_hours(
    hours_from: time | None, hours_to: time | None
) -> tuple[time | None, time | None]:
    """A debtor's preferred hours: both or neither, the start before the end, same day."""
    if hours_from is None and hours_to is None:
        return None, None
    if hours_from is None or hours_to is None:
        raise InputError(
            "preferred_hours", gettext("Indique las dos horas (desde y hasta), o ninguna.")
        )
    if hours_from >= hours_to:
        raise InputError(
            "preferred_hours",
            gettext("La hora «desde» (%(start)s) debe ser anterior a «hasta» (%(end)s).")
            % {"start": hours_from.strftime("%H:%M"), "end": hours_to.strftime("%H:%M")},
        )
    return hours_from, hours_to
