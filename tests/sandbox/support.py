"""A local webhook receiver and helpers for the sandbox's HTTP tests (127.0.0.1 only)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web


@dataclass
class Received:
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


class Receiver:
    """Plays Recaudo: records every webhook; answers ``status`` (200 unless told)."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.status = 200
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        received = Received(
            request.path, request.query_string, dict(request.headers), await request.read()
        )
        with self.lock:
            self.requests.append(received)
            status = self.status
        return web.Response(status=status, text="ok")

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"

    def start(self) -> Receiver:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def stop(self) -> None:
        assert self.runner is not None
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def wait_for(
        self, count: int, where: Callable[[Received], bool] = lambda _: True, timeout: float = 5
    ) -> list[Received]:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                found = [request for request in self.requests if where(request)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.01)


def hub_signature_is_valid(secret: str, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def twilio_signature_is_valid(token: str, url: str, params: dict[str, str], header: str) -> bool:
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), header)


def goog_signature_is_valid(token: str, data: bytes, header: str) -> bool:
    digest = hmac.new(token.encode(), data, hashlib.sha512).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), header)


def whatsapp_statuses(received: list[Received]) -> list[dict[str, Any]]:
    statuses = []
    for request in received:
        value = request.json()["entry"][0]["changes"][0]["value"]
        statuses.extend(value.get("statuses", []))
    return statuses
