"""Checks shared by the apps' catalogue tests: every message translated and compiled,
and every ``{% translate %}`` literal of the app's templates in the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

RECAUDO = Path(__file__).resolve().parents[1] / "recaudo"
TRANSLATE_TAG = re.compile(r"""\{%\s*translate\s+(["'])(.+?)\1\s*%\}""")


def _key(value):
    """A message id or string as a dict key: plural ones come as lists."""
    return value if isinstance(value, str) else tuple(value)


def catalogue(app: str, language: str) -> dict:
    """The app's messages in ``language`` by id."""
    with open(RECAUDO / app / "locale" / language / "LC_MESSAGES" / "django.po", "rb") as file:
        return {_key(message.id): message for message in read_po(file) if message.id}


def assert_complete_and_compiled(app: str, language: str) -> None:
    messages = catalogue(app, language)
    with open(RECAUDO / app / "locale" / language / "LC_MESSAGES" / "django.mo", "rb") as file:
        compiled = {
            _key(message.id): _key(message.string) for message in read_mo(file) if message.id
        }

    assert [key for key, message in messages.items() if not all(message.string)] == []
    assert [key for key, message in messages.items() if message.fuzzy] == []
    assert compiled == {key: _key(message.string) for key, message in messages.items()}


def untranslated_tags(app: str, language: str, at_least: int) -> list[str]:
    """The ``{% translate %}`` literals of the app's templates missing from its catalogue.

    Django looks a literal up with each "%" doubled, as makemessages writes it.
    """
    used = {
        match.group(2).replace("%", "%%")
        for template in (RECAUDO / app / "templates" / app).glob("*.html")
        for match in TRANSLATE_TAG.finditer(template.read_text(encoding="utf-8"))
    }
    assert len(used) > at_least, f"only {len(used)} translate tags found in {app}'s templates"
    return sorted(used - catalogue(app, language).keys())
