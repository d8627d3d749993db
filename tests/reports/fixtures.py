"""Two creditors with a few rows of every kind an export holds, at fixed moments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from recaudo.outreach.models import Outreach
from recaudo.payments.models import InstalmentPlan, NonPaymentReason, Promise
from recaudo.portfolio.models import Creditor, Debt, Debtor, Payment
from tests.factories import make_creditor, make_debt, make_debtor

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@dataclass
class Client:
    creditor: Creditor
    debtor: Debtor
    debts: list[Debt]


def client_book(name: str, prefix: str, currency: str = "COP", cents: str = ".50") -> Client:
    creditor = make_creditor(name=name, default_currency=currency)
    debtor = make_debtor(creditor, external_id=f"{prefix}-1", full_name=f"=Ana {prefix}")
    october = make_debt(
        debtor, "150000.00", external_id=f"{prefix}-D1", invoice_number="FV-1",
        description="Plan hogar octubre", currency=currency, issued_on=date(2026, 10, 1),
        due_on=date(2026, 11, 1),
    )  # fmt: skip
    november = make_debt(
        debtor, f"50000{cents}", external_id=f"{prefix}-D2", invoice_number="FV-2",
        description="Plan hogar, noviembre", currency=currency, issued_on=date(2026, 11, 1),
        due_on=date(2026, 12, 15),
    )  # fmt: skip
    Payment.objects.create(
        creditor=creditor, debtor=debtor, debt=october, external_id=f"{prefix}-P1",
        amount=Decimal("20000.00"), currency=currency, method="PSE",
        paid_at=datetime(2026, 11, 20, 14, 30, tzinfo=UTC),
    )  # fmt: skip
    Debt.objects.filter(pk=october.pk).update(amount_paid=Decimal("20000.00"))
    promise = Promise.objects.create(
        creditor=creditor, debtor=debtor, amount=Decimal("30000.00"), currency=currency,
        promised_on=date(2026, 11, 27), source="bot",
    )  # fmt: skip
    promise.debts.set([october])
    plan = InstalmentPlan.objects.create(
        creditor=creditor, debtor=debtor, currency=currency, total=Decimal(f"50000{cents}"),
        down_payment=Decimal(f"10000{cents}"), instalment_count=4, source="portal",
    )  # fmt: skip
    plan.debts.set([november])
    for debt, code, source in ((october, "hardship", "bot"), (october, "will_pay_later", "call")):
        NonPaymentReason.objects.create(
            creditor=creditor, debtor=debtor, debt=debt, code=code, source=source,
            detail="perdí el trabajo", occurred_at=datetime(2026, 11, 21, 16, 0, tzinfo=UTC),
        )  # fmt: skip
    Outreach.objects.create(
        creditor=creditor, debtor=debtor, anchor_due_on=date(2026, 11, 1),
        planned_on=date(2026, 11, 22), action="message", channel="whatsapp",
        template_key="overdue", tone="late", language="es", currency=currency,
        amount_due=Decimal("130000.00"), status="delivered",
        window_start=datetime(2026, 11, 22, 13, 0, tzinfo=UTC),
        window_end=datetime(2026, 11, 22, 23, 0, tzinfo=UTC),
        sent_at=datetime(2026, 11, 22, 13, 0, 5, tzinfo=UTC),
        delivered_at=datetime(2026, 11, 22, 13, 0, 9, tzinfo=UTC),
    )  # fmt: skip
    return Client(creditor, debtor, [october, november])
