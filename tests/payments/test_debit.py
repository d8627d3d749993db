"""Direct debit ("domiciliación", issue 19): enrol, charge on the date, retry, cancel.

The provider is the sandbox's, which speaks Stripe's own API for it (Customers,
Checkout in setup mode, off-session PaymentIntents, detach) with Stripe's test
cards: 4242… always pays, 4000000000009995 is declined for insufficient funds,
4000002760003184 asks for authentication on every charge.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import urlparse

import httpx
import pytest
from django.utils import timezone

from recaudo.outreach.models import Outreach
from recaudo.payments import debit, debit_charges
from recaudo.payments.actions import agree_plan
from recaudo.payments.agreements import settle_agreements
from recaudo.payments.links import live_link
from recaudo.payments.models import DebitAttempt, Instalment, InstalmentPlan, Mandate
from recaudo.payments.providers.base import ProviderError
from recaudo.payments.providers.stripe import StripeDebit
from recaudo.portfolio.models import AuditEvent, ChannelConsent, ContactPoint, Payment
from recaudo.sandbox.payments import PAYMENTS_KEY

pytestmark = pytest.mark.django_db

# The debtor owes 1 419 567.50 COP (conftest); the plan: 283 913.50 on 2026-11-20
# (Bogotá), then 567 827.00 on 2026-12-20 and on 2027-01-20.
DOWN = Decimal("283913.50")
PAYS = "4242424242424242"
NO_FUNDS = "4000000000009995"
NEEDS_AUTHENTICATION = "4000002760003184"


@pytest.fixture
def plan(debtor, frozen) -> InstalmentPlan:
    point = ContactPoint.objects.create(
        debtor=debtor, kind="phone", value="+573001112233", channels=["whatsapp", "sms"]
    )
    ChannelConsent.objects.create(
        contact_point=point, channel="whatsapp", source="contrato", granted_at=timezone.now()
    )
    return agree_plan(live_link(debtor.pk), down_payment=DOWN, count=2)


def fake_of(payment_sandbox):
    return payment_sandbox.runner.app[PAYMENTS_KEY].debit


def enrol(client, debtor, card: str = PAYS, via: str = "") -> Mandate:
    """The debtor presses the portal's button, saves ``card`` at the provider, comes back."""
    token = live_link(debtor.pk).token
    started = client.post(f"/p/{token}/domiciliar", {"via": via} if via else {})
    assert started.status_code == 303, started.content.decode()[:400]
    mandate = Mandate.objects.get(status="pending")
    assert started["Location"] == mandate.setup_url
    saved = httpx.post(mandate.setup_url, data={"card": card}, follow_redirects=False)
    assert saved.status_code == 303
    back = saved.headers["location"]
    assert back.endswith(f"/p/{token}/domiciliar/r/{mandate.reference}")
    returned = client.get(urlparse(back).path)
    assert returned.status_code == 303
    assert returned["Location"] == f"/p/{token}?done=debit#debit"
    mandate.refresh_from_db()
    return mandate


def at(day: date, hour: int = 15) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def notices(key_prefix: str) -> list[Outreach]:
    return [row for row in Outreach.objects.all() if (row.notice_key or "").startswith(key_prefix)]


def test_enrolling_from_the_portal_saves_the_card_at_the_provider_and_activates_the_mandate(
    client, debtor, plan, payment_sandbox
):
    mandate = enrol(client, debtor)
    fake = fake_of(payment_sandbox)
    assert mandate.status == "active"
    assert (mandate.brand, mandate.last4, mandate.channel) == ("visa", "4242", "portal")
    assert mandate.plan_id == plan.pk and mandate.provider == "sandbox"
    assert fake.methods[mandate.method_id].customer == mandate.customer_id
    assert fake.customers[mandate.customer_id]["name"] == debtor.full_name
    event = AuditEvent.objects.get(kind="mandate_activated")
    assert event.data == {
        "mandate": mandate.pk,
        "plan": plan.pk,
        "provider": "sandbox",
        "brand": "visa",
        "last4": "4242",
    }
    page = client.get(f"/p/{live_link(debtor.pk).token}").content.decode()
    assert "VISA •••• 4242" in page and 'id="debit-cancel"' in page
    assert 'id="debit-enrol"' not in page


