"""Payment references: stable, unique, and a typo is caught by the check digits."""

from __future__ import annotations

import pytest

from recaudo.portfolio.references import (
    InvalidReference,
    check_digits,
    debtor_id_of,
    grouped,
    reference_for,
)


def test_a_reference_is_the_padded_id_and_its_iso_7064_mod_97_10_check_digits():
    # 00000123 * 100 = 12300; 12300 mod 97 = 78; 98 - 78 = 20.
    assert check_digits("00000123") == "20"
    assert reference_for(123) == "0000012320"
    assert int(reference_for(123)) % 97 == 1
    assert grouped(reference_for(123)) == "0000 0123 20"
    assert reference_for(123_456_789) == "123456789" + check_digits("123456789")


def test_the_same_debtor_always_has_the_same_reference_and_no_two_share_one():
    references = [reference_for(debtor_id) for debtor_id in range(1, 20_001)]
    assert len(set(references)) == 20_000
    assert references[41] == reference_for(42)
    assert all(debtor_id_of(ref) == number for number, ref in enumerate(references, 1))


def test_spaces_dots_and_dashes_people_add_are_ignored():
    assert debtor_id_of(" 0000 0123-20 ") == 123
    assert debtor_id_of("0000.0123.20") == 123


def test_every_single_wrong_digit_and_every_neighbour_swap_of_a_reference_is_caught():
    reference = reference_for(4_071_385)
    for index, digit in enumerate(reference):
        for other in "0123456789":
            if other == digit:
                continue
            typo = reference[:index] + other + reference[index + 1 :]
            with pytest.raises(InvalidReference):
                debtor_id_of(typo)
    for index in range(len(reference) - 1):
        swapped = (
            reference[:index] + reference[index + 1] + reference[index] + reference[index + 2 :]
        )
        if swapped != reference:
            with pytest.raises(InvalidReference, match="dígitos de control"):
                debtor_id_of(swapped)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ABC0012320", "solo lleva dígitos"),
        ("12320", "tiene 5 dígitos"),
        ("0000012321", "los dígitos de control no coinciden"),
    ],
)
def test_what_is_not_a_reference_is_refused_saying_why(text, message):
    with pytest.raises(InvalidReference, match=message):
        debtor_id_of(text)
