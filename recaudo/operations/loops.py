"""Jobs the worker runs between its batches, registered by apps it cannot import.

``recaudo worker`` lives in ``delivery``; an app above it (``integrations``:
the outgoing webhooks) registers its job here when Django starts, and the
worker calls every registered job with the worker's clock between batches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Job = Callable[[datetime], object]
_jobs: list[Job] = []


def register_between_batches(job: Job) -> None:
    if job not in _jobs:
        _jobs.append(job)


def run_between_batches(now: datetime) -> None:
    for job in list(_jobs):
        job(now)
