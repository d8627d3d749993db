"""Small builders for test data: explicit values, no magic."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from recaudo.portfolio.models import ContactPoint, Creditor, Debt, Debtor

_sequence = itertools.count(1)


def make_creditor(**overrides) -> Creditor:
    number = next(_sequence)
    values = {
        "name": f"Acreedor {number}",
        "legal_name": f"Acreedor {number} S.A.S.",
        "tax_id": f"900{number:06d}",
        "country": "CO",
        "default_currency": "COP",
        "brand_name": f"Marca {number}",
        "support_email": f"soporte{number}@example.com",
    }
    values.update(overrides)
    return Creditor.objects.create(**values)


def make_debtor(creditor: Creditor, **overrides) -> Debtor:
    number = next(_sequence)
    values = {
        "external_id": f"C{number:05d}",
        "full_name": f"Deudor Número {number}",
        "first_name": "Deudor",
        "country": creditor.country,
        "timezone": "America/Bogota",
        "language": "es",
    }
    values.update(overrides)
    phone = values.pop("phone", None)
    debtor = Debtor.objects.create(creditor=creditor, **values)
    if phone:
        ContactPoint.objects.create(
            debtor=debtor, kind="phone", value=phone, channels=list(ContactPoint.PHONE_CHANNELS)
        )
    return debtor


def make_debt(debtor: Debtor, amount: str = "100000.00", **overrides) -> Debt:
    number = next(_sequence)
    values = {
        "external_id": f"F{number:06d}",
        "currency": debtor.creditor.default_currency,
        "amount": Decimal(amount),
        "issued_on": date(2026, 10, 1),
        "due_on": date(2026, 11, 1),
    }
    values.update(overrides)
    return Debt.objects.create(creditor=debtor.creditor, debtor=debtor, **values)
