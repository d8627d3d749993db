"""Direct debit through Mercado Pago's subscriptions (preapproval), against the sandbox's fake.

The debtor enrols with the e-mail of their Mercado Pago account; Mercado
Pago's engine (the fake's ``advance``) charges, retries and notifies; Recaudo
reads each notification back and settles or tells the debtor. The plan
(conftest): 283 913.51 COP on 2026-11-20 (Bogotá), then 567 826.99 on
2026-12-20 and the rest, 567 827.00 (the remainder cent), on 2027-01-20.
"""

from __future__ import annotations

import os
import threading
from datetime import date
from decimal import Decimal
from urllib.parse import urlparse

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from recaudo.outreach.models import Outreach
from recaudo.payments.accounts import provider_for
from recaudo.payments.actions import agree_plan, settle_payment
from recaudo.payments.agreements import settle_agreements
from recaudo.payments.debit_charges import charge_due_debits, retries_ahead
from recaudo.payments.debit_mercadopago import process_notice
from recaudo.payments.links import live_link
from recaudo.payments.models import DebitAttempt, InstalmentPlan, Mandate, PaymentWebhookEvent
from recaudo.payments.providers.mercadopago import AUTHORIZED_PAYMENT
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Payment
from recaudo.sandbox.config import Behaviour
from recaudo.sandbox.preapproval import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_WEBHOOK_SECRET,
    PREAPPROVAL_KEY,
    PreapprovalFake,
)
from recaudo.sandbox.runner import BackgroundSandbox
from recaudo.sandbox.state import Sandbox
from recaudo.sandbox.webhooks import Webhook
from tests.helpers import own_token
from tests.payments.test_debit_notices import only_message

pytestmark = pytest.mark.django_db

DOWN = Decimal("283913.51")
MONTHLY = Decimal("567826.99")
LAST = Decimal("567827.00")


@pytest.fixture
def mercadopago(settings):
    """The sandbox with Mercado Pago's subscriptions; its notifications are kept, not sent,
    and each test hands them to Recaudo's webhook."""
    config = {"access_token": DEFAULT_ACCESS_TOKEN, "webhook_secret": DEFAULT_WEBHOOK_SECRET}
    settings.PAYMENTS = {"default_provider": "mercadopago", "providers": {"mercadopago": config}}
    behaviour = Behaviour(webhook_base_url=settings.PUBLIC_BASE_URL, webhooks_enabled=False)
    with BackgroundSandbox(Sandbox(behaviour=behaviour, seed=3), smtp_port=None) as running:
        settings.PAYMENTS = {
            "default_provider": "mercadopago",
            "providers": {"mercadopago": {**config, "base_url": f"{running.url}/mercadopago"}},
        }
        fake = running.runner.app[PREAPPROVAL_KEY]
        fake.currency = "COP"
        yield fake


@pytest.fixture
def plan(debtor, frozen) -> InstalmentPlan:
    point = ContactPoint.objects.create(
        debtor=debtor, kind="phone", value="+573001112233", channels=["whatsapp", "sms"]
    )
    ChannelConsent.objects.create(
        contact_point=point, channel="whatsapp", source="contrato", granted_at=timezone.now()
    )
    return agree_plan(live_link(debtor.pk), down_payment=DOWN, count=2)


def deliver(client, webhooks: list[Webhook]) -> list[str]:
    """Hand Mercado Pago's notifications to Recaudo's webhook; the outcomes."""
    outcomes = []
    for webhook in webhooks:
        url = urlparse(webhook.url)
        answer = client.post(
            f"{url.path}?{url.query}",
            data=webhook.body,
            content_type="application/json",
            headers={k: v for k, v in webhook.headers.items() if k != "Content-Type"},
        )
        assert answer.status_code == 200, answer.content.decode()
        outcomes.append(answer.content.decode())
    return outcomes


