"""The SMS counter: GSM-7 or UCS-2 and how many parts, as the operators count them."""

from __future__ import annotations

import pytest

from recaudo.policies.sms import count


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments", "per_segment", "remaining"),
    [
        ("", "gsm7", 0, 0, 160, 160),
        ("a" * 160, "gsm7", 160, 1, 160, 0),
        ("a" * 161, "gsm7", 161, 2, 153, 145),
        ("a" * 306, "gsm7", 306, 2, 153, 0),
        ("a" * 307, "gsm7", 307, 3, 153, 152),
        ("á" * 70, "ucs2", 70, 1, 70, 0),
        ("á" * 71, "ucs2", 71, 2, 67, 63),
        ("á" * 134, "ucs2", 134, 2, 67, 0),
        ("á" * 135, "ucs2", 135, 3, 67, 66),
        # The extension table takes two places: 80 euro signs fill one message.
        ("€" * 80, "gsm7", 160, 1, 160, 0),
        ("€" * 81, "gsm7", 162, 2, 153, 143),
        # An emoji is two UTF-16 units: 35 fill one UCS-2 message.
        ("😀" * 35, "ucs2", 70, 1, 70, 0),
        ("😀" * 36, "ucs2", 72, 2, 67, 61),  # 33 in the first part: an emoji is not split
    ],
)
def test_the_counter_gives_the_encoding_and_the_parts(
    text, encoding, units, segments, per_segment, remaining
):
    counted = count(text)

    assert (counted.encoding, counted.units, counted.segments) == (encoding, units, segments)
    assert (counted.per_segment, counted.remaining) == (per_segment, remaining)
    assert counted.characters == len(text)


def test_a_two_place_character_is_not_split_between_parts():
    # 152 plain characters then "€": it does not fit in the first part's last place.
    counted = count("a" * 152 + "€" + "b" * 10)

    assert (counted.units, counted.segments, counted.remaining) == (164, 2, 153 - 12)


def test_the_characters_that_force_ucs2_are_named_once_in_order():
    counted = count("Hola Mónica y João, su pago vence mañana. Gracias, Mónica")

    assert counted.encoding == "ucs2"
    assert counted.outside_gsm7 == ("ó", "ã")  # ñ is in GSM-7
    assert count("Hola Ñandú").outside_gsm7 == ("ú",)  # Ñ is in GSM-7, ú is not
