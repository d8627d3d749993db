"""National and tax ids in each country's own format, with correct check digits.

Used by ``recaudo seed`` so that demo data passes the same checks a real
creditor's data would (a RUT, CPF or NIT with a wrong check digit is the first
thing a collections team notices).
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date

from recaudo.sandbox.demo.data import MEXICAN_STATES


def rut_check_digit(body: int) -> str:
    """Chile's RUT/RUN: modulo 11 with weights 2..7 from the right; 10 is written K."""
    total = sum(int(digit) * (2 + index % 6) for index, digit in enumerate(reversed(str(body))))
    value = 11 - total % 11
    return {11: "0", 10: "K"}.get(value, str(value))


def format_rut(body: int) -> str:
    return f"{body:,}".replace(",", ".") + "-" + rut_check_digit(body)


def cpf_check_digits(base: str) -> str:
    """Brazil's CPF: two modulo-11 digits over the first nine."""
    digits = [int(ch) for ch in base]
    for _ in range(2):
        total = sum(d * w for d, w in zip(digits, range(len(digits) + 1, 1, -1), strict=True))
        remainder = total * 10 % 11
        digits.append(0 if remainder == 10 else remainder)
    return "".join(str(d) for d in digits[-2:])


def format_cpf(base: str) -> str:
    full = base + cpf_check_digits(base)
    return f"{full[:3]}.{full[3:6]}.{full[6:9]}-{full[9:]}"


def cnpj_check_digits(base: str) -> str:
    """Brazil's CNPJ: two modulo-11 digits over the first twelve."""
    digits = [int(ch) for ch in base]
    for weights in ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        digits.append(0 if remainder < 2 else 11 - remainder)
    return "".join(str(d) for d in digits[-2:])


def format_cnpj(base: str) -> str:
    full = base + cnpj_check_digits(base)
    return f"{full[:2]}.{full[2:5]}.{full[5:8]}/{full[8:12]}-{full[12:]}"


_NIT_WEIGHTS = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)


def nit_check_digit(body: str) -> str:
    """Colombia's NIT (DIAN): prime weights from the right, modulo 11."""
    total = sum(int(d) * w for d, w in zip(reversed(body), _NIT_WEIGHTS, strict=False))
    remainder = total % 11
    return str(remainder if remainder < 2 else 11 - remainder)


_RUC_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def mod11_check_digit(body: str) -> int | None:
    """Peru's RUC and Argentina's CUIT share weights; None when no digit fits (CUIT)."""
    value = 11 - sum(int(d) * w for d, w in zip(body, _RUC_WEIGHTS, strict=True)) % 11
    return {11: 0, 10: None}.get(value, value)


def ruc_check_digit(body: str) -> int:
    digit = mod11_check_digit(body)
    return 0 if digit is None else digit  # SUNAT writes 10 as 0


_CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
_RFC_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"


def curp_check_digit(first17: str) -> str:
    total = sum(_CURP_ALPHABET.index(ch) * (18 - index) for index, ch in enumerate(first17))
    return str((10 - total % 10) % 10)


def rfc_check_digit(without_digit: str) -> str:
    """Mexico's RFC: a company's 11 characters are padded with a leading space to 12."""
    padded = without_digit.rjust(12)
    total = sum(_RFC_ALPHABET.index(ch) * (13 - index) for index, ch in enumerate(padded))
    remainder = total % 11
    if remainder == 0:
        return "0"
    return "A" if 11 - remainder == 10 else str(11 - remainder)


def _upper_plain(text: str) -> str:
    # Ñ is written X in a CURP; other accents are dropped.
    text = text.upper().replace("Ñ", "X")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalpha())


def _first_inner(text: str, letters: str) -> str:
    return next((ch for ch in text[1:] if ch in letters), "X")


# RENAPO's "palabras inconvenientes": when the first four letters spell one,
# the second letter becomes X.
_INCONVENIENT = frozenset(
    (
        "BACA",
        "BAKA",
        "BUEI",
        "BUEY",
        "CACA",
        "CACO",
        "CAGA",
        "CAGO",
        "CAKA",
        "CAKO",
        "COGE",
        "COGI",
        "COJA",
        "COJE",
        "COJI",
        "COJO",
        "COLA",
        "CULO",
        "FALO",
        "FETO",
        "GETA",
        "GUEI",
        "GUEY",
        "JETA",
        "JOTO",
        "KACA",
        "KACO",
        "KAGA",
        "KAGO",
        "KAKA",
        "KAKO",
        "KOGE",
        "KOGI",
        "KOJA",
        "KOJE",
        "KOJI",
        "KOJO",
        "KOLA",
        "KULO",
        "LILO",
        "LOCA",
        "LOCO",
        "LOKA",
        "LOKO",
        "MAME",
        "MAMO",
        "MEAR",
        "MEAS",
        "MEON",
        "MIAR",
        "MION",
        "MOCO",
        "MOKO",
        "MULA",
        "MULO",
        "NACA",
        "NACO",
        "PEDA",
        "PEDO",
        "PENE",
        "PIPI",
        "PITO",
        "POPO",
        "PUTA",
        "PUTO",
        "QULO",
        "RATA",
        "ROBA",
        "ROBE",
        "ROBO",
        "RUIN",
        "SENO",
        "TETA",
        "VACA",
        "VAGA",
        "VAGO",
        "VAKA",
        "VUEI",
        "VUEY",
        "WUEI",
        "WUEY",
    )
)


