"""Mercado Pago direct debit: nothing lost when notices are, and the edges of its engine.

A charge whose notices never arrive is found by the daily run
(``GET /authorized_payments/search``); a ``payment`` notice alone records its
charge; a cancel whose call failed, a plan paid off by hand, a refund and a
late enrolment each leave Mercado Pago's engine and the plan agreeing. The
plan and the fake: tests/payments/test_debit_mercadopago.py.
"""

from __future__ import annotations

import os
import threading
from datetime import date
from decimal import Decimal

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from recaudo.outreach.models import Outreach
from recaudo.payments.accounts import provider_for
from recaudo.payments.actions import settle_payment
from recaudo.payments.agreements import settle_agreements
from recaudo.payments.debit_mercadopago import (
    process_notice,
    reconcile_preapprovals,
    sync_preapprovals,
)
from recaudo.payments.links import live_link
from recaudo.payments.models import DebitAttempt, Mandate
from recaudo.payments.providers import mercadopago as mercadopago_provider
from recaudo.payments.providers.base import ProviderError
from recaudo.payments.providers.mercadopago import AUTHORIZED_PAYMENT
from recaudo.portfolio.models import Payment
from recaudo.sandbox.preapproval import DEFAULT_ACCESS_TOKEN
from tests.payments import test_debit_mercadopago as base
from tests.payments.test_debit_mercadopago import DOWN, LAST, MONTHLY, deliver, enrol

pytestmark = pytest.mark.django_db

# The fixtures of the Mercado Pago tests: the sandbox's fake and the plan.
mercadopago = base.mercadopago
plan = base.plan
LOST = {"subscription_authorized_payment", "payment"}


def statuses(plan) -> dict[int, str]:
    return dict(plan.instalments.values_list("number", "status"))


def test_charges_whose_notices_are_all_lost_are_recorded_once_by_the_daily_run(
    client, debtor, plan, mercadopago, monkeypatch
):
    # One invoice a page: the search is read through Mercado Pago's paging.
    monkeypatch.setattr(mercadopago_provider, "SEARCH_LIMIT", 1)
    mercadopago.dropped = set(LOST)
    mandate = enrol(client, debtor, mercadopago)
    assert [w.label for w in mercadopago.sent] == ["subscription_preapproval"]
    deliver(client, mercadopago.sent)
    assert not DebitAttempt.objects.exists() and not Payment.objects.exists()
    # Two days before December's charge: the down payment is found before the
    # plan is judged (it would be broken: due 2026-11-20, five days' grace).
    first = settle_agreements(date(2026, 12, 18))
    assert (first["debit_reconciled"], first["plans_broken"], first["debit_synced"]) == (1, 0, 1)
    assert statuses(plan) == {0: "paid", 1: "pending", 2: "pending"}
    assert mercadopago.advance(date(2026, 12, 20)) == []  # December's notices are lost too
    assert settle_agreements(date(2026, 12, 21))["debit_reconciled"] == 1
    assert settle_agreements(date(2026, 12, 22))["debit_reconciled"] == 0
    charges = sorted(mercadopago.charges.values(), key=lambda charge: charge.debit_date)
    assert list(DebitAttempt.objects.order_by("pk").values_list("idempotency_key", "status")) == [
        (f"mp-{charge.id}-{charge.payment_id}", "succeeded") for charge in charges
    ]
    assert sorted(Payment.objects.values_list("external_id", "amount")) == sorted(
        [(charges[0].payment_id, DOWN), (charges[1].payment_id, MONTHLY)]
    )
    assert statuses(plan) == {0: "paid", 1: "paid", 2: "pending"}
    assert Outreach.objects.filter(template_key="payment_thanks").count() == 2
    mandate.refresh_from_db()
    assert mandate.last4 == "0604"


def test_a_payment_notice_alone_records_its_charge_once(client, debtor, plan, mercadopago):
    mercadopago.dropped = {"subscription_authorized_payment"}
    enrol(client, debtor, mercadopago)
    assert [w.label for w in mercadopago.sent] == ["subscription_preapproval", "payment"]
    outcomes = deliver(client, mercadopago.sent)
    attempt = DebitAttempt.objects.get()
    assert outcomes[1] == f"debit {attempt.pk} succeeded"
    assert deliver(client, mercadopago.sent[1:]) == ["already processed"]
    [charge] = mercadopago.charges.values()
    assert Payment.objects.get().external_id == charge.payment_id
    assert settle_agreements(date(2026, 11, 21))["debit_reconciled"] == 0
    assert DebitAttempt.objects.count() == 1 and Payment.objects.count() == 1


