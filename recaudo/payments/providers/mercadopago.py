"""Mercado Pago Checkout Pro preferences, payment lookups and x-signature webhooks.

See docs/payments.md. A notification names a payment
id; ``GET /v1/payments/{id}`` is the truth (status, amount, our reference).

Direct debit is a subscription without an associated plan (``/preapproval``):
Mercado Pago's engine charges it on its own schedule and says so through
``subscription_preapproval`` and ``subscription_authorized_payment``
notifications; the mapping to a plan's instalments is in
``payments/debit_mercadopago.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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
    SavedMethod,
    SetupRequest,
    SetupSession,
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
# Notifications about subscriptions: what they name is fetched by its own endpoint.
PREAPPROVAL = "subscription_preapproval"
AUTHORIZED_PAYMENT = "subscription_authorized_payment"
FETCHED_KINDS = {"payment", PREAPPROVAL, AUTHORIZED_PAYMENT}
SEARCH_LIMIT = 50  # invoices asked per page of /authorized_payments/search


@dataclass(frozen=True)
class AuthorizedPayment:
    """One charge of a subscription (``GET /authorized_payments/{id}``), as Mercado Pago keeps it.

    ``status``: scheduled, processed (charged, or refused for the last time),
    recycling (refused, a retry ahead on ``next_retry_date``) or cancelled;
    ``payment_status`` the payment's own (approved, rejected, ...), empty before one.
    """

    id: str
    preapproval_id: str
    status: str
    amount: Decimal
    currency: str
    debit_date: date | None
    retry_attempt: int
    next_retry_date: date | None
    payment_id: str
    payment_status: str
    payment_status_detail: str


def _authorized(body: Any, named: str) -> AuthorizedPayment:
    try:
        payment = body.get("payment") or {}
        return AuthorizedPayment(
            id=str(body["id"]),
            preapproval_id=str(body["preapproval_id"]),
            status=str(body["status"]),
            amount=Decimal(str(body["transaction_amount"])),
            currency=str(body["currency_id"]).upper(),
            debit_date=_day(body.get("debit_date")),
            retry_attempt=int(body.get("retry_attempt") or 0),
            next_retry_date=_day(body.get("next_retry_date")),
            payment_id=str(payment.get("id") or ""),
            payment_status=str(payment.get("status") or ""),
            payment_status_detail=str(payment.get("status_detail") or ""),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as error:
        raise ProviderError(
            f"Mercado Pago authorized payment {named} is malformed: {error}"
        ) from None


def _day(value: Any) -> date | None:
    """The date part of an ISO-8601 timestamp as Mercado Pago writes it (its own offset)."""
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


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

    offers_direct_debit = True
    charges_itself = True
    needs_payer_email = True

    def _headers(self) -> dict[str, str]:
        self.require("base_url", "access_token")
        return {"Authorization": f"Bearer {self.config['access_token']}"}

    # Direct debit: a subscription without an associated plan (docs/payments.md).

    def create_setup(self, request: SetupRequest) -> SetupSession:
        if request.amount is None:
            raise ProviderError("a Mercado Pago subscription needs an amount", permanent=True)
        recurring: dict[str, Any] = {
            "frequency": 1,
            "frequency_type": "months",
            "transaction_amount": float(request.amount),
            "currency_id": request.currency,
        }
        # Without a start date Mercado Pago charges the first about an hour after authorising.
        if request.first_charge_at is not None:
            recurring["start_date"] = request.first_charge_at.isoformat(timespec="milliseconds")
        if request.last_charge_at is not None:
            recurring["end_date"] = request.last_charge_at.isoformat(timespec="milliseconds")
        body = self.request(
            "POST",
            "/preapproval",
            headers={**self._headers(), "X-Idempotency-Key": f"{request.reference}:setup"},
            json={
                "reason": request.description[:250],
                "external_reference": request.reference,
                "payer_email": request.email,
                "back_url": request.success_url,
                "status": "pending",
                "auto_recurring": recurring,
            },
        )
        try:
            return SetupSession(
                session_id=str(body["id"]), url=str(body["init_point"]), customer_id=""
            )
        except KeyError as error:
            raise ProviderError(f"Mercado Pago preapproval is malformed: {error}") from None

    def preapproval(self, preapproval_id: str) -> dict[str, Any]:
        return self.request("GET", f"/preapproval/{preapproval_id}", headers=self._headers())

    def fetch_setup(self, session_id: str) -> SavedMethod:
        """``authorized``: the subscription has the debtor's method; Mercado Pago gives its
        kind (``payment_method_id``), not the card's digits (learned from the first payment)."""
        body = self.preapproval(session_id)
        authorized = body.get("status") == "authorized"
        return SavedMethod(
            reference=str(body.get("external_reference") or ""),
            customer_id=str(body.get("payer_id") or ""),
            method_id=str(body["id"]) if authorized and body.get("id") else "",
            brand=str(body.get("payment_method_id") or ""),
        )

    def set_amount(self, preapproval_id: str, amount: Decimal, currency: str) -> None:
        """The amount of the subscription's next charges."""
        self.request(
            "PUT",
            f"/preapproval/{preapproval_id}",
            headers=self._headers(),
            json={"auto_recurring": {"transaction_amount": float(amount), "currency_id": currency}},
        )

    def detach(self, method_id: str) -> None:
        """Cancel the subscription: Mercado Pago charges it no more."""
        self.request(
            "PUT",
            f"/preapproval/{method_id}",
            headers=self._headers(),
            json={"status": "cancelled"},
        )

    def authorized_payment(self, authorized_id: str) -> AuthorizedPayment:
        body = self.request("GET", f"/authorized_payments/{authorized_id}", headers=self._headers())
        return _authorized(body, authorized_id)

    def search_authorized_payments(self, **criteria: str) -> list[AuthorizedPayment]:
        """Every invoice matching ``criteria`` (``preapproval_id`` or ``payment_id``), all pages.

        ``GET /authorized_payments/search`` answers ``paging`` {total, limit,
        offset} and ``results`` (docs/payments.md).
        """
        found: list[AuthorizedPayment] = []
        offset = 0
        while True:
            body = self.request(
                "GET",
                "/authorized_payments/search",
                headers=self._headers(),
                params={**criteria, "offset": offset, "limit": SEARCH_LIMIT},
            )
            try:
                results = list(body["results"])
                total = int(body["paging"]["total"])
            except (KeyError, TypeError, ValueError) as error:
                raise ProviderError(f"Mercado Pago invoice search is malformed: {error}") from None
            found += [_authorized(result, "in search") for result in results]
            offset += len(results)
            if not results or offset >= total:
                return found

    def card_last4(self, payment_id: str) -> str:
        """The last four digits of the card a payment was made with, if a card paid it."""
        body = self.request("GET", f"/v1/payments/{payment_id}", headers=self._headers())
        card = body.get("card") or {}
        digits = str(card.get("last_four_digits") or "") if isinstance(card, dict) else ""
        return digits if len(digits) == 4 and digits.isdigit() else ""

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
            event_id=event_id, fetch_id=payment_id if kind in FETCHED_KINDS else "", kind=kind
        )
