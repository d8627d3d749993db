"""Wompi (Colombia), faked for the sandbox: its Web Checkout, transactions and events.

Served under ``<SANDBOX_URL>/wompi`` (``WOMPI_BASE_URL=<SANDBOX_URL>/wompi/v1``,
``WOMPI_CHECKOUT_URL=<SANDBOX_URL>/wompi/p/``), with Wompi's paths, JSON and
rules (docs/payments.md, "Wompi"):

  GET  /p/?public-key&currency&amount-in-cents&reference&signature:integrity&redirect-url
       the hosted checkout. Like Wompi's, it refuses (an error page, 400 here) an
       unknown public key, a currency other than COP, an amount in cents that is
       not a positive integer, and an integrity signature that is not
       SHA-256(reference + amount-in-cents + currency + integrity secret).
       The debtor picks a method and the outcome with Wompi's sandbox test data:
       Nequi 3991111111 approves, 3992222222 declines, another number ends in
       ERROR; cards 4242 4242 4242 4242 approve, 4111 1111 1111 1111 decline,
       others ERROR; PSE bank "1" approves, "2" declines; Bancolombia transfer
       approve or decline.
  POST /p/pay           the same signed parameters plus the method's data: the
                        transaction, its ``transaction.updated`` event to the
                        account's events URL, then 303 to redirect-url?id=...&env=test
  GET  /v1/transactions/{id}           {"data": transaction} (public, no key)
  GET  /v1/transactions?reference=...  {"data": [transactions]} (Bearer private key)
Events carry ``signature.properties`` (transaction.id, transaction.status,
transaction.amount_in_cents), ``timestamp`` and ``signature.checksum``, also sent
as ``X-Event-Checksum``; the events URL is the account's (one per public key).
"""

from __future__ import annotations

import html
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from recaudo.payments.conf import provider_config
from recaudo.payments.providers.wompi import event_checksum, integrity_signature
from recaudo.sandbox.payments import _deliver
from recaudo.sandbox.webhooks import Webhook

DEFAULT_PUBLIC_KEY = "pub_test_recaudo_sandbox"
DEFAULT_PRIVATE_KEY = "prv_test_recaudo_sandbox"
DEFAULT_INTEGRITY_SECRET = "test_integrity_recaudo_sandbox"
DEFAULT_EVENTS_SECRET = "test_events_recaudo_sandbox"
MAX_TRANSACTIONS = 20_000
SIGNED = ("public-key", "currency", "amount-in-cents", "reference", "signature:integrity")
# Wompi's sandbox test data (docs.wompi.co, "Datos de prueba en Sandbox").
NEQUI = {"3991111111": "APPROVED", "3992222222": "DECLINED"}
CARDS = {"4242424242424242": "APPROVED", "4111111111111111": "DECLINED"}
PSE_BANKS = {"1": "APPROVED", "2": "DECLINED"}
METHODS = ("NEQUI", "CARD", "PSE", "BANCOLOMBIA_TRANSFER")


@dataclass
class Account:
    public_key: str
    private_key: str
    integrity_secret: str
    events_secret: str
    events_url: str


@dataclass
class Transaction:
    id: str
    reference: str
    amount_in_cents: int
    currency: str
    payment_method_type: str
    status: str
    redirect_url: str
    public_key: str
    created_at: str
    payment_method: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at,
            "amount_in_cents": self.amount_in_cents,
            "reference": self.reference,
            "currency": self.currency,
            "payment_method_type": self.payment_method_type,
            "payment_method": self.payment_method,
            "redirect_url": self.redirect_url,
            "status": self.status,
            "status_message": None,
            "shipping_address": None,
            "payment_link_id": None,
            "payment_source_id": None,
        }


class CheckoutError(ValueError):
    """What Wompi's checkout page says instead of showing the payment form."""


