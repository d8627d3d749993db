"""How a debtor can pay besides the card: the provider's local methods by name, and
offline, a transfer or cash deposit with their payment reference (docs/payments.md)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date as babel_date

from recaudo.payments.methods import label_for, methods_for
from recaudo.payments.models import BankAccount
from recaudo.payments.terms import debtor_today, terms_for
from recaudo.policies.rendering import format_money
from recaudo.portfolio.models import Debtor
from recaudo.portfolio.references import grouped, reference_for


@functools.lru_cache(maxsize=1024)
def long_date(day: date, locale: str) -> str:
    return babel_date(day, format="long", locale=locale)


@dataclass(frozen=True)
class MethodRow:
    code: str
    label: str


def payment_reference(debtor: Debtor) -> str:
    """The debtor's reference as they read and type it: "0000 0123 20"."""
    return grouped(reference_for(debtor.pk))


def bank_account_of(creditor_id: int) -> BankAccount | None:
    return BankAccount.objects.filter(creditor_id=creditor_id).first()


def local_methods_context(debtor: Debtor, provider: str, currency: str) -> dict[str, Any]:
    """The portal's "Medios de pago" block: online methods, and the transfer details."""
    account = bank_account_of(debtor.creditor_id)
    return {
        "online_methods": [
            MethodRow(code=method.code, label=label_for(method.code))
            for method in methods_for(provider, debtor.country, currency)
        ],
        "bank_account": account,
        "payment_reference": payment_reference(debtor) if account else "",
    }


def voucher_context(debtor: Debtor, account: BankAccount, locale: str) -> dict[str, Any]:
    """The printable cash voucher: who pays whom, how much is owed, and the reference."""
    terms = terms_for(debtor)
    today = debtor_today(debtor)
    return {
        "bank_account": account,
        "payment_reference": payment_reference(debtor),
        "debtor_name": debtor.full_name,
        "total": format_money(terms.total, terms.currency, locale),
        "issued_on": long_date(today, locale),
    }