def enrol(client, debtor, fake: PreapprovalFake, holder: str = "APRO", email="camila@mp.test"):
    """The debtor types their Mercado Pago e-mail, authorises at Mercado Pago, comes back."""
    token = live_link(debtor.pk).token
    started = client.post(f"/p/{token}/domiciliar", {"payer_email": email})
    assert started.status_code == 303, started.content.decode()[:400]
    mandate = Mandate.objects.get(status="pending")
    assert started["Location"] == mandate.setup_url
    assert "/subscriptions/checkout?preapproval_id=" in mandate.setup_url
    page = httpx.get(mandate.setup_url)
    assert 'id="mp-authorize"' in page.text and email in page.text
    authorised = httpx.post(
        mandate.setup_url.split("?")[0],
        data={"preapproval_id": mandate.setup_session_id, "holder": holder},
        follow_redirects=False,
    )
    assert authorised.status_code == 303
    back = authorised.headers["location"]
    assert back.endswith(f"/p/{token}/domiciliar/r/{mandate.reference}")
    returned = client.get(urlparse(back).path)
    assert returned.status_code == 303
    mandate.refresh_from_db()
    return mandate


def test_enrolling_creates_a_pending_preapproval_with_the_plan_terms_and_the_debtor_authorises_it(
    client, debtor, plan, mercadopago
):
    mandate = enrol(client, debtor, mercadopago)
    assert (mandate.status, mandate.provider, mandate.brand) == ("active", "mercadopago", "master")
    assert mandate.method_id == mandate.setup_session_id
    preapproval = mercadopago.preapprovals[mandate.method_id]
    assert preapproval.payer_email == "camila@mp.test"
    assert preapproval.external_reference == mandate.reference
    assert (preapproval.frequency, preapproval.frequency_type) == (1, "months")
    assert (preapproval.amount, preapproval.currency) == (DOWN, "COP")
    # The down payment is due today: no start date, Mercado Pago charges on authorising.
    assert preapproval.start is None
    assert preapproval.end.isoformat() == "2027-01-21T12:00:00-05:00"
    assert mandate.synced_amount == DOWN
    page = client.get(f"/p/{live_link(debtor.pk).token}").content.decode()
    assert 'id="debit-cancel"' in page and 'id="debit-enrol"' not in page


def test_an_approved_charge_settles_once_whatever_notifications_come_and_again(
    client, debtor, plan, mercadopago
):
    mandate = enrol(client, debtor, mercadopago)
    sent = list(mercadopago.sent)
    assert [w.label for w in sent] == [
        "subscription_preapproval",
        "subscription_authorized_payment",
        "payment",
        "subscription_authorized_payment",
    ]
    deliver(client, sent)
    deliver(client, sent)  # Mercado Pago sends again when an answer is slow
    attempt = DebitAttempt.objects.get()
    [charge] = mercadopago.charges.values()
    assert attempt.idempotency_key == f"mp-{charge.id}-{charge.payment_id}"
    assert (attempt.status, attempt.amount, attempt.number) == ("succeeded", DOWN, 1)
    payment = Payment.objects.get()
    assert payment.external_id == charge.payment_id == attempt.provider_payment_id
    assert (payment.amount, payment.method) == (DOWN, "mercadopago:debit")
    assert dict(plan.instalments.values_list("number", "status")) == {
        0: "paid",
        1: "pending",
        2: "pending",
    }
    mandate.refresh_from_db()
    assert mandate.last4 == "0604"  # from the payment: the preapproval names no digits
    assert Outreach.objects.filter(template_key="payment_thanks").count() == 1
    # Our worker never charges what Mercado Pago's engine charges.
    assert charge_due_debits(timezone.now()) == {}


