"""What every payment provider offers: create a checkout, fetch the truth, read webhooks.

A provider's webhook only says *that* something happened; the amount and the
status we record always come from ``fetch`` (the provider's own record,
read with our credentials), so a forged or stale webhook cannot move money.

Webhooks go through the same adapter interface as the message channels'
(``recaudo.outreach.contract.WebhookAdapter``): ``verify_signature(request)``
raises ``SignatureError``, ``parse_webhook(request)`` returns a
``WebhookNotice`` or raises ``PayloadError``; the request is a ``WebhookRequest``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import httpx
from django.conf import settings

from recaudo.inputs import signatures_match
from recaudo.outreach.contract import SignatureError, WebhookRequest
from recaudo.payments.methods import Method

RecordStatus = Literal["open", "paid", "failed", "reversed"]


class ProviderError(Exception):
    """A provider call failed; ``permanent`` when retrying cannot help (4xx, not configured)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class CheckoutRequest:
    reference: str  # our Checkout.reference, echoed back by the provider
    amount: Decimal
    currency: str
    description: str
    success_url: str
    cancel_url: str
    notification_url: str
    metadata: dict[str, str] = field(default_factory=dict)
    # The methods to offer (recaudo.payments.methods, for the debtor's country);
    # empty: the provider's own choice.
    methods: tuple[Method, ...] = ()


@dataclass(frozen=True)
class CheckoutSession:
    session_id: str
    url: str


@dataclass(frozen=True)
class ProviderRecord:
    """The provider's own account of a payment attempt."""

    status: RecordStatus
    reference: str
    amount: Decimal
    currency: str
    payment_id: str  # the provider's payment id; Payment.external_id
    method: str = ""


@dataclass(frozen=True)
class WebhookNotice:
    """What a verified webhook names: its event id and what to fetch."""

    event_id: str
    fetch_id: str  # a session or payment id, as ``fetch`` expects
    kind: str = ""


@dataclass(frozen=True)
class SetupRequest:
    """Save a payment method for later charges (direct debit), docs/payments.md."""

    reference: str  # our Mandate.reference, echoed back by the provider
    currency: str
    description: str
    email: str
    name: str
    success_url: str
    cancel_url: str
    metadata: dict[str, str] = field(default_factory=dict)
    # For a provider that charges on its own schedule (Mercado Pago's preapproval):
    # the first charge's amount, its moment and the last charge's moment.
    amount: Decimal | None = None
    first_charge_at: datetime | None = None
    last_charge_at: datetime | None = None


@dataclass(frozen=True)
class SetupSession:
    session_id: str
    url: str
    customer_id: str


@dataclass(frozen=True)
class SavedMethod:
    """What the provider saved: ``method_id`` empty while the debtor has not finished."""

    reference: str
    customer_id: str
    method_id: str
    brand: str = ""
    last4: str = ""


@dataclass(frozen=True)
class ChargeRequest:
    customer_id: str
    method_id: str
    amount: Decimal
    currency: str
    description: str
    idempotency_key: str  # one per instalment and attempt
    metadata: dict[str, str] = field(default_factory=dict)


ChargeStatus = Literal["succeeded", "failed", "action_required"]


@dataclass(frozen=True)
class ChargeResult:
    """The provider's answer to an off-session charge."""

    status: ChargeStatus
    payment_id: str  # the provider's payment id; Payment.external_id when it succeeded
    amount: Decimal
    currency: str
    error_code: str = ""  # "card_declined", "authentication_required", ...
    message: str = ""


def hex_hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def parse_signature_header(header: str) -> tuple[str, list[str]]:
    """``t=...,v1=...[,v1=...]`` -> (t, [v1...]); ``ts=`` accepted for Mercado Pago."""
    timestamp, signatures = "", []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name in ("t", "ts"):
            timestamp = value
        elif name == "v1":
            signatures.append(value)
    return timestamp, signatures


def check_timestamp(timestamp: str, tolerance: int | None, now: float | None = None) -> None:
    if tolerance is None:
        return
    try:
        seconds = int(timestamp)
    except ValueError:
        raise SignatureError("timestamp is not a number") from None
    if seconds > 10**11:  # some senders use milliseconds
        seconds //= 1000
    if seconds < (now if now is not None else time.time()) - tolerance:
        raise SignatureError("timestamp is outside the tolerance")