def test_the_fakes_invoice_search_pages_as_mercado_pago_and_shows_only_the_accounts_own(
    client, debtor, plan, mercadopago
):
    mandate = enrol(client, debtor, mercadopago)
    mercadopago.advance(date(2026, 12, 20))
    first, second = sorted(mercadopago.charges.values(), key=lambda charge: charge.debit_date)
    search = f"{mercadopago.base_url}/authorized_payments/search"
    owner = {"Authorization": f"Bearer {DEFAULT_ACCESS_TOKEN}"}
    page = httpx.get(
        search,
        params={"preapproval_id": mandate.method_id, "offset": 1, "limit": 1},
        headers=owner,
    ).json()
    assert page["paging"] == {"total": 2, "limit": 1, "offset": 1}
    assert [result["id"] for result in page["results"]] == [second.id]
    by_payment = httpx.get(search, params={"payment_id": first.payment_id}, headers=owner).json()
    assert [result["id"] for result in by_payment["results"]] == [first.id]
    assert httpx.get(search, params={"limit": "x"}, headers=owner).status_code == 400
    assert httpx.get(search, params={"preapproval_id": mandate.method_id}).status_code == 401
    mercadopago.add_account("other-token", "other-secret", "https://other.test/hook")
    other = httpx.get(
        search,
        params={"preapproval_id": mandate.method_id},
        headers={"Authorization": "Bearer other-token"},
    ).json()
    assert other == {"paging": {"total": 0, "limit": 20, "offset": 0}, "results": []}


def _unreachable(self, method_id: str) -> None:
    raise ProviderError("mercadopago answered 503")


def test_a_cancel_that_never_reached_mercado_pago_is_sent_again_by_the_daily_run(
    client, debtor, plan, mercadopago, monkeypatch
):
    mandate = enrol(client, debtor, mercadopago)
    deliver(client, mercadopago.sent)
    monkeypatch.setattr(mercadopago_provider.MercadoPagoProvider, "detach", _unreachable)
    assert client.post(f"/p/{live_link(debtor.pk).token}/domiciliar/cancelar").status_code == 303
    monkeypatch.undo()
    preapproval = mercadopago.preapprovals[mandate.method_id]
    assert Mandate.objects.get().status == "cancelled" and preapproval.status == "authorized"
    settle_agreements(date(2026, 11, 21))
    assert preapproval.status == "cancelled"
    assert mercadopago.advance(date(2027, 1, 20)) == []
    assert Payment.objects.count() == 1


def test_a_charge_made_after_a_failed_cancel_is_recorded_and_the_preapproval_cancelled_then(
    client, debtor, plan, mercadopago, monkeypatch
):
    mandate = enrol(client, debtor, mercadopago)
    deliver(client, mercadopago.sent)
    monkeypatch.setattr(mercadopago_provider.MercadoPagoProvider, "detach", _unreachable)
    client.post(f"/p/{live_link(debtor.pk).token}/domiciliar/cancelar")
    monkeypatch.undo()
    # Mercado Pago charges December before any daily run: the money was taken.
    deliver(client, mercadopago.advance(date(2026, 12, 20)))
    assert Payment.objects.count() == 2
    assert DebitAttempt.objects.filter(status="succeeded").count() == 2
    assert mercadopago.preapprovals[mandate.method_id].status == "cancelled"
    assert mercadopago.advance(date(2027, 1, 20)) == []


def test_a_plan_paid_off_by_hand_cancels_the_preapproval_and_nothing_more_is_charged(
    client, debtor, plan, mercadopago, django_capture_on_commit_callbacks
):
    mandate = enrol(client, debtor, mercadopago)
    deliver(client, mercadopago.sent)
    with django_capture_on_commit_callbacks(execute=True):
        settle_payment(
            creditor=plan.creditor,
            debtor=debtor,
            external_id="caja-1",
            amount=MONTHLY + LAST,
            currency="COP",
            paid_at=timezone.now(),
            actor="test",
        )
    plan.refresh_from_db()
    assert plan.status == "completed"
    assert Mandate.objects.get().status == "cancelled"
    assert mercadopago.preapprovals[mandate.method_id].status == "cancelled"
    assert mercadopago.advance(date(2027, 1, 20)) == []
    assert settle_agreements(date(2026, 12, 18))["debit_reconciled"] == 0
    assert sum(Payment.objects.values_list("amount", flat=True)) == DOWN + MONTHLY + LAST


