"""Experiment arms on planned contacts: the outbox's one writer for them.

The learning app decides which arm each planned contact of an experiment's
step is in (recaudo/learning/experiments.py) and hands the decisions here as
plain data: every contact records its variant; an arm with its own template
changes the template key; an arm with its own send hour moves the window's
start later inside the window the planner found allowed (never outside it);
a holdout arm's contact is cancelled, with the reason, and never sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from recaudo.outreach.models import Outreach

HOLDOUT_REASON = "experiment_holdout"


class VariantPlacement(NamedTuple):
    outreach_id: int
    variant_id: int
    template_key: str = ""  # "" keeps the step's
    window_start: datetime | None = None  # None keeps the planner's
    holdout: bool = False


def record_variants(placements: Sequence[VariantPlacement]) -> dict[str, int]:
    """Apply the arms in one transaction, to contacts still planned and without an arm."""
    now = timezone.now()
    counts = {"recorded": 0, "held_out": 0, "moved": 0}
    grouped: defaultdict[tuple[int, str, bool], list[int]] = defaultdict(list)
    moved: list[VariantPlacement] = []
    for placement in placements:
        if placement.window_start is not None and not placement.holdout:
            moved.append(placement)
        else:
            key = (placement.variant_id, placement.template_key, placement.holdout)
            grouped[key].append(placement.outreach_id)
    open_rows = Outreach.objects.filter(status=Outreach.Status.PLANNED, variant__isnull=True)
    with transaction.atomic():
        for (variant_id, template_key, holdout), ids in grouped.items():
            changes: dict[str, object] = {"variant_id": variant_id, "updated_at": now}
            if template_key:
                changes["template_key"] = template_key
            if holdout:
                changes["status"] = Outreach.Status.CANCELLED
                changes["status_reason"] = HOLDOUT_REASON
            for start in range(0, len(ids), 2000):
                done = open_rows.filter(id__in=ids[start : start + 2000]).update(**changes)
                counts["held_out" if holdout else "recorded"] += done
        for placement in moved:
            changes = {"variant_id": placement.variant_id, "updated_at": now}
            if placement.template_key:
                changes["template_key"] = placement.template_key
            done = open_rows.filter(
                id=placement.outreach_id,
                window_start__lte=placement.window_start,
                window_end__gt=placement.window_start,
            ).update(window_start=placement.window_start, **changes)
            if not done:  # the hour is outside the allowed window: keep the planner's
                done = open_rows.filter(id=placement.outreach_id).update(**changes)
            else:
                counts["moved"] += 1
            counts["recorded"] += done
    return counts
