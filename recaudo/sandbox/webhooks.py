"""Planning status webhooks (delays, out of order, duplicates) and posting them.

The fakes return ``Planned`` items; the ``WebhookDispatcher`` fires each one
after its delay: it moves the message's status in the log, then queues the
webhook for a pool of sender tasks, which retry failures with backoff. A slow
or stopped Recaudo therefore never slows down the send endpoints.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from recaudo.sandbox.config import Behaviour
from recaudo.sandbox.store import MessageLog

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Webhook:
    url: str
    body: bytes
    headers: dict[str, str]
    label: str = ""


@dataclass(slots=True)
class Planned:
    delay: float
    webhook: Webhook | None
    message_id: str = ""  # the message whose status moves when this fires
    status: str = ""
    error_code: str = ""
    duplicate: bool = False


@dataclass(slots=True)
class Step:
    """One status of a message, and how to build its webhook at a given wall time."""

    message_id: str
    status: str
    build: Callable[[float], Webhook | None]
    error_code: str = ""


def plan_steps(rng: random.Random, behaviour: Behaviour, steps: list[Step]) -> list[Planned]:
    """Spread ``steps`` over small random delays; maybe swap the first two, maybe repeat some."""
    delays: list[float] = []
    elapsed = 0.0
    for _ in steps:
        elapsed += rng.uniform(behaviour.min_delay_seconds, behaviour.max_delay_seconds)
        delays.append(elapsed)
    if len(delays) >= 2 and rng.random() < behaviour.out_of_order_probability:
        delays[0], delays[1] = delays[1], delays[0]
    now = time.time()
    planned: list[Planned] = []
    for step, delay in zip(steps, delays, strict=True):
        webhook = step.build(now + delay) if behaviour.webhooks_enabled else None
        planned.append(Planned(delay, webhook, step.message_id, step.status, step.error_code))
        if webhook is not None and rng.random() < behaviour.duplicate_probability:
            again = delay + rng.uniform(0.0, behaviour.max_delay_seconds)
            planned.append(Planned(again, webhook, duplicate=True))
    return planned


@dataclass
class DispatcherStats:
    delivered: int = 0
    failed: int = 0
    retried: int = 0
    dropped: int = 0
    recent: deque = field(default_factory=lambda: deque(maxlen=200))


class WebhookDispatcher:
    def __init__(
        self,
        log: MessageLog,
        behaviour: Behaviour,
        senders: int = 16,
        max_pending: int = 100_000,
        timeout_seconds: float = 10.0,
    ) -> None:
        self.log = log
        self.behaviour = behaviour
        self.senders = senders
        self.max_pending = max_pending
        self.timeout_seconds = timeout_seconds
        self.stats = DispatcherStats()
        self.queue: asyncio.Queue[tuple[Webhook, int]] | None = None
        self.session: aiohttp.ClientSession | None = None
        self.tasks: list[asyncio.Task] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        self.scheduled = 0  # fired or pending timers not yet handed to a sender

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue = asyncio.Queue()
        self.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.timeout_seconds),
            connector=aiohttp.TCPConnector(limit=self.senders * 2),
        )
        self.tasks = [asyncio.create_task(self._sender()) for _ in range(self.senders)]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks = []
        if self.session is not None:
            await self.session.close()
            self.session = None

    def submit(self, planned: list[Planned]) -> None:
        assert self.loop is not None, "start() the dispatcher first"
        for item in planned:
            self.scheduled += 1
            self.loop.call_later(item.delay, self._fire, item)

    @property
    def pending(self) -> int:
        """Webhooks not yet delivered or given up (timers, queue, in flight)."""
        queued = self.queue.qsize() if self.queue is not None else 0
        return self.scheduled + queued + self._in_flight

    _in_flight = 0

    def _fire(self, item: Planned) -> None:
        self.scheduled -= 1
        if item.message_id and item.status:
            self.log.set_status(item.message_id, item.status, item.error_code)
        if item.webhook is not None:
            self._enqueue(item.webhook, 1)

    def _enqueue(self, webhook: Webhook, attempt: int) -> None:
        assert self.queue is not None
        if self.queue.qsize() >= self.max_pending:
            self.stats.dropped += 1
            return
        self.queue.put_nowait((webhook, attempt))

    def _retry_later(self, webhook: Webhook, attempt: int) -> None:
        self.scheduled -= 1
        self._enqueue(webhook, attempt)

    async def _sender(self) -> None:
        assert self.queue is not None
        while True:
            webhook, attempt = await self.queue.get()
            self._in_flight += 1
            try:
                await self._post(webhook, attempt)
            finally:
                self._in_flight -= 1
                self.queue.task_done()

    async def _post(self, webhook: Webhook, attempt: int) -> None:
        assert self.session is not None and self.loop is not None
        outcome: str
        try:
            async with self.session.post(
                webhook.url, data=webhook.body, headers=webhook.headers
            ) as response:
                await response.read()
                outcome = str(response.status)
                succeeded = 200 <= response.status < 300
        except (aiohttp.ClientError, TimeoutError) as error:
            outcome = type(error).__name__
            succeeded = False
        self.stats.recent.append(
            {"url": webhook.url, "label": webhook.label, "attempt": attempt, "outcome": outcome}
        )
        if succeeded:
            self.stats.delivered += 1
        elif attempt < self.behaviour.webhook_max_attempts:
            self.stats.retried += 1
            self.scheduled += 1
            backoff = min(30.0, 0.5 * 2 ** (attempt - 1))
            self.loop.call_later(backoff, self._retry_later, webhook, attempt + 1)
        else:
            self.stats.failed += 1
            logger.warning("webhook %s to %s gave up: %s", webhook.label, webhook.url, outcome)


@dataclass(slots=True)
class Reply:
    """A fake endpoint's answer, and the webhooks it sets off."""

    status: int
    body: dict
    planned: list[Planned] = field(default_factory=list)