class WompiFake:
    def __init__(self, base_url: str, account: Account) -> None:
        self.base_url = base_url.rstrip("/")
        self.accounts: dict[str, Account] = {account.public_key: account}
        self.transactions: dict[str, Transaction] = {}

    @classmethod
    def from_django_settings(cls, base_url: str, events_url: str) -> WompiFake:
        try:
            config = provider_config("wompi")
        except Exception:  # no Django settings: the defaults
            config = {}
        return cls(
            base_url,
            Account(
                public_key=config.get("public_key") or DEFAULT_PUBLIC_KEY,
                private_key=config.get("private_key") or DEFAULT_PRIVATE_KEY,
                integrity_secret=config.get("integrity_secret") or DEFAULT_INTEGRITY_SECRET,
                events_secret=config.get("webhook_secret") or DEFAULT_EVENTS_SECRET,
                events_url=events_url,
            ),
        )

    def add_account(self, account: Account) -> None:
        """Another merchant (a creditor's own account), with its own keys and events URL."""
        self.accounts[account.public_key] = account

    def checkout(self, params: Any) -> tuple[Account, int, str]:
        """The account, amount in cents and reference of a checkout link; CheckoutError if
        Wompi's page would refuse it."""
        missing = [name for name in (*SIGNED, "redirect-url") if not params.get(name)]
        if missing:
            raise CheckoutError(f"Faltan parámetros: {', '.join(missing)}")
        account = self.accounts.get(str(params["public-key"]))
        if account is None:
            raise CheckoutError("La llave pública no corresponde a ningún comercio")
        if params["currency"] != "COP":
            raise CheckoutError("La moneda debe ser COP")
        raw = str(params["amount-in-cents"])
        if not raw.isdigit() or int(raw) <= 0:
            raise CheckoutError("amount-in-cents debe ser un número entero positivo")
        cents, reference = int(raw), str(params["reference"])
        expected = integrity_signature(reference, cents, "COP", account.integrity_secret)
        if not secrets.compare_digest(expected, str(params["signature:integrity"])):
            raise CheckoutError("La firma de integridad es inválida")
        return account, cents, reference

    def pay(self, params: Any) -> tuple[Transaction, Webhook]:
        """The debtor's choice on the page: the transaction and its event."""
        account, cents, reference = self.checkout(params)
        kind = str(params.get("method", ""))
        detail: dict[str, Any]
        if kind == "NEQUI":
            phone = str(params.get("phone_number", "")).strip()
            status, detail = NEQUI.get(phone, "ERROR"), {"phone_number": phone}
        elif kind == "CARD":
            number = "".join(str(params.get("card_number", "")).split())
            status = CARDS.get(number, "ERROR")
            detail = {"extra": {"last_four": number[-4:], "brand": "VISA"}}
        elif kind == "PSE":
            bank = str(params.get("financial_institution_code", ""))
            status, detail = PSE_BANKS.get(bank, "ERROR"), {"financial_institution_code": bank}
        elif kind == "BANCOLOMBIA_TRANSFER":
            status = "APPROVED" if params.get("outcome") == "approve" else "DECLINED"
            detail = {}
        else:
            raise CheckoutError(f"Método de pago desconocido: {kind!r}")
        if len(self.transactions) >= MAX_TRANSACTIONS:
            self.transactions.pop(next(iter(self.transactions)))
        transaction = Transaction(
            id=f"{secrets.randbelow(10**6)}-{int(time.time())}-{secrets.randbelow(10**5)}",
            reference=reference,
            amount_in_cents=cents,
            currency="COP",
            payment_method_type=kind,
            status=status,
            redirect_url=str(params["redirect-url"]),
            public_key=account.public_key,
            created_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
            payment_method={"type": kind, **detail},
        )
        self.transactions[transaction.id] = transaction
        return transaction, self.event(transaction, account)

    def event(self, transaction: Transaction, account: Account) -> Webhook:
        """``transaction.updated``, checksummed with the account's events secret."""
        event: dict[str, Any] = {
            "event": "transaction.updated",
            "data": {"transaction": transaction.describe()},
            "environment": "test",
            "signature": {
                "properties": [
                    "transaction.id",
                    "transaction.status",
                    "transaction.amount_in_cents",
                ],
                "checksum": "",
            },
            "timestamp": int(time.time()),
            "sent_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        }
        checksum = event_checksum(event, account.events_secret)
        event["signature"]["checksum"] = checksum
        return Webhook(
            url=account.events_url,
            body=json.dumps(event, separators=(",", ":")).encode(),
            headers={"Content-Type": "application/json", "X-Event-Checksum": checksum},
            label="transaction.updated",
        )

    def back_url(self, transaction: Transaction) -> str:
        separator = "&" if "?" in transaction.redirect_url else "?"
        return f"{transaction.redirect_url}{separator}id={transaction.id}&env=test"

    def by_reference(self, authorization: str, reference: str) -> tuple[int, dict[str, Any]]:
        account = next(
            (
                found
                for found in self.accounts.values()
                if secrets.compare_digest(authorization, f"Bearer {found.private_key}")
            ),
            None,
        )
        if account is None:
            return 401, {
                "error": {"type": "INVALID_ACCESS_TOKEN", "reason": "Se esperaba una llave privada"}
            }
        found = [
            item.describe()
            for item in reversed(self.transactions.values())
            if item.reference == reference and item.public_key == account.public_key
        ]
        return 200, {"data": found, "meta": {}}


def _page(params: Any, error: str = "") -> str:
    head = (
        '<!doctype html><html lang="es"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Wompi (sandbox)</title></head>"
        '<body style="font:17px system-ui;max-width:30rem;margin:1rem auto;padding:0 1rem">'
        "<h1>Wompi · pruebas</h1>"
    )
    if error:
        return f'{head}<p id="wompi-error" role="alert">{html.escape(error)}</p></body></html>'
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(str(params[name]))}">'
        for name in (*SIGNED, "redirect-url")
    )
    pesos = int(params["amount-in-cents"]) / 100

    def form(method: str, title: str, fields: str, buttons: str, name: str = "") -> str:
        return (
            f'<form method="post" action="pay" id="wompi-{name or method.lower()}"><fieldset>'
            f"<legend>{title}</legend>{hidden}"
            f'<input type="hidden" name="method" value="{method}">{fields}{buttons}'
            "</fieldset></form>"
        )

    return (
        f'{head}<p id="amount"><strong>$ {pesos:,.2f} COP</strong></p>'
        f"<p>Referencia {html.escape(str(params['reference']))}</p>"
        + form(
            "NEQUI",
            "Nequi",
            '<label>Celular <input name="phone_number" inputmode="numeric" '
            'value="3991111111"></label> ',
            '<button id="wompi-nequi-pay" type="submit">Pagar con Nequi</button>',
        )
        + form(
            "NEQUI",
            "Nequi rechazado",
            '<input type="hidden" name="phone_number" value="3992222222">',
            '<button id="wompi-nequi-decline" type="submit">Simular rechazo (3992222222)</button>',
            name="nequi-declined",
        )
        + form(
            "PSE",
            "PSE",
            "",
            '<button id="wompi-pse-pay" type="submit" name="financial_institution_code" '
            'value="1">Banco que aprueba</button> <button id="wompi-pse-decline" '
            'type="submit" name="financial_institution_code" value="2">Banco que rechaza'
            "</button>",
        )
        + form(
            "BANCOLOMBIA_TRANSFER",
            "Transferencia Bancolombia",
            "",
            '<button id="wompi-bancolombia-pay" type="submit" name="outcome" '
            'value="approve">Aprobar</button> <button id="wompi-bancolombia-decline" '
            'type="submit" name="outcome" value="decline">Rechazar</button>',
        )
        + form(
            "CARD",
            "Tarjeta",
            '<label>Número <input name="card_number" value="4242 4242 4242 4242"></label> ',
            '<button id="wompi-card-pay" type="submit">Pagar con tarjeta</button>',
        )
        + "</body></html>"
    )