def test_a_debtor_coming_back_without_saving_a_card_has_no_active_mandate(
    client, debtor, plan, payment_sandbox
):
    token = live_link(debtor.pk).token
    client.post(f"/p/{token}/domiciliar")
    mandate = Mandate.objects.get()
    answer = client.get(f"/p/{token}/domiciliar/r/{mandate.reference}")
    assert answer.status_code == 409
    mandate.refresh_from_db()
    assert mandate.status == "pending" and mandate.method_id == ""
    assert debit_charges.charge_due_debits(at(date(2026, 11, 20))) == {}


def test_the_enrol_button_is_refused_without_an_active_plan(client, debtor, payment_sandbox):
    answer = client.post(f"/p/{live_link(debtor.pk).token}/domiciliar")
    assert answer.status_code == 400
    assert not Mandate.objects.exists()


def test_a_due_instalment_is_charged_once_recorded_as_a_payment_and_thanked(
    client, debtor, plan, payment_sandbox
):
    mandate = enrol(client, debtor)
    fake = fake_of(payment_sandbox)
    assert debit_charges.charge_due_debits(at(date(2026, 11, 20))) == {"succeeded": 1}
    # The worker asks again a minute later: nothing more is due.
    assert debit_charges.charge_due_debits(at(date(2026, 11, 20), 16)) == {}
    attempt = DebitAttempt.objects.get()
    assert (attempt.number, attempt.amount, attempt.currency) == (1, DOWN, "COP")
    down = plan.instalments.get(number=0)
    assert attempt.idempotency_key == f"debit-{down.pk}-1"
    [intent] = fake.intents.values()
    assert intent["amount"] == 28391350 and intent["currency"] == "cop"
    assert intent["customer"] == mandate.customer_id
    assert intent["payment_method"] == mandate.method_id
    payment = Payment.objects.get()
    assert payment.external_id == intent["id"] == attempt.provider_payment_id
    assert (payment.amount, payment.method) == (DOWN, "sandbox:debit")
    assert attempt.payment == payment and attempt.status == "succeeded"
    statuses = dict(plan.instalments.values_list("number", "status"))
    assert statuses == {0: "paid", 1: "pending", 2: "pending"}
    assert Outreach.objects.filter(template_key="payment_thanks").count() == 1
    # The next instalment falls due on 2026-12-20: not before (in Bogotá's date).
    assert debit_charges.charge_due_debits(at(date(2026, 12, 20), 4)) == {}
    assert debit_charges.charge_due_debits(at(date(2026, 12, 20), 15)) == {"succeeded": 1}


def test_a_declined_card_is_retried_the_next_day_and_the_debtor_told_each_time(
    client, debtor, plan, payment_sandbox
):
    mandate = enrol(client, debtor, NO_FUNDS)
    fake = fake_of(payment_sandbox)
    assert debit_charges.charge_due_debits(at(date(2026, 11, 20))) == {"failed": 1}
    first = DebitAttempt.objects.get()
    assert (first.error_code, first.error_message) == ("card_declined", "insufficient_funds")
    assert not Payment.objects.exists()
    [told] = notices("debit-failed:")
    assert told.template_key == "debit_failed"
    assert told.notice_context["retry_date"] == "2026-11-21"
    # The same day again: no second attempt.
    assert debit_charges.charge_due_debits(at(date(2026, 11, 20), 20)) == {}
    # Money arrived on the card; the next day's retry pays.
    fake.methods[mandate.method_id].card = PAYS
    assert debit_charges.charge_due_debits(at(date(2026, 11, 21))) == {"succeeded": 1}
    second = DebitAttempt.objects.get(number=2)
    assert second.idempotency_key == f"debit-{first.instalment_id}-2"
    assert len(fake.intents) == 2
    assert Payment.objects.get().external_id == second.provider_payment_id
    assert plan.instalments.get(number=0).status == "paid"
    assert len(notices("debit-failed:")) == 1
    assert AuditEvent.objects.filter(kind="debit_failed").count() == 1


