"""The sandbox's HTTP face (aiohttp): the three provider APIs and /_sandbox/ control.

Handlers only parse the request, call the fake, hand its planned webhooks to
the dispatcher and answer; they never wait on a webhook or touch a database.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
from typing import Any

import aiohttp
from aiohttp import web

from recaudo.sandbox.payments import register as register_payments
from recaudo.sandbox.preapproval_http import register as register_preapproval
from recaudo.sandbox.state import InboundError, Sandbox
from recaudo.sandbox.webhooks import Reply
from recaudo.sandbox.wompi import register as register_wompi

SANDBOX_KEY = web.AppKey("sandbox", Sandbox)


def sandbox_of(request: web.Request) -> Sandbox:
    return request.app[SANDBOX_KEY]


def answer(request: web.Request, reply: Reply) -> web.Response:
    if reply.planned:
        sandbox_of(request).dispatcher.submit(reply.planned)
    return web.json_response(reply.body, status=reply.status)


async def read_json(request: web.Request) -> Any:
    """The JSON body, or None when it is missing or not JSON."""
    raw = await request.read()
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None


# -- providers ------------------------------------------------------------------------


def injected_error(request: web.Request) -> web.Response | None:
    """A 500 for ``error_probability`` of sends, before anything is stored."""
    sandbox = sandbox_of(request)
    if sandbox.behaviour.error_probability and (
        sandbox.rng.random() < sandbox.behaviour.error_probability
    ):
        return web.json_response(
            {"error": {"message": "An unknown error occurred", "type": "OAuthException",
                       "code": 1, "is_transient": True}},
            status=500,
        )  # fmt: skip
    return None


async def maybe_slow(request: web.Request) -> None:
    """Answer late for ``slow_probability`` of sends (after the message is stored)."""
    behaviour = sandbox_of(request).behaviour
    if behaviour.slow_probability and sandbox_of(request).rng.random() < behaviour.slow_probability:
        await asyncio.sleep(behaviour.slow_seconds)


async def whatsapp_send(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    if (failure := injected_error(request)) is not None:
        return failure
    body = await read_json(request)
    reply = sandbox.whatsapp.send(
        request.match_info["phone_number_id"],
        request.headers.get("Authorization", ""),
        body,
        time.monotonic(),
        time.time(),
    )
    response = answer(request, reply)
    await maybe_slow(request)
    return response


async def whatsapp_media(request: web.Request) -> web.Response:
    """Meta's media API: ``GET /{version}/{media-id}`` gives the file's URL."""
    origin = f"{request.scheme}://{request.host}"
    reply = sandbox_of(request).whatsapp.media_info(
        request.match_info["media_id"], request.headers.get("Authorization", ""), origin
    )
    return answer(request, reply)


async def whatsapp_media_file(request: web.Request) -> web.Response:
    found = sandbox_of(request).whatsapp.media_file(
        request.match_info["media_id"], request.headers.get("Authorization", "")
    )
    if found is None:
        return web.json_response({"error": {"message": "not found", "code": 100}}, status=404)
    content, mime_type = found
    return web.Response(body=content, content_type=mime_type)


async def twilio_media(request: web.Request) -> web.Response:
    found = sandbox_of(request).twilio.media_file(
        request.match_info["account_sid"],
        request.match_info["media_sid"],
        request.headers.get("Authorization", ""),
    )
    if found is None:
        return web.json_response({"code": 20404, "message": "not found", "status": 404}, status=404)
    content, mime_type = found
    return web.Response(body=content, content_type=mime_type)


async def twilio_send(request: web.Request) -> web.Response:
    if (failure := injected_error(request)) is not None:
        return failure
    form = await request.post()
    fields = {name: str(form.get(name, "")) for name in form}
    reply = sandbox_of(request).twilio.send(
        request.match_info["account_sid"], request.headers.get("Authorization", ""), fields
    )
    return answer(request, reply)


async def twilio_list(request: web.Request) -> web.Response:
    reply = sandbox_of(request).twilio.list_messages(
        request.match_info["account_sid"],
        request.headers.get("Authorization", ""),
        dict(request.query),
    )
    return answer(request, reply)


async def rbm_send(request: web.Request) -> web.Response:
    body = await read_json(request)
    reply = sandbox_of(request).rbm.send(
        request.match_info["phone"],
        request.headers.get("Authorization", ""),
        dict(request.query),
        body,
        time.time(),
    )
    return answer(request, reply)


# -- control --------------------------------------------------------------------------


def bad_request(message: str | list[str]) -> web.Response:
    errors = [message] if isinstance(message, str) else message
    return web.json_response({"errors": errors}, status=400)


async def health(request: web.Request) -> web.Response:
    return web.json_response(sandbox_of(request).summary())


async def messages(request: web.Request) -> web.Response:
    address = request.query.get("address", "").strip()
    if not address:
        return bad_request("give ?address= (a phone in E.164 or an email)")
    channel = request.query.get("channel", "")
    records = sandbox_of(request).log.for_address(address, channel)
    return web.json_response(
        {"address": address, "messages": [record.as_dict() for record in records]}
    )


async def reset(request: web.Request) -> web.Response:
    sandbox_of(request).reset()
    return web.json_response({"ok": True})


async def templates(request: web.Request) -> web.Response:
    catalog = sandbox_of(request).catalog
    if request.method == "POST":
        body = await read_json(request)
        if not isinstance(body, dict):
            return bad_request("send a JSON object {name, language, parameter_count}")
        name, language = body.get("name"), body.get("language")
        count = body.get("parameter_count", 0)
        if not isinstance(name, str) or not name or not isinstance(language, str) or not language:
            return bad_request("'name' and 'language' are required strings")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            return bad_request("'parameter_count' must be a whole number, 0 or more")
        header, buttons = body.get("header", ""), body.get("buttons")
        if header not in ("", "document", "image", "video"):
            return bad_request("'header' must be '', 'document', 'image' or 'video'")
        if buttons is not None and (
            not isinstance(buttons, list) or any(b not in ("url", "quick_reply") for b in buttons)
        ):
            return bad_request("'buttons' must be a list of 'url' and 'quick_reply'")
        catalog.register(
            name,
            language,
            count,
            header=header,
            buttons=None if buttons is None else tuple(buttons),
        )
    return web.json_response({"templates": catalog.as_list()})


async def config(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    if request.method == "POST":
        body = await read_json(request)
        if not isinstance(body, dict):
            return bad_request("send a JSON object of settings to change")
        errors = sandbox.configure(body)
        if errors:
            return bad_request(errors)
    return web.json_response(sandbox.behaviour.as_dict())


async def inbound(request: web.Request) -> web.Response:
    body = await read_json(request)
    if not isinstance(body, dict):
        return bad_request("send a JSON object {channel, from, text}")
    media = None
    if body.get("media"):
        try:
            media = (base64.b64decode(str(body["media"]), validate=True), str(body["media_type"]))
        except (KeyError, ValueError):
            return bad_request("'media' must be base64 with its 'media_type'")
    choice = None
    if body.get("choice"):
        tapped = body["choice"]
        if not isinstance(tapped, dict) or not tapped.get("id") or not tapped.get("kind"):
            return bad_request("'choice' must be {kind, id} (the tapped title is 'text')")
        choice = (str(tapped["kind"]), str(tapped["id"]))
    try:
        record = sandbox_of(request).inbound(
            str(body.get("channel", "")),
            str(body.get("from", "")),
            str(body.get("text", "")),
            str(body.get("name", "")),
            media=media,
            origin=f"{request.scheme}://{request.host}",
            choice=choice,
        )
    except InboundError as error:
        return bad_request(str(error))
    return web.json_response({"ok": True, "message": record.as_dict()}, status=201)


async def webhooks(request: web.Request) -> web.Response:
    stats = sandbox_of(request).dispatcher.stats
    return web.json_response({"recent": list(stats.recent)})


async def verify_whatsapp_webhook(request: web.Request) -> web.Response:
    """Meta's GET check of the callback URL: Recaudo must echo hub.challenge."""
    sandbox = sandbox_of(request)
    url = f"{sandbox.behaviour.webhook_base_url}/webhooks/whatsapp"
    challenge = secrets.token_hex(8)
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": sandbox.credentials.whatsapp_verify_token,
        "hub.challenge": challenge,
    }
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
            session.get(url, params=params) as response,
        ):
            text = await response.text()
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as error:
        return web.json_response({"ok": False, "url": url, "error": type(error).__name__})
    ok = status == 200 and text == challenge
    return web.json_response({"ok": ok, "url": url, "status": status, "body": text[:200]})


