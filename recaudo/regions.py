"""A debtor's region (state, autonomous community): whose public holidays apply.

Spain's autonomous communities and Brazil's states keep public holidays of
their own (Madrid on 2 May, Catalonia on 11 September, São Paulo on 9 July)
on top of the national ones. The ``holidays`` library knows them by
subdivision code (ISO 3166-2 without the country prefix: ``MD``, ``CT``,
``SP``); a debtor's ``region`` holds that code and the contact rules add the
region's days (compliance/windows.py).

Where the region comes from, in this order:

1. the import's or the API's ``region`` (a code or a name, e.g. ``SP``,
   ``São Paulo``, ``Cataluña``);
2. the phone number, where that is reliable: in Brazil the two-digit area
   code (DDD) belongs to one state, mobiles included (Anatel's numbering
   plan, Regulamento de Numeração do STFC, DDD table by state). In Spain
   mobiles (6xx, 7xx) carry no region and many debtors have only a mobile,
   so no guess is made there: the region must be given.

Without a region, only national holidays apply (as before).
"""

from __future__ import annotations

import unicodedata
from functools import cache

import holidays

# Brazil: DDD (area code) -> state (UF). Anatel, Plano de Numeração (DDD por UF).
_BRAZIL_DDD: dict[str, str] = {
    **dict.fromkeys(("11", "12", "13", "14", "15", "16", "17", "18", "19"), "SP"),
    **dict.fromkeys(("21", "22", "24"), "RJ"),
    **dict.fromkeys(("27", "28"), "ES"),
    **dict.fromkeys(("31", "32", "33", "34", "35", "37", "38"), "MG"),
    **dict.fromkeys(("41", "42", "43", "44", "45", "46"), "PR"),
    **dict.fromkeys(("47", "48", "49"), "SC"),
    **dict.fromkeys(("51", "53", "54", "55"), "RS"),
    "61": "DF",
    **dict.fromkeys(("62", "64"), "GO"),
    "63": "TO",
    **dict.fromkeys(("65", "66"), "MT"),
    "67": "MS",
    "68": "AC",
    "69": "RO",
    **dict.fromkeys(("71", "73", "74", "75", "77"), "BA"),
    "79": "SE",
    **dict.fromkeys(("81", "87"), "PE"),
    "82": "AL",
    "83": "PB",
    "84": "RN",
    **dict.fromkeys(("85", "88"), "CE"),
    **dict.fromkeys(("86", "89"), "PI"),
    **dict.fromkeys(("91", "93", "94"), "PA"),
    **dict.fromkeys(("92", "97"), "AM"),
    "95": "RR",
    "96": "AP",
    **dict.fromkeys(("98", "99"), "MA"),
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@cache
def regions(country: str) -> dict[str, str]:
    """The region codes of ``country`` with their names (empty: regions not modelled)."""
    try:
        calendar = holidays.country_holidays(country)
    except NotImplementedError:
        return {}
    codes = [code for code in calendar.subdivisions if code.isupper() and len(code) <= 3]
    names = {code: code for code in codes}
    for name, code in (getattr(calendar, "subdivisions_aliases", None) or {}).items():
        if code in names and names[code] == code:
            names[code] = name
    return names


@cache
def _lookup(country: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, name in regions(country).items():
        table[_fold(code)] = code
        table[_fold(name)] = code
    try:
        aliases = holidays.country_holidays(country).subdivisions_aliases or {}
    except (NotImplementedError, AttributeError):
        aliases = {}
    for name, code in aliases.items():
        if code in regions(country):
            table[_fold(name)] = code
    return table


def find_region(country: str, text: str) -> str | None:
    """The region code ``text`` names in ``country`` (a code or a name), or None."""
    value = _fold(text)
    if "-" in value and value.split("-", 1)[0] == _fold(country):
        value = value.split("-", 1)[1]  # ISO 3166-2 with its country: BR-SP
    return _lookup(country).get(value)


def region_from_phone(country: str, e164: str | None) -> str:
    """The region a phone number reliably belongs to, else ""."""
    if country == "BR" and e164 and e164.startswith("+55") and len(e164) >= 5:
        return _BRAZIL_DDD.get(e164[3:5], "")
    return ""
