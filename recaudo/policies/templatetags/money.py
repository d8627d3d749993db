"""``{% money amount currency country %}``: an amount as the reader's locale writes it.

Staff pages (the inbox, the call list, the admin) write money the way the
portal and the messages do (``rendering.format_money``, Babel): the active
language with the debtor's country, the currency's own decimals, and its
symbol or code. Never ``599.0000 MXN`` or a bare ``1522,17``.
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from recaudo.policies.rendering import format_money, locale_for

register = template.Library()


def reader_money(amount: Decimal | None, currency: str, country: str = "") -> str:
    """``amount`` for whoever reads the page now: their language, the money's country."""
    if amount is None or not currency:
        return "—"
    return format_money(Decimal(amount), currency, locale_for(get_language() or "es", country))


@register.simple_tag
def money(amount: Decimal | None, currency: str, country: str = "") -> str:
    return reader_money(amount, currency, country)
