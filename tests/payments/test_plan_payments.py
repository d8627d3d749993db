"""Every payment of the debtor counts toward the instalments of their plan, oldest first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from recaudo.payments.actions import agree_plan, apply_provider_record
from recaudo.payments.agreements import settle_agreements
from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout, InstalmentPlan
from recaudo.payments.providers.base import ProviderRecord
from recaudo.portfolio.actions import record_payment, reverse_payment
from recaudo.portfolio.apikeys import create_key
from recaudo.portfolio.models import Debt, Payment

pytestmark = pytest.mark.django_db

# The debtor owes 1 419 567.50 COP; the plan: 283 913.50 today (2026-11-20), then two
# instalments of 567 827.00 on 2026-12-20 and 2027-01-20.
DOWN = Decimal("283913.50")
INSTALMENT = Decimal("567827.00")


@pytest.fixture
def plan(debtor, frozen) -> InstalmentPlan:
    plan = agree_plan(live_link(debtor.pk), down_payment=DOWN, count=2)
    assert list(plan.instalments.values_list("amount", flat=True)) == [DOWN, INSTALMENT, INSTALMENT]
    return plan


def _statuses(plan: InstalmentPlan) -> dict[int, str]:
    return dict(plan.instalments.values_list("number", "status"))


def _record(debtor, external_id: str, amount: Decimal) -> Payment:
    return record_payment(
        creditor=debtor.creditor,
        debtor=debtor,
        external_id=external_id,
        amount=amount,
        currency="COP",
        paid_at=timezone.now(),
        method="transfer",
        actor="test",
    ).payment


def test_a_transfer_recorded_through_the_api_pays_the_down_payment_and_the_plan_stays_active(
    debtor, plan
):
    api = Client(headers={"Authorization": f"Bearer {create_key(debtor.creditor, 'ERP').key}"})
    response = api.post(
        "/api/v1/payments",
        {
            "external_id": "TRF-1",
            "debtor_external_id": debtor.external_id,
            "amount": "283913.50",
            "currency": "COP",
            "paid_at": "2026-11-20",
            "method": "transferencia",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert _statuses(plan) == {0: "paid", 1: "pending", 2: "pending"}
    # Ten days later the plan is not broken and its debts stay in arrangement.
    assert settle_agreements(date(2026, 11, 30))["plans_broken"] == 0
    plan.refresh_from_db()
    assert plan.status == "active"
    assert set(Debt.objects.values_list("status", flat=True)) == {"paid", "in_arrangement"}


def test_a_transfer_in_an_imported_file_pays_the_instalments_it_covers(debtor, plan, tmp_path):
    path = tmp_path / "pagos.csv"
    path.write_text(
        "id_pago;id_deudor;monto;moneda;fecha_pago\n"
        f"TRF-2;{debtor.external_id};851740,50;COP;20/11/2026\n",
        encoding="utf-8",
    )
    call_command(
        "import", "payments", str(path), "--creditor", str(debtor.creditor_id), stdout=StringIO()
    )
    assert Payment.objects.get().external_id == "TRF-2"
    assert _statuses(plan) == {0: "paid", 1: "paid", 2: "pending"}
    assert settle_agreements(date(2026, 12, 30))["plans_broken"] == 0
    plan.refresh_from_db()
    assert plan.status == "active"


def test_a_provider_payment_of_the_whole_total_pays_every_instalment_and_completes_the_plan(
    debtor, plan
):
    checkout = Checkout.objects.create(
        reference="ref-all",
        link=live_link(debtor.pk),
        creditor=debtor.creditor,
        debtor=debtor,
        kind=Checkout.Kind.ALL,
        provider="sandbox",
        amount=plan.total,
        currency="COP",
    )
    apply_provider_record(
        checkout.pk, ProviderRecord("paid", "ref-all", plan.total, "COP", "pay-1", "sandbox")
    )
    plan.refresh_from_db()
    assert _statuses(plan) == {0: "paid", 1: "paid", 2: "paid"}
    assert plan.status == "completed" and plan.ended_at is not None
    assert set(Debt.objects.values_list("status", flat=True)) == {"paid"}


def test_payments_short_of_an_instalment_add_up_until_they_cover_it_oldest_first(debtor, plan):
    _record(debtor, "P-1", Decimal("200000.00"))
    assert _statuses(plan) == {0: "pending", 1: "pending", 2: "pending"}
    _record(debtor, "P-2", Decimal("100000.00"))
    assert _statuses(plan) == {0: "paid", 1: "pending", 2: "pending"}
    _record(debtor, "P-3", Decimal("551740.50"))
    assert _statuses(plan) == {0: "paid", 1: "paid", 2: "pending"}


def test_a_reversed_payment_no_longer_counts_and_its_instalment_is_pending_again(debtor, plan):
    _record(debtor, "P-1", DOWN)
    second = _record(debtor, "P-2", INSTALMENT)
    assert _statuses(plan) == {0: "paid", 1: "paid", 2: "pending"}
    assert reverse_payment(second, reason="chargeback", actor="test")
    assert _statuses(plan) == {0: "paid", 1: "pending", 2: "pending"}


def test_payments_recorded_before_the_plan_do_not_count_toward_it(debtor, frozen):
    _record(debtor, "OLD-1", Decimal("100000.00"))
    plan = agree_plan(live_link(debtor.pk), down_payment=Decimal("263913.50"), count=2)
    assert _statuses(plan) == {0: "pending", 1: "pending", 2: "pending"}


def test_the_daily_run_counts_payments_a_route_missed_before_breaking_a_plan(debtor, plan):
    # A payment stored without the follow-up (as before this change): its allocations exist.
    from recaudo.portfolio import actions

    saved = list(actions._follow_ups)
    actions._follow_ups.clear()
    try:
        _record(debtor, "P-1", DOWN)
    finally:
        actions._follow_ups.extend(saved)
    assert _statuses(plan) == {0: "pending", 1: "pending", 2: "pending"}
    assert settle_agreements(date(2026, 11, 30))["plans_broken"] == 0
    assert _statuses(plan) == {0: "paid", 1: "pending", 2: "pending"}


def test_without_any_payment_the_plan_still_breaks_after_the_grace_days(debtor, plan):
    assert settle_agreements(date(2026, 11, 30))["plans_broken"] == 1
    plan.refresh_from_db()
    assert plan.status == "broken"
