"""A debtor who says "ya pagué" pauses reminders on the named debts until staff review it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recaudo.conversations.models import AgentProfile
from recaudo.outreach.models import Outreach
from recaudo.payments.actions import agree_plan
from recaudo.payments.agreements import settle_agreements
from recaudo.payments.links import live_link
from recaudo.payments.models import DebtorReport, InstalmentPlan
from recaudo.payments.reports import confirm_report, reject_report, report_debts
from recaudo.payments.rules import AgreementError
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Debt, Payment
from recaudo.roles import SUPERVISOR, set_role
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def reachable(debtor):
    point = ContactPoint.objects.create(
        debtor=debtor, kind="phone", value="+573001112233", channels=["whatsapp", "sms"]
    )
    ChannelConsent.objects.create(
        contact_point=point, channel="whatsapp", source="contrato", granted_at=timezone.now()
    )
    return debtor


def _debts(debtor) -> list[Debt]:
    return list(debtor.debts.order_by("due_on"))


def _staff(creditor) -> Client:
    user = User.objects.create_user(f"revisor{creditor.pk}", password="x", is_staff=True)
    AgentProfile.objects.create(user=user, creditor=creditor)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="payments"))
    set_role(user, SUPERVISOR)
    browser = Client()
    browser.force_login(user)
    return browser


def test_a_report_over_two_debts_pauses_each_until_the_end_date_then_reminders_resume(
    reachable, frozen
):
    october, november = _debts(reachable)
    reports = report_debts(
        reachable,
        [october.pk, november.pk],
        kind="already_paid",
        reason="Pagué por transferencia",
        source="bot",
        today=date(2026, 11, 20),
    )
    assert [(r.debt_id, r.status, r.pause_until) for r in reports] == [
        (october.pk, "pending", date(2026, 11, 30)),
        (november.pk, "pending", date(2026, 11, 30)),
    ]
    assert set(Debt.objects.values_list("status", flat=True)) == {"disputed"}
    assert settle_agreements(date(2026, 11, 30))["reports_resumed"] == 0
    assert settle_agreements(date(2026, 12, 1))["reports_resumed"] == 2
    assert set(Debt.objects.values_list("status", flat=True)) == {"open"}
    assert set(DebtorReport.objects.values_list("status", flat=True)) == {"expired"}


def test_confirming_a_report_records_the_payment_against_that_debt_and_thanks_the_debtor(
    reachable, frozen
):
    october, november = _debts(reachable)
    [report] = report_debts(
        reachable, [october.pk], kind="already_paid", reason="Ya pagué", source="call",
        receipt=PNG,
    )  # fmt: skip
    confirm_report(report.pk, reviewer="ana")
    report.refresh_from_db()
    payment = Payment.objects.get()
    assert (payment.external_id, payment.amount, payment.debt_id) == (
        f"report-{report.pk}",
        Decimal("185000.50"),
        october.pk,
    )
    assert (report.status, report.reviewed_by, report.payment_id) == (
        "confirmed",
        "ana",
        payment.pk,
    )
    assert dict(Debt.objects.values_list("pk", "status")) == {
        october.pk: "paid",
        november.pk: "open",
    }
    thanks = Outreach.objects.get(template_key="payment_thanks")
    assert thanks.notice_key == f"thanks:{payment.pk}"
    with pytest.raises(AgreementError):
        confirm_report(report.pk, reviewer="ana")
    assert Payment.objects.count() == 1


def test_a_confirmed_receipt_pays_the_instalment_of_a_plan_agent_route(reachable, frozen):
    plan = agree_plan(live_link(reachable.pk), down_payment=Decimal("283913.50"), count=2)
    october, _november = _debts(reachable)
    [report] = report_debts(
        reachable, [october.pk], kind="already_paid", reason="Pagué el pie", source="bot"
    )
    confirm_report(report.pk, reviewer="ana", amount=Decimal("283913.50"))
    assert dict(plan.instalments.values_list("number", "status")) == {
        0: "paid",
        1: "pending",
        2: "pending",
    }
    assert settle_agreements(date(2026, 11, 30))["plans_broken"] == 0
    assert InstalmentPlan.objects.get().status == "active"
    assert set(Debt.objects.values_list("status", flat=True)) == {"paid", "in_arrangement"}


def test_rejecting_a_report_reopens_the_debt_and_tells_the_debtor(reachable, frozen):
    october, _november = _debts(reachable)
    [report] = report_debts(
        reachable, [october.pk], kind="already_paid", reason="Ya pagué", source="portal"
    )
    reject_report(report.pk, reviewer="ana")
    october.refresh_from_db()
    assert october.status == "open"
    assert DebtorReport.objects.get().status == "rejected"
    notice = Outreach.objects.get(template_key="report_rejected")
    assert notice.notice_key == f"report-rejected:{report.pk}"
    assert not Payment.objects.exists()


def test_staff_review_the_queue_in_the_admin_and_see_only_their_creditors_receipts(
    reachable, frozen
):
    october, _november = _debts(reachable)
    [report] = report_debts(
        reachable, [october.pk], kind="already_paid", reason="Ya pagué", source="bot",
        receipt=PNG,
    )  # fmt: skip
    outsider = make_debtor(make_creditor())
    [foreign] = report_debts(
        outsider,
        [make_debt(outsider).pk],
        kind="already_paid",
        reason="x",
        source="bot",
        receipt=PNG,
    )
    staff = _staff(reachable.creditor)
    receipt = staff.get(reverse("admin:payments_debtorreport_receipt", args=[report.pk]))
    assert receipt.status_code == 200 and receipt.content == PNG
    assert receipt["Content-Type"] == "image/png"
    assert receipt["X-Content-Type-Options"] == "nosniff"
    other = staff.get(reverse("admin:payments_debtorreport_receipt", args=[foreign.pk]))
    assert other.status_code == 404
    listing = staff.get(reverse("admin:payments_debtorreport_changelist"))
    assert listing.status_code == 200
    assert f"/{report.pk}/receipt/" in listing.content.decode()
    assert f"/{foreign.pk}/receipt/" not in listing.content.decode()
    # Staff found a part of the balance paid, and say so on the report before confirming.
    change = staff.post(
        reverse("admin:payments_debtorreport_change", args=[report.pk]),
        {"found_amount": "100000.00"},
    )
    assert change.status_code == 302, change.content.decode()[:600]
    response = staff.post(
        reverse("admin:payments_debtorreport_changelist"),
        {"action": "confirm", "_selected_action": [report.pk, foreign.pk]},
    )
    assert response.status_code == 302
    assert dict(DebtorReport.objects.values_list("pk", "status")) == {
        report.pk: "confirmed",
        foreign.pk: "pending",
    }
    payment = Payment.objects.get()
    assert (payment.debtor_id, payment.amount) == (reachable.pk, Decimal("100000.00"))
    october.refresh_from_db()
    assert (october.status, october.balance) == ("open", Decimal("85000.50"))


def test_a_plan_whose_debt_is_reported_paid_is_not_broken_while_the_report_waits(reachable, frozen):
    agree_plan(live_link(reachable.pk), down_payment=Decimal("283913.50"), count=2)
    october, _november = _debts(reachable)
    report_debts(reachable, [october.pk], kind="already_paid", reason="Pagué", source="bot")
    assert settle_agreements(date(2026, 11, 30))["plans_broken"] == 0
    assert InstalmentPlan.objects.get().status == "active"
    # Unreviewed past its pause: the report expires, then the plan breaks as usual.
    result = settle_agreements(date(2026, 12, 1))
    assert (result["reports_resumed"], InstalmentPlan.objects.get().status) == (1, "active")
    assert settle_agreements(date(2026, 12, 2))["plans_broken"] == 1
