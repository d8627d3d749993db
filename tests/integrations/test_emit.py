"""Every listed state change emits its event in the same transaction (docs/integrations.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from recaudo.integrations.models import Delivery, Endpoint, Event
from recaudo.outreach import progress
from recaudo.outreach.fallback import fall_back
from recaudo.outreach.models import Outreach
from recaudo.outreach.optouts import opt_out_debtor, record_provider_refusal
from recaudo.payments import concessions
from recaudo.payments.actions import agree_plan, make_promise
from recaudo.payments.agreements import break_missed_plans
from recaudo.payments.links import live_link
from recaudo.payments.models import DebtorRequest
from recaudo.payments.promises import break_overdue_promises
from recaudo.payments.reports import reject_report, report_debts, resume_unreviewed
from recaudo.portfolio.actions import record_payment, reverse_payment
from recaudo.portfolio.models import ContactPoint, Debt
from recaudo.portfolio.outbound import emit
from tests.delivery.test_provider_events import make_outreach
from tests.factories import make_creditor, make_debtor

pytestmark = pytest.mark.django_db


def _types(debtor) -> list[str]:
    return list(
        Event.objects.filter(debtor=debtor).order_by("sequence").values_list("type", flat=True)
    )


def _pay(debtor, amount: str, external_id: str = "P-1"):
    return record_payment(
        creditor=debtor.creditor, debtor=debtor, external_id=external_id, amount=Decimal(amount),
        currency="COP", paid_at=datetime(2026, 11, 20, 15, tzinfo=UTC), actor="api:test",
    ).payment  # fmt: skip


def test_a_payment_recorded_and_reversed_emit_two_events_with_a_delivery_each(endpoint, debtor):
    payment = _pay(debtor, "185000")
    reverse_payment(payment, reason="chargeback", actor="api:test")

    recorded, reversed_ = Event.objects.filter(debtor=debtor).order_by("sequence")
    assert (recorded.type, recorded.sequence) == ("payment.recorded", 1)
    assert recorded.payload["payment"]["external_id"] == "P-1"
    assert recorded.payload["payment"]["amount"] == "185000"
    assert recorded.debtor_external_id == debtor.external_id
    assert (reversed_.type, reversed_.sequence) == ("payment.reversed", 2)
    assert reversed_.payload["reason"] == "chargeback"
    assert list(Delivery.objects.values_list("status", "sequence").order_by("sequence")) == [
        ("pending", 1),
        ("pending", 2),
    ]


def test_an_event_rolls_back_with_the_change_it_reports(endpoint, debtor):
    with pytest.raises(RuntimeError), transaction.atomic():
        _pay(debtor, "1000")
        raise RuntimeError("the caller failed after the payment")

    assert Event.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_a_creditor_without_endpoints_keeps_no_events(debtor):
    _pay(debtor, "1000")

    assert Event.objects.count() == 0


def test_an_endpoint_gets_only_the_types_it_asked_for(endpoint, debtor):
    Endpoint.objects.filter(pk=endpoint.pk).update(event_types=["payment.reversed"])
    payment = _pay(debtor, "1000")
    reverse_payment(payment, reason="refund", actor="api:test")

    assert _types(debtor) == ["payment.recorded", "payment.reversed"]
    assert list(Delivery.objects.values_list("event__type", flat=True)) == ["payment.reversed"]


def test_an_unknown_event_type_is_refused(debtor):
    with pytest.raises(ValueError, match="unknown event type"):
        emit("payment.lost", creditor_id=debtor.creditor_id, debtor_id=debtor.pk, data={})


def test_promises_made_kept_and_broken_emit_their_events(endpoint, debtor, frozen):
    link = live_link(debtor.pk)
    make_promise(link, promised_on=date(2026, 11, 25), amount=Decimal("100000"))
    make_promise(link, promised_on=date(2026, 11, 26), amount=Decimal("50000"))  # breaks the first
    _pay(debtor, "50000")  # keeps the second

    assert _types(debtor) == [
        "promise.made", "promise.broken", "promise.made", "payment.recorded", "promise.kept",
    ]  # fmt: skip
    kept = Event.objects.get(debtor=debtor, type="promise.kept")
    assert kept.payload["promise"]["amount"] == "50000.0000"
    assert kept.payload["promise"]["status"] == "kept"


def test_an_overdue_promise_is_broken_with_its_event(endpoint, debtor, frozen):
    make_promise(live_link(debtor.pk), promised_on=date(2026, 11, 21), amount=Decimal("1000"))

    break_overdue_promises(date(2026, 11, 23))

    assert _types(debtor) == ["promise.made", "promise.broken"]


def test_a_plan_agreed_then_completed_emits_both(endpoint, debtor, frozen):
    plan = agree_plan(live_link(debtor.pk), down_payment=Decimal("100000"), count=2)
    _pay(debtor, "400000")

    assert _types(debtor) == ["plan.agreed", "payment.recorded", "plan.completed"]
    agreed = Event.objects.get(debtor=debtor, type="plan.agreed")
    assert agreed.payload["plan"]["id"] == plan.pk
    assert agreed.payload["plan"]["status"] == "active"


def test_a_missed_plan_is_broken_with_its_event(endpoint, debtor, frozen):
    agree_plan(live_link(debtor.pk), down_payment=Decimal("100000"), count=2)

    broken = break_missed_plans(date(2027, 3, 1))

    assert len(broken) == 1
    assert _types(debtor) == ["plan.agreed", "plan.broken"]


def test_a_dispute_opened_then_resolved_emits_both(endpoint, debtor, frozen):
    debt = debtor.debts.order_by("pk").first()
    [report] = report_debts(debtor, [debt.pk], kind="dispute", reason="No es mío", source="portal")
    reject_report(report.pk, reviewer="sofia")

    opened, resolved = Event.objects.filter(debtor=debtor).order_by("sequence")
    assert (opened.type, opened.payload["dispute"]["status"]) == ("dispute.opened", "pending")
    assert opened.payload["dispute"]["debt"] == debt.external_id
    assert (resolved.type, resolved.payload["dispute"]["status"]) == (
        "dispute.resolved",
        "rejected",
    )


def test_a_dispute_left_unreviewed_resolves_as_expired(endpoint, debtor, frozen):
    debt = debtor.debts.order_by("pk").first()
    report_debts(debtor, [debt.pk], kind="already_paid", reason="Pagué", source="portal")

    resume_unreviewed(date(2027, 1, 1))

    resolved = Event.objects.get(debtor=debtor, type="dispute.resolved")
    assert resolved.payload["dispute"]["status"] == "expired"


def test_a_staff_pause_is_not_a_dispute(endpoint, debtor, frozen):
    debt = debtor.debts.order_by("pk").first()
    report_debts(debtor, [debt.pk], kind="pause", reason="Llamó", source="staff")

    assert _types(debtor) == []


def test_a_supervisors_decision_on_a_request_emits_review_decided(endpoint, debtor, frozen):
    asked = DebtorRequest.objects.create(
        creditor=debtor.creditor, debtor=debtor, kind="discount", reason="Sin trabajo",
        currency="COP", amount=Decimal("300000"), owed=Decimal("400000"),
        discount_percent=Decimal("25"),
    )  # fmt: skip
    asked.debts.set(debtor.debts.all())

    concessions.refuse(asked.pk, "sofia", "Fuera de política")

    [decided] = Event.objects.filter(debtor=debtor)
    assert decided.type == "review.decided"
    assert decided.payload["request"] == {
        "id": asked.pk, "kind": "discount", "status": "refused", "decided_by": "sofia",
        "new_due_on": None, "amount": "300000.0000", "currency": "COP",
        "discount_percent": "25.00",
    }  # fmt: skip


def test_an_opt_out_and_a_consent_refusal_emit_their_events(db, receiver):
    creditor = make_creditor()
    debtor = make_debtor(creditor, phone="+573001234567")
    Endpoint.objects.create(creditor=creditor, name="ERP", url=receiver.url, secret="s")
    point = ContactPoint.objects.get(debtor=debtor)
    from recaudo.portfolio.models import ChannelConsent

    ChannelConsent.objects.create(
        contact_point=point, channel="sms", source="contrato",
        granted_at=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip

    record_provider_refusal(
        point.pk, "sms", actor="twilio", reason="21610", when=datetime(2026, 11, 20, tzinfo=UTC)
    )
    opt_out_debtor(debtor, source="portal", actor="portal")

    refused, opted_out = Event.objects.filter(debtor=debtor).order_by("sequence")
    assert refused.type == "consent.changed"
    assert opted_out.type == "contact.opted_out"
    assert opted_out.payload["contact_point"]["kind"] == "phone"
    assert "+573001234567" not in str(opted_out.payload)  # masked


def test_contact_outcomes_delivered_read_and_failed_emit_events(db, receiver):
    outreach = make_outreach()
    Endpoint.objects.create(
        creditor_id=outreach.creditor_id, name="ERP", url=receiver.url, secret="s"
    )
    when = datetime(2026, 11, 20, 15, tzinfo=UTC)
    with transaction.atomic():
        locked = Outreach.objects.select_for_update().get(pk=outreach.pk)
        progress.record_progress(locked, "delivered", when=when)
        progress.record_progress(locked, "read", when=when + timedelta(minutes=1))

    other = make_outreach(status="sending")
    Endpoint.objects.create(creditor_id=other.creditor_id, name="ERP", url=receiver.url, secret="s")
    other.fallback_channels = []
    other.save()
    fall_back(other, "undeliverable", error_code="131026")

    assert [e.payload["contact"]["status"] for e in Event.objects.order_by("pk")] == [
        "delivered", "read", "failed",
    ]  # fmt: skip
    failed = Event.objects.get(type="contact.failed")
    assert failed.payload["contact"]["id"] == other.pk
    assert failed.payload["contact"]["error_code"] == "131026"


def test_the_dispatchers_sent_rows_emit_contact_sent_in_one_batch(db, receiver):
    from recaudo.outreach import sending

    outreach = make_outreach(status="sending")
    Outreach.objects.filter(pk=outreach.pk).update(claimed_by="w1")
    Endpoint.objects.create(
        creditor_id=outreach.creditor_id, name="ERP", url=receiver.url, secret="s"
    )

    written = sending.record_sent(
        [(outreach.pk, "wamid.X", Decimal("1"))],
        now=datetime(2026, 11, 20, tzinfo=UTC),
        worker="w1",
    )

    assert written == {outreach.pk}
    [sent] = Event.objects.all()
    assert sent.type == "contact.sent"
    assert sent.payload["contact"]["channel"] == outreach.channel


def test_two_transactions_on_one_debtor_number_its_events_without_gaps(endpoint, debtor):
    for number in range(5):
        _pay(debtor, "1000", external_id=f"P-{number}")

    assert list(Event.objects.filter(debtor=debtor).values_list("sequence", flat=True)) == [
        1, 2, 3, 4, 5,
    ]  # fmt: skip
    assert Debt.objects.filter(debtor=debtor).count() == 2
