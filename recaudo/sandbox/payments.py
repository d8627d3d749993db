"""The sandbox payment provider: checkout sessions, a page to pay or fail, signed webhooks.

API (Bearer ``api_key``):
  POST /payments/v1/checkout/sessions       JSON {amount, currency, reference, success_url,
                                            cancel_url, notification_url, description, metadata,
                                            payment_method_types}
                                            -> 201 {id, url, status: "open", ...}
  GET  /payments/v1/checkout/sessions/{id}  -> the session: status open|paid|failed, amount,
                                            currency, reference, payment_id, payment_method
The debtor's side (no auth, like a hosted checkout):
  GET  /payments/checkout/{id}              HTML: the session's methods to pick, "Pagar" and
                                            "Simular rechazo" forms
  POST /payments/checkout/{id}/pay|fail     settles it (``method``: the one picked), posts the
                                            signed webhook to the session's notification_url,
                                            303 to success/cancel URL
  POST /payments/checkout/{id}/voucher      a delayed method (``DELAYED``: OXXO, boleto, SPEI,
                                            Pix, PagoEfectivo) issues its voucher: the session is
                                            ``pending`` (Stripe's "complete" with payment_status
                                            "unpaid"), event checkout.session.completed
  POST /payments/checkout/{id}/voucher/paid|expired
                                            the debtor pays the voucher (paid, event
                                            checkout.session.async_payment_succeeded) or it
                                            expires unpaid (failed, failure "voucher_expired",
                                            event checkout.session.async_payment_failed)
  POST /payments/checkout/{id}/expire       an open session nobody paid expires (expired, event
                                            checkout.session.expired)
Events are named as Stripe's (https://docs.stripe.com/checkout/fulfillment); Recaudo
reads the session back whatever the event says.
``payment_method_types`` takes the sandbox's names (recaudo.payments.methods,
METHODS["sandbox"]): "card" everywhere, the local ones only in their currency
(pix and boleto BRL, pse COP, spei and oxxo MXN, yape and pagoefectivo PEN),
as Stripe refuses OXXO in another currency. Anything else: 400 naming the
parameter.
Webhooks carry ``X-Sandbox-Signature: t=<unix>,v1=<hex hmac-sha256(secret, "t.body")>``.
"""

from __future__ import annotations

import html
import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import aiohttp
from aiohttp import web

from recaudo.payments.conf import provider_config
from recaudo.payments.methods import CURRENCY_COUNTRY, METHODS
from recaudo.sandbox.debit import DebitFake, setup_page
from recaudo.sandbox.webhooks import Planned, Webhook

DEFAULT_API_KEY = "sandbox-payments-key"
DEFAULT_WEBHOOK_SECRET = "sandbox-payments-webhook-secret"
MAX_SESSIONS = 20_000
# Methods paid later, off the page (a voucher, a transfer, a QR): Stripe's "delayed notification"
# methods, whose Checkout Session completes unpaid and then succeeds or fails asynchronously.
DELAYED = frozenset({"oxxo", "boleto", "spei", "pix", "pagoefectivo"})


@dataclass
class Session:
    id: str
    amount: str
    currency: str
    reference: str
    description: str
    success_url: str
    cancel_url: str
    notification_url: str
    metadata: dict[str, Any] = field(default_factory=dict)
    status: str = "open"
    payment_id: str = ""
    created: int = 0
    payment_method_types: list[str] = field(default_factory=lambda: ["card"])
    payment_method: str = ""  # the one the debtor paid with
    failure: str = ""  # why a failed session failed: "declined", "voucher_expired"


def method_names() -> set[str]:
    """Every name the sandbox knows, in any currency."""
    return {
        method.provider_id for by_country in METHODS["sandbox"].values() for method in by_country
    }


def method_problem(types: Any, currency: str) -> tuple[str, str] | None:
    """(parameter, message) for the first name the session cannot take; None when all can."""
    if not isinstance(types, list) or not all(isinstance(name, str) for name in types):
        return "payment_method_types", "'payment_method_types' must be a list of names"
    known = method_names() | {"card"}
    country = CURRENCY_COUNTRY.get(currency.upper(), "")
    offered = {"card"} | {m.provider_id for m in METHODS["sandbox"].get(country, ())}
    for index, name in enumerate(types):
        parameter = f"payment_method_types[{index}]"
        if name not in known:
            return parameter, (f"Invalid {parameter}: must be one of {', '.join(sorted(known))}")
        if name not in offered:
            return parameter, (
                f"The payment method `{name}` does not support the currency {currency.lower()}"
            )
    return None


