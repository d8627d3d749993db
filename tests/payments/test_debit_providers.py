"""Direct debit at the provider: Stripe's exact requests, the sandbox's Stripe rules, the bot.

Stripe (docs/payments.md): a Customer, Checkout in ``mode=setup`` for it, an
off-session PaymentIntent confirmed at once with an idempotency key per
instalment and attempt; card errors come back as 402 with ``error.code``.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import httpx
import pytest

from recaudo.conversations import bot
from recaudo.payments.providers.base import ChargeRequest, ProviderError, SetupRequest
from recaudo.payments.providers.mercadopago import MercadoPagoProvider
from recaudo.payments.providers.stripe import StripeProvider
from recaudo.payments.rules import debit_attempt_day
from recaudo.sandbox.debit import DebitFake

CHARGE = ChargeRequest(
    customer_id="cus_1",
    method_id="pm_1",
    amount=Decimal("567827.00"),
    currency="COP",
    description="Tienda Sol: plan 7, cuota 1",
    idempotency_key="debit-41-2",
    metadata={"plan": "7", "instalment": "1", "attempt": "2"},
)


def _stripe(handler) -> StripeProvider:
    return StripeProvider(
        {"base_url": "https://api.stripe.test", "secret_key": "sk_test_1"},
        transport=httpx.MockTransport(handler),
    )


def _form(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.content.decode()))


def test_stripe_setup_creates_a_customer_then_a_setup_mode_checkout_session():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/customers":
            return httpx.Response(200, json={"id": "cus_9", "object": "customer"})
        return httpx.Response(
            200, json={"id": "cs_test_9", "url": "https://checkout.stripe.com/c/9"}
        )

    session = _stripe(handler).create_setup(
        SetupRequest(
            reference="mand1",
            currency="MXN",
            description="Débito automático",
            email="",
            name="Camila Rojas",
            success_url="https://app.example/p/t/domiciliar/r/mand1",
            cancel_url="https://app.example/p/t/domiciliar/r/mand1?cancelled=1",
            metadata={"plan": "7"},
        )
    )
    assert (session.session_id, session.customer_id) == ("cs_test_9", "cus_9")
    customer, setup = seen
    assert customer.headers["Idempotency-Key"] == "mand1:customer"
    assert customer.headers["Authorization"] == "Bearer sk_test_1"
    assert _form(customer) == {
        "name": "Camila Rojas",
        "metadata[reference]": "mand1",
        "metadata[plan]": "7",
    }
    assert setup.url.path == "/v1/checkout/sessions"
    assert setup.headers["Idempotency-Key"] == "mand1:setup"
    assert _form(setup) == {
        "mode": "setup",
        "customer": "cus_9",
        "currency": "mxn",
        "success_url": "https://app.example/p/t/domiciliar/r/mand1",
        "cancel_url": "https://app.example/p/t/domiciliar/r/mand1?cancelled=1",
        "client_reference_id": "mand1",
        "metadata[reference]": "mand1",
        "setup_intent_data[metadata][reference]": "mand1",
        "setup_intent_data[description]": "Débito automático",
    }


def test_stripe_setup_is_read_back_with_the_card_expanded():
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params.get_list("expand[]") == ["setup_intent.payment_method"]
        return httpx.Response(
            200,
            json={
                "id": "cs_test_9",
                "status": "complete",
                "customer": "cus_9",
                "client_reference_id": "mand1",
                "setup_intent": {
                    "id": "seti_1",
                    "status": "succeeded",
                    "payment_method": {"id": "pm_7", "card": {"brand": "visa", "last4": "4242"}},
                },
            },
        )

    saved = _stripe(handler).fetch_setup("cs_test_9")
    assert (saved.reference, saved.customer_id, saved.method_id) == ("mand1", "cus_9", "pm_7")
    assert (saved.brand, saved.last4) == ("visa", "4242")


def test_stripe_off_session_charge_sends_the_exact_form_and_key():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"id": "pi_1", "status": "succeeded", "amount": 56782700, "currency": "cop"}
        )

    result = _stripe(handler).charge(CHARGE)
    assert (result.status, result.payment_id, result.amount) == (
        "succeeded",
        "pi_1",
        Decimal("567827.00"),
    )
    [request] = seen
    assert request.url.path == "/v1/payment_intents"
    assert request.headers["Idempotency-Key"] == "debit-41-2"
    assert _form(request) == {
        "amount": "56782700",
        "currency": "cop",
        "customer": "cus_1",
        "payment_method": "pm_1",
        "off_session": "true",
        "confirm": "true",
        "description": "Tienda Sol: plan 7, cuota 1",
        "metadata[plan]": "7",
        "metadata[instalment]": "1",
        "metadata[attempt]": "2",
    }


@pytest.mark.parametrize(
    ("code", "status"),
    [("card_declined", "failed"), ("authentication_required", "action_required")],
)
def test_stripe_card_errors_become_refusals_not_exceptions(code, status):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            402,
            json={
                "error": {
                    "type": "card_error",
                    "code": code,
                    "decline_code": code if code != "card_declined" else "insufficient_funds",
                    "payment_intent": {"id": "pi_2", "status": "requires_payment_method"},
                }
            },
        )

    result = _stripe(handler).charge(CHARGE)
    assert (result.status, result.error_code, result.payment_id) == (status, code, "pi_2")


def test_stripe_other_client_errors_are_permanent_provider_errors():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": {"type": "idempotency_error"}})

    with pytest.raises(ProviderError) as raised:
        _stripe(handler).charge(CHARGE)
    assert raised.value.permanent


def test_stripe_detach_posts_to_the_methods_detach():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "pm_1", "customer": None})

    _stripe(handler).detach("pm_1")
    assert [(r.method, r.url.path) for r in seen] == [("POST", "/v1/payment_methods/pm_1/detach")]


def test_mercado_pago_enrols_with_a_pending_preapproval_and_is_never_charged_by_our_worker():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return httpx.Response(
                201, json={"id": "2c93", "init_point": "https://mp.test/checkout?id=2c93"}
            )
        return httpx.Response(200, json={"id": "2c93", "status": "cancelled"})

    provider = MercadoPagoProvider(
        {"base_url": "https://api.mp.test", "access_token": "t"},
        transport=httpx.MockTransport(handler),
    )
    assert provider.offers_direct_debit and provider.charges_itself
    start = datetime(2026, 12, 20, 12, tzinfo=ZoneInfo("America/Bogota"))
    session = provider.create_setup(
        SetupRequest(
            reference="mand1",
            currency="COP",
            description="Débito automático",
            email="ana@mp.test",
            name="Ana",
            success_url="https://app.example/p/t/domiciliar/r/mand1",
            cancel_url="https://app.example/p/t/domiciliar/r/mand1?cancelled=1",
            amount=Decimal("567827.00"),
            first_charge_at=start,
            last_charge_at=datetime(2027, 1, 21, 12, tzinfo=ZoneInfo("America/Bogota")),
        )
    )
    assert (session.session_id, session.url) == ("2c93", "https://mp.test/checkout?id=2c93")
    provider.set_amount("2c93", Decimal("567826.99"), "COP")
    provider.detach("2c93")
    create, amount, cancel = seen
    assert (create.method, create.url.path) == ("POST", "/preapproval")
    assert create.headers["Authorization"] == "Bearer t"
    assert json.loads(create.content) == {
        "reason": "Débito automático",
        "external_reference": "mand1",
        "payer_email": "ana@mp.test",
        "back_url": "https://app.example/p/t/domiciliar/r/mand1",
        "status": "pending",
        "auto_recurring": {
            "frequency": 1,
            "frequency_type": "months",
            "transaction_amount": 567827.0,
            "currency_id": "COP",
            "start_date": "2026-12-20T12:00:00.000-05:00",
            "end_date": "2027-01-21T12:00:00.000-05:00",
        },
    }
    assert (amount.method, amount.url.path) == ("PUT", "/preapproval/2c93")
    assert json.loads(amount.content) == {
        "auto_recurring": {"transaction_amount": 567826.99, "currency_id": "COP"}
    }
    assert json.loads(cancel.content) == {"status": "cancelled"}
    with pytest.raises(ProviderError, match="does not offer direct debit"):
        provider.charge(CHARGE)


def _fake_with_card(card: str) -> tuple[DebitFake, str, str]:
    fake = DebitFake("http://sandbox")
    _, customer = fake.post("/v1/customers", b"name=Ana", "")
    form = (
        f"mode=setup&customer={customer['id']}&currency=cop"
        "&success_url=https://a/ok&cancel_url=https://a/no"
    )
    _, session = fake.post("/v1/checkout/sessions", form.encode(), "")
    assert fake.complete_setup(fake.sessions[session["id"]], card)
    method = next(iter(fake.methods))
    return fake, customer["id"], method


def _intent_form(customer: str, method: str, amount: str = "1000") -> bytes:
    return (
        f"amount={amount}&currency=cop&customer={customer}&payment_method={method}"
        "&off_session=true&confirm=true"
    ).encode()


def test_the_sandbox_answers_a_reused_key_with_the_first_result_and_refuses_other_parameters():
    fake, customer, method = _fake_with_card("4242424242424242")
    first = fake.post("/v1/payment_intents", _intent_form(customer, method), "k1")
    assert first[0] == 200 and first[1]["status"] == "succeeded"
    assert fake.post("/v1/payment_intents", _intent_form(customer, method), "k1") == first
    other = fake.post("/v1/payment_intents", _intent_form(customer, method, "2000"), "k1")
    assert other[0] == 400 and other[1]["error"]["type"] == "idempotency_error"
    assert len(fake.intents) == 1


def test_the_sandbox_enforces_stripe_rules_on_off_session_charges():
    fake, customer, method = _fake_with_card("4000000000009995")
    no_confirm = f"amount=1000&currency=cop&customer={customer}&payment_method={method}"
    status, body = fake.post("/v1/payment_intents", (no_confirm + "&off_session=true").encode(), "")
    assert status == 400 and "confirm=true" in body["error"]["message"]
    status, body = fake.post("/v1/payment_intents", _intent_form(customer, method), "")
    assert status == 402
    assert (body["error"]["code"], body["error"]["decline_code"]) == (
        "card_declined",
        "insufficient_funds",
    )
    assert fake.post(f"/v1/payment_methods/{method}/detach", b"", "")[0] == 200
    assert fake.post(f"/v1/payment_methods/{method}/detach", b"", "")[0] == 400
    status, body = fake.post("/v1/payment_intents", _intent_form(customer, method), "")
    assert status == 400 and body["error"]["code"] == "payment_method_unexpected_state"


def test_attempts_run_on_the_due_date_then_one_and_three_days_after_then_stop():
    from datetime import date

    due = date(2026, 12, 31)
    days = [debit_attempt_day(due, number, [1, 3]) for number in (1, 2, 3, 4)]
    assert days == [date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 3), None]


FACTS = bot.Facts(
    language="es",
    name="Camila",
    brand="Tienda Sol",
    balance="$ 1.135.654",
    next_due="20 de diciembre",
    overdue=False,
    link="https://app.example/p/tok",
    misunderstood_in_row=0,
    agent_wait="",
    register="tu",
    on_plan=True,
    debit_link="https://app.example/p/tok?via=bot#debit",
)


@pytest.mark.parametrize(
    ("language", "words"),
    [("es", "débito automático de tus cuotas"), ("pt", "débito automático das parcelas"),
     ("en", "automatic payments for your instalments")],
)  # fmt: skip
def test_the_bot_sends_the_enrolment_link_in_the_debtors_language(language, words):
    from dataclasses import replace

    reply = bot.decide("direct_debit", {}, replace(FACTS, language=language))
    assert words in reply.text
    assert "https://app.example/p/tok?via=bot#debit" in reply.text
    assert reply.action == "none" and reply.handoff_reason == ""


def test_the_bot_cancels_an_active_debit_when_asked_and_says_there_is_none_otherwise():
    from dataclasses import replace

    active = replace(FACTS, debit_link="", debit_active=True)
    cancelled = bot.decide("direct_debit", {"debit": "cancel"}, active)
    assert cancelled.action == "cancel_debit"
    assert "cancelamos tu débito automático" in cancelled.text
    assert bot.decide("direct_debit", {}, active).action == "none"
    assert "cancelar domiciliación" in bot.decide("direct_debit", {}, active).text
    none = bot.decide("direct_debit", {"debit": "cancel"}, FACTS)
    assert none.action == "none" and "No tienes débito automático activo" in none.text


def test_the_bot_hands_over_when_the_provider_offers_no_debit():
    from dataclasses import replace

    reply = bot.decide("direct_debit", {}, replace(FACTS, debit_link=""))
    assert reply.action == "handoff"


@pytest.mark.parametrize(
    ("text", "cancels"),
    [("cancelar domiciliación", True), ("quiero desactivar el debito automatico", True),
     ("quero desativar o débito automático", True), ("cancel autopay", True),
     ("quiero domiciliar el pago", False), ("débito automático", False),
     ("i want autopay", False)],
)  # fmt: skip
def test_cancel_words_are_told_apart_from_enrolling(text, cancels):
    assert bot.cancels_debit(text) is cancels


def test_a_stripe_setup_session_read_by_its_webhook_names_the_mandate_and_no_money():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={"id": "cs_9", "mode": "setup", "status": "complete", "currency": "mxn",
                  "client_reference_id": "mand1", "amount_total": None},
        )  # fmt: skip

    record = _stripe(handler).fetch("cs_9")
    assert (record.status, record.reference, record.amount, record.payment_id) == (
        "open",
        "mand1",
        Decimal(0),
        "",
    )
