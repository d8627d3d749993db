"""The WhatsApp templates Recaudo uses, read from its database for the sandbox to approve."""

from __future__ import annotations

import re
from dataclasses import dataclass

from recaudo.policies.models import Template


@dataclass(frozen=True)
class Approved:
    """One WhatsApp template as Meta approved it: what a send must match."""

    name: str
    language: str
    parameter_count: int
    text: str
    header: str = ""  # "document" when its header is a document (the statement)
    buttons: tuple[str, ...] = ()  # "url", "quick_reply" by index


def approved_whatsapp_templates() -> list[Approved]:
    """Every WhatsApp template of the database as registered with Meta.

    The approved text is the template's body with each placeholder named in
    ``whatsapp_parameters`` replaced by Meta's positional marker ({{1}}, ...),
    which is how the text is registered with Meta. Its buttons are the payment
    link's URL button (when it has parameters: ``delivery.messages`` sends the
    link's suffix then) and then one quick reply per ``whatsapp_quick_replies``;
    its header is a document when it carries the statement of account.
    """
    rows = Template.objects.exclude(whatsapp_template_name="").values_list(
        "whatsapp_template_name", "whatsapp_template_language", "language",
        "whatsapp_parameters", "body", "whatsapp_quick_replies", "attach_statement",
    )  # fmt: skip
    found: dict[tuple[str, str], Approved] = {}
    for name, whatsapp_language, language, parameters, body, replies, statement in rows:
        names = list(parameters or [])
        buttons = ("url",) * (1 if names else 0) + ("quick_reply",) * len(replies or [])
        code = whatsapp_language or language
        found[(name, code)] = Approved(
            name, code, len(names), meta_text(body, names),
            header="document" if statement else "", buttons=buttons,
        )  # fmt: skip
    return [found[key] for key in sorted(found)]


def meta_text(body: str, names: list[str]) -> str:
    """``Hola {{ nombre }}`` with names ["nombre"] -> ``Hola {{1}}``."""

    def positional(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"{{{{{names.index(name) + 1}}}}}" if name in names else match.group(0)

    return re.sub(r"\{\{\s*([a-z_]+)\s*\}\}", positional, body or "")
