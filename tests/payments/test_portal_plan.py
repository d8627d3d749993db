"""Once a plan exists the portal still offers every way out (issue 20).

The debtor may settle everything early (the plan is completed, nothing more is
reminded), pay an amount of their choice (it counts toward the instalments
oldest first), or report a debt of the plan as paid or not recognised (its
reminders pause; the plan is not broken while the report waits).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from recaudo.outreach.models import Outreach
from recaudo.payments.actions import agree_plan, apply_provider_record
from recaudo.payments.agreements import settle_agreements
from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout, DebtorReport, InstalmentPlan
from recaudo.payments.providers.base import ProviderRecord
from recaudo.payments.reports import confirm_report
from recaudo.portfolio.actions import record_payment
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Debt

pytestmark = pytest.mark.django_db

# The debtor owes 1 419 567.50 COP (tests/payments/conftest.py); the plan: 283 913.50
# today (2026-11-20), then 567 827.00 on 2026-12-20 and on 2027-01-20.
DOWN = Decimal("283913.50")
INSTALMENT = Decimal("567827.00")
TOTAL = Decimal("1419567.50")


@pytest.fixture
def plan(debtor, frozen) -> InstalmentPlan:
    point = ContactPoint.objects.create(
        debtor=debtor, kind="phone", value="+573001112233", channels=["whatsapp", "sms"]
    )
    ChannelConsent.objects.create(
        contact_point=point, channel="whatsapp", source="contrato", granted_at=timezone.now()
    )
    return agree_plan(live_link(debtor.pk), down_payment=DOWN, count=2)


def _pay_down_payment(debtor) -> None:
    record_payment(
        creditor=debtor.creditor,
        debtor=debtor,
        external_id="TRF-DOWN",
        amount=DOWN,
        currency="COP",
        paid_at=timezone.now(),
        method="transfer",
        actor="test",
    )


def _statuses(plan: InstalmentPlan) -> dict[int, str]:
    return dict(plan.instalments.values_list("number", "status"))


def _reminders() -> list[tuple[str, str]]:
    return list(
        Outreach.objects.filter(notice_key__startswith="instalment-reminder:")
        .order_by("pk")
        .values_list("notice_key", "status")
    )


def _paid_at_the_provider(checkout: Checkout, payment_id: str) -> None:
    apply_provider_record(
        checkout.pk,
        ProviderRecord("paid", checkout.reference, checkout.amount, "COP", payment_id, "sandbox"),
    )


def test_with_a_plan_the_portal_still_offers_paying_everything_an_amount_and_reporting_a_debt(
    client, debtor, plan
):
    text = client.get(f"/p/{live_link(debtor.pk).token}").content.decode()

    assert 'id="pay-instalment-0"' in text
    assert "Pagar todo y terminar el plan ($1.419.567,50)" in text
    assert 'id="pay-part"' in text and 'id="plan-pay-help"' in text
    assert 'id="report-form"' in text and 'id="report-dispute"' in text
    for debt in Debt.objects.all():
        assert f'<option value="{debt.pk}">{debt.description} · ' in text
    # Not offered again while the plan lives: a second plan, a promise.
    assert 'id="plan-form"' not in text and 'id="promise-form"' not in text


def test_paying_everything_early_completes_the_plan_and_cancels_the_instalment_reminder(
    client, debtor, plan, payment_sandbox
):
    _pay_down_payment(debtor)
    assert settle_agreements(date(2026, 12, 19))["instalment_reminders"] == 1
    [(reminder_key, status)] = _reminders()
    assert status == "planned"

    response = client.post(f"/p/{live_link(debtor.pk).token}/pagar", {"choice": "all"})

    assert response.status_code == 303
    checkout = Checkout.objects.get()
    assert (checkout.kind, checkout.amount) == ("all", TOTAL - DOWN)
    _paid_at_the_provider(checkout, "pay-early")
    plan.refresh_from_db()
    assert plan.status == "completed" and plan.ended_at is not None
    assert _statuses(plan) == {0: "paid", 1: "paid", 2: "paid"}
    assert set(Debt.objects.values_list("status", flat=True)) == {"paid"}
    assert _reminders() == [(reminder_key, "cancelled")]
    # The day before the last instalment's date nothing is reminded.
    assert settle_agreements(date(2027, 1, 19))["instalment_reminders"] == 0
    assert len(_reminders()) == 1


def test_an_amount_of_the_debtors_choice_counts_toward_the_instalments_oldest_first(
    client, debtor, plan, payment_sandbox
):
    amount = DOWN + Decimal("100000.00")
    page = client.get(f"/p/{live_link(debtor.pk).token}").content.decode()
    assert 'id="pay-part-form"' in page and 'for="part-amount"' in page

    response = client.post(
        f"/p/{live_link(debtor.pk).token}/pagar", {"choice": "part", "amount": "383913.50"}
    )

    assert response.status_code == 303
    checkout = Checkout.objects.get()
    assert (checkout.kind, checkout.amount) == ("part", amount)
    _paid_at_the_provider(checkout, "pay-part")
    plan.refresh_from_db()
    assert plan.status == "active"
    assert _statuses(plan) == {0: "paid", 1: "pending", 2: "pending"}
    # The rest of the first instalment is what is left to cover it.
    rest = Checkout.objects.create(
        reference="ref-rest", link=live_link(debtor.pk), creditor=debtor.creditor, debtor=debtor,
        kind="part", provider="sandbox", amount=INSTALMENT - Decimal(100000), currency="COP",
    )  # fmt: skip
    _paid_at_the_provider(rest, "pay-rest")
    assert _statuses(plan) == {0: "paid", 1: "paid", 2: "pending"}


def test_a_dispute_over_a_plans_debt_pauses_its_instalment_reminders_and_does_not_break_it(
    client, debtor, plan, frozen
):
    _pay_down_payment(debtor)  # it pays October's debt; November's is left
    november = Debt.objects.get(invoice_number="FV-2")
    frozen.move_to("2026-12-18 15:00:00+00:00")  # the report pauses until 2026-12-28

    response = client.post(
        f"/p/{live_link(debtor.pk).token}/reporte",
        {"debt": str(november.pk), "kind": "dispute", "reason": "No reconozco este cargo"},
    )

    assert response.status_code == 303 and "done=report" in response["Location"]
    report = DebtorReport.objects.get()
    assert (report.kind, report.status_before) == ("dispute", "in_arrangement")
    november.refresh_from_db()
    assert november.status == "disputed"
    # The day before the instalment: no reminder while the dispute is open.
    assert settle_agreements(date(2026, 12, 19))["instalment_reminders"] == 0
    assert _reminders() == []
    # Past its date (2026-12-20) and the five grace days, within the pause: not broken.
    assert settle_agreements(date(2026, 12, 27))["plans_broken"] == 0
    plan.refresh_from_db()
    assert plan.status == "active"
    page = client.get(f"/p/{live_link(debtor.pk).token}").content.decode()
    assert 'id="under-review"' in page and "Plan hogar noviembre" in page, page


def test_a_dispute_opened_after_the_reminder_was_queued_cancels_it(client, debtor, plan):
    _pay_down_payment(debtor)
    assert settle_agreements(date(2026, 12, 19))["instalment_reminders"] == 1
    november = Debt.objects.get(invoice_number="FV-2")  # October's: paid by the down payment

    response = client.post(
        f"/p/{live_link(debtor.pk).token}/reporte",
        {"debt": str(november.pk), "kind": "already_paid", "reason": "Ya pagué en el banco"},
    )

    assert response.status_code == 303

    [(_key, status)] = _reminders()
    assert status == "cancelled"


def test_a_plan_whose_debts_are_all_written_off_after_disputes_is_completed_not_broken(
    client, debtor, plan
):
    token = live_link(debtor.pk).token
    for debt in Debt.objects.all():
        response = client.post(
            f"/p/{token}/reporte", {"debt": str(debt.pk), "kind": "dispute", "reason": "No es mío"}
        )
        assert response.status_code == 303
    for report in DebtorReport.objects.order_by("pk"):
        confirm_report(report.pk, reviewer="ana")

    plan.refresh_from_db()
    assert plan.status == "completed"
    assert _statuses(plan) == {0: "cancelled", 1: "cancelled", 2: "cancelled"}
    result = settle_agreements(date(2026, 12, 30))
    assert (result["plans_broken"], result["instalment_reminders"]) == (0, 0)
    assert not Outreach.objects.filter(template_key="plan_broken").exists()
