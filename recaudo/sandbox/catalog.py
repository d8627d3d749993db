"""The WhatsApp templates Recaudo uses, read from its database for the sandbox to approve."""

from __future__ import annotations

import re

from recaudo.policies.models import Template


def approved_whatsapp_templates() -> list[tuple[str, str, int, str]]:
    """(name, language, number of body parameters, approved text) of every WhatsApp template.

    The approved text is the template's body with each placeholder named in
    ``whatsapp_parameters`` replaced by Meta's positional marker ({{1}}, ...),
    which is how the text is registered with Meta.
    """
    rows = Template.objects.exclude(whatsapp_template_name="").values_list(
        "whatsapp_template_name", "whatsapp_template_language", "language",
        "whatsapp_parameters", "body",
    )  # fmt: skip
    found: dict[tuple[str, str], tuple[int, str]] = {}
    for name, whatsapp_language, language, parameters, body in rows:
        names = list(parameters or [])
        found[(name, whatsapp_language or language)] = (len(names), meta_text(body, names))
    return sorted((name, lang, count, text) for (name, lang), (count, text) in found.items())


def meta_text(body: str, names: list[str]) -> str:
    """``Hola {{ nombre }}`` with names ["nombre"] -> ``Hola {{1}}``."""

    def positional(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"{{{{{names.index(name) + 1}}}}}" if name in names else match.group(0)

    return re.sub(r"\{\{\s*([a-z_]+)\s*\}\}", positional, body or "")