def test_the_amount_is_synced_before_each_charge_and_the_rounded_last_instalment(
    client, debtor, plan, mercadopago, django_capture_on_commit_callbacks
):
    mandate = enrol(client, debtor, mercadopago)
    deliver(client, mercadopago.sent)
    preapproval = mercadopago.preapprovals[mandate.method_id]
    assert settle_agreements(date(2026, 12, 17))["debit_synced"] == 0  # not yet
    assert settle_agreements(date(2026, 12, 18))["debit_synced"] == 1
    assert preapproval.amount == MONTHLY
    assert settle_agreements(date(2026, 12, 19))["debit_synced"] == 0  # already set
    [upcoming] = Outreach.objects.filter(template_key="debit_upcoming")
    assert upcoming.notice_context["charge_amount"] == "567826.99"
    assert upcoming.notice_context["card_last4"] == "0604"
    mercadopago.sent.clear()
    deliver(client, mercadopago.advance(date(2026, 12, 20)))
    assert Payment.objects.count() == 2
    assert settle_agreements(date(2027, 1, 18))["debit_synced"] == 1
    assert preapproval.amount == LAST
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, mercadopago.advance(date(2027, 1, 20)))
    plan.refresh_from_db()
    assert plan.status == "completed"
    assert sum(Payment.objects.values_list("amount", flat=True)) == DOWN + MONTHLY + LAST
    # The plan ended: the preapproval is cancelled at Mercado Pago.
    assert preapproval.status == "cancelled"
    assert Mandate.objects.get().status == "cancelled"


def test_a_refused_charge_tells_mercado_pagos_retry_date_and_the_retry_pays(
    client, debtor, plan, mercadopago
):
    mandate = enrol(client, debtor, mercadopago, holder="FUND")
    deliver(client, mercadopago.sent)
    failed = DebitAttempt.objects.get()
    assert (failed.status, failed.error_code) == ("failed", "cc_rejected_insufficient_amount")
    assert failed.retry_on == date(2026, 11, 23)
    [told] = Outreach.objects.filter(template_key="debit_failed")
    assert told.notice_context["retry_date"] == "2026-11-23"
    assert not Payment.objects.exists()
    assert retries_ahead(plan, date(2026, 11, 22))
    # Money arrived; Mercado Pago's retry on the 23rd pays.
    mercadopago.preapprovals[mandate.method_id].holder = "APRO"
    mercadopago.sent.clear()
    deliver(client, mercadopago.advance(date(2026, 11, 23)))
    paid = DebitAttempt.objects.get(number=2)
    assert paid.status == "succeeded" and paid.instalment_id == failed.instalment_id
    # Each try is a payment of its own: the retry's attempt is keyed by its payment.
    [charge] = mercadopago.charges.values()
    assert paid.idempotency_key == f"mp-{charge.id}-{paid.provider_payment_id}"
    assert paid.provider_payment_id != failed.idempotency_key.rsplit("-", 1)[1]
    assert Payment.objects.get().external_id == paid.provider_payment_id
    assert plan.instalments.get(number=0).status == "paid"


def test_a_charge_refused_on_its_last_attempt_says_so_and_no_retry_is_ahead(
    client, debtor, plan, mercadopago
):
    enrol(client, debtor, mercadopago, holder="OTHE")
    deliver(client, mercadopago.sent)
    for day in (23, 26):
        deliver(client, mercadopago.advance(date(2026, 11, day)))
    assert Outreach.objects.filter(template_key="debit_failed").count() == 3
    assert retries_ahead(plan, date(2026, 11, 27))
    deliver(client, mercadopago.advance(date(2026, 11, 29)))
    assert DebitAttempt.objects.filter(status="failed").count() == 4
    [final] = Outreach.objects.filter(template_key="debit_failed_final")
    assert "retry_date" not in final.notice_context
    assert not retries_ahead(plan, date(2026, 11, 30))
    assert not Payment.objects.exists()


