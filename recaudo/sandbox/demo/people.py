"""Who the demo debtors are: names, national ids, mobile numbers and e-mails."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

import phonenumbers

from recaudo.sandbox.demo.data import (
    COMPANY_KINDS_ES,
    COMPANY_KINDS_PT,
    COMPANY_MAILBOXES,
    COMPANY_NAMES,
    LEGAL_SUFFIXES,
    MOBILE_PREFIXES,
    NAMES,
    PERSON_EMAIL_DOMAINS,
)
from recaudo.sandbox.demo.ids import company_id, person_id

_MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


@dataclass(frozen=True)
class Identity:
    full_name: str
    first_name: str  # how messages greet them
    email: str
    national_id_type: str
    national_id_number: str


def plain(text: str) -> str:
    """Lower-case ASCII letters and digits only, for e-mail addresses."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum()).lower()


def mobile_number(rng: random.Random, country: str, used: set[str]) -> str:
    """A valid, unused mobile number in E.164, shaped like the country's example number."""
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None  # phonenumbers has one for every demo country
    template = phonenumbers.national_significant_number(example)
    prefixes = MOBILE_PREFIXES.get(country, (template[:3],))
    for attempt in range(500):
        # Fall back to the example's own prefix should a listed one stop being valid.
        prefix = rng.choice(prefixes) if attempt < 250 else template[:3]
        free = len(template) - len(prefix)
        subscriber = f"{rng.randrange(10**free):0{free}d}"
        number = phonenumbers.parse(f"+{example.country_code}{prefix}{subscriber}")
        if (
            phonenumbers.is_valid_number(number)
            and phonenumbers.region_code_for_number(number) == country
            and phonenumbers.number_type(number) in _MOBILE_TYPES
        ):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in used:
                used.add(e164)
                return e164
    raise RuntimeError(f"could not build a valid mobile number for {country}")


def fixed_line(country: str) -> str:
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.FIXED_LINE)
    assert example is not None  # phonenumbers has one for every demo country
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def person(rng: random.Random, country: str, today: date, emails: set[str]) -> Identity:
    names = NAMES[country]
    female = rng.random() < 0.5
    given_pool = names.female if female else names.male
    given = [rng.choice(given_pool)]
    if rng.random() < 0.3:
        given.append(rng.choice([name for name in given_pool if name != given[0]]))
    # Two surnames, father's then mother's, as written in the Hispanic countries.
    surnames = [rng.choice(names.surnames), rng.choice(names.surnames)]
    if country == "BR":
        # Brazilians often carry one surname, and "da"/"dos" before Silva and Santos.
        if rng.random() < 0.4:
            surnames = surnames[1:]
        if surnames[-1] in {"Silva", "Santos"} and rng.random() < 0.5:
            surnames[-1] = ("da " if surnames[-1] == "Silva" else "dos ") + surnames[-1]
    birth = today - timedelta(days=rng.randint(20 * 365, 70 * 365))
    id_type, id_number = person_id(rng, country, given, surnames, birth, female)
    first, last = plain(given[0]), plain(surnames[0].split()[-1])
    local = rng.choice(
        (f"{first}.{last}", f"{first[0]}{last}", f"{first}{last}{birth:%y}", f"{first}_{last}")
    )
    domains = PERSON_EMAIL_DOMAINS.get(country, PERSON_EMAIL_DOMAINS["default"])
    email = _unique_email(rng, f"{local}@{rng.choice(domains)}", emails)
    return Identity(" ".join([*given, *surnames]), given[0], email, id_type, id_number)


def company(rng: random.Random, country: str, today: date, emails: set[str]) -> Identity:
    kind = rng.choice(COMPANY_KINDS_PT if country == "BR" else COMPANY_KINDS_ES)
    if rng.random() < 0.2:
        surname = rng.choice(NAMES[country].surnames)
        short = f"{kind} Irmãos {surname}" if country == "BR" else f"{kind} {surname} Hermanos"
    else:
        short = f"{kind} {rng.choice(COMPANY_NAMES[country])}"
    full_name = f"{short} {rng.choice(LEGAL_SUFFIXES[country])}"
    mailbox = rng.choice(COMPANY_MAILBOXES.get(country, COMPANY_MAILBOXES["default"]))
    email = _unique_email(rng, f"{mailbox}@{plain(short)}.example", emails)
    founded = today - timedelta(days=rng.randint(400, 9000))
    id_type, id_number = company_id(rng, country, full_name, founded)
    return Identity(full_name, short, email, id_type, id_number)


def _unique_email(rng: random.Random, email: str, used: set[str]) -> str:
    local, _, domain = email.partition("@")
    candidate = email
    while candidate in used:
        candidate = f"{local}{rng.randint(2, 999)}@{domain}"
    used.add(candidate)
    return candidate
