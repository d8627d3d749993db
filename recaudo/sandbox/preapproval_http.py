"""Mercado Pago's subscriptions fake over HTTP: its routes under /mercadopago, the debtor's
checkout page and the engine's timer (the fake itself: recaudo/sandbox/preapproval.py)."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
from datetime import UTC, date, datetime
from typing import Any

from aiohttp import web

from recaudo.sandbox.payments import _deliver
from recaudo.sandbox.preapproval import (
    ENGINE_KEY,
    ENGINE_SECONDS,
    HOLDERS,
    PREAPPROVAL_KEY,
    Account,
    Preapproval,
    PreapprovalFake,
)
from recaudo.sandbox.webhooks import Webhook


def _page(preapproval: Preapproval) -> str:
    amount = html.escape(f"{preapproval.amount} {preapproval.currency}")
    if preapproval.status != "pending":
        action = f'<p id="status">Esta suscripción ya está: {html.escape(preapproval.status)}.</p>'
    else:
        choices = "".join(
            f'<label><input type="radio" name="holder" value="{name}" id="mp-holder-{name}"'
            f"{' checked' if name == 'APRO' else ''}> {name} ({html.escape(detail)})</label><br>"
            for name, (_status, detail) in HOLDERS.items()
        )
        action = (
            '<form method="post">'
            f'<input type="hidden" name="preapproval_id" value="{preapproval.id}">'
            "<fieldset><legend>Tarjeta de prueba Mastercard •••• 0604, titular:</legend>"
            f"{choices}</fieldset>"
            '<button id="mp-authorize" type="submit">Suscribirme</button></form>'
        )
    return (
        '<!doctype html><html lang="es"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Sandbox: Mercado Pago suscripción</title></head>"
        '<body style="font:17px system-ui;max-width:30rem;margin:1rem auto;padding:0 1rem">'
        "<h1>Mercado Pago (prueba)</h1>"
        f"<p>{html.escape(preapproval.reason)}</p>"
        f'<p id="amount"><strong>{amount}</strong> cada {preapproval.frequency} '
        f"{html.escape(preapproval.frequency_type)}</p>"
        f"<p>{html.escape(preapproval.payer_email)}</p>{action}</body></html>"
    )


def register(app: web.Application, sandbox: Any, base_url: str = "") -> None:
    """Add Mercado Pago's subscription routes to the sandbox app, under /mercadopago."""
    notification_url = f"{sandbox.behaviour.webhook_base_url}/webhooks/payments/mercadopago"
    app[PREAPPROVAL_KEY] = PreapprovalFake.from_django_settings(
        f"{base_url}/mercadopago" if base_url else "", notification_url
    )

    def fake_of(request: web.Request) -> PreapprovalFake:
        found = request.app[PREAPPROVAL_KEY]
        if not found.base_url:  # served on a port chosen at start: learn it from the request
            found.base_url = f"{request.scheme}://{request.host}/mercadopago"
        return found

    async def send(webhooks: list[Webhook]) -> None:
        if not sandbox.behaviour.webhooks_enabled:
            return
        for webhook in webhooks:
            await _deliver(sandbox, webhook)

    async def body_of(request: web.Request) -> Any:
        try:
            return json.loads(await request.read() or b"null")
        except ValueError:
            return None

    def refused(request: web.Request) -> web.Response | None:
        if fake_of(request).authorised(request.headers.get("Authorization", "")):
            return None
        return web.json_response(
            {"message": "invalid access token", "error": "unauthorized", "status": 401},
            status=401,
        )

    def account(request: web.Request) -> Account | None:
        return fake_of(request).account_of(request.headers.get("Authorization", ""))

    async def create(request: web.Request) -> web.Response:
        if (answer := refused(request)) is not None:
            return answer
        status, body = fake_of(request).create(await body_of(request), account(request))
        return web.json_response(body, status=status)

    async def preapproval(request: web.Request) -> web.Response:
        if (answer := refused(request)) is not None:
            return answer
        fake = fake_of(request)
        preapproval_id = request.match_info["preapproval_id"]
        found = fake.owned(preapproval_id, account(request))
        if request.method == "PUT" and found is not None:
            status, body = fake.update(preapproval_id, await body_of(request))
            return web.json_response(body, status=status)
        if found is None:
            return web.json_response(
                {"message": "preapproval not found", "status": 404}, status=404
            )
        return web.json_response(fake.describe(found))

    async def authorized_payment(request: web.Request) -> web.Response:
        if (answer := refused(request)) is not None:
            return answer
        fake = fake_of(request)
        charge = fake.charges.get(request.match_info["charge_id"])
        if charge is None or fake.owned(charge.preapproval_id, account(request)) is None:
            return web.json_response({"message": "not found", "status": 404}, status=404)
        return web.json_response(fake.describe_charge(charge))

    async def search(request: web.Request) -> web.Response:
        if (answer := refused(request)) is not None:
            return answer
        status, body = fake_of(request).search(request.query, account(request))
        return web.json_response(body, status=status)

    async def payment(request: web.Request) -> web.Response:
        if (answer := refused(request)) is not None:
            return answer
        fake = fake_of(request)
        found = fake.payments.get(request.match_info["payment_id"])
        if found is not None and (
            fake.owned(found["metadata"]["preapproval_id"], account(request)) is None
        ):
            found = None  # another account's payment
        if found is None:
            return web.json_response({"message": "Payment not found", "status": 404}, status=404)
        return web.json_response(found)

    async def checkout(request: web.Request) -> web.Response:
        fake = fake_of(request)
        if request.method == "POST":
            form = await request.post()
            found = fake.preapprovals.get(str(form.get("preapproval_id", "")))
        else:
            found = fake.preapprovals.get(request.query.get("preapproval_id", ""))
        if found is None:
            return web.Response(text="no such subscription", status=404)
        if request.method == "GET":
            return web.Response(text=_page(found), content_type="text/html")
        holder = str(form.get("holder", ""))
        if holder not in HOLDERS:
            return web.Response(text="choose one of the test card holders", status=400)
        await send(fake.authorise(found, holder, datetime.now(UTC)))
        raise web.HTTPSeeOther(found.back_url)

    async def advance(request: web.Request) -> web.Response:
        body = await body_of(request)
        try:
            until = date.fromisoformat(str((body or {}).get("until", "")))
        except ValueError:
            return web.json_response({"error": "until must be YYYY-MM-DD"}, status=400)
        webhooks = fake_of(request).advance(until)
        await send(webhooks)
        return web.json_response({"notifications": [w.label for w in webhooks]})

    async def add_account(request: web.Request) -> web.Response:
        body = await body_of(request)
        names = ("access_token", "webhook_secret", "notification_url")
        if not isinstance(body, dict) or not all(
            isinstance(body.get(name), str) and body[name].strip() for name in names
        ):
            return web.json_response({"error": f"{', '.join(names)} are required"}, status=400)
        fake_of(request).add_account(*(body[name].strip() for name in names))
        return web.json_response({"accounts": len(fake_of(request).accounts)}, status=201)

    async def run_engine() -> None:
        while True:
            await asyncio.sleep(ENGINE_SECONDS)
            await send(app[PREAPPROVAL_KEY].advance(datetime.now(UTC).date()))

    async def start_engine(app: web.Application) -> None:
        # Mercado Pago charges by itself; without webhooks nobody would hear of it,
        # so the tests that hand notifications over themselves drive ``advance``.
        if sandbox.behaviour.webhooks_enabled:
            app[ENGINE_KEY] = asyncio.create_task(run_engine())

    async def stop_engine(app: web.Application) -> None:
        task = app.get(ENGINE_KEY)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.on_startup.append(start_engine)
    app.on_cleanup.append(stop_engine)
    app.router.add_post("/mercadopago/preapproval", create)
    app.router.add_get("/mercadopago/preapproval/{preapproval_id}", preapproval)
    app.router.add_put("/mercadopago/preapproval/{preapproval_id}", preapproval)
    app.router.add_get("/mercadopago/authorized_payments/search", search)
    app.router.add_get("/mercadopago/authorized_payments/{charge_id}", authorized_payment)
    app.router.add_get("/mercadopago/v1/payments/{payment_id}", payment)
    app.router.add_get("/mercadopago/subscriptions/checkout", checkout)
    app.router.add_post("/mercadopago/subscriptions/checkout", checkout)
    app.router.add_post("/mercadopago/_sandbox/advance", advance)
    app.router.add_post("/mercadopago/_sandbox/accounts", add_account)