def test_a_refunded_debit_is_reversed_once_and_never_recorded_again(
    client, debtor, plan, mercadopago
):
    mandate = enrol(client, debtor, mercadopago)
    deliver(client, mercadopago.sent)
    attempt = DebitAttempt.objects.get()
    [charge] = mercadopago.charges.values()
    mercadopago.payments[charge.payment_id]["status"] = "refunded"
    preapproval = mercadopago.preapprovals[mandate.method_id]
    refund = mercadopago._notice("payment", charge.payment_id, "payment.updated", preapproval)
    assert deliver(client, [refund]) == [f"debit {attempt.pk} reversed"]
    assert Payment.objects.get().status == "reversed"
    assert statuses(plan)[0] == "pending"
    [told] = Outreach.objects.filter(template_key__startswith="payment_reversed")
    assert told.template_key == "payment_reversed_debit"  # "not charged again automatically"
    # Its invoice's notice again, and the daily run: nothing is recorded a second time.
    again = mercadopago._notice(
        "subscription_authorized_payment", charge.id, "updated", preapproval
    )
    assert deliver(client, [again]) == [
        f"authorized payment {charge.id} processed: nothing to record"
    ]
    assert settle_agreements(date(2026, 11, 21))["debit_reconciled"] == 0
    assert DebitAttempt.objects.count() == 1 and Payment.objects.count() == 1
    assert Payment.objects.get().status == "reversed"
    # True of Mercado Pago's engine too: its next charge is December's instalment,
    # not the down payment again (the debtor pays that by hand; until the plan's
    # grace runs out, as the daily run would judge it).
    assert sync_preapprovals(date(2026, 12, 18)) == 1
    assert preapproval.amount == MONTHLY
    deliver(client, mercadopago.advance(date(2026, 12, 20)))
    december = DebitAttempt.objects.get(number=1, instalment__number=1)
    assert (december.status, december.amount) == ("succeeded", MONTHLY)


def test_a_charge_refunded_before_any_of_its_notices_arrived_is_never_recorded(
    client, debtor, plan, mercadopago
):
    mercadopago.dropped = set(LOST)
    mandate = enrol(client, debtor, mercadopago)
    deliver(client, mercadopago.sent)
    [charge] = mercadopago.charges.values()
    mercadopago.payments[charge.payment_id]["status"] = "refunded"
    mercadopago.dropped = set()
    preapproval = mercadopago.preapprovals[mandate.method_id]
    refund = mercadopago._notice("payment", charge.payment_id, "payment.updated", preapproval)
    assert deliver(client, [refund]) == [f"mandate {mandate.pk} active"]
    assert settle_agreements(date(2026, 11, 21))["debit_reconciled"] == 0
    assert not DebitAttempt.objects.exists() and not Payment.objects.exists()


@pytest.mark.parametrize("late", [3, 5])
def test_enrolled_after_the_down_payment_was_due_every_instalment_is_still_charged(
    client, debtor, plan, mercadopago, frozen, django_capture_on_commit_callbacks, late
):
    # Enrolled ``late`` days after the down payment's date (at most the plan's
    # five days of grace, or the plan would be broken): Mercado Pago charges
    # now, then monthly from today, so each charge comes ``late`` days after
    # its instalment's date, and before the plan could be judged broken.
    frozen.move_to(f"2026-11-{20 + late} 15:00:00+00:00")
    mandate = enrol(client, debtor, mercadopago)
    preapproval = mercadopago.preapprovals[mandate.method_id]
    assert preapproval.start is None
    assert preapproval.end.isoformat() == f"2027-01-{21 + late}T12:00:00-05:00"
    deliver(client, mercadopago.sent)
    assert settle_agreements(date(2026, 12, 18))["debit_synced"] == 1
    assert settle_agreements(date(2026, 12, 20 + late))["plans_broken"] == 0
    deliver(client, mercadopago.advance(date(2026, 12, 20 + late)))
    assert settle_agreements(date(2027, 1, 18))["debit_synced"] == 1
    assert preapproval.amount == LAST
    assert settle_agreements(date(2027, 1, 20 + late))["plans_broken"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, mercadopago.advance(date(2027, 1, 20 + late)))
    plan.refresh_from_db()
    assert plan.status == "completed"
    assert [c.debit_date for c in mercadopago.charges.values()] == [
        date(2026, 11, 20 + late),
        date(2026, 12, 20 + late),
        date(2027, 1, 20 + late),
    ]
    assert sum(Payment.objects.values_list("amount", flat=True)) == DOWN + MONTHLY + LAST
    assert preapproval.status == "cancelled"


