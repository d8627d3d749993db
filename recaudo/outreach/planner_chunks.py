"""The planner's chunks of candidate debtors, loaded one after the other or read ahead.

Read ahead, a second database connection in a thread finds the candidates and
loads chunk N+1 while the planner decides and writes chunk N: PostgreSQL's
work on the reads then runs on the other core beside the planner's Python,
instead of after it (docs/benchmarks.md, "Reading ahead"). One chunk waits at
most, so memory stays bounded by the chunk size.

The second connection sees only what is committed, so reading ahead is used
only when the planner owns its transaction: on PostgreSQL, called outside any
atomic block. What the planner writes during the run cannot be missed by it:
a chunk's reads concern that chunk's debtors only, and their rows are written
after their chunk is read. Another planner of the same creditor waits on the
creditor's lock before its reader starts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from queue import Empty, Full, Queue
from typing import Any

from django.db import connection, transaction

from recaudo.outreach.planner_load import Entering, Loaded, candidate_ranges, load_chunk

_END = object()
_POLL_SECONDS = 0.1


def chunks(
    creditor_id: int,
    due_dates: Sequence[date],
    size: int,
    entering: Entering,
    since: datetime,
    planned_since: date,
    *,
    read_ahead: bool,
    timings: dict[str, float],
) -> Iterator[Loaded]:
    """Each chunk of the day's candidate debtors with everything its decisions need.

    ``timings["load"]`` counts the seconds the planner waited for them.
    """

    def load_all() -> Iterator[Loaded]:
        ranges = candidate_ranges(creditor_id, due_dates, size, entering)
        for first, last in ranges:
            yield load_chunk(due_dates, since, first, last, entering, planned_since)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE plan_debtors")

    source = _read_ahead(load_all) if read_ahead else load_all()
    while True:
        clock = time.perf_counter()
        data = next(source, None)
        timings["load"] += time.perf_counter() - clock
        if data is None:
            return
        yield data


def read_ahead_possible() -> bool:
    """Whether a second connection would see everything the planner's would."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _read_ahead(load_all: Callable[[], Iterator[Loaded]]) -> Iterator[Loaded]:
    """``load_all()``'s chunks, produced one ahead by a thread with its own connection."""
    ready: Queue[Any] = Queue(maxsize=1)
    stop = threading.Event()

    def hand_over(item: Any) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=_POLL_SECONDS)
                return True
            except Full:
                continue
        return False

    def work() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL work_mem = '64MB'")
                    cursor.execute("SET LOCAL jit = off")
                for data in load_all():
                    if not hand_over(data):
                        return
            hand_over(_END)
        except BaseException as error:  # handed to the planner's thread, raised there
            hand_over(error)
        finally:
            connection.close()

    thread = threading.Thread(target=work, name="planner-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            try:
                item = ready.get(timeout=_POLL_SECONDS)
            except Empty:
                if not thread.is_alive() and ready.empty():
                    raise RuntimeError("the planner's reader stopped without a word") from None
                continue
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
