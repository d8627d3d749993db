"""Canned answers an agent inserts into the reply box and edits before sending.

The button shows a short label in the agent's language; the text it inserts
is in the debtor's language (Spanish when there is no catalogue for it), with
the debtor's first name and what they owe filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from recaudo.languages import debtor_language, django_language
from recaudo.payments.terms import debtor_today
from recaudo.policies.models import Policy
from recaudo.policies.rendering import format_money, locale_for
from recaudo.policies.segments import register_for
from recaudo.portfolio.models import Debt, Debtor


@dataclass(frozen=True)
class Canned:
    label: Promise | str
    text: Promise | str  # "usted"; may use %(name)s and %(balance)s
    text_tu: Promise | str  # the same in "tú", for a debtor whose policy says so


CANNED_ANSWERS = (
    Canned(
        _("Saludo"),
        _("Hola, %(name)s. Le habla una persona del equipo de cobranza. ¿En qué le puedo ayudar?"),
        _("Hola, %(name)s. Te habla una persona del equipo de cobranza. ¿En qué te puedo ayudar?"),
    ),
    Canned(
        _("Saldo"),
        _(
            "Su saldo pendiente es de %(balance)s. Puede pagarlo desde el enlace de pago "
            "que le enviamos."
        ),
        _(
            "Tu saldo pendiente es de %(balance)s. Puedes pagarlo desde el enlace de pago "
            "que te enviamos."
        ),
    ),
    Canned(
        _("Comprobante recibido"),
        _("Recibimos su comprobante; lo revisamos y le confirmamos hoy mismo."),
        _("Recibimos tu comprobante; lo revisamos y te confirmamos hoy mismo."),
    ),
    Canned(
        _("Plan de cuotas"),
        _("Podemos ofrecerle un plan de cuotas. ¿Cuánto podría pagar al mes?"),
        _("Podemos ofrecerte un plan de cuotas. ¿Cuánto podrías pagar al mes?"),
    ),
)


def canned_text(index: int, debtor: Debtor, today: date | None = None) -> str:
    """Canned answer ``index`` for ``debtor``, in their language and register, filled in.

    The register is the debtor's policy's (``segments.register_for``), as in
    their reminders and the bot's answers. Raises ``IndexError`` for an
    unknown index.
    """
    if not 0 <= index < len(CANNED_ANSWERS):
        raise IndexError(index)
    language = debtor_language(debtor.language)
    canned = CANNED_ANSWERS[index]
    tu = (
        language == "es"
        and register_for(debtor, today or debtor_today(debtor)) == Policy.Register.TU
    )
    with translation.override(django_language(language)):
        return str(canned.text_tu if tu else canned.text) % {
            "name": debtor.first_name or debtor.full_name,
            "balance": owed_text(debtor, language),
        }


def owed_text(debtor: Debtor, language: str) -> str:
    """What the debtor owes now, formatted for their language and country ("$250.000,00")."""
    owed = [
        d for d in Debt.objects.filter(debtor=debtor, status__in=Debt.COLLECTIBLE) if d.balance > 0
    ]
    currency = owed[0].currency if owed else debtor.creditor.default_currency
    total = sum((d.balance for d in owed if d.currency == currency), Decimal(0))
    return format_money(total, currency, locale_for(language, debtor.country))
