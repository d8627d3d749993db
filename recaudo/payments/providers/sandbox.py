"""The sandbox provider (``recaudo sandbox``): a checkout session API with signed webhooks.

Signature: ``X-Sandbox-Signature: t=<unix>,v1=<hex hmac-sha256(secret, "<t>.<raw body>")>``,
the same scheme as Stripe's. See docs/payments.md.
"""

from __future__ import annotations

from decimal import Decimal

from recaudo.inputs import loads_json
from recaudo.outreach.contract import PayloadError, WebhookRequest
from recaudo.payments.providers.base import (
    CheckoutRequest,
    CheckoutSession,
    ProviderError,
    ProviderRecord,
    RecordStatus,
    WebhookNotice,
    hex_hmac,
    verify_timestamped_signature,
)
from recaudo.payments.providers.stripe import StripeDebit

SIGNATURE_HEADER = "X-Sandbox-Signature"
_STATUS: dict[str, RecordStatus] = {
    "open": "open",
    "pending": "open",  # a voucher issued, not paid yet
    "paid": "paid",
    "failed": "failed",
    "expired": "failed",
}


def sign(secret: str, body: bytes, timestamp: int) -> str:
    return f"t={timestamp},v1={hex_hmac(secret, f'{timestamp}.'.encode() + body)}"


class SandboxProvider(StripeDebit):
    """Checkouts in its own JSON API; direct debit in Stripe's (``StripeDebit``)."""

    name = "sandbox"

    def _headers(self) -> dict[str, str]:
        self.require("base_url", "api_key")
        return {"Authorization": f"Bearer {self.config['api_key']}"}

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        body = self.request(
            "POST",
            "/v1/checkout/sessions",
            headers={**self._headers(), "Idempotency-Key": request.reference},
            json={
                "amount": str(request.amount),
                "currency": request.currency,
                "reference": request.reference,
                "description": request.description,
                "success_url": request.success_url,
                "cancel_url": request.cancel_url,
                "notification_url": request.notification_url,
                "metadata": request.metadata,
                "payment_method_types": [method.provider_id for method in request.methods],
            },
        )
        return CheckoutSession(session_id=body["id"], url=body["url"])

    def fetch(self, fetch_id: str) -> ProviderRecord:
        body = self.request("GET", f"/v1/checkout/sessions/{fetch_id}", headers=self._headers())
        try:
            return ProviderRecord(
                status=_STATUS.get(body["status"], "open"),
                reference=body["reference"],
                amount=Decimal(str(body["amount"])),
                currency=body["currency"].upper(),
                payment_id=body.get("payment_id") or "",
                # The method the debtor chose on the sandbox's page, once paid.
                method=f"sandbox:{body.get('payment_method') or ''}".rstrip(":"),
            )
        except (KeyError, ArithmeticError, AttributeError) as error:
            raise ProviderError(f"sandbox session {fetch_id} is malformed: {error}") from None

    def verify_signature(
        self, request: WebhookRequest, tolerance: int | None = 300, now: float | None = None
    ) -> None:
        verify_timestamped_signature(
            request,
            provider="sandbox",
            secret=self.config.get("webhook_secret", ""),
            header_name=SIGNATURE_HEADER,
            tolerance=tolerance,
            now=now,
        )

    def parse_webhook(self, request: WebhookRequest) -> WebhookNotice:
        try:
            event = loads_json(request.body)
            return WebhookNotice(
                event_id=str(event["id"]),
                fetch_id=str(event["data"]["session_id"]),
                kind=str(event.get("type", "")),
            )
        except (ValueError, KeyError, TypeError):
            raise PayloadError("sandbox event is malformed") from None
