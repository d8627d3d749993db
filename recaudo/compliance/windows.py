"""Allowed contact windows in a debtor's local time, as aware UTC datetimes.

The planner asks these questions ~100k times per run for a handful of
(pack, zone, day) combinations, so the answers are cached. Packs hash in
constant time (see ``RulePack.__hash__``) to keep the cache lookups cheap.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from recaudo.compliance.packs import RulePack

# How far ahead any search for an allowed moment looks. Holidays and closed
# days never close a pack for this long, so reaching it means "never".
SEARCH_DAYS = 60


class NoWindowError(ValueError):
    """No allowed window within ``SEARCH_DAYS``."""


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The zone called ``name``; ``ValueError`` if there is no such IANA zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {name!r}") from None


@lru_cache(maxsize=4096)
def holiday_dates(country: str, year: int, region: str = "") -> frozenset[date]:
    """Public holidays of ``country`` in ``year``, with ``region``'s own when one is given
    (a subdivision code of the ``holidays`` library; see recaudo/regions.py).
    Empty if ``holidays`` does not know the country."""
    try:
        return frozenset(holidays.country_holidays(country, subdiv=region or None, years=year))
    except NotImplementedError:
        return frozenset()


def is_holiday(pack: RulePack, local_date: date) -> bool:
    return local_date in holiday_dates(pack.country, local_date.year, pack.region)


def local_date(timezone: str, moment: datetime) -> date:
    return moment.astimezone(zone(timezone)).date()


@lru_cache(maxsize=65536)
def day_start(timezone: str, local_day: date) -> datetime:
    """The first moment of ``local_day`` in ``timezone``, in UTC.

    Chile moves its clocks at midnight: a missing 00:00 resolves to the first
    real moment of the day (zoneinfo reads it with the pre-transition offset).
    """
    return datetime.combine(local_day, time(0), tzinfo=zone(timezone)).astimezone(UTC)


def week_start(timezone: str, local_day: date) -> datetime:
    """Monday 00:00 of the calendar week holding ``local_day``, in UTC."""
    return day_start(timezone, local_day - timedelta(days=local_day.weekday()))


@lru_cache(maxsize=65536)
def day_window(pack: RulePack, timezone: str, local_date: date) -> tuple[datetime, datetime] | None:
    """The allowed interval of ``local_date`` as aware UTC datetimes (end excluded).

    ``None`` when the pack closes that weekday or it is an excluded holiday.
    """
    window = pack.windows[local_date.weekday()]
    if window is None or (pack.holidays_excluded and is_holiday(pack, local_date)):
        return None
    local_zone = zone(timezone)
    start = datetime.combine(local_date, window.start, tzinfo=local_zone).astimezone(UTC)
    end = datetime.combine(local_date, window.end, tzinfo=local_zone).astimezone(UTC)
    return start, end


def next_window(pack: RulePack, timezone: str, at: datetime) -> tuple[datetime, datetime]:
    """The allowed interval holding ``at``, or the next one after it; start clipped to ``at``.

    Raises ``NoWindowError`` when nothing opens within ``SEARCH_DAYS`` (a pack
    always has an open weekday, so only absurd inputs get there).
    """
    day = local_date(timezone, at)
    for offset in range(SEARCH_DAYS + 1):
        window = day_window(pack, timezone, day + timedelta(days=offset))
        if window is not None and at < window[1]:
            return max(window[0], at.astimezone(UTC)), window[1]
    raise NoWindowError(f"no allowed window within {SEARCH_DAYS} days after {at.isoformat()}")
