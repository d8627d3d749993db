"""Checks shared by the apps' catalogue tests: every message translated and compiled,
and every gettext string of the app's code and templates in the catalogue."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.extract import extract
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

RECAUDO = Path(__file__).resolve().parents[1] / "recaudo"
PROJECT = ""  # the project-level catalogue, recaudo/locale, for the modules directly under recaudo/

# Django's makemessages keywords: (position of the context "c", singular, plural).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
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


def _sources(app: str) -> list[Path]:
    """The files makemessages reads for ``app``: its Python modules and templates
    (the project catalogue: only the modules directly under recaudo/)."""
    if app == PROJECT:
        return sorted(RECAUDO.glob("*.py"))
    return sorted(
        path
        for path in (RECAUDO / app).rglob("*")
        if path.suffix in {".py", ".html", ".txt"} and "migrations" not in path.parts
    )


def used_messages(app: str) -> dict[tuple, str]:
    """Every (context, message id) the app's code and templates pass to gettext, with where.

    Templates go through Django's own ``templatize`` (what makemessages does): translate
    and blocktranslate tags become gettext calls, with "%" doubled and ``trimmed`` applied.
    Plural messages are (singular, plural) tuples, as the catalogue keys them.
    """
    used: dict[tuple, str] = {}
    for path in _sources(app):
        text = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            # templatize keeps the template's indentation, which Python's tokenizer refuses;
            # the gettext calls it writes are one-line literals, so stripping lines is safe.
            lines = templatize(text, origin=str(path)).splitlines()
            text = "\n".join(line.lstrip() for line in lines)
        source = io.BytesIO(text.encode("utf-8"))
        found = extract("python", source, keywords=KEYWORDS, options={"encoding": "utf-8"})
        for lineno, message, _comments, context in found:
            where = f"{path.relative_to(RECAUDO.parent)}:{lineno}"
            used.setdefault((context or "", _key(message)), where)
    return used


def untranslated_messages(app: str, language: str, at_least: int) -> list[str]:
    """The gettext strings of the app's code and templates with no non-empty, non-fuzzy
    translation in its own catalogue, as "file:line: message"."""
    used = used_messages(app)
    assert len(used) > at_least, f"only {len(used)} gettext strings found in {app or 'recaudo'}"
    with open(RECAUDO / app / "locale" / language / "LC_MESSAGES" / "django.po", "rb") as file:
        translated = {
            (message.context or "", _key(message.id))
            for message in read_po(file)
            if message.id and all(message.string) and not message.fuzzy
        }
    return sorted(
        f"{where}: {'[' + context + '] ' if context else ''}{message!r}"
        for (context, message), where in used.items()
        if (context, message) not in translated
    )