WOMPI_KEY = web.AppKey("wompi", WompiFake)


def register(app: web.Application, sandbox: Any, base_url: str = "") -> None:
    """Add Wompi's routes to the sandbox app, under /wompi."""
    events_url = f"{sandbox.behaviour.webhook_base_url}/webhooks/payments/wompi"
    app[WOMPI_KEY] = WompiFake.from_django_settings(
        f"{base_url}/wompi" if base_url else "", events_url
    )

    def fake_of(request: web.Request) -> WompiFake:
        found = request.app[WOMPI_KEY]
        if not found.base_url:  # served on a port chosen at start: learn it from the request
            found.base_url = f"{request.scheme}://{request.host}/wompi"
        return found

    async def checkout_page(request: web.Request) -> web.Response:
        try:
            fake_of(request).checkout(request.query)
        except CheckoutError as error:
            return web.Response(text=_page(request.query, str(error)), status=400,
                                content_type="text/html")  # fmt: skip
        return web.Response(text=_page(request.query), content_type="text/html")

    async def pay(request: web.Request) -> web.Response:
        form = await request.post()
        fake = fake_of(request)
        try:
            transaction, webhook = fake.pay(form)
        except CheckoutError as error:
            return web.Response(text=_page(form, str(error)), status=400,
                                content_type="text/html")  # fmt: skip
        if sandbox.behaviour.webhooks_enabled:
            await _deliver(sandbox, webhook)
        raise web.HTTPSeeOther(fake.back_url(transaction))

    async def transaction(request: web.Request) -> web.Response:
        found = fake_of(request).transactions.get(request.match_info["transaction_id"])
        if found is None:
            return web.json_response(
                {"error": {"type": "NOT_FOUND_ERROR", "reason": "La entidad solicitada no existe"}},
                status=404,
            )
        return web.json_response({"data": found.describe()})

    async def transactions(request: web.Request) -> web.Response:
        status, body = fake_of(request).by_reference(
            request.headers.get("Authorization", ""), request.query.get("reference", "")
        )
        return web.json_response(body, status=status)

    app.router.add_get("/wompi/p/", checkout_page)
    app.router.add_post("/wompi/p/pay", pay)
    app.router.add_get("/wompi/v1/transactions/{transaction_id}", transaction)
    app.router.add_get("/wompi/v1/transactions", transactions)
