"""Mercado Pago Checkout Pro preferences, payment lookups and x-signature webhooks.

See docs/payments.md. A notification names a payment
id; ``GET /v1/payments/{id}`` is the truth (status, amount, our reference).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from recaudo.inputs import loads_json, signatures_match
from recaudo.outreach.contract import PayloadError, WebhookRequest
from recaudo.payments.methods import MERCADOPAGO_TYPES, code_for
from recaudo.payments.providers.base import (
    CheckoutRequest,
    CheckoutSession,
    HttpProvider,
    ProviderError,
    ProviderRecord,
    SignatureError,
    WebhookNotice,
    check_timestamp,
    hex_hmac,
    parse_signature_header,
)

_PAID = {"approved"}
_FAILED = {"rejected", "cancelled"}
# Money that was paid and then given back: the payment is reversed.
_REVERSED = {"refunded", "charged_back"}


def manifest(data_id: str, request_id: str, timestamp: str) -> str:
    """``id:{data.id};request-id:{x-request-id};ts:{ts};``, absent parts left out."""
    parts = []
    if data_id:
        parts.append(f"id:{data_id.lower() if data_id.isalnum() else data_id};")
    if request_id:
        parts.append(f"request-id:{request_id};")
    if timestamp:
        parts.append(f"ts:{timestamp};")
    return "".join(parts)


def payment_methods(request: CheckoutRequest) -> dict[str, Any]:
    """The preference's ``payment_methods``: every payment type none of our methods is, excluded.

    Checkout Pro offers all methods unless excluded; it cannot be told which to
    offer, only which types to leave out (account money never). A type we name
    stays whole: OXXO's "ticket" in Mexico keeps Paycash beside it.
    docs/payments.md, "Local payment methods".
    """
    if not request.methods:
        return {}
    wanted = {kind for method in request.methods for kind in method.types}
    excluded = [{"id": kind} for kind in MERCADOPAGO_TYPES if kind not in wanted]
    return {"payment_methods": {"excluded_payment_types": excluded}} if excluded else {}


class MercadoPagoProvider(HttpProvider):
    name = "mercadopago"
    variables = {
        "base_url": "MERCADOPAGO_BASE_URL",
        "access_token": "MERCADOPAGO_ACCESS_TOKEN",
        "webhook_secret": "MERCADOPAGO_WEBHOOK_SECRET",
    }

    def _headers(self) -> dict[str, str]:
        self.require("base_url", "access_token")
        return {"Authorization": f"Bearer {self.config['access_token']}"}

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        body = self.request(
            "POST",
            "/checkout/preferences",
            headers={**self._headers(), "X-Idempotency-Key": request.reference},
            json={
                "items": [
                    {
                        "id": request.reference,
                        "title": request.description[:250],
                        "quantity": 1,
                        "currency_id": request.currency,
                        "unit_price": float(request.amount),
                    }
                ],
                "external_reference": request.reference,
                "notification_url": f"{request.notification_url}?source_news=webhooks",
                "back_urls": {
                    "success": request.success_url,
                    "pending": request.success_url,
                    "failure": request.cancel_url,
                },
                "auto_return": "approved",
                "metadata": {"reference": request.reference, **request.metadata},
                **payment_methods(request),
            },
        )
        return CheckoutSession(session_id=str(body["id"]), url=body["init_point"])

    def fetch(self, fetch_id: str) -> ProviderRecord:
        body = self.request("GET", f"/v1/payments/{fetch_id}", headers=self._headers())
        try:
            status = body["status"]
            method_id = str(body.get("payment_method_id") or "")
            return ProviderRecord(
                status=(
                    "paid"
                    if status in _PAID
                    else "failed"
                    if status in _FAILED
                    else "reversed"
                    if status in _REVERSED
                    else "open"
                ),
                reference=body.get("external_reference") or "",
                amount=Decimal(str(body["transaction_amount"])),
                currency=body["currency_id"].upper(),
                payment_id=str(body["id"]),
                # Our code for the method ("clabe" is "spei"); card brands as they are.
                method=f"mercadopago:{code_for(self.name, method_id)}".rstrip(":"),
            )
        except (KeyError, TypeError, ArithmeticError, AttributeError) as error:
            raise ProviderError(f"Mercado Pago payment {fetch_id} is malformed: {error}") from None

    def verify_signature(
        self, request: WebhookRequest, tolerance: int | None = None, now: float | None = None
    ) -> None:
        secret = self.config.get("webhook_secret", "")
        header = request.headers.get("x-signature", "")
        if not secret:
            raise SignatureError("the Mercado Pago webhook secret is not configured")
        if not header:
            raise SignatureError("no x-signature header", missing=True)
        timestamp, signatures = parse_signature_header(header)
        if not timestamp or not signatures:
            raise SignatureError("x-signature is malformed")
        data_id = request.query.get("data.id", "")
        text = manifest(data_id, request.headers.get("x-request-id", ""), timestamp)
        expected = hex_hmac(secret, text.encode())
        if not any(signatures_match(expected, given) for given in signatures):
            raise SignatureError("signature does not match")
        check_timestamp(timestamp, tolerance, now)

    def parse_webhook(self, request: WebhookRequest) -> WebhookNotice:
        query = request.query
        try:
            event = loads_json(request.body)
            kind = str(event.get("type") or query.get("type", ""))
            payment_id = str(query.get("data.id") or event["data"]["id"])
            event_id = str(event.get("id") or f"{payment_id}:{event.get('action', '')}")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise PayloadError("Mercado Pago notification is malformed") from None
        return WebhookNotice(
            event_id=event_id, fetch_id=payment_id if kind == "payment" else "", kind=kind
        )
