"""The template editor's reading side: the live preview, the SMS counter (RCS: the
card's bytes), WhatsApp's
parameters and approval, and the test send to the sandbox.

The preview renders with the sender's own code (``rendering.build_context`` and
``rendering.render``) for a made-up debtor of each country the creditor has,
in the template's language: the creditor's real brand and support contacts,
the country's money and dates, never a real debtor's data. The test send
builds the ``OutboundMessage`` the dispatcher would and hands it to the real
channel (``delivery.channels``), and only when that channel points at the
local sandbox (``settings.SANDBOX_URL``; email: the sandbox's SMTP server on
this machine), and never to an address a debtor has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import httpx
from babel.numbers import get_territory_currencies
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from recaudo.conversations.choices import AGENT, PAID, PAY
from recaudo.delivery.channels.rcs import CARD_DESCRIPTION_BYTES
from recaudo.delivery.channels.registry import get_channel
from recaudo.delivery.messages import NoTemplate, compose_message
from recaudo.outreach.contract import OutboundMessage, ProviderResult
from recaudo.payments.statement import statement_filename
from recaudo.policies.models import Template
from recaudo.policies.rendering import (
    PLACEHOLDERS,
    RenderError,
    build_context,
    render,
    whatsapp_parameter_values,
)
from recaudo.policies.sms import SmsCount, count
from recaudo.policies.template_checks import template_errors
from recaudo.portfolio.models import ContactPoint, Creditor, Debtor

SAMPLE_NAMES = {"es": "Camila Rojas Díaz", "pt": "Ana Souza Lima", "en": "Emma Brown"}
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# The sample debtor's payment-link token: its link in the text, the WhatsApp link
# button's suffix and the statement's document link of a test send.
SAMPLE_TOKEN = "AbC123"


@dataclass
class Preview:
    country: str
    language: str
    subject: str = ""
    text: str = ""
    error: str = ""
    sms: SmsCount | None = None
    # RCS: the text's UTF-8 bytes, against the card description's limit (above it
    # the text goes as a plain message with the chips, no card: delivery/channels/rcs.py).
    rcs_bytes: int | None = None
    rcs_card_bytes: int = CARD_DESCRIPTION_BYTES
    parameters: list[tuple[int, str, str]] = field(default_factory=list)  # (n, name, value)
    # What goes with the text: the statement PDF's file name ("" without it), and
    # WhatsApp's quick-reply buttons as (payload, what the bot does with a tap).
    statement: str = ""
    statement_where: str = ""
    quick_replies: list[tuple[str, str]] = field(default_factory=list)
    # Why the statement or the buttons would not go (no approved WhatsApp template).
    extras_note: str = ""


def quick_reply_meanings() -> dict[str, str]:
    """What the bot does with a tap on each payload it understands (conversations/choices.py)."""
    return {
        PAY: _("Pagar: el bot envía el enlace de pago"),
        AGENT: _("Hablar con un asesor: pasa a una persona"),
        PAID: _("Ya pagué: abre el reporte de pago"),
    }


def placeholders() -> list[tuple[str, str]]:
    return [(name, _(description)) for name, description in PLACEHOLDERS.items()]


def creditor_countries(creditor: Creditor | None) -> list[str]:
    """The countries of the creditor's debtors (its own country first); kept an hour."""
    if creditor is None:
        return ["CO", "MX", "BR"]
    key = f"staff:creditor-countries:{creditor.pk}"
    found = cache.get(key)
    if found is None:
        found = sorted(
            set(
                Debtor.objects.filter(creditor=creditor)
                .order_by()
                .values_list("country", flat=True)
                .distinct()[:20]
            )
        )
        cache.set(key, found, 3600)
    return [creditor.country, *(country for country in found if country != creditor.country)]


