"""Small helpers for the compliance tests: local moments and short calls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from recaudo.compliance.rules import Decision, PastContact, RulePack, check_contact, get_pack

BOGOTA = "America/Bogota"
SANTIAGO = "America/Santiago"
NEW_YORK = "America/New_York"
MEXICO_CITY = "America/Mexico_City"


def local(timezone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0, *,
          fold: int = 0) -> datetime:  # fmt: skip
    """A wall-clock moment in ``timezone`` (aware)."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(timezone), fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def check(
    pack: RulePack | str,
    timezone: str,
    at: datetime,
    channel: str = "whatsapp",
    history: Sequence[tuple[str, datetime]] = (),
    opted_out: frozenset[str] | Literal["all"] = frozenset(),
) -> Decision:
    rule_pack = get_pack(pack) if isinstance(pack, str) else pack
    return check_contact(
        rule_pack,
        timezone=timezone,
        channel=channel,
        at=at,
        history=[PastContact(past_channel, moment) for past_channel, moment in history],
        opted_out=opted_out,
    )
