"""Balances stay exact when several processes record payments at once."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

from django.db.models import Sum

from recaudo.portfolio.models import Debt, Payment, PaymentAllocation
from tests.factories import make_creditor, make_debt, make_debtor
from tests.helpers import ROOT, database_url


def start_workers(tmp_path, jobs: list[tuple[str, int, str]], debtor_id: int) -> list[str]:
    flag = tmp_path / "go"
    environment = {**os.environ, "DATABASE_URL": database_url(), "START_FLAG": str(flag)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.workers.pay", str(debtor_id), prefix, str(count), amount],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix, count, amount in jobs
    ]
    flag.touch()
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        outputs.append(out.strip())
    return outputs


def test_concurrent_payments_from_four_processes_keep_every_balance_exact(
    transactional_db, tmp_path
):
    creditor = make_creditor(default_currency="COP")
    debtor = make_debtor(creditor)
    debts = [make_debt(debtor, "100.00", due_on=f"2026-11-0{day}") for day in (1, 2, 3)]

    start_workers(tmp_path, [(f"w{n}", 10, "10.00") for n in range(4)], debtor.pk)

    assert Payment.objects.count() == 40
    for debt in Debt.objects.filter(pk__in=[d.pk for d in debts]):
        assert debt.amount_paid == Decimal("100.00")
        assert debt.status == "paid"
        allocated = PaymentAllocation.objects.filter(debt=debt).aggregate(total=Sum("amount"))[
            "total"
        ]
        assert allocated == Decimal("100.00")
    assert Payment.objects.aggregate(total=Sum("unallocated"))["total"] == Decimal("100.00")
    for payment in Payment.objects.all():
        allocated = payment.allocations.aggregate(total=Sum("amount"))["total"] or Decimal(0)
        assert allocated + payment.unallocated == payment.amount


def test_the_same_payment_sent_by_four_processes_is_recorded_once(transactional_db, tmp_path):
    creditor = make_creditor(default_currency="COP")
    debtor = make_debtor(creditor)
    debt = make_debt(debtor, "100.00")

    outputs = start_workers(tmp_path, [("same", 5, "30.00") for _ in range(4)], debtor.pk)

    assert sum(int(out) for out in outputs) == 5
    assert Payment.objects.count() == 5
    debt.refresh_from_db()
    assert debt.amount_paid == Decimal("100.00")
    assert Payment.objects.aggregate(total=Sum("unallocated"))["total"] == Decimal("50.00")
