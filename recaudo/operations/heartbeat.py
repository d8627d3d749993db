"""The worker's heartbeat: one row per running worker, upserted at most every few seconds."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable

from django.db import DatabaseError
from django.utils import timezone

from recaudo.operations.models import WorkerHeartbeat

log = logging.getLogger(__name__)

# Seconds between two writes of one worker's heartbeat; READY_WORKER_STALE_SECONDS
# must leave room for several of them.
INTERVAL_SECONDS = 10.0


class Heartbeat:
    """Beats for one worker process; ``beat`` is cheap to call on every loop."""

    def __init__(
        self,
        name: str | None,
        *,
        lanes: int,
        interval: float = INTERVAL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        # The dispatcher's claims use the same default name (host:pid).
        self.name = (name or f"{socket.gethostname()}:{os.getpid()}")[:100]
        self.lanes = lanes
        self.interval = interval
        self.monotonic = monotonic
        self.started_at = timezone.now()
        self._last: float | None = None

    def beat(self) -> bool:
        """Write the heartbeat if the last one is ``interval`` old; True when written.

        A database error is logged, not raised: the heartbeat never stops the
        sending (the next loop tries again, and /readyz sees the gap).
        """
        now = self.monotonic()
        if self._last is not None and now - self._last < self.interval:
            return False
        try:
            WorkerHeartbeat.objects.bulk_create(
                [
                    WorkerHeartbeat(
                        name=self.name,
                        host=socket.gethostname()[:255],
                        pid=os.getpid(),
                        lanes=self.lanes,
                        started_at=self.started_at,
                        seen_at=timezone.now(),
                    )
                ],
                update_conflicts=True,
                unique_fields=["name"],
                update_fields=["host", "pid", "lanes", "started_at", "seen_at"],
            )
        except DatabaseError:
            log.warning("worker %s: could not write its heartbeat", self.name, exc_info=True)
            return False
        self._last = now
        return True

    def remove(self) -> None:
        """The worker stopped cleanly: it is no longer counted as alive."""
        try:
            WorkerHeartbeat.objects.filter(name=self.name).delete()
        except DatabaseError:
            log.warning("worker %s: could not remove its heartbeat", self.name, exc_info=True)


def freshest_seen_at() -> float | None:
    """Seconds since the freshest heartbeat of any worker, or None when there is none."""
    seen = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    if seen is None:
        return None
    return (timezone.now() - seen).total_seconds()
