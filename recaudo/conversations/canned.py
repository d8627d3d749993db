"""Canned answers an agent inserts into the reply box and edits before sending.

The button shows a short label in the agent's language; the text it inserts
is in the debtor's language (Spanish when there is no catalogue for it), with
the debtor's first name and what they owe filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from recaudo.policies.rendering import format_money, locale_for
from recaudo.portfolio.models import Debt, Debtor


@dataclass(frozen=True)
class Canned:
    label: Promise | str
    text: Promise | str  # may use %(name)s and %(balance)s


CANNED_ANSWERS = (
    Canned(
        _("Saludo"),
        _("Hola, %(name)s. Le habla una persona del equipo de cobranza. ¿En qué le puedo ayudar?"),
    ),
    Canned(
        _("Saldo"),
        _(
            "Su saldo pendiente es de %(balance)s. Puede pagarlo desde el enlace de pago "
            "que le enviamos."
        ),
    ),
    Canned(
        _("Comprobante recibido"),
        _("Recibimos su comprobante; lo revisamos y le confirmamos hoy mismo."),
    ),
    Canned(
        _("Plan de cuotas"),
        _("Podemos ofrecerle un plan de cuotas. ¿Cuánto podría pagar al mes?"),
    ),
)


def canned_text(index: int, debtor: Debtor) -> str:
    """Canned answer ``index`` for ``debtor``, in their language, placeholders filled.

    Raises ``IndexError`` for an unknown index.
    """
    if not 0 <= index < len(CANNED_ANSWERS):
        raise IndexError(index)
    language = (debtor.language or "es")[:2].lower()
    with translation.override(language):
        return str(CANNED_ANSWERS[index].text) % {
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
