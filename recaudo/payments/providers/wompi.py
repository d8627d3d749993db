"""Wompi (Colombia): Web Checkout URLs, transaction lookups and checksummed events.

See docs/payments.md, "Wompi". A checkout is a link to Wompi's hosted page
carrying the amount in cents and our reference, signed with the account's
integrity secret (``signature:integrity``), so the debtor cannot change what
is paid. Wompi posts ``transaction.updated`` events to the URL set in its
dashboard, authenticated by a SHA-256 checksum over some of the event's
values, its timestamp and the events secret; ``GET /v1/transactions/{id}``
is the truth (status, amount, our reference, the method used).

Pesos only; Wompi takes no other currency. Its Web Checkout offers every
method the account has enabled and cannot be told which.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from recaudo.inputs import loads_json, signatures_match
from recaudo.outreach.contract import PayloadError, WebhookRequest
from recaudo.payments.methods import code_for
from recaudo.payments.providers.base import (
    CheckoutRequest,
    CheckoutSession,
    HttpProvider,
    ProviderError,
    ProviderRecord,
    RecordStatus,
    SignatureError,
    WebhookNotice,
    check_timestamp,
)

CURRENCY = "COP"
CHECKOUT_URL = "https://checkout.wompi.co/p/"
# A fetch id naming our reference instead of Wompi's transaction id.
BY_REFERENCE = "reference:"
_STATUSES: dict[str, RecordStatus] = {
    "APPROVED": "paid",
    "DECLINED": "failed",
    "ERROR": "failed",
    # Voided: an approved card payment annulled; the money went back.
    "VOIDED": "reversed",
    "PENDING": "open",
}
TRANSACTION_UPDATED = "transaction.updated"


def amount_in_cents(amount: Decimal) -> int:
    """Pesos to Wompi's integer cents; a fraction of a cent is refused, never rounded."""
    cents = amount * 100
    if cents != cents.to_integral_value() or cents <= 0:
        raise ProviderError(f"Wompi cannot charge {amount} COP (whole cents only)", permanent=True)
    return int(cents)


# What Wompi's transaction.updated checksum covers ("Eventos", docs.wompi.co).
SIGNED_PROPERTIES = frozenset(
    {"transaction.id", "transaction.status", "transaction.amount_in_cents"}
)


def integrity_signature(reference: str, cents: int, currency: str, secret: str) -> str:
    """SHA-256 of ``<reference><amount in cents><currency><integrity secret>`` (hex).

    "Firma de integridad", docs.wompi.co "Widget & Checkout Web" (the optional
    expiration time goes before the secret; Recaudo sends none).
    """
    return hashlib.sha256(f"{reference}{cents}{currency}{secret}".encode()).hexdigest()


def _value_at(data: Any, path: str) -> Any:
    """``transaction.amount_in_cents`` inside the event's ``data``."""
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            raise KeyError(path)
        data = data[part]
    return data


def event_checksum(event: dict[str, Any], secret: str) -> str:
    """SHA-256 of the values ``signature.properties`` names (in their order, from ``data``),
    then ``timestamp``, then the events secret (hex, upper case as Wompi writes it).

    "Eventos", "Seguridad" in docs.wompi.co; KeyError/TypeError when the event lacks them.
    """
    properties = event["signature"]["properties"]
    if not isinstance(properties, list) or not properties:
        raise TypeError("signature.properties is not a list")
    values = "".join(str(_value_at(event["data"], str(name))) for name in properties)
    text = f"{values}{event['timestamp']}{secret}"
    return hashlib.sha256(text.encode()).hexdigest().upper()


