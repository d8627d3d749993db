"""Stripe's SPEI (``customer_balance``) in Checkout needs an existing Customer (issue 19).

``customer_creation=always`` does not do: Checkout makes that Customer when
the session is confirmed, and Stripe refuses to create a session offering
``customer_balance`` without ``customer``. Recaudo creates the Customer
first; the sandbox's Stripe-form endpoint refuses as Stripe does
(docs/payments.md, "Local payment methods", with the sources).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from urllib.parse import parse_qsl

import httpx
import pytest

from recaudo.payments.methods import methods_for
from recaudo.payments.providers.base import CheckoutRequest, ProviderError
from recaudo.payments.providers.stripe import StripeProvider
from recaudo.sandbox.payments import DEFAULT_API_KEY, PAYMENTS_KEY

REQUEST = CheckoutRequest(
    reference="ref-spei",
    amount=Decimal("1250.00"),
    currency="MXN",
    description="Pago a Tienda Sol",
    success_url="https://app.example/p/t/r/ref-spei",
    cancel_url="https://app.example/p/t/r/ref-spei?cancelled=1",
    notification_url="https://app.example/webhooks/payments/stripe",
    metadata={"debtor": "7", "kind": "all"},
    methods=methods_for("stripe", "MX", "MXN"),
)


def _recorded() -> tuple[StripeProvider, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/customers":
            return httpx.Response(200, json={"id": "cus_9", "object": "customer"})
        return httpx.Response(200, json={"id": "cs_test_1", "url": "https://stripe.test/c"})

    provider = StripeProvider(
        {"base_url": "https://api.stripe.test", "secret_key": "sk_test_1"},
        transport=httpx.MockTransport(handler),
    )
    return provider, seen


def test_a_checkout_offering_spei_creates_its_customer_first_and_names_it_on_the_session():
    provider, seen = _recorded()

    provider.create_checkout(REQUEST)

    customer, session = seen
    assert (customer.method, customer.url.path) == ("POST", "/v1/customers")
    assert customer.headers["Idempotency-Key"] == "ref-spei:customer"
    assert dict(parse_qsl(customer.content.decode())) == {
        "metadata[reference]": "ref-spei",
        "metadata[debtor]": "7",
        "metadata[kind]": "all",
    }
    form = dict(parse_qsl(session.content.decode()))
    assert form["customer"] == "cus_9"
    assert "customer_creation" not in form
    assert session.headers["Idempotency-Key"] == "ref-spei"


def test_a_checkout_without_spei_creates_no_customer():
    provider, seen = _recorded()

    provider.create_checkout(replace(REQUEST, methods=methods_for("stripe", "BR", "BRL")))

    assert [request.url.path for request in seen] == ["/v1/checkout/sessions"]
    assert "customer" not in dict(parse_qsl(seen[0].content.decode()))


def _sandbox_stripe(payment_sandbox) -> StripeProvider:
    return StripeProvider(
        {"base_url": f"{payment_sandbox.url}/payments", "secret_key": DEFAULT_API_KEY}
    )


def _post_form(payment_sandbox, form: dict[str, str]) -> httpx.Response:
    return httpx.post(
        f"{payment_sandbox.url}/payments/v1/checkout/sessions",
        data=form,
        headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"},
    )


SPEI_FORM = {
    "mode": "payment",
    "line_items[0][price_data][currency]": "mxn",
    "line_items[0][price_data][unit_amount]": "125000",
    "line_items[0][price_data][product_data][name]": "Pago",
    "line_items[0][quantity]": "1",
    "success_url": "https://app.example/ok",
    "cancel_url": "https://app.example/back",
    "payment_method_types[0]": "card",
    "payment_method_types[1]": "customer_balance",
    "payment_method_options[customer_balance][funding_type]": "bank_transfer",
    "payment_method_options[customer_balance][bank_transfer][type]": "mx_bank_transfer",
}


def test_the_sandbox_refuses_spei_without_a_customer_even_with_customer_creation_always(
    payment_sandbox,
):
    answer = _post_form(payment_sandbox, {**SPEI_FORM, "customer_creation": "always"})

    assert answer.status_code == 400
    assert answer.json() == {
        "error": {
            "type": "invalid_request_error",
            "code": "parameter_missing",
            "message": "The payment method `customer_balance` requires `customer` to be set.",
            "param": "customer",
        }
    }
    assert payment_sandbox.runner.app[PAYMENTS_KEY].debit.payment_sessions == {}


@pytest.mark.parametrize(
    ("left_out", "message"),
    [
        (
            "payment_method_options[customer_balance][funding_type]",
            "A value is required for `payment_method_options[customer_balance][funding_type]`.",
        ),
        (
            "payment_method_options[customer_balance][bank_transfer][type]",
            "When using `funding_type=bank_transfer`, the "
            "`payment_method_options[customer_balance][bank_transfer][type]` parameter is "
            "required.",
        ),
    ],
)
def test_the_sandbox_refuses_spei_without_its_funding_options(payment_sandbox, left_out, message):
    form = {key: value for key, value in SPEI_FORM.items() if key != left_out}

    answer = _post_form(payment_sandbox, form)

    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "type": "invalid_request_error",
        "code": "parameter_missing",
        "message": message,
        "param": left_out,
    }


def test_recaudos_spei_request_is_accepted_by_the_sandbox_with_the_customer_it_made(
    payment_sandbox,
):
    provider = _sandbox_stripe(payment_sandbox)

    session = provider.create_checkout(REQUEST)

    debit = payment_sandbox.runner.app[PAYMENTS_KEY].debit
    stored = debit.payment_sessions[session.session_id]
    assert stored["customer"] in debit.customers
    assert stored["payment_method_types"] == ["card", "oxxo", "customer_balance"]
    assert (stored["currency"], stored["amount_total"]) == ("mxn", 125000)
    # A stranger's customer id is refused as Stripe refuses it.
    with pytest.raises(ProviderError, match="No such customer"):
        _sandbox_stripe(payment_sandbox).request(
            "POST",
            "/v1/checkout/sessions",
            headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"},
            data={**SPEI_FORM, "customer": "cus_nobody"},
        )
