"""A provider's rate limit, shared by every worker.

A token bucket per provider sender (e.g. one WhatsApp business number)
refills at ``rate`` tokens a second up to ``rate`` (one second of burst).
On PostgreSQL the bucket is a row (``RateBucket``) updated under a row
lock on a connection of its own, so it never joins the worker's long
transaction and the limit holds across workers and machines. On SQLite,
which serves one worker, the bucket lives in the process.

Tokens are taken a few at a time (``chunk``) to keep the lock traffic low;
a worker that stops keeps at most one chunk unused, which only makes the
limit stricter.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection


class RateLimiter:
    def __init__(
        self,
        key: str,
        rate: float,
        *,
        chunk: int | None = None,
        shared: bool | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.key = key
        self.rate = float(rate)
        self.chunk = chunk or max(1, int(rate // 20))
        self.shared = connection.vendor == "postgresql" if shared is None else shared
        self._sleep = sleep
        self._lock = threading.Lock()
        self._local_tokens = 0
        # In-process bucket (SQLite).
        self._tokens = self.rate
        self._updated = time.monotonic()
        self._connection: Any = None  # the backend's own DB-API connection

    def acquire(self) -> None:
        """Block until one token is available, then take it."""
        with self._lock:
            while self._local_tokens == 0:
                wait = self._take(self.chunk)
                if wait > 0:
                    self._sleep(wait)
            self._local_tokens -= 1

    def _take(self, count: int) -> float:
        """Move ``count`` tokens to this process; return seconds to wait if short."""
        if self.shared:
            return self._take_shared(count)
        now = time.monotonic()
        self._tokens = min(self.rate, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens >= count:
            self._tokens -= count
            self._local_tokens += count
            return 0.0
        return (count - self._tokens) / self.rate

    def _take_shared(self, count: int) -> float:
        conn = self._conn()
        with conn.cursor() as cursor:
            cursor.execute(
                "INSERT INTO outreach_ratebucket (key, tokens, updated_at) "
                "VALUES (%s, %s, clock_timestamp()) ON CONFLICT (key) DO NOTHING",
                [self.key, self.rate],
            )
            cursor.execute(
                "SELECT LEAST(%s, tokens + %s * "
                "EXTRACT(EPOCH FROM clock_timestamp() - updated_at)) "
                "FROM outreach_ratebucket WHERE key = %s FOR UPDATE",
                [self.rate, self.rate, self.key],
            )
            available = float(cursor.fetchone()[0])
            if available >= count:
                cursor.execute(
                    "UPDATE outreach_ratebucket SET tokens = %s, updated_at = clock_timestamp() "
                    "WHERE key = %s",
                    [available - count, self.key],
                )
                conn.commit()
                self._local_tokens += count
                return 0.0
            conn.commit()
        return (count - available) / self.rate

    def _conn(self) -> Any:
        if self._connection is None or self._connection.closed:
            params = connection.get_connection_params()
            self._connection = connection.get_new_connection(params)
            self._connection.autocommit = False
        return self._connection

    def close(self) -> None:
        if self._connection is not None and not self._connection.closed:
            self._connection.close()
        self._connection = None