class WompiProvider(HttpProvider):
    name = "wompi"
    variables = {
        "base_url": "WOMPI_BASE_URL",
        "checkout_url": "WOMPI_CHECKOUT_URL",
        "public_key": "WOMPI_PUBLIC_KEY",
        "private_key": "WOMPI_PRIVATE_KEY",
        "integrity_secret": "WOMPI_INTEGRITY_SECRET",
        "webhook_secret": "WOMPI_EVENTS_SECRET",
    }

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        self.require("public_key", "integrity_secret")
        if request.currency.upper() != CURRENCY:
            raise ProviderError(
                f"Wompi takes Colombian pesos only, not {request.currency}", permanent=True
            )
        cents = amount_in_cents(request.amount)
        signature = integrity_signature(
            request.reference, cents, CURRENCY, str(self.config["integrity_secret"])
        )
        query = urlencode(
            {
                "public-key": self.config["public_key"],
                "currency": CURRENCY,
                "amount-in-cents": cents,
                "reference": request.reference,
                "signature:integrity": signature,
                # Back here with ?id=<transaction id> (docs/payments.md#wompi).
                "redirect-url": request.success_url,
            }
        )
        checkout_url = str(self.config.get("checkout_url") or CHECKOUT_URL)
        # No session at Wompi: the reference finds the transaction (fetch "reference:...").
        return CheckoutSession(
            session_id=f"{BY_REFERENCE}{request.reference}", url=f"{checkout_url}?{query}"
        )

    def fetch(self, fetch_id: str) -> ProviderRecord:
        """A transaction by Wompi's id, or for ``reference:<ours>`` an approved one among
        the reference's, else the first Wompi lists.

        Wompi answers ``GET /transactions/{id}`` for any merchant's transaction
        without a key, and the id may come from the debtor's browser (``?id=``):
        the transaction counts only when this account's private key lists it
        under its reference, so a payment to someone else's Wompi account under
        our reference is never taken for ours.
        """
        if fetch_id.startswith(BY_REFERENCE):
            found = self._listed(fetch_id.removeprefix(BY_REFERENCE))
            approved = [item for item in found if item.get("status") == "APPROVED"]
            return self._record((approved or found)[0], fetch_id)
        # One path segment, nothing else.
        body = self.request("GET", f"/transactions/{quote(fetch_id, safe='')}")
        public = self._record(body.get("data"), fetch_id)
        ours = [item for item in self._listed(public.reference) if str(item.get("id")) == fetch_id]
        if not ours:
            raise ProviderError(
                f"Wompi transaction {fetch_id} is not this account's", permanent=True
            )
        return self._record(ours[0], fetch_id)

    def _listed(self, reference: str) -> list[dict[str, Any]]:
        """This account's transactions under ``reference`` (the private key sees only its own)."""
        self.require("private_key")
        body = self.request(
            "GET",
            "/transactions",
            params={"reference": reference},
            headers={"Authorization": f"Bearer {self.config['private_key']}"},
        )
        found = body.get("data")
        if not isinstance(found, list):
            raise ProviderError(f"Wompi transactions for {reference!r} are malformed")
        listed = [item for item in found if isinstance(item, dict)]
        if not listed:
            raise ProviderError(f"Wompi has no transaction for {reference!r} yet")
        return listed

    def _record(self, transaction: Any, fetch_id: str) -> ProviderRecord:
        try:
            status = _STATUSES.get(str(transaction["status"]), "open")
            kind = str(transaction.get("payment_method_type") or "")
            code = code_for(self.name, kind).lower() if kind else ""
            return ProviderRecord(
                status=status,
                reference=str(transaction.get("reference") or ""),
                amount=Decimal(int(transaction["amount_in_cents"])) / 100,
                currency=str(transaction["currency"]).upper(),
                payment_id=str(transaction["id"]),
                method=f"wompi:{code}".rstrip(":"),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as error:
            raise ProviderError(f"Wompi transaction {fetch_id} is malformed: {error}") from None

    def verify_signature(
        self, request: WebhookRequest, tolerance: int | None = None, now: float | None = None
    ) -> None:
        secret = str(self.config.get("webhook_secret") or "")
        if not secret:
            raise SignatureError("the Wompi events secret is not configured")
        try:
            event = loads_json(request.body)
            given = str(event["signature"]["checksum"])
            expected = event_checksum(event, secret)
            timestamp = str(int(event["timestamp"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise SignatureError("no Wompi signature in the event", missing=True) from None
        header = request.headers.get("X-Event-Checksum", "")
        if not signatures_match(expected, given.upper()) or (
            header and not signatures_match(expected, header.upper())
        ):
            raise SignatureError("checksum does not match")
        # The event names the properties its checksum covers: a transaction's must cover
        # its id, status and amount, or a valid checksum could vouch for other values.
        covered = {str(name) for name in event["signature"]["properties"]}
        if event.get("event") == TRANSACTION_UPDATED and not covered >= SIGNED_PROPERTIES:
            raise SignatureError("the checksum does not cover the transaction's id, status, amount")
        check_timestamp(timestamp, tolerance, now)

    def parse_webhook(self, request: WebhookRequest) -> WebhookNotice:
        try:
            event = loads_json(request.body)
            kind = str(event["event"])
            item = event["data"].get("transaction") or {}
            transaction_id = str(item.get("id") or "")
            status = str(item.get("status") or "")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise PayloadError("Wompi event is malformed") from None
        if kind != TRANSACTION_UPDATED or not transaction_id:
            # nequi_token.updated and the like: nothing Recaudo created.
            return WebhookNotice(
                event_id=f"{kind}:{event.get('timestamp', '')}", fetch_id="", kind=kind
            )
        # Wompi's events carry no id: one transaction reaching one status is one event.
        return WebhookNotice(
            event_id=f"{transaction_id}:{status}", fetch_id=transaction_id, kind=kind
        )
