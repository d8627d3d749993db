"""A creditor with a learnable history: payers pay every month, the others break promises."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from recaudo.payments.models import Promise
from recaudo.portfolio.models import Creditor, Debt, Debtor, Payment

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
CREATED = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def history(creditor: Creditor, payers: int = 120, others: int = 120) -> tuple[list, list]:
    """(payer debtors, other debtors); each owes 100,000 COP due 15 August 2026."""
    debtors = Debtor.objects.bulk_create(
        Debtor(
            creditor=creditor, external_id=f"H{number}", full_name=f"Deudor {number}",
            country="CO", timezone="America/Bogota",
        )
        for number in range(payers + others)
    )  # fmt: skip
    Debt.objects.bulk_create(
        Debt(
            creditor=creditor, debtor=debtor, external_id=f"D{debtor.external_id}",
            currency="COP", amount=Decimal("100000.00"), due_on=date(2026, 8, 15),
        )
        for debtor in debtors
    )  # fmt: skip
    Debt.objects.filter(creditor=creditor).update(created_at=CREATED)
    paying, other = debtors[:payers], debtors[payers:]
    Payment.objects.bulk_create(
        Payment(
            creditor=creditor, debtor=debtor, external_id=f"P{debtor.pk}-{month}",
            amount=Decimal("1000.00"), currency="COP",
            paid_at=datetime(2026, month, 20, 15, 0, tzinfo=UTC),
        )
        for debtor in paying
        for month in (7, 8, 9, 10, 11)
    )  # fmt: skip
    Promise.objects.bulk_create(
        Promise(
            creditor=creditor, debtor=debtor, amount=Decimal("5000.00"), currency="COP",
            promised_on=date(2026, 7, 30), status=Promise.Status.BROKEN,
        )
        for debtor in other
    )  # fmt: skip
    return paying, other
