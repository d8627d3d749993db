"""Two worker processes charging direct debits on one PostgreSQL never charge twice.

Each claims due instalments with ``select_for_update(skip_locked)`` and writes
one attempt row per instalment before calling the provider (the sandbox,
speaking Stripe's API), so every instalment is charged exactly once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from recaudo.payments.models import DebitAttempt, Instalment, InstalmentPlan, Mandate
from recaudo.portfolio.models import Debt, Payment
from recaudo.sandbox.debit import Method
from recaudo.sandbox.payments import PAYMENTS_KEY
from tests.factories import make_creditor, make_debt, make_debtor
from tests.helpers import ROOT, database_url

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgres" not in os.environ.get("DATABASE_URL", ""),
        reason="two workers claiming side by side need PostgreSQL (SKIP LOCKED)",
    ),
]

DEBTORS = 24
DUE = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


def _plans(fake) -> list[Instalment]:
    creditor = make_creditor(brand_name="Tienda Sol")
    due = []
    for number in range(DEBTORS):
        debtor = make_debtor(creditor)
        make_debt(debtor, "100000.00", due_on=date(2026, 10, 1))
        plan = InstalmentPlan.objects.create(
            creditor=creditor,
            debtor=debtor,
            currency="COP",
            total=Decimal("100000.00"),
            down_payment=Decimal("50000.00"),
            instalment_count=1,
        )
        plan.debts.set(Debt.objects.filter(debtor=debtor))
        due.append(
            Instalment.objects.create(plan=plan, number=0, due_on=DUE, amount=Decimal("50000.00"))
        )
        Instalment.objects.create(
            plan=plan, number=1, due_on=date(2026, 12, 20), amount=Decimal("50000.00")
        )
        customer, method = f"cus_t{number}", f"pm_t{number}"
        fake.customers[customer] = {"id": customer, "object": "customer"}
        fake.methods[method] = Method(method, "4242424242424242", customer)
        Mandate.objects.create(
            reference=f"mandate-{number}",
            creditor=creditor,
            debtor=debtor,
            plan=plan,
            provider="sandbox",
            status="active",
            customer_id=customer,
            method_id=method,
            brand="visa",
            last4="4242",
            channel="portal",
        )
    return due


def test_two_workers_charge_each_due_instalment_exactly_once(payment_sandbox, tmp_path: Path):
    fake = payment_sandbox.runner.app[PAYMENTS_KEY].debit
    due = _plans(fake)
    flag = tmp_path / "go"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SANDBOX_URL": payment_sandbox.url,
        "SANDBOX_PAYMENTS_ENABLED": "true",
        "START_FLAG": str(flag),
        "LOG_LEVEL": "WARNING",
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.workers.debit", NOW.isoformat(), "3"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(3)  # both have started Django and wait for the flag
    flag.touch()
    outputs = [worker.communicate(timeout=180) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], [err for _, err in outputs]
    charged = [int(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert sum(charged) == DEBTORS
    assert DebitAttempt.objects.count() == DEBTORS
    assert sorted(DebitAttempt.objects.values_list("instalment_id", flat=True)) == sorted(
        item.pk for item in due
    )
    assert set(DebitAttempt.objects.values_list("status", flat=True)) == {"succeeded"}
    assert len(fake.intents) == DEBTORS
    assert Payment.objects.count() == DEBTORS
    assert Instalment.objects.filter(number=0, status="paid").count() == DEBTORS
    assert Instalment.objects.filter(number=1, status="pending").count() == DEBTORS
