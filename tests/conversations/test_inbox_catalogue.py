"""The English catalogue of the conversations app is complete and compiled."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

APP = Path(__file__).resolve().parents[2] / "recaudo" / "conversations"
CATALOGUE = APP / "locale" / "en" / "LC_MESSAGES"
TRANSLATE_TAG = re.compile(r"""\{%\s*translate\s+(["'])(.+?)\1\s*%\}""")


def po_messages() -> dict[str, str]:
    with open(CATALOGUE / "django.po", "rb") as file:
        catalog = read_po(file)
    return {message.id: message.string for message in catalog if message.id}


def test_every_message_has_an_english_translation_and_none_is_fuzzy():
    with open(CATALOGUE / "django.po", "rb") as file:
        catalog = read_po(file)

    untranslated = [message.id for message in catalog if message.id and not message.string]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]

    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_matches_the_po_file():
    with open(CATALOGUE / "django.mo", "rb") as file:
        compiled = {message.id: message.string for message in read_mo(file) if message.id}

    assert compiled == po_messages()


def test_every_translate_tag_in_the_inbox_templates_is_in_the_catalogue():
    known = po_messages()
    used = {
        match.group(2)
        for template in (APP / "templates" / "conversations").glob("*.html")
        for match in TRANSLATE_TAG.finditer(template.read_text(encoding="utf-8"))
    }

    assert len(used) > 50
    assert sorted(used - known.keys()) == []