def test_the_plan_breaks_only_after_the_last_retry_was_refused(
    client, debtor, plan, payment_sandbox, settings
):
    settings.PAYMENTS = {**settings.PAYMENTS, "plan_grace_days": 0}
    enrol(client, debtor, NO_FUNDS)
    debit_charges.charge_due_debits(at(date(2026, 11, 20)))
    assert settle_agreements(date(2026, 11, 21))["plans_broken"] == 0  # retry on the 21st
    debit_charges.charge_due_debits(at(date(2026, 11, 21)))
    assert settle_agreements(date(2026, 11, 22))["plans_broken"] == 0  # retry on the 23rd
    assert debit_charges.charge_due_debits(at(date(2026, 11, 22))) == {}
    assert debit_charges.charge_due_debits(at(date(2026, 11, 23))) == {"failed": 1}
    assert DebitAttempt.objects.count() == 3
    assert debit_charges.charge_due_debits(at(date(2026, 11, 27))) == {}  # no fourth attempt
    assert settle_agreements(date(2026, 11, 24))["plans_broken"] == 1
    plan.refresh_from_db()
    assert plan.status == "broken"
    mandate = Mandate.objects.get()
    assert (mandate.status, mandate.cancelled_channel) == ("cancelled", "system")


def test_a_bank_asking_for_authentication_stops_the_automatic_attempts_and_tells_the_debtor(
    client, debtor, plan, payment_sandbox
):
    enrol(client, debtor, NEEDS_AUTHENTICATION)
    assert debit_charges.charge_due_debits(at(date(2026, 11, 20))) == {"action_required": 1}
    attempt = DebitAttempt.objects.get()
    assert attempt.error_code == "authentication_required"
    assert attempt.provider_payment_id.startswith("pi_")
    [told] = notices("debit-failed:")
    assert told.template_key == "debit_action_required"
    assert "retry_date" not in told.notice_context
    assert debit_charges.charge_due_debits(at(date(2026, 11, 21))) == {}
    assert debit_charges.charge_due_debits(at(date(2026, 11, 23))) == {}
    page = client.get(f"/p/{live_link(debtor.pk).token}").content.decode()
    assert 'id="debit-refused"' in page and 'id="pay-instalment-0"' in page


def test_a_charge_whose_answer_was_lost_is_resent_with_its_key_and_charged_once(
    client, debtor, plan, payment_sandbox, monkeypatch
):
    enrol(client, debtor)
    fake = fake_of(payment_sandbox)
    [claim] = debit_charges.claim_due(at(date(2026, 11, 20)))
    attempt = DebitAttempt.objects.get(pk=claim.attempt_id)
    sent = StripeDebit.charge

    def answer_lost(self, request):
        sent(self, request)  # the provider charged...
        raise ProviderError("ReadTimeout: the answer never came")  # ...the worker never knew

    monkeypatch.setattr(StripeDebit, "charge", answer_lost)
    assert debit_charges.charge(claim, timezone.now()).status == "charging"
    monkeypatch.undo()
    assert len(fake.intents) == 1 and not Payment.objects.exists()
    # Within the lease nobody touches it; after it, it is sent again with the same key.
    assert debit_charges.claim_due(at(date(2026, 11, 20), 15)) == []
    [again] = debit_charges.claim_due(datetime(2026, 11, 20, 15, 11, tzinfo=UTC))
    assert again == debit_charges.Claim(attempt.pk, resent=True)
    assert debit_charges.charge(again, timezone.now()).status == "succeeded"
    [intent] = fake.intents.values()  # Stripe answered the first result: no second charge
    assert Payment.objects.get().external_id == intent["id"]


