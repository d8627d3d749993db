"""The sandbox's direct debit: Stripe's Customers, setup-mode Checkout and PaymentIntents.

Spoken form-encoded, as Stripe's API is, under the sandbox payments prefix
(``/payments``), with Stripe's rules (docs/payments.md, sources there):

  POST /payments/v1/customers                    -> 200 {id: "cus_...", object: "customer"}
  POST /payments/v1/checkout/sessions mode=setup -> 200 {id, url, status: "open", customer}
       (``customer``, ``currency``, ``success_url`` and ``cancel_url`` required)
  POST /payments/v1/checkout/sessions mode=payment -> 200 {id, status: "open", customer, ...}
       Stripe's checks only (the sandbox's own checkouts are its JSON API): a line item,
       both URLs, and for ``customer_balance`` its funding type, its bank transfer type
       and an existing ``customer`` (``customer_creation=always`` does not do)
  GET  /payments/v1/checkout/sessions/{id}       -> status open|complete; ``setup_intent``
       expanded with its ``payment_method`` when ``expand[]=setup_intent.payment_method``
  POST /payments/v1/payment_intents              -> 200 {status: "succeeded"} or 402 card_error
       (``off_session=true`` needs ``confirm=true``; the method must be the customer's)
  POST /payments/v1/payment_methods/{id}/detach  -> 200; a second detach is a 400

Every POST honours ``Idempotency-Key``: the same key with the same parameters
answers the first status and body again; with other parameters, 400
``idempotency_error``. Stripe's test cards decide what a charge does:
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

# card number -> (brand, what an off-session charge does: "" succeeds, else the error code
# and decline code). Stripe's test cards with the same behaviour:
# 4000000000000341 attaches but every charge is declined; 4000000000009995 declines for
# insufficient funds; 4000002760003184 asks for authentication on every charge.
TEST_CARDS: dict[str, tuple[str, str, str]] = {
    "4242424242424242": ("visa", "", ""),
    "5555555555554444": ("mastercard", "", ""),
    "4000000000000341": ("visa", "card_declined", "generic_decline"),
    "4000000000009995": ("visa", "card_declined", "insufficient_funds"),
    "4000002760003184": ("visa", "authentication_required", "authentication_required"),
}


@dataclass
class SetupSession:
    id: str
    customer: str
    currency: str
    success_url: str
    cancel_url: str
    client_reference_id: str
    metadata: dict[str, str]
    status: str = "open"
    setup_intent: str = ""


@dataclass
class Method:
    id: str
    card: str
    customer: str | None


@dataclass
class DebitFake:
    base_url: str = ""
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, SetupSession] = field(default_factory=dict)
    payment_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    methods: dict[str, Method] = field(default_factory=dict)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    intent_methods: dict[str, str] = field(default_factory=dict)  # setup intent -> method
    # key -> (path, parameters, status, body): Stripe keeps a key's first answer.
    idempotent: dict[str, tuple[str, list[tuple[str, str]], int, dict[str, Any]]] = field(
        default_factory=dict
    )

    def post(self, path: str, raw: bytes, idempotency_key: str) -> tuple[int, dict[str, Any]]:
        params = parse_qsl(raw.decode(), keep_blank_values=True)
        if idempotency_key:
            seen = self.idempotent.get(idempotency_key)
            if seen is not None:
                if (seen[0], sorted(seen[1])) != (path, sorted(params)):
                    return 400, _error(
                        "",
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with.",
                        kind="idempotency_error",
                    )
                return seen[2], seen[3]
        status, body = self._post(path, dict(params))
        if idempotency_key and status != 400:
            # Stripe saves the answer once the endpoint ran (not on a failed validation).
            self.idempotent[idempotency_key] = (path, params, status, body)
        return status, body

    def _post(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if path == "/v1/customers":
            customer = {"id": f"cus_{secrets.token_hex(7)}", "object": "customer"}
            customer.update(email=form.get("email", ""), name=form.get("name", ""))
            self.customers[customer["id"]] = customer
            return 200, customer
        if path == "/v1/checkout/sessions":
            return self.create_setup(form)
        if path == "/v1/payment_intents":
            return self.create_intent(form)
        if path.startswith("/v1/payment_methods/") and path.endswith("/detach"):
            method = self.methods.get(path.split("/")[3])
            if method is None:
                return 404, _error("resource_missing", "No such PaymentMethod.")
            if method.customer is None:
                return 400, _error(
                    "payment_method_unexpected_state",
                    "The payment method you provided is not attached to a customer.",
                )
            method.customer = None
            return 200, self.describe_method(method)
        return 404, _error("resource_missing", f"Unrecognized request URL (POST: {path}).")

    def create_setup(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("mode") == "payment":
            return self.create_payment_session(form)
        if form.get("mode") != "setup":
            return 400, _error("parameter_invalid", "Invalid mode: must be payment or setup.")
        missing = [
            name
            for name in ("customer", "currency", "success_url", "cancel_url")
            if not form.get(name)
        ]
        if missing:
            return 400, _error("parameter_missing", f"Missing required param: {missing[0]}.")
        if form["customer"] not in self.customers:
            return 400, _error("resource_missing", f"No such customer: '{form['customer']}'")
        metadata = {
            key[len("metadata[") : -1]: value
            for key, value in form.items()
            if key.startswith("metadata[")
        }
        session = SetupSession(
            id=f"cs_test_{secrets.token_hex(12)}",
            customer=form["customer"],
            currency=form["currency"],
            success_url=form["success_url"],
            cancel_url=form["cancel_url"],
            client_reference_id=form.get("client_reference_id", ""),
            metadata=metadata,
        )
        self.sessions[session.id] = session
        return 200, self.describe_session(session, expand=False)

    def create_payment_session(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """A Checkout Session in payment mode, refused as Stripe refuses it.

        The three ``customer_balance`` refusals come one at a time, in this order,
        as integrators have measured them against Stripe's API (docs/payments.md).
        """
        missing = [
            name
            for name in (
                "line_items[0][price_data][currency]",
                "line_items[0][price_data][unit_amount]",
                "success_url",
                "cancel_url",
            )
            if not form.get(name)
        ]
        if missing:
            return 400, _error(
                "parameter_missing", f"Missing required param: {missing[0]}.", param=missing[0]
            )
        types = [value for key, value in form.items() if key.startswith("payment_method_types[")]
        if "customer_balance" in types:
            options = "payment_method_options[customer_balance]"
            funding = form.get(f"{options}[funding_type]", "")
            if not funding:
                return 400, _error(
                    "parameter_missing",
                    f"A value is required for `{options}[funding_type]`.",
                    param=f"{options}[funding_type]",
                )
            if funding == "bank_transfer" and not form.get(f"{options}[bank_transfer][type]"):
                return 400, _error(
                    "parameter_missing",
                    "When using `funding_type=bank_transfer`, the "
                    f"`{options}[bank_transfer][type]` parameter is required.",
                    param=f"{options}[bank_transfer][type]",
                )
            if not form.get("customer"):
                return 400, _error(
                    "parameter_missing",
                    "The payment method `customer_balance` requires `customer` to be set.",
                    param="customer",
                )
        customer = form.get("customer", "")
        if customer and customer not in self.customers:
            return 400, _error(
                "resource_missing", f"No such customer: '{customer}'", param="customer"
            )
        unit_amount = form["line_items[0][price_data][unit_amount]"]
        if not unit_amount.isdigit():
            return 400, _error(
                "parameter_invalid_integer",
                f"Invalid integer: {unit_amount}",
                param="line_items[0][price_data][unit_amount]",
            )
        session_id = f"cs_test_{secrets.token_hex(12)}"
        session: dict[str, Any] = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "open",
            "payment_status": "unpaid",
            "customer": customer or None,
            "currency": form["line_items[0][price_data][currency]"],
            "amount_total": int(unit_amount),
            "client_reference_id": form.get("client_reference_id", ""),
            "payment_method_types": types,
            # No hosted page: this endpoint checks Stripe's rules for a payment-mode
            # request; the sandbox provider's own checkouts are paid on its JSON API's page.
            "url": None,
        }
        self.payment_sessions[session_id] = session
        return 200, session

    def complete_setup(self, session: SetupSession, card: str) -> bool:
        """The debtor saved ``card`` on the setup page; False for a card we do not know."""
        if session.status != "open" or card not in TEST_CARDS:
            return False
        method = Method(id=f"pm_{secrets.token_hex(12)}", card=card, customer=session.customer)
        self.methods[method.id] = method
        session.setup_intent = f"seti_{secrets.token_hex(12)}"
        self.intent_methods[session.setup_intent] = method.id
        session.status = "complete"
        return True

    def describe_method(self, method: Method) -> dict[str, Any]:
        brand = TEST_CARDS[method.card][0]
        return {
            "id": method.id,
            "object": "payment_method",
            "type": "card",
            "customer": method.customer,
            "card": {"brand": brand, "last4": method.card[-4:]},
        }

    def describe_session(self, session: SetupSession, *, expand: bool) -> dict[str, Any]:
        intent: Any = session.setup_intent or None
        if expand and session.setup_intent:
            method = self.methods[self.intent_methods[session.setup_intent]]
            intent = {
                "id": session.setup_intent,
                "object": "setup_intent",
                "status": "succeeded",
                "usage": "off_session",
                "payment_method": self.describe_method(method),
            }
        return {
            "id": session.id,
            "object": "checkout.session",
            "mode": "setup",
            "status": session.status,
            "customer": session.customer,
            "currency": session.currency,
            "client_reference_id": session.client_reference_id,
            "metadata": session.metadata,
            "setup_intent": intent,
            "url": f"{self.base_url}/payments/setup/{session.id}",
        }

    def create_intent(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        for name in ("amount", "currency"):
            if not form.get(name):
                return 400, _error("parameter_missing", f"Missing required param: {name}.")
        if not form["amount"].isdigit() or int(form["amount"]) < 1:
            return 400, _error("parameter_invalid_integer", "Invalid integer: amount.")
        if form.get("off_session") == "true" and form.get("confirm") != "true":
            return 400, _error(
                "parameter_invalid", "off_session can only be used when confirm=true."
            )
        method = self.methods.get(form.get("payment_method", ""))
        if method is None:
            return 400, _error("resource_missing", "No such PaymentMethod.")
        if method.customer is None or method.customer != form.get("customer"):
            return 400, _error(
                "payment_method_unexpected_state",
                "The provided PaymentMethod does not belong to this customer.",
            )
        intent: dict[str, Any] = {
            "id": f"pi_{secrets.token_hex(12)}",
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "customer": method.customer,
            "payment_method": method.id,
            "description": form.get("description", ""),
        }
        _brand, code, decline = TEST_CARDS[method.card]
        self.intents[intent["id"]] = intent
        if not code:
            intent["status"] = "succeeded"
            return 200, intent
        intent["status"] = (
            "requires_action" if code == "authentication_required" else "requires_payment_method"
        )
        error = _error(
            code,
            "Your card was declined."
            if code == "card_declined"
            else ("This payment requires the customer to authenticate."),
            kind="card_error",
        )
        error["error"]["decline_code"] = decline
        error["error"]["payment_intent"] = intent
        return 402, error


def _error(
    code: str, message: str, kind: str = "invalid_request_error", *, param: str = ""
) -> dict[str, Any]:
    error: dict[str, Any] = {"type": kind, "code": code, "message": message}
    if param:
        error["param"] = param
    return {"error": error}


def setup_page(session: SetupSession) -> str:
    """The debtor's side: pick a test card and save it, or go back."""
    if session.status != "open":
        body = '<p id="status">Este medio de pago ya quedó guardado.</p>'
    else:
        options = "".join(
            f'<label><input type="radio" name="card" value="{number}"'
            f"{' checked' if number == '4242424242424242' else ''}> {brand} •••• {number[-4:]}"
            f"{' (rechaza cobros)' if code == 'card_declined' else ''}"
            f"{' (pide autenticación)' if code == 'authentication_required' else ''}</label><br>"
            for number, (brand, code, _decline) in TEST_CARDS.items()
        )
        body = (
            f'<form method="post" action="/payments/setup/{session.id}">{options}'
            '<button id="sandbox-save-card" type="submit">Guardar tarjeta</button></form>'
            f'<p><a id="sandbox-setup-cancel" href="{html.escape(session.cancel_url)}">'
            "Volver sin guardar</a></p>"
        )
    return (
        '<!doctype html><html lang="es"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Sandbox: guardar tarjeta</title></head>"
        '<body style="font:17px system-ui;max-width:30rem;margin:1rem auto;padding:0 1rem">'
        "<h1>Pasarela de prueba: débito automático</h1>"
        f"{body}</body></html>"
    )