class PaymentsFake:
    def __init__(self, base_url: str, api_key: str, webhook_secret: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.sessions: dict[str, Session] = {}
        self.by_idempotency_key: dict[str, str] = {}
        # Direct debit in Stripe's own API (recaudo/sandbox/debit.py).
        self.debit = DebitFake(self.base_url)

    @classmethod
    def from_django_settings(cls, base_url: str) -> PaymentsFake:
        try:
            config = provider_config("sandbox")
        except Exception:  # no Django settings: the defaults
            config = {}
        return cls(
            base_url,
            config.get("api_key", DEFAULT_API_KEY),
            config.get("webhook_secret", DEFAULT_WEBHOOK_SECRET),
        )

    def authorised(self, header: str) -> bool:
        return secrets.compare_digest(header, f"Bearer {self.api_key}")

    def create(self, body: Any, idempotency_key: str) -> tuple[int, dict[str, Any]]:
        if idempotency_key and idempotency_key in self.by_idempotency_key:
            session = self.sessions[self.by_idempotency_key[idempotency_key]]
            return 200, self.describe(session)
        if not isinstance(body, dict):
            return 400, {"error": "send a JSON object"}
        errors = [
            f"'{name}' is required"
            for name in ("amount", "currency", "reference", "success_url", "cancel_url")
            if not isinstance(body.get(name), str) or not body.get(name)
        ]
        if errors:
            return 400, {"error": "; ".join(errors)}
        try:
            amount = Decimal(body["amount"])
        except InvalidOperation:
            return 400, {"error": "'amount' is not a number"}
        if not amount.is_finite() or amount <= 0:
            return 400, {"error": "'amount' must be greater than zero"}
        types = body.get("payment_method_types") or ["card"]
        problem = method_problem(types, body["currency"])
        if problem is not None:
            return 400, {"error": problem[1], "param": problem[0]}
        if len(self.sessions) >= MAX_SESSIONS:
            self.sessions.pop(next(iter(self.sessions)))
        metadata = body.get("metadata")
        session = Session(
            id=f"sbx_cs_{secrets.token_hex(12)}",
            amount=str(amount),
            currency=body["currency"].upper(),
            reference=body["reference"],
            description=str(body.get("description", ""))[:200],
            success_url=body["success_url"],
            cancel_url=body["cancel_url"],
            notification_url=str(body.get("notification_url", "")),
            metadata=metadata if isinstance(metadata, dict) else {},
            created=int(time.time()),
            payment_method_types=list(dict.fromkeys(types)),
        )
        self.sessions[session.id] = session
        if idempotency_key:
            self.by_idempotency_key[idempotency_key] = session.id
        return 201, self.describe(session)

    def describe(self, session: Session) -> dict[str, Any]:
        return {
            **asdict(session),
            "object": "checkout.session",
            "url": f"{self.base_url}/payments/checkout/{session.id}",
        }

    def settle(self, session: Session, paid: bool, method: str = "") -> Webhook | None:
        """Pay (with ``method``, one of the session's) or fail an open session; the
        webhook to send (signed), if it has a URL."""
        if session.status != "open":
            return None
        session.status = "paid" if paid else "failed"
        if paid:
            session.payment_id = f"sbx_pay_{secrets.token_hex(12)}"
            session.payment_method = method or session.payment_method_types[0]
        else:
            session.failure = "declined"
        return self.webhook(session, f"checkout.session.{session.status}")

    def issue_voucher(self, session: Session, method: str) -> Webhook | None:
        """The debtor chose a delayed method: its voucher is out, nothing is paid yet."""
        if session.status != "open" or method not in DELAYED:
            return None
        session.status = "pending"
        session.payment_method = method
        return self.webhook(session, "checkout.session.completed")

    def settle_voucher(self, session: Session, paid: bool) -> Webhook | None:
        """The voucher was paid at the store or bank, or it expired unpaid."""
        if session.status != "pending":
            return None
        if paid:
            session.status = "paid"
            session.payment_id = f"sbx_pay_{secrets.token_hex(12)}"
            return self.webhook(session, "checkout.session.async_payment_succeeded")
        session.status, session.failure = "failed", "voucher_expired"
        return self.webhook(session, "checkout.session.async_payment_failed")

    def expire(self, session: Session) -> Webhook | None:
        """An open session nobody paid reaches its end (Stripe's default: 24 hours)."""
        if session.status != "open":
            return None
        session.status = "expired"
        return self.webhook(session, "checkout.session.expired")

    def webhook(self, session: Session, kind: str) -> Webhook | None:
        """The signed event for the session's change, if it has a URL to post it to."""
        event: dict[str, Any] = {
            "id": f"sbx_evt_{secrets.token_hex(12)}",
            "type": kind,
            "created": int(time.time()),
            # Like the real providers' events, it names the amount; Recaudo still
            # fetches the session and trusts only that.
            "data": {
                "session_id": session.id,
                "status": session.status,
                "amount": session.amount,
                "currency": session.currency,
                "reference": session.reference,
                "payment_method": session.payment_method,
            },
        }
        if not session.notification_url:
            return None
        body = json.dumps(event, separators=(",", ":")).encode()
        timestamp = int(time.time())
        digest = _hmac(self.webhook_secret, f"{timestamp}.".encode() + body)
        return Webhook(
            url=session.notification_url,
            body=body,
            headers={
                "Content-Type": "application/json",
                "X-Sandbox-Signature": f"t={timestamp},v1={digest}",
            },
            label=event["type"],
        )


def _hmac(secret: str, message: bytes) -> str:
    import hashlib
    import hmac

    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


PAYMENTS_KEY = web.AppKey("payments", PaymentsFake)


def _page(session: Session) -> str:
    amount, currency = html.escape(session.amount), html.escape(session.currency)
    description = html.escape(session.description)
    if session.status == "pending":
        action = (
            f'<p id="status">Ficha emitida ({html.escape(session.payment_method)}): '
            "esperando el pago.</p>"
            f'<form method="post" action="/payments/checkout/{session.id}/voucher/paid">'
            '<button id="sandbox-voucher-paid" type="submit">Simular pago de la ficha</button>'
            "</form>"
            f'<form method="post" action="/payments/checkout/{session.id}/voucher/expired">'
            '<button id="sandbox-voucher-expired" type="submit">Simular vencimiento</button>'
            "</form>"
        )
    elif session.status != "open":
        action = f'<p id="status">Esta sesión ya está: {html.escape(session.status)}.</p>'
    else:
        choices = "".join(
            f'<label><input type="radio" name="method" value="{html.escape(name)}"'
            f' id="sandbox-method-{html.escape(name)}"{" checked" if index == 0 else ""}>'
            f" {html.escape(name)}</label><br>"
            for index, name in enumerate(session.payment_method_types)
        )
        action = (
            f'<form method="post" action="/payments/checkout/{session.id}/pay">'
            f"<fieldset><legend>Medio de pago</legend>{choices}</fieldset>"
            '<button id="sandbox-pay" type="submit">Pagar</button>'
            + (
                f' <button id="sandbox-voucher" type="submit" formaction="/payments/checkout/'
                f'{session.id}/voucher">Generar la ficha (pagar después)</button>'
                if DELAYED & set(session.payment_method_types)
                else ""
            )
            + "</form>"
            f'<form method="post" action="/payments/checkout/{session.id}/fail">'
            '<button id="sandbox-fail" type="submit">Simular rechazo</button></form>'
        )
    return (
        '<!doctype html><html lang="es"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Sandbox: pagar</title></head>"
        '<body style="font:17px system-ui;max-width:30rem;margin:1rem auto;padding:0 1rem">'
        "<h1>Pasarela de prueba</h1>"
        f'<p>{description}</p><p id="amount"><strong>{amount} {currency}</strong></p>'
        f"{action}</body></html>"
    )


def register(app: web.Application, sandbox: Any, base_url: str = "") -> None:
    """Add the payment provider's routes to the sandbox app."""
    fake = PaymentsFake.from_django_settings(base_url)
    app[PAYMENTS_KEY] = fake

    def fake_of(request: web.Request) -> PaymentsFake:
        found = request.app[PAYMENTS_KEY]
        if not found.base_url:  # served on a port chosen at start: learn it from the request
            found.base_url = f"{request.scheme}://{request.host}"
        return found

    async def create(request: web.Request) -> web.Response:
        fake = fake_of(request)
        if not fake.authorised(request.headers.get("Authorization", "")):
            return web.json_response({"error": "invalid api key"}, status=401)
        raw = await request.read()
        if request.content_type == "application/x-www-form-urlencoded":
            # Stripe's form-encoded API: a setup-mode session (direct debit).
            return await debit_post(request, raw)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        status, answer = fake.create(body, request.headers.get("Idempotency-Key", ""))
        return web.json_response(answer, status=status)

    async def read(request: web.Request) -> web.Response:
        fake = fake_of(request)
        if not fake.authorised(request.headers.get("Authorization", "")):
            return web.json_response({"error": "invalid api key"}, status=401)
        session = fake.sessions.get(request.match_info["session_id"])
        if session is None:
            setup = fake.debit.sessions.get(request.match_info["session_id"])
            if setup is not None:
                expand = "setup_intent.payment_method" in request.query.getall("expand[]", [])
                return web.json_response(fake.debit.describe_session(setup, expand=expand))
            return web.json_response({"error": "no such session"}, status=404)
        return web.json_response(fake.describe(session))

    async def debit_post(request: web.Request, raw: bytes | None = None) -> web.Response:
        fake = fake_of(request)
        if not fake.authorised(request.headers.get("Authorization", "")):
            return web.json_response({"error": "invalid api key"}, status=401)
        fake.debit.base_url = fake.base_url
        path = request.path.removeprefix("/payments")
        status, body = fake.debit.post(
            path,
            raw if raw is not None else await request.read(),
            request.headers.get("Idempotency-Key", ""),
        )
        return web.json_response(body, status=status)

    async def setup_get(request: web.Request) -> web.Response:
        setup = fake_of(request).debit.sessions.get(request.match_info["session_id"])
        if setup is None:
            return web.Response(text="no such session", status=404)
        return web.Response(text=setup_page(setup), content_type="text/html")

    async def setup_post(request: web.Request) -> web.Response:
        setup = fake_of(request).debit.sessions.get(request.match_info["session_id"])
        if setup is None:
            return web.Response(text="no such session", status=404)
        form = await request.post()
        if not fake_of(request).debit.complete_setup(setup, str(form.get("card", ""))):
            return web.Response(text="choose one of the test cards", status=400)
        raise web.HTTPSeeOther(setup.success_url)

    async def page(request: web.Request) -> web.Response:
        session = fake_of(request).sessions.get(request.match_info["session_id"])
        if session is None:
            return web.Response(text="no such session", status=404)
        return web.Response(text=_page(session), content_type="text/html")

    async def settle(request: web.Request) -> web.Response:
        fake = fake_of(request)
        session = fake.sessions.get(request.match_info["session_id"])
        if session is None:
            return web.Response(text="no such session", status=404)
        paid = request.match_info["outcome"] == "pay"
        method = ""
        if paid:
            form = await request.post()
            method = str(form.get("method") or session.payment_method_types[0])
            if method not in session.payment_method_types:
                return web.Response(text=f"{method!r} is not offered in this session", status=400)
        webhook = fake.settle(session, paid, method)
        if webhook is not None and sandbox.behaviour.webhooks_enabled:
            await _deliver(sandbox, webhook)
        raise web.HTTPSeeOther(session.success_url if paid else session.cancel_url)

    app.router.add_post("/payments/v1/checkout/sessions", create)
    app.router.add_get("/payments/v1/checkout/sessions/{session_id}", read)
    app.router.add_get("/payments/checkout/{session_id}", page)
    app.router.add_post("/payments/v1/customers", debit_post)
    app.router.add_post("/payments/v1/payment_intents", debit_post)
    app.router.add_post("/payments/v1/payment_methods/{method_id}/detach", debit_post)
    app.router.add_get("/payments/setup/{session_id}", setup_get)
    app.router.add_post("/payments/setup/{session_id}", setup_post)

    async def later(request: web.Request) -> web.Response:
        """A voucher: issued (``/voucher``), then paid or expired; an open session expiring."""
        fake = fake_of(request)
        session = fake.sessions.get(request.match_info["session_id"])
        if session is None:
            return web.Response(text="no such session", status=404)
        step = request.match_info["step"]
        if step == "voucher":
            form = await request.post()
            method = str(form.get("method") or "")
            if method not in DELAYED or method not in session.payment_method_types:
                return web.Response(text=f"{method!r} has no voucher in this session", status=400)
            webhook = fake.issue_voucher(session, method)
        elif step == "expire":
            webhook = fake.expire(session)
        else:
            webhook = fake.settle_voucher(session, step == "voucher/paid")
        if webhook is None:
            return web.Response(text=f"the session is {session.status}", status=409)
        if sandbox.behaviour.webhooks_enabled:
            await _deliver(sandbox, webhook)
        if step == "voucher":
            raise web.HTTPSeeOther(session.success_url)  # as Stripe: back once the voucher shows
        raise web.HTTPSeeOther(f"/payments/checkout/{session.id}")

    app.router.add_post("/payments/checkout/{session_id}/{outcome:pay|fail}", settle)
    app.router.add_post(
        "/payments/checkout/{session_id}/{step:voucher|voucher/paid|voucher/expired|expire}", later
    )


async def _deliver(sandbox: Any, webhook: Webhook) -> None:
    """Post once before redirecting (so the return page usually sees it); retry later if not."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
            session.post(webhook.url, data=webhook.body, headers=webhook.headers) as response,
        ):
            await response.read()
            if 200 <= response.status < 300:
                return
    except (aiohttp.ClientError, TimeoutError):
        pass
    sandbox.dispatcher.submit([Planned(1.0, webhook)])
