"""Named points in a batch where the reliability tests kill the worker.

``DISPATCH_CRASH_AT=marked:3`` makes the worker SIGKILL itself the third time
it reaches ``marked`` (a message's send-started mark committed, its request
not yet made). The points, in a batch's order: ``claimed`` (rows claimed,
nothing decided), ``decided`` (decisions committed, nothing sent), ``marked``
(per message, before its request), ``answered`` (per message, the provider
answered, the outcome not yet written), ``recorded`` (the batch's outcomes
committed). Empty (the default) costs one comparison per point. For tests
only: never set it in production.
"""

from __future__ import annotations

import os
import signal
import threading

from django.conf import settings

_counts: dict[str, int] = {}
_lock = threading.Lock()


def reached(point: str) -> None:
    spec = settings.DISPATCH_CRASH_AT
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name != point:
        return
    with _lock:
        _counts[point] = _counts.get(point, 0) + 1
        if _counts[point] == int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)
