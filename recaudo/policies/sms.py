"""How many SMS parts a text takes: GSM-7 or UCS-2, as the operators count them.

A text written only with the GSM 03.38 alphabet travels in GSM-7: 160
characters in one message, 153 per part once it is split (the other seven
carry the header that joins the parts). The characters of the extension
table (``€ [ ] { } \\ ~ ^ |`` and the form feed) take two of those places
each, and a part never ends between the two. One character outside the
alphabet (á, í, ó, ú, ã, ç, an emoji) sends the whole text in UCS-2: 70
UTF-16 units in one message, 67 per part; an emoji is two units, never
split. Pure: no Django, no database (docs/templates.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Encoding = Literal["gsm7", "ucs2"]
GSM7: Encoding = "gsm7"
UCS2: Encoding = "ucs2"

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
# (places in a single message, places per part of a split one)
LIMITS: dict[str, tuple[int, int]] = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class SmsCount:
    characters: int  # what a person counts (code points)
    encoding: Encoding
    units: int  # septets (GSM-7) or UTF-16 units (UCS-2)
    segments: int
    per_segment: int  # the places of one part at this length (160/153 or 70/67)
    outside_gsm7: tuple[str, ...]  # the characters that forced UCS-2, first seen first
    remaining: int  # places left in the last part before another part is needed


def _size(character: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if character in GSM7_EXTENSION else 1
    return 2 if ord(character) > 0xFFFF else 1


def count(text: str) -> SmsCount:
    """The encoding, the units and the number of parts ``text`` is sent in."""
    outside: dict[str, None] = {}
    for character in text:
        if character not in GSM7_BASIC and character not in GSM7_EXTENSION:
            outside.setdefault(character, None)
    encoding: Encoding = UCS2 if outside else GSM7
    sizes = [_size(character, encoding) for character in text]
    units = sum(sizes)
    single, part = LIMITS[encoding]
    if units == 0:
        return SmsCount(0, encoding, 0, 0, single, (), single)
    if units <= single:
        return SmsCount(len(text), encoding, units, 1, single, tuple(outside), single - units)
    segments, used = 1, 0
    for size in sizes:
        if used + size > part:  # a two-place character is never split between parts
            segments, used = segments + 1, 0
        used += size
    return SmsCount(len(text), encoding, units, segments, part, tuple(outside), part - used)