def build_app(sandbox: Sandbox) -> web.Application:
    app = web.Application(client_max_size=5 * 1024 * 1024)
    app[SANDBOX_KEY] = sandbox
    app.router.add_post("/whatsapp/{version}/{phone_number_id}/messages", whatsapp_send)
    app.router.add_get("/whatsapp/_media/{media_id}", whatsapp_media_file)
    app.router.add_get("/whatsapp/{version}/{media_id}", whatsapp_media)
    app.router.add_post("/twilio/2010-04-01/Accounts/{account_sid}/Messages.json", twilio_send)
    app.router.add_get("/twilio/2010-04-01/Accounts/{account_sid}/Messages.json", twilio_list)
    app.router.add_get(
        "/twilio/2010-04-01/Accounts/{account_sid}/Messages/{message_sid}/Media/{media_sid}",
        twilio_media,
    )
    app.router.add_post("/rbm/v1/phones/{phone}/agentMessages", rbm_send)
    app.router.add_get("/_sandbox/health", health)
    app.router.add_get("/_sandbox/messages", messages)
    app.router.add_post("/_sandbox/reset", reset)
    app.router.add_get("/_sandbox/whatsapp/templates", templates)
    app.router.add_post("/_sandbox/whatsapp/templates", templates)
    app.router.add_post("/_sandbox/whatsapp/verify-webhook", verify_whatsapp_webhook)
    app.router.add_get("/_sandbox/config", config)
    app.router.add_post("/_sandbox/config", config)
    app.router.add_post("/_sandbox/inbound", inbound)
    app.router.add_get("/_sandbox/webhooks", webhooks)
    register_payments(app, sandbox)
    register_preapproval(app, sandbox)
    register_wompi(app, sandbox)

    async def start_dispatcher(app: web.Application) -> None:
        await sandbox.dispatcher.start()

    async def stop_dispatcher(app: web.Application) -> None:
        await sandbox.dispatcher.stop()

    app.on_startup.append(start_dispatcher)
    app.on_cleanup.append(stop_dispatcher)
    return app
