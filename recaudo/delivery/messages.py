"""Turning a claimed contact into the message its channel sends."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date
from typing import Any

from recaudo.outreach.contract import OutboundMessage
from recaudo.outreach.links import unsubscribe_link
from recaudo.outreach.notify import notice_values
from recaudo.payments.links import payment_token, payment_url
from recaudo.policies.models import Template
from recaudo.policies.rendering import (
    RenderError,
    build_context,
    render,
    select_template,
    whatsapp_parameter_values,
)

TEMPLATE_CACHE_SECONDS = 60.0
_templates: dict[tuple[str, str, str, int], tuple[float, Template | None]] = {}


class NoTemplate(Exception):
    """No template (or no usable one) for this key, channel and language."""


def cached_template(key: str, channel: str, language: str, creditor_id: int) -> Template | None:
    cache_key = (key, channel, language, creditor_id)
    hit = _templates.get(cache_key)
    now = time.monotonic()
    if hit and now - hit[0] < TEMPLATE_CACHE_SECONDS:
        return hit[1]
    template = select_template(key, channel, language, creditor_id)
    _templates[cache_key] = (now, template)
    return template


def clear_template_cache() -> None:
    _templates.clear()


def build_message(
    *,
    outreach: Any,
    creditor: Any,
    debtor: Any,
    debts: Iterable[Any],
    address: str,
    today: date,
    link_token: str | None = None,
) -> OutboundMessage:
    """Render the outreach's template for its channel, language and debts.

    ``link_token``: the debtor's payment-link token when the caller fetched
    it already (the dispatcher does, for a whole batch at once).
    """
    channel = outreach.channel
    template = cached_template(outreach.template_key, channel, debtor.language, creditor.pk)
    if template is None and channel == "rcs":
        # RCS reuses the SMS text where no RCS template was written.
        template = cached_template(outreach.template_key, "sms", debtor.language, creditor.pk)
    if template is None:
        raise NoTemplate(f"no template '{outreach.template_key}' for {channel}")
    language = template.language
    token = link_token or payment_token(debtor.pk)
    link = payment_url(token)
    context = build_context(
        creditor=creditor,
        debtor=debtor,
        debts=list(debts),
        payment_link=link,
        today=today,
        language=language,
        **notice_values(getattr(outreach, "notice_context", None)),
    )
    try:
        rendered = render(
            subject=template.subject,
            body=template.body,
            channel="sms" if channel == "rcs" and template.channel == "sms" else channel,
            context=context,
        )
        parameters: tuple[str, ...] = ()
        if channel == "whatsapp" and template.whatsapp_template_name:
            parameters = tuple(whatsapp_parameter_values(template.whatsapp_parameters, context))
    except RenderError as error:
        raise NoTemplate(f"template '{template}' cannot be rendered: {error}") from error
    reference = f"outreach-{outreach.pk}-{outreach.attempts}"
    return OutboundMessage(
        outreach_id=outreach.pk,
        channel=channel,
        to=address,
        text=rendered.text,
        subject=rendered.subject,
        html=rendered.html,
        template_name=template.whatsapp_template_name if channel == "whatsapp" else "",
        template_language=(template.whatsapp_template_language or language)
        if channel == "whatsapp"
        else "",
        template_parameters=parameters,
        button_url_suffix=token if parameters else "",
        idempotency_key=reference,
        template_version=f"{template.pk} v{template.version}",
        unsubscribe_url=unsubscribe_link(outreach.contact_point_id, channel)
        if channel == "email"
        else "",
    )


def reply_message(outreach: Any, address: str) -> OutboundMessage:
    """An answer written by the bot or an agent, sent as free text."""
    text = str((outreach.notice_context or {}).get("text") or "")
    if not text:
        raise NoTemplate("the reply has no text")
    return OutboundMessage(
        outreach_id=outreach.pk,
        channel=outreach.channel,
        to=address,
        text=text,
        subject=_reply_subject(outreach.language) if outreach.channel == "email" else "",
        idempotency_key=f"outreach-{outreach.pk}-{outreach.attempts}",
    )


def _reply_subject(language: str) -> str:
    from django.utils import translation

    with translation.override(language or "es"):
        return translation.gettext("Respuesta sobre su cuenta")