def sample_context(creditor: Creditor | None, country: str, language: str) -> dict[str, Any]:
    """A made-up debtor of ``country`` writing ``language``, owing in the country's money."""
    today = date.today()
    currencies = get_territory_currencies(country, today) or ["USD"]
    currency = currencies[0]
    owner = creditor or SimpleNamespace(
        name="Tienda Ejemplo",
        brand_name="Tienda Ejemplo",
        support_email="ayuda@example.com",
        support_phone="+57 601 555 0100",
        default_currency=currency,
    )
    full_name = SAMPLE_NAMES.get(language, SAMPLE_NAMES["es"])
    debtor = SimpleNamespace(
        full_name=full_name, first_name=full_name.split()[0], country=country, language=language
    )
    debt = SimpleNamespace(
        currency=currency,
        amount=Decimal("185000"),
        amount_paid=Decimal("0"),
        due_on=today + timedelta(days=3),
        invoice_number="FV-10234",
        description="",
    )
    return build_context(
        creditor=owner,
        debtor=debtor,
        debts=[debt],
        payment_link=f"https://pagos.example.com/p/{SAMPLE_TOKEN}",
        today=today,
        promise_date=today + timedelta(days=10),
        promise_amount=Decimal("90000"),
        paid_amount=Decimal("185000"),
        language=language,
        paid_on=today,
        payment_reference="PAY-000123",
        remaining_balance=Decimal("0"),
        certificate_link=f"https://pagos.example.com/p/{SAMPLE_TOKEN}/paz-y-salvo",
        new_due_on=today + timedelta(days=15),
        agreed_amount=Decimal("150000"),
        instalments=[
            (0, today, Decimal("55000")),
            (1, today + timedelta(days=30), Decimal("65000")),
        ],
    )


def preview(
    *,
    creditor: Creditor | None,
    country: str,
    language: str,
    channel: str,
    subject: str,
    body: str,
    whatsapp_parameters: list[str],
    attach_statement: bool = False,
    quick_replies: list[str] | None = None,
    whatsapp_template_name: str = "",
) -> Preview:
    """The message as the debtor of ``country`` would read it, or what is wrong with it.

    With what goes along as the sender builds it (``delivery.messages``): the
    statement PDF (attached to an email; a WhatsApp approved template's
    document header) and WhatsApp's quick replies; on WhatsApp both need an
    approved template, which the note says when there is none.
    """
    shown = Preview(country=country, language=language)
    whatsapp = channel == "whatsapp"
    if attach_statement and channel in ("whatsapp", "email"):
        shown.statement = statement_filename(language)
        shown.statement_where = (
            _("documento del encabezado de la plantilla aprobada")
            if whatsapp
            else _("adjunto al correo")
        )
    if whatsapp:
        meanings = quick_reply_meanings()
        shown.quick_replies = [
            (reply, meanings.get(reply, _("el bot no conoce este identificador")))
            for reply in quick_replies or []
        ]
        if (shown.statement or shown.quick_replies) and not whatsapp_template_name:
            shown.extras_note = _(
                "Sin plantilla aprobada de WhatsApp no van ni el estado de cuenta ni los botones."
            )
    errors = template_errors(
        subject=subject, body=body, channel=channel, whatsapp_parameters=whatsapp_parameters
    )
    if errors:
        shown.error = " ".join(errors.values())
        return shown
    context = sample_context(creditor, country, language)
    try:
        rendered = render(subject=subject, body=body, channel=channel, context=context)
        values = (
            whatsapp_parameter_values(whatsapp_parameters, context) if channel == "whatsapp" else []
        )
    except RenderError as error:
        shown.error = str(error)
        return shown
    shown.subject, shown.text = rendered.subject, rendered.text
    if channel == "sms":
        shown.sms = count(rendered.text)
    elif channel == "rcs":  # full Unicode in a card: no GSM-7, no segments
        shown.rcs_bytes = len(rendered.text.encode())
    shown.parameters = [
        (position, name, value)
        for position, (name, value) in enumerate(zip(whatsapp_parameters, values, strict=True), 1)
    ]
    return shown


# --- WhatsApp approval -------------------------------------------------------------------


