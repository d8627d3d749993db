"""Turning a claimed contact into the message its channel sends."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext

from recaudo.conversations.choices import POSTBACK_AGENT, POSTBACK_PAID, POSTBACK_PAY, Offered
from recaudo.languages import debtor_language, django_language
from recaudo.outreach.chat_link import email_with_chat_link, sms_with_chat_link, whatsapp_chat_link
from recaudo.outreach.contract import Attachment, OutboundMessage, Suggestion
from recaudo.outreach.links import unsubscribe_link
from recaudo.outreach.notify import notice_values
from recaudo.payments.links import (
    certificate_url,
    message_tokens,
    payment_token,
    payment_url,
)
from recaudo.payments.statement import statement_filename, statement_pdf, statement_url
from recaudo.policies.default_templates import (
    SEVERAL_DEBTS_CHANNELS,
    SEVERAL_DEBTS_KEY,
    SEVERAL_DEBTS_STATEMENT_KEY,
    SUMMARISED_KEYS,
)
from recaudo.policies.models import Step, Template
from recaudo.policies.rendering import (
    RenderError,
    build_context,
    html_version,
    render,
    select_template,
    statement_in,
    whatsapp_parameter_values,
)
from recaudo.policies.segments import register_for
from recaudo.portfolio.models import Debt, Debtor
from recaudo.portfolio.statement import StatementLine, statement_lines

TEMPLATE_CACHE_SECONDS = 60.0
_templates: dict[tuple[str, str, str, int, str], tuple[float, Template | None]] = {}
_register_keys: list[tuple[float, frozenset[str]]] = []
_step_registers: dict[int, tuple[float, dict[str, frozenset[str]]]] = {}


def _whole_balance(debtor_id: int, template: Template) -> list[Debt] | None:
    """The debtor's collectible debts, when the template names their whole balance (``saldo``).

    Read only for such templates: a reminder about one instalment says "tu pago
    de {{ total }}", a balance names everything ("tu saldo de {{ saldo }}").
    """
    if "saldo" not in template.body and "saldo" not in (template.subject or ""):
        return None
    return [
        debt
        for debt in Debt.objects.filter(debtor_id=debtor_id, status__in=Debt.COLLECTIBLE)
        if debt.balance > 0
    ]


def _statement(debtor_id: int, template: Template, today: date) -> list[StatementLine] | None:
    """The debtor's statement of account, when the template shows it (``estado_de_cuenta``)."""
    if "estado_de_cuenta" not in template.body:
        return None
    return statement_lines(debtor_id, today)


class NoTemplate(Exception):
    """No template (or no usable one) for this key, channel and language."""


def cached_template(
    key: str, channel: str, language: str, creditor_id: int, register: str = ""
) -> Template | None:
    cache_key = (key, channel, language, creditor_id, register)
    hit = _templates.get(cache_key)
    now = time.monotonic()
    if hit and now - hit[0] < TEMPLATE_CACHE_SECONDS:
        return hit[1]
    template = select_template(key, channel, language, creditor_id, register)
    _templates[cache_key] = (now, template)
    return template


def clear_template_cache() -> None:
    _templates.clear()
    _register_keys.clear()
    _step_registers.clear()


def _keys_with_registers() -> frozenset[str]:
    """Template keys written per register (tú / usted); refreshed like the templates."""
    now = time.monotonic()
    if _register_keys and now - _register_keys[0][0] < TEMPLATE_CACHE_SECONDS:
        return _register_keys[0][1]
    keys = frozenset(Template.objects.exclude(register="").values_list("key", flat=True))
    _register_keys[:] = [(now, keys)]
    return keys


def _registers_of_steps(creditor_id: int) -> dict[str, frozenset[str]]:
    """Per template key, the registers of the active policies whose steps use it."""
    now = time.monotonic()
    hit = _step_registers.get(creditor_id)
    if hit and now - hit[0] < TEMPLATE_CACHE_SECONDS:
        return hit[1]
    found: dict[str, set[str]] = {}
    rows = Step.objects.filter(
        Q(policy__creditor__isnull=True) | Q(policy__creditor_id=creditor_id),
        policy__active=True,
    ).values_list("template_key", "policy__register")
    for key, register in rows:
        found.setdefault(key, set()).add(register)
    registers = {key: frozenset(values) for key, values in found.items()}
    _step_registers[creditor_id] = (now, registers)
    return registers


