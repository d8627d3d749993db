"""Stripe Checkout Sessions (form-encoded API) and Stripe-Signature webhooks.

See docs/payments.md. Amounts go to Stripe in the
currency's minor unit (``unit_amount``) and come back as ``amount_total``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from recaudo.inputs import loads_json
from recaudo.outreach.contract import PayloadError, WebhookRequest
from recaudo.payments.methods import code_for
from recaudo.payments.providers.base import (
    ChargeRequest,
    ChargeResult,
    CheckoutRequest,
    CheckoutSession,
    HttpProvider,
    ProviderError,
    ProviderRecord,
    RecordStatus,
    SavedMethod,
    SetupRequest,
    SetupSession,
    WebhookNotice,
    hex_hmac,
    verify_timestamped_signature,
)
from recaudo.payments.rules import from_minor_units, minor_units

SIGNATURE_HEADER = "Stripe-Signature"


def stripe_signature(secret: str, body: bytes, timestamp: int) -> str:
    return f"t={timestamp},v1={hex_hmac(secret, f'{timestamp}.'.encode() + body)}"


CHARGE_PREFIX = "charge:"
# Events after which a paid charge may have been taken back.
REVERSAL_EVENTS = {"charge.refunded", "charge.dispute.funds_withdrawn"}


def method_fields(request: CheckoutRequest) -> dict[str, str]:
    """``payment_method_types[i]`` for each method; a Mexican bank transfer's options.

    A bank transfer is Stripe's ``customer_balance`` funded by ``bank_transfer``
    of type ``mx_bank_transfer`` (SPEI). It also needs an existing Customer on
    the session (``customer``; ``customer_creation=always`` does not do, as
    Checkout makes that Customer only when the session is confirmed): see
    ``bank_transfer_offered`` and docs/payments.md, "Local payment methods".
    """
    fields = {
        f"payment_method_types[{index}]": method.provider_id
        for index, method in enumerate(request.methods)
    }
    if bank_transfer_offered(request):
        fields.update(
            {
                "payment_method_options[customer_balance][funding_type]": "bank_transfer",
                "payment_method_options[customer_balance][bank_transfer][type]": (
                    "mx_bank_transfer"
                ),
            }
        )
    return fields


def bank_transfer_offered(request: CheckoutRequest) -> bool:
    return any(method.provider_id == "customer_balance" for method in request.methods)


def _id_of(value: Any) -> str:
    """An id Stripe sends as is, or inside the object it was expanded into."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _async_failed(session: dict[str, Any]) -> bool:
    """A delayed method (an OXXO voucher, a boleto, a bank transfer) failed or expired unpaid.

    Its session is ``complete`` and ``unpaid`` from the moment the voucher is
    issued; Stripe sends ``checkout.session.async_payment_failed`` when the
    payment fails, and the session's PaymentIntent is then back to
    ``requires_payment_method`` (or ``canceled``), where a voucher still
    waiting is ``requires_action`` and a transfer on its way ``processing``
    (https://docs.stripe.com/checkout/fulfillment,
    https://docs.stripe.com/payments/paymentintents/lifecycle).
    """
    intent = session.get("payment_intent")
    return (
        session.get("status") == "complete"
        and session.get("payment_status") == "unpaid"
        and isinstance(intent, dict)
        and intent.get("status") in ("requires_payment_method", "canceled")
    )


def _method_of(intent: Any) -> str:
    """``stripe:<our code>`` for the method of the intent's latest charge; ``stripe`` unknown."""
    charge = intent.get("latest_charge") if isinstance(intent, dict) else None
    details = charge.get("payment_method_details") if isinstance(charge, dict) else None
    kind = str(details.get("type") or "") if isinstance(details, dict) else ""
    return f"stripe:{code_for('stripe', kind)}" if kind else "stripe"