def whatsapp_status(template: Template) -> str:
    """Whether the sandbox's WhatsApp has the template approved, in words.

    Meta's own approval is read in Meta's manager; here the sandbox (what the
    test send and the demo use) is asked for its catalogue.
    """
    if template.channel != "whatsapp":
        return ""
    if not template.whatsapp_template_name:
        return _(
            "Sin plantilla aprobada: solo se envía dentro de las 24 horas después de que el "
            "deudor escribe."
        )
    if not settings.SANDBOX_ENABLED:
        return _("La aprobación se consulta en el administrador de WhatsApp de Meta.")
    try:
        answer = httpx.get(f"{settings.SANDBOX_URL}/_sandbox/whatsapp/templates", timeout=2.0)
        approved = {
            (item["name"], item["language"]): item["parameter_count"]
            for item in answer.json()["templates"]
        }
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return _("No se pudo consultar el sandbox.")
    language = template.whatsapp_template_language or template.language
    expected = approved.get((template.whatsapp_template_name, language))
    if expected is None:
        return _("No aprobada en el sandbox (%(name)s, %(language)s).") % {
            "name": template.whatsapp_template_name,
            "language": language,
        }
    if expected != len(template.whatsapp_parameters or []):
        return _("Aprobada con %(expected)s parámetros; esta plantilla envía %(sent)s.") % {
            "expected": expected,
            "sent": len(template.whatsapp_parameters or []),
        }
    return _("Aprobada en el sandbox.")


# --- Test send ---------------------------------------------------------------------------


class TestSendRefused(ValueError):
    """The test send cannot go: the message says why."""


def sandbox_channel_problem(channel: str) -> str:
    """Why ``channel`` does not point at the local sandbox ("" when it does)."""
    config = settings.CHANNELS.get(channel, {})
    if not settings.SANDBOX_ENABLED:
        return _("El sandbox no está activo: la prueba solo se envía al sandbox.")
    if channel == "email":
        if str(config.get("host", "")) not in LOCAL_HOSTS:
            return _("El correo no apunta al servidor SMTP del sandbox.")
        return ""
    base = str(config.get("base_url", ""))
    if not base.startswith(settings.SANDBOX_URL.rstrip("/") + "/"):
        return _("El canal %(channel)s apunta a un proveedor real, no al sandbox.") % {
            "channel": channel
        }
    return ""


def test_message(template: Template, shown: Preview, to: str, reference: str) -> OutboundMessage:
    """The message the dispatcher would send with ``template`` to the preview's sample debtor.

    Built by the dispatcher's own ``delivery.messages.compose_message``, so it
    carries what a real send carries: the approved template's parameters, its
    link button, the statement as the document header and the quick replies on
    WhatsApp, the chips on RCS, the chat link on SMS. Not the email's PDF: a
    statement lists a real debtor's debts, and the sample debtor has none.
    """
    context = sample_context(template.creditor, shown.country, template.language)
    try:
        return compose_message(
            template,
            channel=template.channel,
            context=context,
            creditor=template.creditor,
            address=to,
            token=SAMPLE_TOKEN,
            reference=reference,
            outreach_id=None,
            chat_reference="",
            register=template.register,
            with_statement=template.attach_statement,
            statement_pdf=None,
        )
    except NoTemplate as error:
        raise TestSendRefused(str(error)) from error


def send_test(template: Template, shown: Preview, to: str, reference: str) -> ProviderResult:
    """Send the previewed message to ``to`` through the real channel, to the sandbox only."""
    problem = sandbox_channel_problem(template.channel)
    if problem:
        raise TestSendRefused(problem)
    if shown.error:
        raise TestSendRefused(shown.error)
    address = to.strip().lower() if "@" in to else to.replace(" ", "")
    if ContactPoint.objects.filter(value__in={address, to.strip()}).exists():
        raise TestSendRefused(
            _("Esa dirección es de un deudor: la prueba va solo a un número o correo de prueba.")
        )
    return get_channel(template.channel).send(test_message(template, shown, address, reference))
