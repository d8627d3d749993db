"""Local payment methods: one table per provider and country, asked for exactly, fakes refuse.

docs/payments.md, "Local payment methods".
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from decimal import Decimal
from urllib.parse import parse_qsl

import httpx
import pytest

from recaudo.payments.links import live_link
from recaudo.payments.methods import methods_for
from recaudo.payments.portal import method_label
from recaudo.payments.providers.base import CheckoutRequest
from recaudo.payments.providers.mercadopago import MercadoPagoProvider
from recaudo.payments.providers.stripe import StripeProvider
from recaudo.portfolio.models import Payment
from recaudo.sandbox.payments import PaymentsFake
from tests.factories import make_creditor, make_debt, make_debtor

REQUEST = CheckoutRequest(
    reference="ref123",
    amount=Decimal("1250.00"),
    currency="MXN",
    description="Pago a Tienda Sol",
    success_url="https://app.example/p/t/r/ref123",
    cancel_url="https://app.example/p/t/r/ref123?cancelled=1",
    notification_url="https://app.example/webhooks/payments/stripe",
)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _stripe_form(country: str, currency: str) -> dict[str, str]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/customers":  # a bank transfer's Customer comes first
            return httpx.Response(200, json={"id": "cus_1", "object": "customer"})
        return httpx.Response(200, json={"id": "cs_test_1", "url": "https://stripe.test/c"})

    provider = StripeProvider(
        {"base_url": "https://api.stripe.test", "secret_key": "sk_test_1"},
        transport=httpx.MockTransport(handler),
    )
    provider.create_checkout(
        replace(REQUEST, currency=currency, methods=methods_for("stripe", country, currency))
    )
    assert seen[-1].url.path == "/v1/checkout/sessions"
    return dict(parse_qsl(seen[-1].content.decode()))


def _method_fields(form: dict[str, str]) -> dict[str, str]:
    return {
        key: value
        for key, value in form.items()
        if key.startswith(("payment_method", "customer_creation"))
    }


def test_stripe_is_asked_for_card_oxxo_and_a_spei_bank_transfer_in_mexico():
    assert _method_fields(_stripe_form("MX", "MXN")) == {
        "payment_method_types[0]": "card",
        "payment_method_types[1]": "oxxo",
        "payment_method_types[2]": "customer_balance",
        "payment_method_options[customer_balance][funding_type]": "bank_transfer",
        "payment_method_options[customer_balance][bank_transfer][type]": "mx_bank_transfer",
    }


def test_stripe_is_asked_for_card_pix_and_boleto_in_brazil_and_cards_alone_in_colombia():
    assert _method_fields(_stripe_form("BR", "BRL")) == {
        "payment_method_types[0]": "card",
        "payment_method_types[1]": "pix",
        "payment_method_types[2]": "boleto",
    }
    assert _method_fields(_stripe_form("CO", "COP")) == {"payment_method_types[0]": "card"}


def test_a_debt_in_another_currency_than_the_countrys_is_offered_cards_alone():
    assert _method_fields(_stripe_form("MX", "USD")) == {"payment_method_types[0]": "card"}
    assert [m.code for m in methods_for("stripe", "MX", "USD")] == ["card"]
    assert [m.code for m in methods_for("stripe", "MX", "MXN")] == ["card", "oxxo", "spei"]


def _mercadopago_body(country: str) -> dict:
    bodies: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(201, json={"id": "123-abc", "init_point": "https://mp.test/x"})

    provider = MercadoPagoProvider(
        {"base_url": "https://mp.test", "access_token": "TEST-1"},
        transport=httpx.MockTransport(handler),
    )
    provider.create_checkout(replace(REQUEST, methods=methods_for("mercadopago", country)))
    return bodies[0]


def test_mercado_pago_leaves_out_every_payment_type_the_country_s_methods_are_not():
    # Peru: cards, Yape (bank transfer) and PagoEfectivo (ATM): only "ticket" goes.
    assert _mercadopago_body("PE")["payment_methods"] == {
        "excluded_payment_types": [{"id": "ticket"}]
    }
    # Colombia: cards and PSE: no cash voucher, no ATM.
    assert _mercadopago_body("CO")["payment_methods"] == {
        "excluded_payment_types": [{"id": "ticket"}, {"id": "atm"}]
    }
    # Mexico: cards, SPEI (CLABE) and OXXO: ATM payments go.
    assert _mercadopago_body("MX")["payment_methods"] == {"excluded_payment_types": [{"id": "atm"}]}
    # Chile: cards only.
    assert _mercadopago_body("CL")["payment_methods"] == {
        "excluded_payment_types": [{"id": "ticket"}, {"id": "atm"}, {"id": "bank_transfer"}]
    }


def test_a_mercado_pago_payment_names_the_method_by_our_code():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "id": 5,
                "status": "approved",
                "transaction_amount": 100,
                "currency_id": "MXN",
                "external_reference": "ref123",
                "payment_method_id": "clabe",
            },
        )

    provider = MercadoPagoProvider(
        {"base_url": "https://mp.test", "access_token": "TEST-1"},
        transport=httpx.MockTransport(handler),
    )
    assert provider.fetch("5").method == "mercadopago:spei"


def test_a_paid_stripe_session_names_the_method_of_its_charge_by_our_code():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "id": "cs_test_1",
                "status": "complete",
                "payment_status": "paid",
                "amount_total": 125050,
                "currency": "mxn",
                "client_reference_id": "ref123",
                "payment_intent": {
                    "id": "pi_1",
                    "object": "payment_intent",
                    "latest_charge": {
                        "id": "ch_1",
                        "object": "charge",
                        "payment_method_details": {"type": "customer_balance"},
                    },
                },
            },
        )

    provider = StripeProvider(
        {"base_url": "https://api.stripe.test", "secret_key": "sk_test_1"},
        transport=httpx.MockTransport(handler),
    )
    record = provider.fetch("cs_test_1")

    assert seen[0].url.params.get_list("expand[]") == ["payment_intent.latest_charge"]
    assert (record.payment_id, record.method, record.amount) == (
        "pi_1",
        "stripe:spei",
        Decimal("1250.50"),
    )


def _session(**changes) -> dict:
    body = {
        "amount": "100.00",
        "currency": "BRL",
        "reference": "r1",
        "success_url": "https://app.example/ok",
        "cancel_url": "https://app.example/no",
    }
    body.update(changes)
    return body


def test_the_sandbox_refuses_an_unknown_method_and_one_its_currency_cannot_take():
    fake = PaymentsFake("http://sandbox.test", "key", "secret")
    status, answer = fake.create(_session(payment_method_types=["card", "nequi"]), "")
    assert status == 400
    assert answer["param"] == "payment_method_types[1]"
    assert answer["error"].startswith("Invalid payment_method_types[1]: must be one of ")
    status, answer = fake.create(_session(currency="COP", payment_method_types=["pix"]), "")
    assert (status, answer) == (
        400,
        {
            "error": "The payment method `pix` does not support the currency cop",
            "param": "payment_method_types[0]",
        },
    )
    assert fake.sessions == {}


def test_a_sandbox_session_paid_with_pix_says_so_in_its_record_and_its_webhook():
    fake = PaymentsFake("http://sandbox.test", "key", "secret")
    status, answer = fake.create(
        _session(payment_method_types=["card", "pix", "boleto"], notification_url="https://a/w"),
        "",
    )
    assert status == 201 and answer["payment_method_types"] == ["card", "pix", "boleto"]
    session = fake.sessions[answer["id"]]
    webhook = fake.settle(session, paid=True, method="pix")
    assert webhook is not None
    assert json.loads(webhook.body)["data"]["payment_method"] == "pix"
    assert fake.describe(session)["payment_method"] == "pix"


@pytest.mark.parametrize(
    ("country", "currency", "expected"),
    [
        ("BR", "BRL", ["card", "pix", "boleto"]),
        ("PE", "PEN", ["card", "yape", "pagoefectivo"]),
    ],
)
def test_paying_from_the_portal_offers_the_countrys_methods_and_records_the_one_chosen(
    transactional_db, live_server, settings, payment_sandbox, country, currency, expected
):
    settings.PUBLIC_BASE_URL = live_server.url
    creditor = make_creditor(country=country, default_currency=currency)
    debtor = make_debtor(creditor, timezone="America/Lima")
    make_debt(debtor, "250.00")
    token = live_link(debtor.pk).token
    with httpx.Client(timeout=15, follow_redirects=False) as browser:
        page = browser.get(f"{live_server.url}/p/{token}")
        csrf = CSRF.search(page.text).group(1)
        started = browser.post(
            f"{live_server.url}/p/{token}/pagar",
            data={"csrfmiddlewaretoken": csrf, "choice": "all"},
        )
        checkout_url = started.headers["Location"]
        offered = browser.get(checkout_url).text
        assert re.findall(r'name="method" value="([a-z]+)"', offered) == expected
        action = re.search(r'action="([^"]+/pay)"', offered).group(1)
        settled = browser.post(
            str(httpx.URL(checkout_url).join(action)), data={"method": expected[1]}
        )
        assert settled.status_code == 303
        browser.get(settled.headers["Location"])
    payment = Payment.objects.get()
    assert (payment.method, payment.amount, payment.currency) == (
        f"sandbox:{expected[1]}",
        Decimal("250.00"),
        currency,
    )


@pytest.mark.parametrize(
    ("method", "label"),
    [
        ("stripe", "tarjeta (Stripe)"),
        ("stripe:oxxo", "Stripe · Efectivo en OXXO"),
        ("mercadopago:spei", "Mercado Pago · Transferencia SPEI"),
        ("mercadopago:visa", "Mercado Pago · visa"),
        ("sandbox:yape", "pago en línea de prueba · Yape"),
        ("Nequi", "Nequi"),
    ],
)
def test_a_payments_method_reads_by_its_label_in_the_history(method, label):
    assert method_label(method) == label