def test_cancelling_from_the_portal_detaches_the_card_and_stops_the_next_charge(
    client, debtor, plan, payment_sandbox, django_capture_on_commit_callbacks
):
    mandate = enrol(client, debtor)
    fake = fake_of(payment_sandbox)
    token = live_link(debtor.pk).token
    confirm = client.get(f"/p/{token}/domiciliar/cancelar")
    assert confirm.status_code == 200
    assert "VISA •••• 4242" in confirm.content.decode()
    assert Mandate.objects.get().status == "active"  # a GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/p/{token}/domiciliar/cancelar")
    assert done.status_code == 303 and done["Location"] == f"/p/{token}?done=debit-off#debit"
    mandate.refresh_from_db()
    assert (mandate.status, mandate.cancelled_channel) == ("cancelled", "portal")
    assert fake.methods[mandate.method_id].customer is None
    assert AuditEvent.objects.filter(kind="mandate_cancelled").count() == 1
    assert debit_charges.charge_due_debits(at(date(2026, 11, 20))) == {}
    assert fake.intents == {} and not DebitAttempt.objects.exists()
    page = client.get(f"/p/{token}").content.decode()
    assert 'id="debit-enrol"' in page


def test_a_mandate_cancelled_between_claim_and_charge_sends_nothing(
    client, debtor, plan, payment_sandbox
):
    mandate = enrol(client, debtor)
    [claim] = debit_charges.claim_due(at(date(2026, 11, 20)))
    debit.cancel_mandate(mandate, channel="portal", by="test")
    assert debit_charges.charge(claim, timezone.now()).status == "skipped"
    assert fake_of(payment_sandbox).intents == {}


def test_the_day_before_reminder_gives_way_to_the_debit_notice_days_ahead(
    client, debtor, plan, payment_sandbox
):
    enrol(client, debtor)
    december = plan.instalments.get(number=1)
    assert settle_agreements(date(2026, 12, 18))["debit_notices"] == 1
    [notice] = notices("debit-notice:")
    assert notice.notice_key == f"debit-notice:{december.pk}"
    assert notice.template_key == "debit_upcoming"
    assert notice.notice_context["charge_date"] == "2026-12-20"
    assert settle_agreements(date(2026, 12, 19))["instalment_reminders"] == 0
    assert settle_agreements(date(2026, 12, 18))["debit_notices"] == 0  # once


def test_a_paid_plan_ends_its_mandate(client, debtor, plan, payment_sandbox):
    enrol(client, debtor)
    for day in (date(2026, 11, 20), date(2026, 12, 20), date(2027, 1, 20)):
        assert debit_charges.charge_due_debits(at(day)) == {"succeeded": 1}
    plan.refresh_from_db()
    assert plan.status == "completed"
    assert Mandate.objects.get().status == "cancelled"
    assert Instalment.objects.filter(plan=plan, status="paid").count() == 3


def test_a_refunded_automatic_charge_is_reversed_once_and_not_charged_again(
    client, debtor, plan, payment_sandbox
):
    from recaudo.payments.providers.base import ProviderRecord
    from recaudo.payments.webhooks import _process

    enrol(client, debtor)
    debit_charges.charge_due_debits(at(date(2026, 11, 20)))
    payment = Payment.objects.get()

    class Refunded:
        def fetch(self, fetch_id: str) -> ProviderRecord:
            assert fetch_id == "charge:ch_1"
            return ProviderRecord("reversed", "", DOWN, "COP", payment.external_id, "sandbox")

    attempt = DebitAttempt.objects.get()
    assert _process(Refunded(), "sandbox", "charge:ch_1") == (f"debit {attempt.pk} reversed", 200)
    assert _process(Refunded(), "sandbox", "charge:ch_1")[1] == 200  # a repeat changes nothing
    payment.refresh_from_db()
    assert payment.status == "reversed"
    assert plan.instalments.get(number=0).status == "pending"
    assert [row.template_key for row in notices("payment-reversed:")] == ["payment_reversed_debit"]
    assert debit_charges.charge_due_debits(at(date(2026, 11, 21))) == {}  # paid by hand from now on