def debtor_register(key: str, debtor: Any, today: date) -> str:
    """The debtor's register when ``key`` has texts per register; "" otherwise.

    Only Spanish has two. The policy decides, so a notice says "usted" to the
    debtors whose reminders and bot do. A reminder's key used by policies of
    one register only needs no lookup (thousands a second); a notice's key,
    or one shared, asks the debtor's segment (``segments.register_for``).
    """
    if debtor_language(debtor.language) != "es" or key not in _keys_with_registers():
        return ""
    registers = _registers_of_steps(debtor.creditor_id).get(key, frozenset())
    if len(registers) == 1:
        return next(iter(registers))
    # The dispatcher reads plain rows; the segment rules want the model.
    model = debtor if isinstance(debtor, Debtor) else Debtor.objects.get(pk=debtor.pk)
    return register_for(model, today)


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

    ``link_token``: the message's own payment-link token when the caller
    fetched it already (the dispatcher does, for a whole batch at once).
    """
    channel = outreach.channel
    key = outreach.template_key
    register = debtor_register(key, debtor, today)
    debts = list(debts)
    own = cached_template(key, channel, debtor.language, creditor.pk, register)
    several = len(debts) > 1 and key in SUMMARISED_KEYS
    # A message about several debts carries the statement of account (the PDF lists
    # them) where the creditor sends statements on this channel (docs/templates.md).
    several_with_statement = several and _sends_statements(
        own, channel, debtor.language, creditor.pk, register
    )
    template = None
    if several and channel in SEVERAL_DEBTS_CHANNELS:
        # A short channel cannot list several debts: their count, total and first due
        # date, in the text written for that (the step's register; docs/templates.md);
        # on WhatsApp, with the statement as its document header where it goes.
        if channel == "whatsapp" and several_with_statement:
            template = cached_template(
                SEVERAL_DEBTS_STATEMENT_KEY, channel, debtor.language, creditor.pk, register
            )
        if template is None:
            template = cached_template(
                SEVERAL_DEBTS_KEY, channel, debtor.language, creditor.pk, register
            )
    if template is None:
        template = own
    if template is None and channel == "rcs":
        # RCS reuses the SMS text where no RCS template was written.
        template = cached_template(key, "sms", debtor.language, creditor.pk, register)
    if template is None:
        raise NoTemplate(f"no template '{outreach.template_key}' for {channel}")
    language = template.language
    token = link_token or _own_token(outreach, debtor.pk)
    link = payment_url(token)
    notice_context = getattr(outreach, "notice_context", None)
    context = build_context(
        balance_debts=_whole_balance(debtor.pk, template),
        creditor=creditor,
        debtor=debtor,
        debts=debts,
        statement=_statement(debtor.pk, template, today),
        payment_link=link,
        today=today,
        language=language,
        # A receipt of the last payment links the "paz y salvo" certificate.
        certificate_link=certificate_url(token)
        if (notice_context or {}).get("paid_in_full")
        else "",
        **notice_values(notice_context),
    )
    return compose_message(
        template,
        channel=channel,
        context=context,
        creditor=creditor,
        address=address,
        token=token,
        reference=f"outreach-{outreach.pk}-{outreach.attempts}",
        outreach_id=outreach.pk,
        chat_reference=getattr(debtor, "external_id", ""),
        register=template.register or register,
        with_statement=template.attach_statement or (several_with_statement and channel == "email"),
        statement_pdf=lambda: statement_pdf(_debtor_model(debtor), language=language),
        unsubscribe_url=unsubscribe_link(outreach.contact_point_id, channel)
        if channel == "email"
        else "",
    )


def compose_message(
    template: Template,
    *,
    channel: str,
    context: dict[str, Any],
    creditor: Any,
    address: str,
    token: str,
    reference: str,
    outreach_id: int | None,
    chat_reference: str,
    register: str,
    with_statement: bool,
    statement_pdf: Callable[[], bytes] | None,
    unsubscribe_url: str = "",
) -> OutboundMessage:
    """The message of ``template`` rendered with ``context``, with all that goes with it.

    The one place a template becomes what a channel sends: the WhatsApp approved
    template's parameters, link button, statement document header and quick
    replies; the email's statement PDF (``statement_pdf``; None: none to attach),
    HTML and WhatsApp invitation; the SMS's chat link; the RCS card and chips.
    The dispatcher calls it through ``build_message``; the template editor's test
    send with its sample debtor (staff/template_editor.py).
    """
    language = template.language
    link = payment_url(token)
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
    document_url = document_filename = ""
    attachments: tuple[Attachment, ...] = ()
    if with_statement:
        document_filename = statement_filename(language)
        if channel == "whatsapp" and template.whatsapp_template_name:
            # Meta fetches the PDF from the portal when it delivers the message.
            document_url = statement_url(token)
        elif channel == "email" and statement_pdf is not None:
            attachments = (Attachment(document_filename, statement_pdf()),)
    text, html = rendered.text, rendered.html
    card_title, suggestions = "", tuple[Suggestion, ...]()
    if channel in ("sms", "email"):
        # Drive to WhatsApp: a tap opens the bot's chat with the reference typed.
        chat = whatsapp_chat_link(creditor, chat_reference, language) if creditor else ""
        if channel == "sms":
            text = sms_with_chat_link(text, chat)
        elif chat:
            text = email_with_chat_link(text, chat, register, language)
            html = html_version(text, link, chat, statement=statement_in(context))
    elif channel == "rcs":
        card_title = str(context["marca"])
        suggestions = rcs_suggestions(link, language)
    return OutboundMessage(
        outreach_id=outreach_id,
        channel=channel,
        to=address,
        text=text,
        subject=rendered.subject,
        html=html,
        card_title=card_title,
        suggestions=suggestions,
        template_name=template.whatsapp_template_name if channel == "whatsapp" else "",
        template_language=(template.whatsapp_template_language or language)
        if channel == "whatsapp"
        else "",
        template_parameters=parameters,
        button_url_suffix=token if parameters else "",
        idempotency_key=reference,
        template_version=f"{template.pk} v{template.version}",
        document_url=document_url,
        document_filename=document_filename if document_url else "",
        attachments=attachments,
        quick_replies=tuple(template.whatsapp_quick_replies or ())
        if channel == "whatsapp" and template.whatsapp_template_name
        else (),
        unsubscribe_url=unsubscribe_url,
    )


def _sends_statements(
    own: Template | None, channel: str, language: str, creditor_id: int, register: str
) -> bool:
    """Whether the creditor's statements go on this channel: the step's own template
    attaches it, or the creditor's ``statement`` template for the channel does."""
    if channel not in ("whatsapp", "email"):
        return False
    if own is not None and own.attach_statement:
        return True
    statement = cached_template("statement", channel, language, creditor_id, register)
    return statement is not None and statement.attach_statement


