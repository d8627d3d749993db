"""A failed or expired asynchronous payment (an OXXO voucher, a boleto, SPEI, Pix) closes
its checkout (issue 19).

A delayed method's checkout completes unpaid when the voucher is issued, and
only later succeeds or fails (Stripe's ``checkout.session.async_payment_*``
events; a Mercado Pago ticket that expires is ``cancelled``). Each webhook is
authenticated, then the provider's own record decides: failed → the checkout
is ``failed``, the debtor gets ``payment_failed`` once, the portal offers a
fresh payment; a repeated or replayed event changes nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from django.utils import timezone

from recaudo.outreach.contract import WebhookRequest
from recaudo.outreach.models import Outreach
from recaudo.payments import webhooks
from recaudo.payments.accounts import provider_for
from recaudo.payments.actions import apply_provider_record
from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout, PaymentWebhookEvent
from recaudo.payments.providers.base import ProviderRecord
from recaudo.payments.providers.mercadopago import MercadoPagoProvider
from recaudo.payments.providers.stripe import StripeProvider
from recaudo.portfolio.models import ChannelConsent, Debt, Payment
from recaudo.sandbox.payments import PAYMENTS_KEY
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db


@pytest.fixture
def mexican(db):
    creditor = make_creditor(brand_name="Tienda Sol", country="MX", default_currency="MXN")
    debtor = make_debtor(
        creditor, first_name="Ana", full_name="Ana López", country="MX",
        timezone="America/Mexico_City", phone="+525512345678",
    )  # fmt: skip
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(), channel="whatsapp", source="contrato",
        granted_at=timezone.now(),
    )  # fmt: skip
    make_debt(debtor, "1250.00")
    return debtor


def _start(client, debtor) -> Checkout:
    token = live_link(debtor.pk).token
    started = client.post(f"/p/{token}/pagar", {"choice": "all"})
    assert started.status_code == 303, started.content.decode()[:400]
    return Checkout.objects.filter(debtor=debtor).latest("pk")


def _fake(payment_sandbox):
    return payment_sandbox.runner.app[PAYMENTS_KEY]


def _session(payment_sandbox, checkout: Checkout):
    return _fake(payment_sandbox).sessions[checkout.provider_session_id]


def _post(client, webhook):
    return client.post(
        "/webhooks/payments/sandbox",
        webhook.body,
        content_type="application/json",
        HTTP_X_SANDBOX_SIGNATURE=webhook.headers["X-Sandbox-Signature"],
    )


def _failed_notices() -> list[tuple[str, str]]:
    return list(
        Outreach.objects.filter(template_key="payment_failed").values_list(
            "template_key", "notice_key"
        )
    )


def test_an_oxxo_voucher_that_expires_unpaid_closes_the_checkout_and_tells_the_debtor_once(
    client, mexican, payment_sandbox
):
    checkout = _start(client, mexican)
    fake, session = _fake(payment_sandbox), _session(payment_sandbox, checkout)
    call = payment_sandbox.background.call
    issued = call(lambda: fake.issue_voucher(session, "oxxo"))
    assert json.loads(issued.body)["type"] == "checkout.session.completed"

    assert _post(client, issued).status_code == 200
    checkout.refresh_from_db()
    assert checkout.status == "open"  # the voucher is out, nothing is paid yet
    assert _failed_notices() == []

    expired = call(lambda: fake.settle_voucher(session, paid=False))
    assert json.loads(expired.body)["type"] == "checkout.session.async_payment_failed"
    assert _post(client, expired).status_code == 200

    checkout.refresh_from_db()
    assert (checkout.status, checkout.payment_id) == ("failed", None)
    assert checkout.completed_at is not None
    assert _failed_notices() == [("payment_failed", f"payment-failed:{checkout.reference}")]
    assert not Payment.objects.exists()
    assert set(Debt.objects.values_list("status", flat=True)) == {"open"}

    # The same event again, and a fresh event for the same session: nothing changes.
    again = _post(client, expired)
    assert (again.status_code, again.content) == (200, b"already processed")
    replay = call(lambda: fake.webhook(session, "checkout.session.async_payment_failed"))
    assert _post(client, replay).status_code == 200
    checkout.refresh_from_db()
    assert checkout.status == "failed"
    assert len(_failed_notices()) == 1
    assert PaymentWebhookEvent.objects.count() == 3

    # The portal offers a fresh payment: a new checkout, open, at a new session.
    token = live_link(mexican.pk).token
    assert 'id="pay-all"' in client.get(f"/p/{token}").content.decode()
    fresh = _start(client, mexican)
    assert fresh.pk != checkout.pk and fresh.status == "open"
    assert fresh.provider_session_id != checkout.provider_session_id


def test_a_checkout_session_nobody_paid_expires_and_closes_its_checkout(
    client, mexican, payment_sandbox
):
    checkout = _start(client, mexican)
    fake, session = _fake(payment_sandbox), _session(payment_sandbox, checkout)
    expired = payment_sandbox.background.call(lambda: fake.expire(session))
    assert json.loads(expired.body)["type"] == "checkout.session.expired"

    assert _post(client, expired).status_code == 200

    checkout.refresh_from_db()
    assert checkout.status == "failed"
    assert len(_failed_notices()) == 1


def test_a_voucher_paid_at_the_store_is_recorded_with_its_method(client, mexican, payment_sandbox):
    checkout = _start(client, mexican)
    fake, session = _fake(payment_sandbox), _session(payment_sandbox, checkout)
    call = payment_sandbox.background.call
    _post(client, call(lambda: fake.issue_voucher(session, "oxxo")))
    paid = call(lambda: fake.settle_voucher(session, paid=True))
    assert json.loads(paid.body)["type"] == "checkout.session.async_payment_succeeded"

    assert _post(client, paid).status_code == 200

    checkout.refresh_from_db()
    assert checkout.status == "paid"
    payment = Payment.objects.get()
    assert (payment.method, payment.amount) == ("sandbox:oxxo", Decimal("1250.0000"))
    assert _failed_notices() == []


def test_the_sandbox_page_issues_a_voucher_and_lets_it_expire_with_stripes_rules(
    client, mexican, payment_sandbox
):
    checkout = _start(client, mexican)
    page = httpx.get(checkout.url).text
    assert 'id="sandbox-voucher"' in page  # OXXO and SPEI are offered in pesos
    base = checkout.url
    card = httpx.post(f"{base}/voucher", data={"method": "card"}, follow_redirects=False)
    assert card.status_code == 400  # a card has no voucher

    issued = httpx.post(f"{base}/voucher", data={"method": "oxxo"}, follow_redirects=False)
    assert issued.status_code == 303
    session = _session(payment_sandbox, checkout)
    assert (session.status, session.payment_method) == ("pending", "oxxo")
    assert 'id="sandbox-voucher-expired"' in httpx.get(base).text
    assert httpx.post(f"{base}/expire", follow_redirects=False).status_code == 409

    lapsed = httpx.post(f"{base}/voucher/expired", follow_redirects=False)
    assert lapsed.status_code == 303
    assert (session.status, session.failure) == ("failed", "voucher_expired")
    assert httpx.post(f"{base}/voucher/paid", follow_redirects=False).status_code == 409
    record = provider_for(mexican.creditor_id, "sandbox").fetch(session.id)
    assert record.status == "failed"


def _stripe(session: dict) -> StripeProvider:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/v1/checkout/sessions/{session['id']}"
        assert request.url.params.get("expand[]") == "payment_intent.latest_charge"
        return httpx.Response(200, json=session)

    return StripeProvider(
        {"base_url": "https://api.stripe.test", "secret_key": "sk_test_1", "webhook_secret": "w"},
        transport=httpx.MockTransport(handler),
    )


def _stripe_checkout(debtor) -> Checkout:
    return Checkout.objects.create(
        reference="ref-oxxo", link=live_link(debtor.pk), creditor=debtor.creditor, debtor=debtor,
        kind=Checkout.Kind.ALL, provider="stripe", provider_session_id="cs_1",
        amount=Decimal("1250.00"), currency="MXN",
    )  # fmt: skip


def _oxxo_session(intent_status: str) -> dict:
    """A Checkout Session after its OXXO voucher was issued (Stripe: complete and unpaid)."""
    return {
        "id": "cs_1", "object": "checkout.session", "mode": "payment", "status": "complete",
        "payment_status": "unpaid", "client_reference_id": "ref-oxxo", "currency": "mxn",
        "amount_total": 125000,
        "payment_intent": {"id": "pi_1", "status": intent_status, "latest_charge": None},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("intent_status", "checkout_status"),
    [("requires_action", "open"), ("requires_payment_method", "failed"), ("canceled", "failed")],
)
def test_stripes_async_payment_failed_is_read_from_the_session_and_its_payment_intent(
    mexican, intent_status, checkout_status
):
    checkout = _stripe_checkout(mexican)
    stripe = _stripe(_oxxo_session(intent_status))
    event = {
        "id": "evt_1",
        "type": "checkout.session.async_payment_failed",
        "data": {"object": {"id": "cs_1"}},
    }
    notice = stripe.parse_webhook(WebhookRequest(body=json.dumps(event).encode()))

    outcome, status = webhooks._process(stripe, "stripe", notice.fetch_id)

    assert status == 200
    checkout.refresh_from_db()
    assert checkout.status == checkout_status
    assert len(_failed_notices()) == (1 if checkout_status == "failed" else 0)
    assert outcome == f"checkout {checkout.reference[:12]} {checkout_status}"


def _mercadopago(payments: dict[str, dict]) -> MercadoPagoProvider:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=payments[request.url.path.rsplit("/", 1)[-1]])

    return MercadoPagoProvider(
        {"base_url": "https://api.mp.test", "access_token": "t", "webhook_secret": "w"},
        transport=httpx.MockTransport(handler),
    )


def _mp_payment(number: str, status: str) -> dict:
    return {
        "id": int(number), "status": status, "external_reference": "ref-mp",
        "transaction_amount": 1250.0, "currency_id": "MXN", "payment_method_id": "oxxo",
    }  # fmt: skip


def test_a_mercado_pago_ticket_that_expires_closes_the_checkout_and_a_later_payment_still_counts(
    mexican,
):
    checkout = Checkout.objects.create(
        reference="ref-mp", link=live_link(mexican.pk), creditor=mexican.creditor, debtor=mexican,
        kind=Checkout.Kind.ALL, provider="mercadopago", amount=Decimal("1250.00"), currency="MXN",
    )  # fmt: skip
    provider = _mercadopago(
        {"111": _mp_payment("111", "pending"), "222": _mp_payment("222", "cancelled"),
         "333": _mp_payment("333", "approved")}
    )  # fmt: skip

    assert webhooks._process(provider, "mercadopago", "111")[1] == 200
    checkout.refresh_from_db()
    assert checkout.status == "open"  # the ticket is out
    webhooks._process(provider, "mercadopago", "222")  # it expired unpaid
    webhooks._process(provider, "mercadopago", "222")  # reported twice
    checkout.refresh_from_db()
    assert checkout.status == "failed"
    assert len(_failed_notices()) == 1

    # The debtor tried again in the same Mercado Pago checkout and paid: the money counts.
    webhooks._process(provider, "mercadopago", "333")

    checkout.refresh_from_db()
    assert checkout.status == "paid"
    assert Payment.objects.get().external_id == "333"
    assert set(Debt.objects.values_list("status", flat=True)) == {"paid"}


def test_a_paid_record_for_an_open_checkout_is_unchanged_by_a_later_failure(mexican):
    checkout = _stripe_checkout(mexican)
    apply_provider_record(
        checkout.pk, ProviderRecord("paid", "ref-oxxo", Decimal("1250"), "MXN", "pi_1", "stripe")
    )
    apply_provider_record(
        checkout.pk, ProviderRecord("failed", "ref-oxxo", Decimal("1250"), "MXN", "pi_1", "stripe")
    )
    checkout.refresh_from_db()
    assert checkout.status == "paid"
    assert _failed_notices() == []
