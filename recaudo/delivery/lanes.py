"""Lanes: several dispatch loops in one worker process.

A batch spends part of its time waiting: on PostgreSQL while its facts load
and its outcomes are written, on the providers while its messages are in
flight. One loop leaves the process idle meanwhile. Lanes are threads, each
with its own ``Dispatcher`` (its own database connection, claim name and
sending threads), so while one lane waits another prepares or sends: on a
2-core machine two lanes keep one worker busy.

To the database a lane is just another worker: claims with ``FOR UPDATE SKIP
LOCKED`` under the lane's own name (``host:pid/2``), its own leases, its
own ``FOR SHARE`` locks on the batch's debtors until the batch's outcomes
are written. Everything the reliability tests prove for several worker
processes holds for lanes. SQLite has one writer and no ``SKIP LOCKED``:
there a worker always runs one lane.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

from recaudo.delivery.dispatcher import Dispatcher, worker_name
from recaudo.logs import log_context

log = logging.getLogger(__name__)


def lane_count(requested: int | None = None) -> int:
    """How many lanes to run: the request or ``DISPATCH_LANES``; one on SQLite."""
    lanes = requested or settings.DISPATCH_LANES
    if connection.vendor != "postgresql":
        return 1
    return max(1, lanes)


def run_lanes(
    *,
    clock: Callable[[], datetime],
    stop: threading.Event,
    lanes: int | None = None,
    until_idle: bool = False,
    once: bool = False,
    idle_sleep: float = 1.0,
    batch_size: int | None = None,
    name: str | None = None,
    between_batches: Callable[[], None] | None = None,
    dispatcher_options: dict[str, Any] | None = None,
) -> Counter[str]:
    """Run dispatch loops until ``stop`` is set (or nothing is due, with ``until_idle``).

    ``between_batches`` runs on the first lane before each of its batches (the
    worker's daily planning). ``once``: one batch on one lane. Returns the
    outcome counts of every lane. An error in one lane stops the others and is
    raised here.
    """
    count = 1 if once else lane_count(lanes)
    base = name or worker_name()
    totals: Counter[str] = Counter()
    totals_lock = threading.Lock()
    errors: list[BaseException] = []

    def lane(index: int) -> None:
        dispatcher = None
        try:
            dispatcher = Dispatcher(
                name=base if count == 1 else f"{base}/{index + 1}",
                batch_size=batch_size,
                **(dispatcher_options or {}),
            )
            while not stop.is_set():
                close_old_connections()
                # Every log line of this batch (and of the planning before it) names
                # the lane and the batch (docs/operations.md, "Metrics and logs").
                with log_context(worker=dispatcher.name, batch_id=uuid.uuid4().hex[:16]):
                    if index == 0 and between_batches is not None:
                        between_batches()
                    result = dispatcher.run_once(clock())
                with totals_lock:
                    totals.update(result.counts)
                if once:
                    break
                if result.claimed == 0:
                    if until_idle:
                        break
                    stop.wait(idle_sleep)
        except BaseException as error:
            log.exception("dispatch lane %s stopped on an error", index + 1)
            errors.append(error)
            stop.set()
        finally:
            try:
                if dispatcher is not None:
                    dispatcher.close()
            finally:
                if count > 1:
                    connection.close()  # this thread's own connection

    if count == 1:
        lane(0)
    else:
        threads = [
            threading.Thread(target=lane, args=(index,), name=f"lane-{index + 1}", daemon=True)
            for index in range(count)
        ]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                # Short joins keep the main thread free to take SIGTERM/SIGINT.
                while thread.is_alive():
                    thread.join(timeout=0.5)
        finally:
            # Interrupted here (Ctrl-C without the worker's handlers): the
            # lanes finish their batch in hand rather than die with the process.
            stop.set()
            for thread in threads:
                thread.join()
    if errors:
        raise errors[0]
    return totals
