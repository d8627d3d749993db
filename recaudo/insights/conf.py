"""The insights app's settings: ``settings.INSIGHTS`` over these defaults (docs/insights.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings


def _defaults() -> dict[str, Any]:
    return {
        # Last touch within this many days of a payment gets the credit.
        "attribution_days": 7,
        # What one message sent costs, per currency of the debt and channel
        # (cost per recovered unit). Rough list prices: set your own contract's.
        # A currency or channel left out costs nothing.
        "message_cost": {
            "USD": {"whatsapp": "0.03", "sms": "0.05", "rcs": "0.02", "email": "0.001"},
            "COP": {"whatsapp": "110", "sms": "30", "rcs": "80", "email": "4"},
            "MXN": {"whatsapp": "0.60", "sms": "0.90", "rcs": "0.40", "email": "0.02"},
            "BRL": {"whatsapp": "0.35", "sms": "0.10", "rcs": "0.10", "email": "0.005"},
            "CLP": {"whatsapp": "40", "sms": "25", "rcs": "20", "email": "1"},
            "PEN": {"whatsapp": "0.12", "sms": "0.10", "rcs": "0.08", "email": "0.004"},
        },
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


def message_cost(currency: str, channel: str) -> Decimal:
    """What one message on ``channel`` costs, in ``currency`` (0 when not configured)."""
    costs = setting("message_cost").get(currency, {})
    return Decimal(str(costs.get(channel, "0")))
