"""The results dashboards' English and Brazilian Portuguese catalogues are complete and compiled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

APP = Path(__file__).resolve().parents[2] / "recaudo" / "insights"
TRANSLATE_TAG = re.compile(r"""\{%\s*translate\s+(["'])(.+?)\1\s*%\}""")


def _key(value):
    """A message id or string as a dict key: plural ones come as lists."""
    return value if isinstance(value, str) else tuple(value)


def _po(language: str) -> dict:
    with open(APP / "locale" / language / "LC_MESSAGES" / "django.po", "rb") as file:
        return {_key(message.id): message for message in read_po(file) if message.id}


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_every_message_is_translated_none_is_fuzzy_and_the_mo_file_matches(language):
    messages = _po(language)
    with open(APP / "locale" / language / "LC_MESSAGES" / "django.mo", "rb") as file:
        compiled = {
            _key(message.id): _key(message.string) for message in read_mo(file) if message.id
        }

    assert [key for key, message in messages.items() if not all(message.string)] == []
    assert [key for key, message in messages.items() if message.fuzzy] == []
    assert compiled == {key: _key(message.string) for key, message in messages.items()}


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_every_translate_tag_in_the_results_templates_is_in_the_catalogue(language):
    used = {
        match.group(2)
        for template in (APP / "templates" / "insights").glob("*.html")
        for match in TRANSLATE_TAG.finditer(template.read_text(encoding="utf-8"))
    }

    assert len(used) > 10
    assert sorted(used - _po(language).keys()) == []
