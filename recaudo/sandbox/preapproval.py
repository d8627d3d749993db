"""Mercado Pago's subscriptions without an associated plan (preapproval), faked for the sandbox.

Served under ``<SANDBOX_URL>/mercadopago`` (so ``MERCADOPAGO_BASE_URL`` points
there; the routes: ``preapproval_http.py``), with Mercado Pago's paths, JSON
and rules (docs/payments.md, "Mercado Pago"):

  POST /preapproval               reason, external_reference, payer_email, back_url,
                                  status "pending", auto_recurring {frequency > 0,
                                  frequency_type days|months, transaction_amount > 0,
                                  currency_id (the account's), start_date?, end_date?}
                                  -> 201 {id, status: "pending", init_point, ...}
  GET  /preapproval/{id}          the preapproval (status pending|authorized|paused|cancelled,
                                  payer_id and payment_method_id once authorised)
  PUT  /preapproval/{id}          {"status": "cancelled"|"paused"|"authorized"} or
                                  {"auto_recurring": {"transaction_amount", "currency_id"}};
                                  a cancelled one cannot change: 400
  GET  /authorized_payments/{id}  one charge: preapproval_id, transaction_amount, currency_id,
                                  debit_date, status scheduled|processed|recycling|cancelled,
                                  retry_attempt, next_retry_date, payment {id, status,
                                  status_detail}
  GET  /authorized_payments/search  preapproval_id | payment_id | payer_id | id, offset, limit
                                  (default 20) -> {paging {total, limit, offset}, results}
  GET  /v1/payments/{id}          the payment a charge made (card.last_four_digits)
Each access token is one Mercado Pago account (``add_account``, over HTTP ``POST
/_sandbox/accounts`` {access_token, webhook_secret, notification_url}): it sees only
its own preapprovals, and their notices go to the notification URL set in that
account's "Your integrations", signed with that account's secret.
The debtor's side: ``GET /subscriptions/checkout?preapproval_id=`` picks a test
card by its holder's name as Mercado Pago's test cards do (APRO approves, OTHE
is refused, FUND is refused for insufficient funds) and authorises; the
debtor goes back to ``back_url``.

Mercado Pago's engine: ``advance(until)`` charges what is due up to ``until``
(the first charge at once when the subscription starts without a future
``start_date``), retries a refused one (``recycling``) until its fourth attempt,
then leaves it ``processed`` with the refused payment; three charges refused
for good cancel the subscription. It runs every ``ENGINE_SECONDS`` for
today while the sandbox sends webhooks (``make run``), and ``POST
/_sandbox/advance`` {"until": date} runs it up to any day. Every change is notified to the owning
account's notification URL (``subscription_preapproval``, ``subscription_authorized_payment``,
``payment``) signed with ``x-signature`` as Mercado Pago signs.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from recaudo.payments.conf import provider_config
from recaudo.payments.providers.base import hex_hmac
from recaudo.payments.providers.mercadopago import manifest
from recaudo.payments.rules import add_months
from recaudo.sandbox.webhooks import Webhook

DEFAULT_ACCESS_TOKEN = "sandbox-mercadopago-token"
DEFAULT_WEBHOOK_SECRET = "sandbox-mercadopago-webhook-secret"
# Mercado Pago's currencies (one per country where it operates).
CURRENCIES = {"ARS", "BRL", "MXN", "COP", "CLP", "PEN", "UYU"}
# The test cards' holder names and what a charge to them does.
HOLDERS = {
    "APRO": ("approved", "accredited"),
    "OTHE": ("rejected", "cc_rejected_other_reason"),
    "FUND": ("rejected", "cc_rejected_insufficient_amount"),
}
TEST_CARD = ("master", "0604")  # Mercado Pago's Mastercard test card 5031 7557 3453 0604
ATTEMPTS = 4  # a charge not made on its fourth attempt stays processed, refused
RETRY_AFTER_DAYS = (3, 6, 9)  # days after the debit date of the 2nd, 3rd, 4th attempt
REFUSED_TO_CANCEL = 3  # charges refused for good that cancel the subscription
# How often the engine looks for what is due when the sandbox runs by itself (``make run``).
ENGINE_SECONDS = 300.0


@dataclass(frozen=True)
class Account:
    """A Mercado Pago account: its access token, webhook secret and notification URL."""

    access_token: str
    webhook_secret: str
    notification_url: str


@dataclass
class Preapproval:
    id: str
    reason: str
    external_reference: str
    payer_email: str
    back_url: str
    frequency: int
    frequency_type: str
    amount: Decimal
    currency: str
    start: datetime | None
    end: datetime | None
    status: str = "pending"
    created: str = ""
    payer_id: int = 0
    holder: str = ""  # the test card's holder name once authorised
    charges: int = 0  # authorized payments created so far
    refused_for_good: int = 0
    owner: str = ""  # the access token of the account that created it


@dataclass
class Charge:
    id: str
    preapproval_id: str
    amount: Decimal
    currency: str
    debit_date: date
    status: str = "scheduled"
    retry_attempt: int = 0
    next_retry_date: date | None = None
    payment_id: str = ""
    payments: list[str] = field(default_factory=list)


def _error(message: str, cause: str = "") -> tuple[int, dict[str, Any]]:
    """Mercado Pago's error body."""
    return 400, {
        "message": message,
        "error": "bad_request",
        "status": 400,
        "cause": [{"code": cause or "invalid_parameter", "description": message}],
    }


