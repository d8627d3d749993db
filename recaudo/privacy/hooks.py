"""Steps of the archive job and of an erasure that apps above ``privacy`` add.

``integrations`` (the events out) sits above ``privacy`` in the import graph,
so ``privacy`` cannot import it: it registers its steps here when Django
starts (``integrations/apps.py``), as it registers its sink in
``portfolio/outbound.py``. Each step runs in the caller's transaction (an
erasure) or in its own batches (the archive) and returns what it counted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

# (now, batch size, dry run) -> {what: rows removed, or that would be}
ArchiveStep = Callable[[datetime, int, bool], dict[str, int]]
# (debtor id, erased reference, now) -> {what: rows blanked}
ErasureStep = Callable[[int, str, datetime], dict[str, int]]

_archive_steps: list[ArchiveStep] = []
_erasure_steps: list[ErasureStep] = []


def register_archive_step(step: ArchiveStep) -> None:
    if step not in _archive_steps:
        _archive_steps.append(step)


def register_erasure_step(step: ErasureStep) -> None:
    if step not in _erasure_steps:
        _erasure_steps.append(step)


def archive_steps() -> list[ArchiveStep]:
    return list(_archive_steps)


def erasure_steps() -> list[ErasureStep]:
    return list(_erasure_steps)