def test_cancelling_on_the_portal_cancels_the_preapproval_and_nothing_more_is_charged(
    client, debtor, plan, mercadopago
):
    mandate = enrol(client, debtor, mercadopago)
    deliver(client, mercadopago.sent)
    token = live_link(debtor.pk).token
    answer = client.post(f"/p/{token}/domiciliar/cancelar")
    assert answer.status_code == 303
    preapproval = mercadopago.preapprovals[mandate.method_id]
    assert preapproval.status == "cancelled"
    assert mercadopago.advance(date(2027, 1, 20)) == []
    assert Payment.objects.count() == 1
    # Mercado Pago refuses to change a cancelled preapproval.
    status, body = mercadopago.update(mandate.method_id, {"status": "authorized"})
    assert status == 400 and body["error"] == "bad_request"


@pytest.mark.parametrize("email", ["", "no-es-un-correo"])
def test_enrolling_without_a_valid_mercado_pago_email_is_refused_and_nothing_is_created(
    client, debtor, plan, mercadopago, email
):
    token = live_link(debtor.pk).token
    page = client.get(f"/p/{token}").content.decode()
    assert 'name="payer_email"' in page
    answer = client.post(f"/p/{token}/domiciliar", {"payer_email": email})
    assert answer.status_code == 400
    assert "correo" in answer.content.decode()
    assert not Mandate.objects.exists() and not mercadopago.preapprovals


def test_the_email_on_file_is_used_when_the_field_is_left_empty_and_shown_only_masked(
    client, debtor, plan, mercadopago
):
    ContactPoint.objects.create(debtor=debtor, kind="email", value="camila.rojas@example.com")
    token = live_link(debtor.pk).token
    page = client.get(f"/p/{token}").content.decode()
    assert "c•••@example.com" in page and "camila.rojas@example.com" not in page
    assert client.post(f"/p/{token}/domiciliar", {"payer_email": ""}).status_code == 303
    [preapproval] = mercadopago.preapprovals.values()
    assert preapproval.payer_email == "camila.rojas@example.com"


def test_an_unsigned_or_badly_signed_notification_is_refused_and_nothing_is_stored(
    client, debtor, plan, mercadopago
):
    enrol(client, debtor, mercadopago)
    charge_notice = mercadopago.sent[1]
    url = urlparse(charge_notice.url)
    path = f"{url.path}?{url.query}"
    unsigned = client.post(path, data=charge_notice.body, content_type="application/json")
    assert unsigned.status_code == 401
    forged = client.post(
        path,
        data=charge_notice.body,
        content_type="application/json",
        headers={
            "x-signature": "ts=1700000000000,v1=" + "0" * 64,
            "x-request-id": charge_notice.headers["x-request-id"],
        },
    )
    assert forged.status_code == 403
    assert not PaymentWebhookEvent.objects.exists()
    assert not DebitAttempt.objects.exists() and not Payment.objects.exists()


