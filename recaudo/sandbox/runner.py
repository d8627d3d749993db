"""Start the sandbox: the aiohttp app and the SMTP server on one event loop.

``serve`` is what ``recaudo sandbox`` runs; ``BackgroundSandbox`` runs the
same thing in a thread with its own loop, for tests and scripts.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from aiosmtpd.smtp import SMTP

from recaudo.sandbox.app import build_app
from recaudo.sandbox.state import Sandbox, SmtpHandler

T = TypeVar("T")


@dataclass
class Running:
    host: str
    http_port: int
    smtp_port: int | None
    runner: web.AppRunner
    smtp_server: asyncio.Server | None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    async def close(self) -> None:
        if self.smtp_server is not None:
            self.smtp_server.close()
            await self.smtp_server.wait_closed()
        await self.runner.cleanup()


async def start(
    sandbox: Sandbox, host: str = "127.0.0.1", port: int = 8025, smtp_port: int | None = 1025
) -> Running:
    """Bind both servers (port 0 picks a free one) and start the webhook senders."""
    runner = web.AppRunner(build_app(sandbox), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=2048, reuse_address=True)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    http_port = runner.addresses[0][1]
    smtp_server = None
    bound_smtp_port = None
    if smtp_port is not None:
        loop = asyncio.get_running_loop()
        handler = SmtpHandler(sandbox)
        try:
            smtp_server = await loop.create_server(
                lambda: SMTP(handler, hostname="sandbox.recaudo", enable_SMTPUTF8=True, loop=loop),
                host,
                smtp_port,
                reuse_address=True,
            )
        except OSError:
            await runner.cleanup()
            raise
        bound_smtp_port = smtp_server.sockets[0].getsockname()[1]
    return Running(host, http_port, bound_smtp_port, runner, smtp_server)


class BackgroundSandbox:
    """The sandbox on a thread of its own: ``with BackgroundSandbox(sandbox) as running:``."""

    def __init__(
        self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0, smtp_port: int | None = 0
    ) -> None:
        self.sandbox = sandbox
        self.host, self.port, self.smtp_port = host, port, smtp_port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.running: Running | None = None

    def __enter__(self) -> Running:
        self.thread.start()
        try:
            self.running = self.run(start(self.sandbox, self.host, self.port, self.smtp_port))
        except BaseException:
            self.__exit__()
            raise
        return self.running

    def __exit__(self, *exc_info: object) -> None:
        if self.running is not None:
            self.run(self.running.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call(self, function: Callable[[], T], timeout: float = 10) -> T:
        """Run ``function`` on the sandbox's loop (its state is not thread-safe)."""

        async def call() -> T:
            return function()

        return self.run(call(), timeout)
