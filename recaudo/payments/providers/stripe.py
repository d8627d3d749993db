"""Stripe Checkout Sessions (form-encoded API) and Stripe-Signature webhooks.

See docs/payments.md. Amounts go to Stripe in the
currency's minor unit (``unit_amount``) and come back as ``amount_total``.
"""

from __future__ import annotations

from typing import Any

from recaudo.inputs import loads_json
from recaudo.outreach.contract import PayloadError, WebhookRequest
from recaudo.payments.methods import code_for
from recaudo.payments.providers.base import (
    CheckoutRequest,
    CheckoutSession,
    HttpProvider,
    ProviderError,
    ProviderRecord,
    RecordStatus,
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
    of type ``mx_bank_transfer`` (SPEI); it needs a Customer, which Checkout
    makes with ``customer_creation=always``. docs/payments.md, "Local payment methods".
    """
    fields = {
        f"payment_method_types[{index}]": method.provider_id
        for index, method in enumerate(request.methods)
    }
    if any(method.provider_id == "customer_balance" for method in request.methods):
        fields.update(
            {
                "payment_method_options[customer_balance][funding_type]": "bank_transfer",
                "payment_method_options[customer_balance][bank_transfer][type]": (
                    "mx_bank_transfer"
                ),
                "customer_creation": "always",
            }
        )
    return fields


def _id_of(value: Any) -> str:
    """An id Stripe sends as is, or inside the object it was expanded into."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _method_of(intent: Any) -> str:
    """``stripe:<our code>`` for the method of the intent's latest charge; ``stripe`` unknown."""
    charge = intent.get("latest_charge") if isinstance(intent, dict) else None
    details = charge.get("payment_method_details") if isinstance(charge, dict) else None
    kind = str(details.get("type") or "") if isinstance(details, dict) else ""
    return f"stripe:{code_for('stripe', kind)}" if kind else "stripe"


class StripeProvider(HttpProvider):
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
        try:
            currency = body["currency"].upper()
            status: RecordStatus
            if body.get("payment_status") == "paid":
                status = "paid"
            elif body.get("status") == "expired":
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