def test_the_fake_refuses_a_preapproval_as_mercado_pago_does(mercadopago):
    good = {
        "reason": "Cuotas",
        "external_reference": "m1",
        "payer_email": "a@b.co",
        "back_url": "https://app.test/back",
        "status": "pending",
        "auto_recurring": {
            "frequency": 1,
            "frequency_type": "months",
            "transaction_amount": 100,
            "currency_id": "COP",
        },
    }
    assert mercadopago.create(good)[0] == 201
    for change, complaint in [
        ({"payer_email": ""}, "payer_email is required"),
        ({"back_url": None}, "back_url is required"),
        ({"auto_recurring": {**good["auto_recurring"], "frequency_type": "weeks"}}, "days or"),
        ({"auto_recurring": {**good["auto_recurring"], "transaction_amount": 0}}, "than 0"),
        ({"auto_recurring": {**good["auto_recurring"], "currency_id": "BRL"}}, "currency"),
    ]:
        status, body = mercadopago.create({**good, **change})
        assert status == 400 and body["status"] == 400 and complaint in body["message"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "postgres" not in os.environ.get("DATABASE_URL", ""),
    reason="two notices processed side by side need PostgreSQL's row locks",
)
def test_two_notices_of_one_charge_processed_at_once_settle_it_once(
    client, debtor, plan, mercadopago
):
    mandate = enrol(client, debtor, mercadopago)
    [charge] = mercadopago.charges.values()
    provider = provider_for(mandate.creditor_id, "mercadopago")
    start = threading.Barrier(2)
    outcomes: list[tuple[str, int]] = []

    def process() -> None:
        try:
            start.wait()
            outcomes.append(process_notice(provider, AUTHORIZED_PAYMENT, charge.id, None))
        finally:
            connection.close()

    threads = [threading.Thread(target=process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [status for _outcome, status in outcomes] == [200, 200]
    attempt = DebitAttempt.objects.get()
    assert attempt.status == "succeeded"
    assert Payment.objects.get().external_id == charge.payment_id
    assert plan.instalments.get(number=0).status == "paid"


def test_the_fakes_engine_runs_over_http_and_its_api_wants_the_access_token(
    client, debtor, plan, mercadopago
):
    mandate = enrol(client, debtor, mercadopago, holder="FUND")
    base = mercadopago.base_url
    assert httpx.get(f"{base}/preapproval/{mandate.method_id}").status_code == 401
    assert httpx.post(f"{base}/_sandbox/advance", json={"until": "mañana"}).status_code == 400
    ran = httpx.post(f"{base}/_sandbox/advance", json={"until": "2026-11-23"})
    assert ran.json() == {"notifications": ["payment", "subscription_authorized_payment"]}
    [charge] = mercadopago.charges.values()
    answer = httpx.get(
        f"{base}/authorized_payments/{charge.id}",
        headers={"Authorization": f"Bearer {DEFAULT_ACCESS_TOKEN}"},
    ).json()
    assert (answer["status"], answer["retry_attempt"]) == ("recycling", 1)
    assert answer["next_retry_date"].startswith("2026-11-26")
    assert answer["payment"]["status_detail"] == "cc_rejected_insufficient_amount"


def test_an_instalment_partly_paid_by_hand_is_synced_to_what_it_still_needs(
    client, debtor, plan, mercadopago
):
    mandate = enrol(client, debtor, mercadopago)
    deliver(client, mercadopago.sent)
    settle_payment(
        creditor=plan.creditor,
        debtor=debtor,
        external_id="caja-1",
        amount=Decimal("100000.00"),
        currency="COP",
        paid_at=timezone.now(),
        actor="test",
    )
    assert settle_agreements(date(2026, 12, 18))["debit_synced"] == 1
    assert mercadopago.preapprovals[mandate.method_id].amount == MONTHLY - Decimal("100000.00")
    [upcoming] = Outreach.objects.filter(template_key="debit_upcoming")
    assert upcoming.notice_context["charge_amount"] == "467826.99"
    deliver(client, mercadopago.advance(date(2026, 12, 20)))
    assert dict(plan.instalments.values_list("number", "status")) == {
        0: "paid",
        1: "paid",
        2: "pending",
    }


def test_a_debtor_who_never_comes_back_is_activated_by_mercado_pagos_notice(
    client, debtor, plan, mercadopago
):
    token = live_link(debtor.pk).token
    client.post(f"/p/{token}/domiciliar", {"payer_email": "camila@mp.test"})
    mandate = Mandate.objects.get()
    assert mercadopago.authorise(
        mercadopago.preapprovals[mandate.setup_session_id], "APRO", timezone.now()
    )
    outcomes = deliver(client, mercadopago.sent[:1])  # the subscription_preapproval notice
    assert outcomes == [f"mandate {mandate.pk} active"]
    assert Mandate.objects.get().status == "active"


def test_a_subscription_cancelled_at_mercado_pago_cancels_the_mandate_without_calling_back(
    client, debtor, plan, mercadopago
):
    mandate = enrol(client, debtor, mercadopago)
    deliver(client, mercadopago.sent)
    assert mercadopago.update(mandate.method_id, {"status": "cancelled"})[0] == 200
    notice = mercadopago._notice("subscription_preapproval", mandate.method_id, "updated")
    deliver(client, [notice])
    mandate.refresh_from_db()
    assert (mandate.status, mandate.cancelled_channel) == ("cancelled", "system")
    assert mandate.cancelled_by == "mercadopago"
    # A charge refused after the cancel tells the debtor nothing.
    assert not Outreach.objects.filter(template_key__startswith="debit_failed").exists()


def test_a_second_subscription_authorised_later_replaces_the_first_at_mercado_pago(
    client, debtor, plan, mercadopago, django_capture_on_commit_callbacks
):
    token = live_link(debtor.pk).token
    # Two tabs: both pending before either is authorised.
    client.post(f"/p/{token}/domiciliar", {"payer_email": "camila@mp.test"})
    client.post(f"/p/{token}/domiciliar", {"payer_email": "otra@mp.test"})
    first, second = Mandate.objects.order_by("pk")
    for mandate in (first, second):
        preapproval = mercadopago.preapprovals[mandate.setup_session_id]
        mercadopago.authorise(preapproval, "APRO", timezone.now())
        with django_capture_on_commit_callbacks(execute=True):
            client.get(f"/p/{token}/domiciliar/r/{mandate.reference}")
    assert Mandate.objects.get(pk=second.pk).status == "active"
    assert Mandate.objects.get(pk=first.pk).status == "cancelled"
    # Its engine would go on charging the replaced one.
    assert mercadopago.preapprovals[first.setup_session_id].status == "cancelled"
    assert mercadopago.preapprovals[second.setup_session_id].status == "authorized"


def test_before_mercado_pagos_first_charge_the_notice_shows_the_cards_digits_masked(
    client, debtor, plan, mercadopago, frozen
):
    # The down payment paid by hand: the first charge is December's, after the notice.
    settle_payment(
        creditor=plan.creditor,
        debtor=debtor,
        external_id="caja-1",
        amount=DOWN,
        currency="COP",
        paid_at=timezone.now(),
        actor="test",
    )
    mandate = enrol(client, debtor, mercadopago)
    preapproval = mercadopago.preapprovals[mandate.method_id]
    assert preapproval.start.isoformat() == "2026-12-20T12:00:00-05:00"
    assert (preapproval.amount, mandate.last4, mercadopago.charges) == (MONTHLY, "", {})
    page = client.get(f"/p/{live_link(debtor.pk).token}").content.decode()
    assert "Activo con su cuenta de Mercado Pago." in page
    Outreach.objects.all().delete()
    frozen.move_to("2026-12-18 15:00:00+00:00")
    assert settle_agreements(date(2026, 12, 18))["debit_notices"] == 1
    notice = Outreach.objects.get(template_key="debit_upcoming")
    assert (notice.notice_context["card_brand"], notice.notice_context["card_last4"]) == (
        "master",
        "****",
    )
    message = only_message(timezone.now())
    assert message.channel == "whatsapp"
    link = f"http://127.0.0.1:8000/p/{own_token(message, debtor)}"
    assert message.text == (
        "Hola Camila, te escribimos de Tienda Sol: el 20 de diciembre cargaremos $567.826,99 "
        "a tu tarjeta Mastercard terminada en **** (cuota 2 de 3 de tu plan).\n"
        f"Si quieres cancelar la domiciliación: {link}\n¡Gracias!"
    )


def test_a_charge_notified_before_the_subscription_activates_the_mandate_and_settles(
    client, debtor, plan, mercadopago
):
    token = live_link(debtor.pk).token
    client.post(f"/p/{token}/domiciliar", {"payer_email": "camila@mp.test"})
    mandate = Mandate.objects.get()
    mercadopago.authorise(
        mercadopago.preapprovals[mandate.setup_session_id], "APRO", timezone.now()
    )
    charge_notices = [w for w in mercadopago.sent if w.label != "subscription_preapproval"]
    deliver(client, charge_notices)
    assert Mandate.objects.get().status == "active"
    assert DebitAttempt.objects.get().status == "succeeded"
    assert Payment.objects.get().amount == DOWN