class StripeDebit(HttpProvider):
    """Direct debit the Stripe way (docs/payments.md, sources there).

    Checkout in ``setup`` mode saves a card to a Customer; each instalment is
    an off-session PaymentIntent confirmed at once, with an idempotency key per
    instalment and attempt. The sandbox provider speaks the same API.
    """

    def _headers(self) -> dict[str, str]:
        raise NotImplementedError

    offers_direct_debit = True

    def create_setup(self, request: SetupRequest) -> SetupSession:
        headers = self._headers()
        customer = self.request(
            "POST",
            "/v1/customers",
            headers={**headers, "Idempotency-Key": f"{request.reference}:customer"},
            data={
                **({"email": request.email} if request.email else {}),
                "name": request.name,
                "metadata[reference]": request.reference,
                **{f"metadata[{key}]": value for key, value in request.metadata.items()},
            },
        )
        form: dict[str, Any] = {
            "mode": "setup",
            "customer": customer["id"],
            # Dynamic payment methods need the currency in setup mode.
            "currency": request.currency.lower(),
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.reference,
            "metadata[reference]": request.reference,
            "setup_intent_data[metadata][reference]": request.reference,
            "setup_intent_data[description]": request.description[:250],
        }
        body = self.request(
            "POST",
            "/v1/checkout/sessions",
            headers={**headers, "Idempotency-Key": f"{request.reference}:setup"},
            data=form,
        )
        return SetupSession(session_id=body["id"], url=body["url"], customer_id=customer["id"])

    def fetch_setup(self, session_id: str) -> SavedMethod:
        body = self.request(
            "GET",
            f"/v1/checkout/sessions/{session_id}",
            headers=self._headers(),
            params={"expand[]": "setup_intent.payment_method"},
        )
        try:
            intent = body.get("setup_intent") or {}
            done = body.get("status") == "complete" and intent.get("status") == "succeeded"
            method = intent.get("payment_method") or {} if done else {}
            card = method.get("card") or {}
            return SavedMethod(
                reference=body.get("client_reference_id") or "",
                customer_id=body.get("customer") or "",
                method_id=method.get("id", "") if isinstance(method, dict) else "",
                brand=str(card.get("brand", "")),
                last4=str(card.get("last4", "")),
            )
        except (AttributeError, TypeError) as error:
            raise ProviderError(f"stripe session {session_id} is malformed: {error}") from None

    def charge(self, request: ChargeRequest) -> ChargeResult:
        form = {
            "amount": str(minor_units(request.amount, request.currency)),
            "currency": request.currency.lower(),
            "customer": request.customer_id,
            "payment_method": request.method_id,
            "off_session": "true",
            "confirm": "true",
            "description": request.description[:250],
            **{f"metadata[{key}]": value for key, value in request.metadata.items()},
        }
        response = self.response(
            "POST",
            "/v1/payment_intents",
            headers={**self._headers(), "Idempotency-Key": request.idempotency_key},
            data=form,
        )
        body = self.json_of(response)
        if response.status_code == 402:
            # A card error names the PaymentIntent it left behind.
            error = body.get("error") or {}
            code = str(error.get("code") or "card_declined")
            intent = error.get("payment_intent") or {}
            return ChargeResult(
                status="action_required" if code == "authentication_required" else "failed",
                payment_id=str(intent.get("id", "")),
                amount=request.amount,
                currency=request.currency,
                error_code=code,
                message=str(error.get("decline_code") or error.get("message") or "")[:300],
            )
        if response.status_code >= 400:
            raise ProviderError(
                f"stripe answered {response.status_code}: {response.text[:300]}", permanent=True
            )
        status = body.get("status")
        try:
            amount = from_minor_units(int(body["amount"]), request.currency)
        except (KeyError, TypeError, ValueError) as error:
            raise ProviderError(f"stripe payment intent is malformed: {error}") from None
        if status == "succeeded":
            return ChargeResult("succeeded", str(body["id"]), amount, request.currency)
        return ChargeResult(
            "action_required" if status == "requires_action" else "failed",
            str(body.get("id", "")),
            amount,
            request.currency,
            error_code=str(status),
        )

    def detach(self, method_id: str) -> None:
        self.request("POST", f"/v1/payment_methods/{method_id}/detach", headers=self._headers())