def _debtor_model(debtor: Any) -> Debtor:
    """The debtor as a model with its creditor (the dispatcher passes plain rows)."""
    if isinstance(debtor, Debtor):
        return debtor
    return Debtor.objects.select_related("creditor").get(pk=debtor.pk)


def rcs_suggestions(payment_link: str, language: str) -> tuple[Suggestion, ...]:
    """The chips under an RCS reminder: open the payment link, talk to a person, I paid.

    Labels stay within RBM's 25 characters in every language (a test checks).
    """
    with translation.override(django_language(language)):
        return (
            Suggestion(gettext("Pagar"), POSTBACK_PAY, url=payment_link),
            Suggestion(gettext("Hablar con un asesor"), POSTBACK_AGENT),
            Suggestion(gettext("Ya pagué"), POSTBACK_PAID),
        )


def reply_message(outreach: Any, address: str) -> OutboundMessage:
    """An answer written by the bot or an agent, sent as free text."""
    context = outreach.notice_context or {}
    text = str(context.get("text") or "")
    if not text:
        raise NoTemplate("the reply has no text")
    # The buttons or list go on WhatsApp only; elsewhere the text says the same in words.
    offered = Offered.from_json(context.get("choices")) if outreach.channel == "whatsapp" else None
    return OutboundMessage(
        outreach_id=outreach.pk,
        channel=outreach.channel,
        to=address,
        text=text,
        subject=_reply_subject(outreach.language) if outreach.channel == "email" else "",
        idempotency_key=f"outreach-{outreach.pk}-{outreach.attempts}",
        choices=offered.choices if offered else (),
        choices_label=offered.label if offered else "",
    )


def _reply_subject(language: str) -> str:
    from django.utils import translation

    with translation.override(django_language(language)):
        return translation.gettext("Respuesta sobre su cuenta")


def _own_token(outreach: Any, debtor_id: int) -> str:
    """The message's own token over the debtor's live link (the debtor's for an unsaved row)."""
    token = payment_token(debtor_id)
    if getattr(outreach, "pk", None) is None:
        return token
    return message_tokens({outreach.pk: token}).get(outreach.pk, token)