def test_the_amount_follows_a_part_paid_by_hand_up_to_the_day_before_the_charge(
    client, debtor, plan, mercadopago
):
    mandate = enrol(client, debtor, mercadopago)
    deliver(client, mercadopago.sent)
    assert settle_agreements(date(2026, 12, 18))["debit_synced"] == 1
    settle_payment(
        creditor=plan.creditor,
        debtor=debtor,
        external_id="caja-1",
        amount=Decimal("200000.00"),
        currency="COP",
        paid_at=timezone.now(),
        actor="test",
    )
    assert settle_agreements(date(2026, 12, 19))["debit_synced"] == 1
    assert mercadopago.preapprovals[mandate.method_id].amount == MONTHLY - Decimal("200000.00")
    deliver(client, mercadopago.advance(date(2026, 12, 20)))
    assert statuses(plan) == {0: "paid", 1: "paid", 2: "pending"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "postgres" not in os.environ.get("DATABASE_URL", ""),
    reason="the daily run and a notice side by side need PostgreSQL's row locks",
)
def test_the_daily_run_and_a_late_notice_of_one_charge_at_once_record_it_once(
    client, debtor, plan, mercadopago
):
    mercadopago.dropped = set(LOST)
    mandate = enrol(client, debtor, mercadopago)
    [charge] = mercadopago.charges.values()
    provider = provider_for(mandate.creditor_id, "mercadopago")
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def run(work) -> None:
        try:
            start.wait()
            outcomes.append(work())
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(reconcile_preapprovals,)),
        threading.Thread(
            target=run,
            args=(lambda: process_notice(provider, AUTHORIZED_PAYMENT, charge.id, None),),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(outcomes) == 2
    attempt = DebitAttempt.objects.get()
    assert (attempt.status, attempt.idempotency_key) == (
        "succeeded",
        f"mp-{charge.id}-{charge.payment_id}",
    )
    assert Payment.objects.get().external_id == charge.payment_id
    assert statuses(plan)[0] == "paid"


def test_a_charge_notified_after_our_cancel_is_recorded_even_if_cancelling_again_is_refused(
    client, debtor, plan, mercadopago, monkeypatch
):
    mandate = enrol(client, debtor, mercadopago)
    deliver(client, mercadopago.sent)
    # Mercado Pago charges December; its notices arrive after the debtor cancelled.
    held = mercadopago.advance(date(2026, 12, 20))
    assert client.post(f"/p/{live_link(debtor.pk).token}/domiciliar/cancelar").status_code == 303
    assert mercadopago.preapprovals[mandate.method_id].status == "cancelled"
    # A stale read says it is still authorised: cancelling again answers 400.
    monkeypatch.setattr(
        mercadopago_provider.MercadoPagoProvider,
        "preapproval",
        lambda self, preapproval_id: {"id": preapproval_id, "status": "authorized"},
    )
    outcomes = deliver(client, held)
    attempt = DebitAttempt.objects.get(number=1, instalment__number=1)
    assert outcomes[2] == f"debit {attempt.pk} succeeded"
    assert Payment.objects.count() == 2
    assert Mandate.objects.get().status == "cancelled"


def test_a_payment_no_invoice_names_such_as_the_cards_validation_records_nothing(
    client, debtor, plan, mercadopago
):
    mandate = enrol(client, debtor, mercadopago)
    deliver(client, mercadopago.sent)
    preapproval = mercadopago.preapprovals[mandate.method_id]
    # Mercado Pago proves a card with a small payment it gives back: no invoice.
    mercadopago.payments["91000000001"] = {
        **mercadopago.payments[next(iter(mercadopago.charges.values())).payment_id],
        "id": 91000000001,
        "transaction_amount": 1.0,
    }
    validation = mercadopago._notice("payment", "91000000001", "payment.created", preapproval)
    assert deliver(client, [validation]) == [f"mandate {mandate.pk} active"]
    assert DebitAttempt.objects.count() == 1 and Payment.objects.count() == 1


def test_a_preapproval_read_back_as_canceled_with_one_l_cancels_the_mandate(
    client, debtor, plan, mercadopago, monkeypatch
):
    mandate = enrol(client, debtor, mercadopago)
    deliver(client, mercadopago.sent)
    # Mercado Pago's update reference spells the status "canceled".
    monkeypatch.setattr(
        mercadopago_provider.MercadoPagoProvider,
        "preapproval",
        lambda self, preapproval_id: {"id": preapproval_id, "status": "canceled"},
    )
    preapproval = mercadopago.preapprovals[mandate.method_id]
    notice = mercadopago._notice("subscription_preapproval", preapproval.id, "updated", preapproval)
    assert deliver(client, [notice]) == [f"mandate {mandate.pk} cancelled"]
    assert Mandate.objects.get().cancelled_by == "mercadopago"


def test_a_debtor_who_authorised_without_coming_back_and_whose_notices_were_lost_is_found(
    client, debtor, plan, mercadopago
):
    client.post(f"/p/{live_link(debtor.pk).token}/domiciliar", {"payer_email": "camila@mp.test"})
    mandate = Mandate.objects.get()
    mercadopago.dropped = {"subscription_preapproval", *LOST}
    assert not mercadopago.authorise(
        mercadopago.preapprovals[mandate.setup_session_id], "APRO", timezone.now()
    )
    assert settle_agreements(date(2026, 11, 20))["debit_reconciled"] == 1
    mandate.refresh_from_db()
    assert (mandate.status, mandate.method_id) == ("active", mandate.setup_session_id)
    [charge] = mercadopago.charges.values()
    assert Payment.objects.get().external_id == charge.payment_id
    assert statuses(plan)[0] == "paid"


def test_the_invoice_search_asks_page_after_page_and_refuses_a_malformed_answer(monkeypatch):
    monkeypatch.setattr(mercadopago_provider, "SEARCH_LIMIT", 2)
    seen: list[httpx.Request] = []
    invoice = {
        "preapproval_id": "2c93",
        "status": "processed",
        "transaction_amount": 10,
        "currency_id": "cop",
        "debit_date": "2026-12-20T12:00:00.000-05:00",
        "retry_attempt": 0,
        "payment": {"id": 9001, "status": "approved", "status_detail": "accredited"},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.params.get("preapproval_id") == "broken":
            return httpx.Response(200, json={"results": "not a page"})
        offset = int(request.url.params["offset"])
        ids = [7001, 7002, 7003][offset : offset + 2]
        return httpx.Response(
            200,
            json={
                "paging": {"total": 3, "limit": 2, "offset": offset},
                "results": [{**invoice, "id": number} for number in ids],
            },
        )

    provider = mercadopago_provider.MercadoPagoProvider(
        {"base_url": "https://api.mp.test", "access_token": "t"},
        transport=httpx.MockTransport(handler),
    )
    found = provider.search_authorized_payments(preapproval_id="2c93")
    assert [(i.id, i.payment_id, i.currency, i.amount) for i in found] == [
        (str(number), "9001", "COP", Decimal(10)) for number in (7001, 7002, 7003)
    ]
    assert [(r.url.path, dict(r.url.params)) for r in seen] == [
        ("/authorized_payments/search", {"preapproval_id": "2c93", "offset": "0", "limit": "2"}),
        ("/authorized_payments/search", {"preapproval_id": "2c93", "offset": "2", "limit": "2"}),
    ]
    assert seen[0].headers["Authorization"] == "Bearer t"
    with pytest.raises(ProviderError, match="search is malformed"):
        provider.search_authorized_payments(preapproval_id="broken")


def test_a_refusal_read_again_after_the_retry_counter_moved_is_recorded_once(
    client, debtor, plan, mercadopago
):
    # Mercado Pago may count the next try before making its payment: the same refused
    # payment read with another counter is the same attempt, and one notice.
    enrol(client, debtor, mercadopago, holder="FUND")
    deliver(client, mercadopago.sent)
    [charge] = mercadopago.charges.values()
    charge.retry_attempt += 1

    assert reconcile_preapprovals(timezone.now()) == 0
    assert DebitAttempt.objects.count() == 1
    assert Outreach.objects.filter(template_key="debit_failed").count() == 1
