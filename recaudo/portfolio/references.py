"""A debtor's payment reference: what they write on a bank transfer or a cash deposit.

Digits only (every bank form and cash counter takes them), made from the
debtor's id and two check digits by ISO 7064 MOD 97-10 (the IBAN's and
Belgium's structured-communication scheme): a single wrong digit is always
caught, and so is nearly every swap of two neighbours.

It needs no table and no query: the same debtor always has the same
reference, two debtors never share one (their ids differ), and a file of
payments is matched with one query per chunk. A debtor belongs to one
creditor, so a reference names one creditor's debtor; the import looks it up
within the creditor whose file it is. docs/payments.md, "Offline references".
"""

from __future__ import annotations

from django.utils.translation import gettext

# The id part is at least this long: references read alike and start with zeros.
BODY_DIGITS = 8


class InvalidReference(ValueError):
    """Not a reference: what is wrong, in words for the person who typed it."""


def check_digits(body: str) -> str:
    """The two MOD 97-10 check digits of a string of digits."""
    return f"{98 - int(body + '00') % 97:02d}"


def reference_for(debtor_id: int) -> str:
    """``debtor_id`` padded to 8 digits, then its two check digits: 123 -> "0000012345"."""
    body = f"{debtor_id:0{BODY_DIGITS}d}"
    return body + check_digits(body)


def grouped(reference: str) -> str:
    """In groups of four for reading aloud and copying: "0000 0123 45"."""
    return " ".join(reference[index : index + 4] for index in range(0, len(reference), 4))


def debtor_id_of(text: str) -> int:
    """The debtor id a reference names; InvalidReference when it is not one.

    Spaces, dots and dashes people add are ignored; the check digits must match.
    """
    digits = "".join(ch for ch in text if ch not in " .-\u00a0")
    if not digits.isdigit() or not digits.isascii():
        raise InvalidReference(gettext("una referencia solo lleva dígitos"))
    if len(digits) < BODY_DIGITS + 2 or len(digits) > 20:
        raise InvalidReference(
            gettext("tiene %(count)s dígitos; una referencia tiene al menos 10")
            % {"count": len(digits)}
        )
    if int(digits) % 97 != 1:
        raise InvalidReference(
            gettext("los dígitos de control no coinciden (¿un número mal copiado?)")
        )
    return int(digits[:-2])
