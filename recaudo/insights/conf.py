"""The insights app's settings: ``settings.INSIGHTS`` over these defaults (docs/insights.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings


def _defaults() -> dict[str, Any]:
    return {
        # Last touch within this many days of a payment gets the credit.
        "attribution_days": 7,
        # What one message costs per channel, in the creditor's money (cost per
        # recovered unit). A channel left out costs nothing.
        "message_cost": {"whatsapp": "0.05", "sms": "0.03", "rcs": "0.04", "email": "0.001"},
        # The outbox's statuses still move for this many days after a contact's
        # day (delivered, read, failed): the worker recounts them (``refresh``).
        "recount_days": 3,
    }


def setting(name: str) -> Any:
    overrides = getattr(settings, "INSIGHTS", {}) or {}
    return overrides.get(name, _defaults()[name])


def attribution_days() -> int:
    days = int(setting("attribution_days"))
    if days < 1:
        raise ValueError(f"INSIGHTS['attribution_days']: {days} is not 1 or more")
    return days


def message_cost(channel: str) -> Decimal:
    costs = setting("message_cost")
    return Decimal(str(costs.get(channel, "0")))
