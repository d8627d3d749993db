"""A plan supersedes the promises and the pending requests over the same debts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from recaudo.outreach.models import Outreach
from recaudo.payments.actions import agree_plan, make_promise
from recaudo.payments.agreements import settle_agreements
from recaudo.payments.links import live_link
from recaudo.payments.models import DebtorRequest, Promise
from recaudo.portfolio.actions import record_payment
from recaudo.portfolio.models import ChannelConsent, ContactPoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def reachable(debtor):
    point = ContactPoint.objects.create(
        debtor=debtor, kind="phone", value="+573001112233", channels=["whatsapp", "sms"]
    )
    ChannelConsent.objects.create(
        contact_point=point, channel="whatsapp", source="contrato", granted_at=timezone.now()
    )
    return debtor


def _notices() -> list[tuple[str, str]]:
    return list(
        Outreach.objects.filter(action="notice")
        .order_by("pk")
        .values_list("template_key", "notice_key")
    )


def _request(debtor, kind: str, status: str = "pending") -> DebtorRequest:
    request = DebtorRequest.objects.create(
        creditor=debtor.creditor,
        debtor=debtor,
        kind=kind,
        status=status,
        currency="COP",
        owed=Decimal("1419567.50"),
        amount=Decimal("1000000.00") if kind == "discount" else None,
        new_due_on=date(2026, 12, 31) if kind == "extension" else None,
        reason="Quedé sin trabajo",
    )
    request.debts.set(debtor.debts.all())
    return request


def test_a_promise_folded_into_a_plan_is_superseded_and_never_broken(reachable, frozen):
    promise = make_promise(
        live_link(reachable.pk), promised_on=date(2026, 11, 25), amount=Decimal("200000")
    )
    agree_plan(live_link(reachable.pk), down_payment=Decimal("283913.50"), count=2)
    promise.refresh_from_db()
    assert promise.status == "superseded" and promise.settled_at is not None
    # The debtor is current on the plan: the down payment arrives by transfer.
    record_payment(
        creditor=reachable.creditor,
        debtor=reachable,
        external_id="TRF-1",
        amount=Decimal("283913.50"),
        currency="COP",
        paid_at=timezone.now(),
        actor="test",
    )
    result = settle_agreements(date(2026, 11, 24))
    assert result["promise_reminders"] == 0
    result = settle_agreements(date(2026, 11, 26))
    assert (result["promises_broken"], result["plans_broken"]) == (0, 0)
    # Only the plan's own notice: nothing says a promise was broken.
    assert [key for key, _ in _notices()] == ["plan_agreed"]


def test_the_daily_run_supersedes_a_pending_promise_whose_debts_are_under_a_plan(reachable, frozen):
    promise = make_promise(
        live_link(reachable.pk), promised_on=date(2026, 11, 25), amount=Decimal("200000")
    )
    agree_plan(live_link(reachable.pk), down_payment=Decimal("283913.50"), count=2)
    # A plan agreed before plans superseded promises left the promise pending.
    Promise.objects.filter(pk=promise.pk).update(status="pending", settled_at=None)
    assert settle_agreements(date(2026, 11, 26))["promises_broken"] == 0
    promise.refresh_from_db()
    assert promise.status == "superseded"
    assert not Outreach.objects.filter(template_key="promise_broken").exists()


def test_pending_discount_and_date_requests_are_cancelled_with_a_message_when_a_plan_is_agreed(
    reachable, frozen
):
    discount = _request(reachable, "discount")
    extension = _request(reachable, "extension")
    approved = _request(reachable, "discount", status="approved")
    plan = agree_plan(live_link(reachable.pk), down_payment=Decimal("283913.50"), count=2)
    statuses = dict(DebtorRequest.objects.values_list("pk", "status"))
    assert statuses == {
        discount.pk: "cancelled",
        extension.pk: "cancelled",
        approved.pk: "approved",
    }
    assert set(
        DebtorRequest.objects.filter(status="cancelled").values_list("decided_by", flat=True)
    ) == {f"plan:{plan.pk}"}
    assert _notices() == [
        ("request_closed", f"request-closed:{discount.pk}"),
        ("request_closed", f"request-closed:{extension.pk}"),
        ("plan_agreed", f"plan-agreed:{plan.pk}"),
    ]


def test_a_promise_not_covered_by_a_plan_still_breaks(reachable, frozen):
    promise = make_promise(
        live_link(reachable.pk), promised_on=date(2026, 11, 25), amount=Decimal("200000")
    )
    assert settle_agreements(date(2026, 11, 26))["promises_broken"] == 1
    promise.refresh_from_db()
    assert promise.status == "broken"