def _moment(value: Any, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"auto_recurring.{name} must be an ISO-8601 date") from None
    if moment.tzinfo is None:
        raise ValueError(f"auto_recurring.{name} must have a time zone offset")
    return moment


class PreapprovalFake:
    def __init__(
        self, base_url: str, access_token: str, webhook_secret: str, notification_url: str
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.webhook_secret = webhook_secret
        # Where Mercado Pago posts notifications ("Your integrations" → Webhooks).
        self.notification_url = notification_url
        self.currency = ""  # the account's currency; empty: any of Mercado Pago's
        self.preapprovals: dict[str, Preapproval] = {}
        self.charges: dict[str, Charge] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.sent: list[Webhook] = []
        self.accounts = {access_token: Account(access_token, webhook_secret, notification_url)}
        self.dropped: set[str] = set()  # topics whose notices are lost on the way

    def add_account(self, access_token: str, webhook_secret: str, notification_url: str) -> None:
        """Another Mercado Pago account (a creditor's own), with its own notification URL."""
        self.accounts[access_token] = Account(access_token, webhook_secret, notification_url)

    @classmethod
    def from_django_settings(cls, base_url: str, notification_url: str) -> PreapprovalFake:
        try:
            config = provider_config("mercadopago")
        except Exception:  # no Django settings: the defaults
            config = {}
        token = config.get("access_token") or DEFAULT_ACCESS_TOKEN
        secret = config.get("webhook_secret") or DEFAULT_WEBHOOK_SECRET
        return cls(base_url, token, secret, notification_url)

    def authorised(self, header: str) -> bool:
        return self.account_of(header) is not None

    def account_of(self, header: str) -> Account | None:
        """The account whose access token the ``Authorization`` header carries."""
        for token, account in self.accounts.items():
            if secrets.compare_digest(header, f"Bearer {token}"):
                return account
        return None

    def owned(self, preapproval_id: str, account: Account | None) -> Preapproval | None:
        """The preapproval, if the account created it (another account's is not found)."""
        found = self.preapprovals.get(preapproval_id)
        if found is None or (account is not None and found.owner != account.access_token):
            return None
        return found

    def search(self, query: Any, account: Account | None = None) -> tuple[int, dict[str, Any]]:
        """``GET /authorized_payments/search``: the account's invoices matching, one page."""
        try:
            offset = int(query.get("offset", 0))
            limit = int(query.get("limit", 20))
        except ValueError:
            return _error("offset and limit must be integers")
        if offset < 0 or limit < 1:
            return _error("offset must be 0 or more and limit 1 or more")
        found = []
        for charge in self.charges.values():
            preapproval = self.owned(charge.preapproval_id, account)
            if preapproval is None:
                continue
            if any(
                name in query and str(query[name]) != value
                for name, value in (
                    ("id", charge.id),
                    ("preapproval_id", charge.preapproval_id),
                    ("payer_id", str(preapproval.payer_id)),
                )
            ):
                continue
            if "payment_id" in query and str(query["payment_id"]) not in charge.payments:
                continue
            found.append(self.describe_charge(charge))
        return 200, {
            "paging": {"total": len(found), "limit": limit, "offset": offset},
            "results": found[offset : offset + limit],
        }

    # The API.

    def create(self, body: Any, account: Account | None = None) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict):
            return _error("the body must be a JSON object")
        for name in ("reason", "payer_email", "back_url"):
            if not isinstance(body.get(name), str) or not body[name].strip():
                return _error(f"{name} is required", "required_parameter")
        email = body["payer_email"].strip()
        if "@" not in email or "." not in email.rpartition("@")[2] or " " in email:
            return _error("payer_email must be a valid email", "invalid_payer_email")
        if body.get("status", "pending") != "pending":
            return _error("status authorized needs card_token_id", "invalid_status")
        recurring = body.get("auto_recurring")
        if not isinstance(recurring, dict):
            return _error("auto_recurring is required", "required_parameter")
        frequency = recurring.get("frequency")
        if not isinstance(frequency, int) or isinstance(frequency, bool) or frequency < 1:
            return _error("auto_recurring.frequency must be a positive integer")
        if recurring.get("frequency_type") not in ("days", "months"):
            return _error("auto_recurring.frequency_type must be days or months")
        try:
            amount = Decimal(str(recurring.get("transaction_amount")))
        except InvalidOperation:
            return _error("auto_recurring.transaction_amount must be a number")
        if not amount.is_finite() or amount <= 0:
            return _error("auto_recurring.transaction_amount must be greater than 0")
        currency = recurring.get("currency_id")
        if (
            not isinstance(currency, str)
            or currency not in CURRENCIES
            or (self.currency and currency != self.currency)
        ):
            return _error(
                f"auto_recurring.currency_id {currency!r} is not the account's currency",
                "invalid_currency_id",
            )
        try:
            start = _moment(recurring.get("start_date"), "start_date")
            end = _moment(recurring.get("end_date"), "end_date")
        except ValueError as error:
            return _error(str(error))
        if end is not None and end <= (start or datetime.now(UTC)):
            return _error("auto_recurring.end_date must be after the start")
        preapproval = Preapproval(
            id=secrets.token_hex(16),
            reason=body["reason"][:250],
            external_reference=str(body.get("external_reference") or ""),
            payer_email=email,
            back_url=body["back_url"],
            frequency=frequency,
            frequency_type=recurring["frequency_type"],
            amount=amount,
            currency=currency,
            start=start,
            end=end,
            created=datetime.now(UTC).isoformat(timespec="milliseconds"),
            owner=(account or self.accounts[self.access_token]).access_token,
        )
        self.preapprovals[preapproval.id] = preapproval
        return 201, self.describe(preapproval)

    def describe(self, preapproval: Preapproval) -> dict[str, Any]:
        recurring: dict[str, Any] = {
            "frequency": preapproval.frequency,
            "frequency_type": preapproval.frequency_type,
            "transaction_amount": float(preapproval.amount),
            "currency_id": preapproval.currency,
        }
        if preapproval.start is not None:
            recurring["start_date"] = preapproval.start.isoformat(timespec="milliseconds")
        if preapproval.end is not None:
            recurring["end_date"] = preapproval.end.isoformat(timespec="milliseconds")
        authorised = preapproval.status != "pending"
        next_day = self._next_date(preapproval)
        return {
            "id": preapproval.id,
            "payer_id": preapproval.payer_id or None,
            "payer_email": preapproval.payer_email,
            "back_url": preapproval.back_url,
            "status": preapproval.status,
            "reason": preapproval.reason,
            "external_reference": preapproval.external_reference,
            "date_created": preapproval.created,
            "init_point": f"{self.base_url}/subscriptions/checkout?preapproval_id={preapproval.id}",
            "auto_recurring": recurring,
            "next_payment_date": next_day.isoformat() if next_day else None,
            "payment_method_id": TEST_CARD[0] if authorised else None,
        }

    def update(self, preapproval_id: str, body: Any) -> tuple[int, dict[str, Any]]:
        preapproval = self.preapprovals.get(preapproval_id)
        if preapproval is None:
            return 404, {"message": "preapproval not found", "error": "not_found", "status": 404}
        if not isinstance(body, dict):
            return _error("the body must be a JSON object")
        if preapproval.status == "cancelled":
            return _error("You can not modify a cancelled preapproval", "cancelled_preapproval")
        status = body.get("status")
        if status is not None and status not in ("cancelled", "paused", "authorized"):
            return _error("status must be authorized, paused or cancelled")
        if status == "authorized" and not preapproval.holder:
            return _error("the payer has not authorized this preapproval", "invalid_status")
        recurring = body.get("auto_recurring")
        amount = None
        if recurring is not None:
            if not isinstance(recurring, dict):
                return _error("auto_recurring must be an object")
            try:
                amount = Decimal(str(recurring.get("transaction_amount")))
            except InvalidOperation:
                return _error("auto_recurring.transaction_amount must be a number")
            if not amount.is_finite() or amount <= 0:
                return _error("auto_recurring.transaction_amount must be greater than 0")
            if recurring.get("currency_id", preapproval.currency) != preapproval.currency:
                return _error("auto_recurring.currency_id cannot change", "invalid_currency_id")
        if amount is not None:
            preapproval.amount = amount
        if status is not None:
            preapproval.status = status
            if status == "cancelled":
                for charge in self.charges.values():
                    if charge.preapproval_id == preapproval.id and charge.status in (
                        "scheduled",
                        "recycling",
                    ):
                        charge.status = "cancelled"
                        charge.next_retry_date = None
        return 200, self.describe(preapproval)

    def describe_charge(self, charge: Charge) -> dict[str, Any]:
        payment = self.payments.get(charge.payment_id) if charge.payment_id else None
        return {
            "id": charge.id,
            "preapproval_id": charge.preapproval_id,
            "type": "online",
            "status": charge.status,
            "transaction_amount": float(charge.amount),
            "currency_id": charge.currency,
            "debit_date": f"{charge.debit_date.isoformat()}T12:00:00.000-00:00",
            "retry_attempt": charge.retry_attempt,
            "next_retry_date": (
                f"{charge.next_retry_date.isoformat()}T12:00:00.000-00:00"
                if charge.next_retry_date
                else None
            ),
            "payment": (
                {
                    "id": int(payment["id"]),
                    "status": payment["status"],
                    "status_detail": payment["status_detail"],
                }
                if payment
                else None
            ),
        }

    # The debtor's side.

    def authorise(self, preapproval: Preapproval, holder: str, now: datetime) -> list[Webhook]:
        if preapproval.status != "pending" or holder not in HOLDERS:
            return []
        preapproval.status = "authorized"
        preapproval.holder = holder
        preapproval.payer_id = secrets.randbelow(10**9) + 10**8
        webhooks = [
            self._notice("subscription_preapproval", preapproval.id, "updated", preapproval)
        ]
        if preapproval.start is None or preapproval.start <= now:
            # Without a future start, the first charge is made about an hour after subscribing.
            webhooks += self._charge_new(preapproval, now.date(), now)
        return self._kept(webhooks)

    # Mercado Pago's engine.

    def _next_date(self, preapproval: Preapproval) -> date | None:
        """The debit date of the subscription's next charge, None past its end."""
        if preapproval.status != "authorized":
            return None
        first = preapproval.start.date() if preapproval.start else _created_day(preapproval)
        if preapproval.frequency_type == "months":
            day = add_months(first, preapproval.charges * preapproval.frequency)
        else:
            day = first + timedelta(days=preapproval.charges * preapproval.frequency)
        if preapproval.end is not None and day > preapproval.end.date():
            return None
        return day

    def advance(self, until: date, now: datetime | None = None) -> list[Webhook]:
        """Charge what is due up to ``until`` (new charges, then retries); the notices sent."""
        now = now or datetime.now(UTC)
        webhooks: list[Webhook] = []
        for preapproval in list(self.preapprovals.values()):
            while preapproval.status == "authorized":
                day = self._next_date(preapproval)
                if day is None or day > until:
                    break
                webhooks += self._charge_new(preapproval, day, now)
        for charge in sorted(self.charges.values(), key=lambda c: c.next_retry_date or date.max):
            if (
                charge.status == "recycling"
                and charge.next_retry_date
                and charge.next_retry_date <= until
            ):
                charge.retry_attempt += 1
                webhooks += self._attempt(charge, now)
        return self._kept(webhooks)

    def _kept(self, webhooks: list[Webhook]) -> list[Webhook]:
        """What goes out: a notice of a ``dropped`` topic is lost for good."""
        return [webhook for webhook in webhooks if webhook.label not in self.dropped]

    def _charge_new(self, preapproval: Preapproval, day: date, now: datetime) -> list[Webhook]:
        preapproval.charges += 1
        charge = Charge(
            id=str(7_000_000_000 + len(self.charges) + 1),
            preapproval_id=preapproval.id,
            amount=preapproval.amount,
            currency=preapproval.currency,
            debit_date=day,
        )
        self.charges[charge.id] = charge
        return [
            self._notice("subscription_authorized_payment", charge.id, "created", preapproval),
            *self._attempt(charge, now),
        ]

    def _attempt(self, charge: Charge, now: datetime) -> list[Webhook]:
        preapproval = self.preapprovals[charge.preapproval_id]
        status, detail = HOLDERS[preapproval.holder]
        payment_id = str(90_000_000_000 + len(self.payments) + 1)
        self.payments[payment_id] = {
            "id": int(payment_id),
            "status": status,
            "status_detail": detail,
            "transaction_amount": float(charge.amount),
            "currency_id": charge.currency,
            "external_reference": preapproval.external_reference,
            "payment_method_id": TEST_CARD[0],
            "payment_type_id": "credit_card",
            "card": {"last_four_digits": TEST_CARD[1]},
            "date_created": now.isoformat(timespec="milliseconds"),
            "metadata": {"preapproval_id": preapproval.id},
        }
        charge.payment_id = payment_id
        charge.payments.append(payment_id)
        webhooks = []
        if status == "approved":
            charge.status, charge.next_retry_date = "processed", None
        elif charge.retry_attempt + 1 < ATTEMPTS:
            charge.status = "recycling"
            charge.next_retry_date = charge.debit_date + timedelta(
                days=RETRY_AFTER_DAYS[charge.retry_attempt]
            )
        else:
            charge.status, charge.next_retry_date = "processed", None
            preapproval.refused_for_good += 1
            if preapproval.refused_for_good >= REFUSED_TO_CANCEL:
                preapproval.status = "cancelled"
                webhooks.append(
                    self._notice("subscription_preapproval", preapproval.id, "updated", preapproval)
                )
        return [
            self._notice("payment", payment_id, "payment.created", preapproval),
            self._notice("subscription_authorized_payment", charge.id, "updated", preapproval),
            *webhooks,
        ]

    def _notice(
        self, topic: str, data_id: str, action: str, about: Preapproval | None = None
    ) -> Webhook:
        """A notification as Mercado Pago sends it: signed over data.id, x-request-id and ts,
        to the notification URL of the account that owns the preapproval ``about``."""
        account = self.accounts[about.owner if about is not None else self.access_token]
        event = {
            "id": secrets.randbelow(10**11),
            "type": topic,
            "action": action,
            "api_version": "v1",
            "live_mode": False,
            "date_created": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "data": {"id": data_id},
        }
        request_id = secrets.token_hex(16)
        timestamp = str(int(time.time() * 1000))
        signature = hex_hmac(
            account.webhook_secret, manifest(data_id, request_id, timestamp).encode()
        )
        webhook = Webhook(
            url=f"{account.notification_url}?data.id={data_id}&type={topic}",
            body=json.dumps(event, separators=(",", ":")).encode(),
            headers={
                "Content-Type": "application/json",
                "x-signature": f"ts={timestamp},v1={signature}",
                "x-request-id": request_id,
            },
            label=topic,
        )
        if topic not in self.dropped:
            self.sent.append(webhook)
        return webhook


def _created_day(preapproval: Preapproval) -> date:
    return datetime.fromisoformat(preapproval.created).date()


PREAPPROVAL_KEY = web.AppKey("preapproval", PreapprovalFake)
ENGINE_KEY = web.AppKey("preapproval_engine", asyncio.Task)