def curp(
    rng: random.Random, given: list[str], surnames: list[str], birth: date, female: bool
) -> str:
    paternal = _upper_plain(surnames[0].split()[-1])
    maternal = _upper_plain(surnames[-1].split()[-1]) if len(surnames) > 1 else "X"
    # "María" and "José" as a first of two names are skipped, as RENAPO does.
    name = given[1] if len(given) > 1 and given[0] in {"María", "José"} else given[0]
    name = _upper_plain(name)
    vowels, consonants = "AEIOU", "BCDFGHJKLMNPQRSTVWXYZ"
    initials = paternal[0] + _first_inner(paternal, vowels) + maternal[0] + name[0]
    if initials in _INCONVENIENT:
        initials = initials[0] + "X" + initials[2:]
    body = (
        initials
        + f"{birth:%y%m%d}"
        + ("M" if female else "H")
        + rng.choice(MEXICAN_STATES)
        + _first_inner(paternal, consonants)
        + _first_inner(maternal, consonants)
        + _first_inner(name, consonants)
        + (str(rng.randrange(10)) if birth.year < 2000 else rng.choice("ABCDEFGH"))
    )
    return body + curp_check_digit(body)


_RFC_SKIPPED_WORDS = frozenset({"DE", "DEL", "LA", "LAS", "EL", "LOS", "Y", "E"})


def company_rfc(rng: random.Random, legal_name: str, founded: date) -> str:
    words = [w for w in _upper_plain_words(legal_name) if w not in _RFC_SKIPPED_WORDS]
    # SAT's rule: three initials; from two words, one letter and then two.
    if len(words) >= 3:
        initials = "".join(word[0] for word in words[:3])
    elif len(words) == 2:
        initials = words[0][0] + words[1][:2]
    else:
        initials = (words[0] if words else "")[:3]
    initials = initials.ljust(3, "X")
    homoclave = "".join(rng.choice("123456789ABCDEFGHIJKLMNPQRSTUVWXYZ") for _ in range(2))
    body = f"{initials}{founded:%y%m%d}{homoclave}"
    return body + rfc_check_digit(body)


def _upper_plain_words(text: str) -> list[str]:
    # Legal suffixes (S.A. de C.V.) are not part of the name's initials.
    name = text.split(" S.")[0]
    return [_upper_plain(word) for word in name.split() if _upper_plain(word)]


def person_id(
    rng: random.Random,
    country: str,
    given: list[str],
    surnames: list[str],
    birth: date,
    female: bool,
) -> tuple[str, str]:
    """(document type, number) for a person, as written locally."""
    if country == "MX":
        return "CURP", curp(rng, given, surnames, birth, female)
    if country == "CO":
        # Cédulas issued since 2003 have ten digits starting 10; older ones eight.
        if birth.year >= 1985:
            return "CC", str(rng.randrange(1_000_000_000, 1_100_000_000))
        return "CC", str(rng.randrange(10_000_000, 99_999_999))
    if country == "CL":
        return "RUT", format_rut(rng.randrange(5_000_000, 26_000_000))
    if country == "PE":
        return "DNI", f"{rng.randrange(10_000_000, 80_000_000):08d}"
    if country == "AR":
        return "DNI", f"{rng.randrange(12_000_000, 46_000_000):,}".replace(",", ".")
    if country == "BR":
        base = f"{rng.randrange(10**8, 10**9):09d}"
        return "CPF", format_cpf(base)
    raise ValueError(f"no person id for {country}")


def company_id(rng: random.Random, country: str, legal_name: str, founded: date) -> tuple[str, str]:
    """(document type, number) for a company, as written locally."""
    if country == "MX":
        return "RFC", company_rfc(rng, legal_name, founded)
    if country == "CO":
        body = str(rng.randrange(900_000_000, 902_000_000))
        return "NIT", f"{body}-{nit_check_digit(body)}"
    if country == "CL":
        return "RUT", format_rut(rng.randrange(76_000_000, 78_000_000))
    if country == "PE":
        body = f"20{rng.randrange(10**8):08d}"
        return "RUC", f"{body}{ruc_check_digit(body)}"
    if country == "AR":
        while True:
            body = f"30{rng.randrange(50_000_000, 72_000_000):08d}"
            digit = mod11_check_digit(body)
            if digit is not None:  # a 10 would need the 33 prefix; draw again instead
                return "CUIT", f"{body[:2]}-{body[2:]}-{digit}"
    if country == "BR":
        base = f"{rng.randrange(10**7, 10**8):08d}0001"
        return "CNPJ", format_cnpj(base)
    raise ValueError(f"no company id for {country}")