def verify_timestamped_signature(
    request: WebhookRequest,
    *,
    provider: str,
    secret: str,
    header_name: str,
    tolerance: int | None,
    now: float | None = None,
) -> None:
    """Stripe's scheme ``t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`` (the sandbox uses it too).

    Any ``v1`` that matches is accepted (secret rotation sends several); ``t``
    must be within ``tolerance`` seconds.
    """
    header = request.headers.get(header_name, "")
    if not secret:
        raise SignatureError(f"the {provider} webhook secret is not configured")
    if not header:
        raise SignatureError(f"no {header_name} header", missing=True)
    timestamp, signatures = parse_signature_header(header)
    if not timestamp or not signatures:
        raise SignatureError(f"{header_name} is malformed")
    expected = hex_hmac(secret, f"{timestamp}.".encode() + request.body)
    if not any(signatures_match(expected, given) for given in signatures):
        raise SignatureError("signature does not match")
    check_timestamp(timestamp, tolerance, now)


class HttpProvider:
    """One ``httpx.Client`` with explicit timeouts; GETs are retried on network errors and 5xx."""

    name = ""
    retries = 2
    # The environment variable behind each configuration key (recaudo/settings.py);
    # the sandbox's keys have none.
    variables: dict[str, str] = {}

    def __init__(self, config: dict[str, Any], transport: httpx.BaseTransport | None = None):
        self.config = config
        self.base_url = str(config.get("base_url", "")).rstrip("/")
        self.transport = transport

    def _client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(getattr(settings, "PROVIDER_TIMEOUT_SECONDS", 10.0)),
            transport=self.transport,
        )

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.response(method, path, **kwargs)
        if response.status_code >= 400:
            raise ProviderError(
                f"{self.name} answered {response.status_code}: {response.text[:300]}",
                permanent=True,
            )
        return self.json_of(response)

    def response(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The provider's answer, 4xx included; network errors and 5xx retried, then raised.

        A POST carries an idempotency key, so repeating it cannot charge twice.
        """
        attempts = 1 + self.retries
        last_error = ""
        for _attempt in range(attempts):
            try:
                with self._client() as client:
                    response = client.request(method, path, **kwargs)
            except httpx.HTTPError as error:
                last_error = f"{type(error).__name__}: {error}"
                continue
            if response.status_code >= 500:
                last_error = f"{self.name} answered {response.status_code}"
                continue
            return response
        raise ProviderError(last_error or f"{self.name} did not answer")

    def json_of(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise ProviderError(f"{self.name} answered with no JSON") from None
        if not isinstance(body, dict):
            raise ProviderError(f"{self.name} answered with no JSON object")
        return body

    # What each provider implements.

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        raise NotImplementedError

    def fetch(self, fetch_id: str) -> ProviderRecord:
        raise NotImplementedError

    def verify_signature(
        self, request: WebhookRequest, tolerance: int | None = None, now: float | None = None
    ) -> None:
        raise NotImplementedError

    def parse_webhook(self, request: WebhookRequest) -> WebhookNotice:
        raise NotImplementedError

    # Direct debit (docs/payments.md): only providers that can charge a saved
    # method without the debtor present implement these.
    offers_direct_debit = False
    # The provider's own engine charges on its schedule (Mercado Pago's
    # subscriptions): our worker never charges it, payments/debit_mercadopago.py.
    charges_itself = False
    # The provider needs the payer's e-mail at its account to enrol.
    needs_payer_email = False

    def create_setup(self, request: SetupRequest) -> SetupSession:
        raise ProviderError(f"{self.name} does not offer direct debit here", permanent=True)

    def fetch_setup(self, session_id: str) -> SavedMethod:
        raise ProviderError(f"{self.name} does not offer direct debit here", permanent=True)

    def charge(self, request: ChargeRequest) -> ChargeResult:
        raise ProviderError(f"{self.name} does not offer direct debit here", permanent=True)

    def detach(self, method_id: str) -> None:
        raise ProviderError(f"{self.name} does not offer direct debit here", permanent=True)

    def require(self, *keys: str) -> None:
        missing = [key for key in keys if not self.config.get(key)]
        if missing:
            names = ", ".join(
                self.variables.get(key, f"PAYMENTS['providers']['{self.name}']['{key}']")
                for key in missing
            )
            raise ProviderError(f"{self.name} is not configured: set {names}", permanent=True)