class StripeProvider(StripeDebit):
    name = "stripe"
    variables = {
        "base_url": "STRIPE_BASE_URL",
        "secret_key": "STRIPE_SECRET_KEY",
        "webhook_secret": "STRIPE_WEBHOOK_SECRET",
    }

    def _headers(self) -> dict[str, str]:
        self.require("base_url", "secret_key")
        return {"Authorization": f"Bearer {self.config['secret_key']}"}

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        form: dict[str, Any] = {
            "mode": "payment",
            "line_items[0][price_data][currency]": request.currency.lower(),
            "line_items[0][price_data][unit_amount]": str(
                minor_units(request.amount, request.currency)
            ),
            "line_items[0][price_data][product_data][name]": request.description[:250],
            "line_items[0][quantity]": "1",
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.reference,
            "metadata[reference]": request.reference,
            "payment_intent_data[metadata][reference]": request.reference,
        }
        for key, value in request.metadata.items():
            form[f"metadata[{key}]"] = value
        form.update(method_fields(request))
        if bank_transfer_offered(request):
            # The transfer funds a Customer's cash balance, so the Customer exists first.
            customer = self.request(
                "POST",
                "/v1/customers",
                headers={**self._headers(), "Idempotency-Key": f"{request.reference}:customer"},
                data={
                    "metadata[reference]": request.reference,
                    **{f"metadata[{key}]": value for key, value in request.metadata.items()},
                },
            )
            form["customer"] = customer["id"]
        body = self.request(
            "POST",
            "/v1/checkout/sessions",
            headers={**self._headers(), "Idempotency-Key": request.reference},
            data=form,
        )
        return CheckoutSession(session_id=body["id"], url=body["url"])

    def fetch(self, fetch_id: str) -> ProviderRecord:
        if fetch_id.startswith(CHARGE_PREFIX):
            return self._fetch_charge(fetch_id.removeprefix(CHARGE_PREFIX))
        # The payment intent's latest charge says which method paid (card, oxxo,
        # customer_balance...): expanded in the same request.
        body = self.request(
            "GET",
            f"/v1/checkout/sessions/{fetch_id}",
            headers=self._headers(),
            params={"expand[]": "payment_intent.latest_charge"},
        )
        if body.get("mode") == "setup":
            # A card saved for direct debit (payments.debit): no money moved; the
            # reference names the mandate, which the webhook then activates.
            return ProviderRecord(
                status="open",
                reference=body.get("client_reference_id") or "",
                amount=Decimal(0),
                currency=str(body.get("currency") or "").upper(),
                payment_id="",
                method="stripe",
            )
        try:
            currency = body["currency"].upper()
            status: RecordStatus
            if body.get("payment_status") == "paid":
                status = "paid"
            elif body.get("status") == "expired" or _async_failed(body):
                status = "failed"
            else:
                status = "open"
            return ProviderRecord(
                status=status,
                reference=body.get("client_reference_id") or "",
                amount=from_minor_units(int(body["amount_total"]), currency),
                currency=currency,
                payment_id=_id_of(body.get("payment_intent")) or body["id"],
                method=_method_of(body.get("payment_intent")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ProviderError(f"stripe session {fetch_id} is malformed: {error}") from None

    def _fetch_charge(self, charge_id: str) -> ProviderRecord:
        """A charge after a refund or a dispute: reversed when the money went back.

        The record names no checkout reference (a charge has none); it names
        the payment intent, which is the payment's id in Recaudo.
        """
        body = self.request("GET", f"/v1/charges/{charge_id}", headers=self._headers())
        try:
            currency = body["currency"].upper()
            # A full refund, or a dispute (the money is held or gone until it
            # is won): the payment no longer stands. Partial refunds are left
            # to the back office.
            taken_back = bool(body.get("refunded")) or bool(body.get("disputed"))
            return ProviderRecord(
                status="reversed" if taken_back else "open",
                reference="",
                amount=from_minor_units(int(body["amount"]), currency),
                currency=currency,
                payment_id=body.get("payment_intent") or "",
                method="stripe",
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ProviderError(f"stripe charge {charge_id} is malformed: {error}") from None

    def verify_signature(
        self, request: WebhookRequest, tolerance: int | None = 300, now: float | None = None
    ) -> None:
        """Any ``v1`` that matches (secret rotation sends several) and a recent ``t``."""
        verify_timestamped_signature(
            request,
            provider="Stripe",
            secret=self.config.get("webhook_secret", ""),
            header_name=SIGNATURE_HEADER,
            tolerance=tolerance,
            now=now,
        )

    def parse_webhook(self, request: WebhookRequest) -> WebhookNotice:
        try:
            event = loads_json(request.body)
            kind = str(event["type"])
            obj = event["data"]["object"]
        except (ValueError, KeyError, TypeError):
            raise PayloadError("Stripe event is malformed") from None
        if not isinstance(obj, dict):
            raise PayloadError("Stripe event's data.object is not an object")
        # Checkout Session events name a session ``fetch`` can read; a refund
        # or a lost dispute names the charge, read back to confirm it.
        if kind.startswith("checkout.session."):
            fetch_id = str(obj.get("id", ""))
        elif kind in REVERSAL_EVENTS:
            fetch_id = CHARGE_PREFIX + str(obj.get("charge") or obj.get("id", ""))
        else:
            fetch_id = ""
        return WebhookNotice(event_id=str(event["id"]), fetch_id=fetch_id, kind=kind)
