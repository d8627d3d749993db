"""A debtor's statement of account: every open invoice with its age, oldest first.

One place for the rows a statement shows, whatever shows them: the B2B
statement email's table (policies/rendering.py, ``estado_de_cuenta``) and a
PDF statement for attachments. Plain values, not formatted: each reader
formats money and dates in the debtor's locale.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from recaudo.portfolio.models import Debt


class StatementLine(NamedTuple):
    debt_id: int
    invoice: str  # the invoice number, else the debt's own id in the creditor's system
    description: str
    due_on: date
    age_days: int  # days past due on the statement's day; 0 or less: not yet due
    balance: Decimal  # what is still owed
    currency: str


def statement_lines(debtor: Any, today: date) -> list[StatementLine]:
    """The debtor's collectible debts with something still owed, oldest due date first.

    ``debtor``: a Debtor, anything with its ``pk``, or its id. Collectible as
    the whole balance counts it (``Debt.COLLECTIBLE``: open, or in a payment
    plan): what the debtor still owes the creditor on ``today``.
    """
    debtor_id = debtor if isinstance(debtor, int) else debtor.pk
    rows = Debt.objects.filter(debtor_id=debtor_id, status__in=Debt.COLLECTIBLE).values_list(
        "id", "invoice_number", "external_id", "description", "due_on", "amount", "amount_paid",
        "currency",
    )  # fmt: skip
    lines = [
        StatementLine(
            debt_id=debt_id,
            invoice=invoice or external_id,
            description=description,
            due_on=due_on,
            age_days=(today - due_on).days,
            balance=Decimal(amount) - Decimal(paid or 0),
            currency=currency.upper(),
        )
        for debt_id, invoice, external_id, description, due_on, amount, paid, currency in rows
    ]
    return sorted(
        (line for line in lines if line.balance > 0),
        key=lambda line: (line.due_on, line.invoice, line.debt_id),
    )


def statement_totals(lines: Iterable[StatementLine]) -> dict[str, Decimal]:
    """What the lines owe per currency, currencies in alphabetical order."""
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.balance
    return dict(sorted(totals.items()))
