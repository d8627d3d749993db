"""The WhatsApp templates Recaudo uses, read from its database for the sandbox to approve."""

from __future__ import annotations

from recaudo.policies.models import Template


def approved_whatsapp_templates() -> list[tuple[str, str, int]]:
    """(name, language, number of body parameters) of every template naming a WhatsApp one."""
    rows = Template.objects.exclude(whatsapp_template_name="").values_list(
        "whatsapp_template_name", "whatsapp_template_language", "language", "whatsapp_parameters"
    )
    found = {
        (name, whatsapp_language or language, len(parameters or []))
        for name, whatsapp_language, language, parameters in rows
    }
    return sorted(found)