def test_the_providers_setup_webhook_activates_a_mandate_whose_debtor_never_came_back(
    client, debtor, plan, payment_sandbox
):
    from recaudo.payments.providers.base import ProviderRecord
    from recaudo.payments.webhooks import _process

    token = live_link(debtor.pk).token
    client.post(f"/p/{token}/domiciliar")
    mandate = Mandate.objects.get()
    httpx.post(mandate.setup_url, data={"card": PAYS}, follow_redirects=False)  # then closed

    class SetupCompleted:
        def fetch(self, fetch_id: str) -> ProviderRecord:
            return ProviderRecord("open", mandate.reference, Decimal(0), "COP", "", "stripe")

    outcome = _process(SetupCompleted(), "sandbox", mandate.setup_session_id)
    assert outcome == (f"mandate {mandate.pk} active", 200)
    mandate.refresh_from_db()
    assert (mandate.status, mandate.last4) == ("active", "4242")
    assert _process(SetupCompleted(), "sandbox", mandate.setup_session_id)[1] == 200
    assert AuditEvent.objects.filter(kind="mandate_activated").count() == 1


def test_the_enrolment_link_the_bot_sends_records_the_mandate_as_the_bots(
    client, debtor, plan, payment_sandbox
):
    assert enrol(client, debtor, via="bot").channel == "bot"


def test_the_worker_runs_the_debits_between_batches_once_a_minute(
    client, debtor, plan, payment_sandbox, monkeypatch
):
    from recaudo.operations.loops import _jobs, run_between_batches

    assert debit_charges.debit_job in _jobs
    enrol(client, debtor)
    monkeypatch.setattr(debit_charges, "_last_job", float("-inf"))
    run_between_batches(at(date(2026, 11, 20)))
    assert DebitAttempt.objects.get().status == "succeeded"
    # A minute has not passed: the next batch does not ask again.
    monkeypatch.setattr(debit_charges, "charge_due_debits", lambda now: pytest.fail("asked again"))
    assert debit_charges.debit_job(at(date(2026, 11, 20))) == {}


def test_an_instalment_left_to_the_debtor_does_not_hold_back_the_next_one(
    client, debtor, plan, payment_sandbox
):
    mandate = enrol(client, debtor, NEEDS_AUTHENTICATION)
    assert debit_charges.charge_due_debits(at(date(2026, 11, 20))) == {"action_required": 1}
    fake_of(payment_sandbox).methods[mandate.method_id].card = PAYS  # a new card's rules
    # One instalment a page: the down payment (left to the debtor) fills the first.
    assert debit_charges.charge_due_debits(at(date(2026, 12, 20)), batch=1) == {"succeeded": 1}
    december = plan.instalments.get(number=1)
    assert DebitAttempt.objects.get(instalment=december).status == "succeeded"
    assert Payment.objects.get().amount == december.amount
    # Like any payment, it counts toward the oldest instalment first (the plan's rule).
    statuses = dict(plan.instalments.values_list("number", "status"))
    assert statuses == {0: "paid", 1: "pending", 2: "pending"}


def test_a_charge_never_takes_more_than_the_plans_debts_still_owe(
    client, debtor, plan, payment_sandbox
):
    from recaudo.portfolio.actions import record_payment

    enrol(client, debtor)
    # Paid by hand: all but 1 000.00 of the plan's debts, before the down payment's charge.
    total = sum((debt.balance for debt in plan.debts.all()), Decimal(0))
    record_payment(
        creditor=debtor.creditor,
        debtor=debtor,
        external_id="TRF-1",
        amount=total - Decimal("1000.00"),
        currency="COP",
        paid_at=timezone.now(),
        method="transfer",
        actor="test",
    )
    # The transfer covered the down payment and the next instalments but the last.
    assert debit_charges.charge_due_debits(at(date(2027, 1, 20))) == {"succeeded": 1}
    attempt = DebitAttempt.objects.get()
    assert attempt.amount == Decimal("1000.00")
    plan.refresh_from_db()
    assert plan.status == "completed"
