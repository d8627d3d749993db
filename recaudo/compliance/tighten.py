"""Creditor overrides: a creditor may make its country's pack stricter, never looser.

An override is a JSON object; every key is optional::

    {
      "windows": {"mon": ["09:00", "17:00"], "sat": null},   # narrower hours, or closed
      "closed_weekdays": ["sat"],                               # same as "sat": null
      "holidays_excluded": true,
      "caps": [{"scope": "call", "period": "rolling_7_days", "limit": 1}],
      "gaps": [{"scope": "written", "days": 3}],
      "max_channels_per_week": 1,
      "consent_required": ["sms"]                               # added to the pack's
    }

A cap or gap with the same scope and period as the pack's replaces it (it
must not be looser); any other is added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from recaudo.compliance.packs import (
    WEEKDAYS,
    Cap,
    Gap,
    PackError,
    RulePack,
    Source,
    Window,
    parse_channels,
    parse_count,
    parse_scope,
    parse_window,
)

OVERRIDE_FIELDS = (
    "windows",
    "closed_weekdays",
    "holidays_excluded",
    "caps",
    "gaps",
    "max_channels_per_week",
    "consent_required",
)
CREDITOR_SOURCE = Source("Creditor override", "-", "high", basis="creditor")


def tighten(pack: RulePack, overrides: Mapping[str, Any], *, strict: bool = True) -> RulePack:
    """``pack`` with a creditor's stricter settings applied.

    Raises ``ValueError`` (a ``PackError``) naming the field when an override
    is malformed or, with ``strict``, would loosen the pack. With
    ``strict=False`` a looser value keeps the pack's: used when a stored
    override meets a pack that counsel has since made stricter.
    """
    if not isinstance(overrides, Mapping):
        raise PackError("overrides: expected an object")
    for name in overrides:
        if name not in OVERRIDE_FIELDS:
            raise PackError(f"{name}: unknown override; one of {', '.join(OVERRIDE_FIELDS)}")
    if not overrides:
        return pack
    changes: dict[str, Any] = {}

    windows = _windows(pack, overrides, strict)
    if windows != pack.windows:
        changes["windows"] = windows
        base = pack.windows_source
        changes["windows_source"] = replace(base, law=f"{base.law}; narrowed by the creditor")

    if "holidays_excluded" in overrides:
        value = overrides["holidays_excluded"]
        if not isinstance(value, bool):
            raise PackError("holidays_excluded: expected true or false")
        if value and not pack.holidays_excluded:
            changes["holidays_excluded"] = True
            changes["holidays_source"] = CREDITOR_SOURCE
        elif not value and pack.holidays_excluded and strict:
            raise PackError(
                "holidays_excluded: the pack excludes public holidays; "
                "an override cannot allow them"
            )

    if "caps" in overrides:
        changes["caps"] = _caps(pack, overrides["caps"], strict)
    if "gaps" in overrides:
        changes["gaps"] = _gaps(pack, overrides["gaps"], strict)

    if overrides.get("max_channels_per_week") is not None:
        most = parse_count(overrides["max_channels_per_week"], "max_channels_per_week", minimum=1)
        current = pack.max_channels_per_week
        if current is not None and most > current:
            if strict:
                raise PackError(f"max_channels_per_week: {most} is more than the pack's {current}")
        elif most != current:
            changes["max_channels_per_week"] = most
            changes["channel_diversity_source"] = CREDITOR_SOURCE

    if "consent_required" in overrides:
        extra = parse_channels(overrides["consent_required"], "consent_required")
        if not extra <= pack.consent_required:
            changes["consent_required"] = pack.consent_required | extra
            changes["consent_source"] = replace(
                pack.consent_source or CREDITOR_SOURCE, basis="creditor"
            )
    return replace(pack, **changes) if changes else pack


def _windows(
    pack: RulePack, overrides: Mapping[str, Any], strict: bool
) -> tuple[Window | None, ...]:
    windows = list(pack.windows)
    given = overrides.get("windows", {})
    if not isinstance(given, Mapping):
        raise PackError("windows: expected an object of weekday -> ['HH:MM', 'HH:MM'] or null")
    for day, value in given.items():
        if day not in WEEKDAYS:
            raise PackError(f"windows.{day}: unknown weekday; one of {', '.join(WEEKDAYS)}")
        index = WEEKDAYS.index(day)
        new = parse_window(value, f"windows.{day}")
        base = windows[index]
        if new is not None and base is None:
            if strict:
                raise PackError(f"windows.{day}: the pack allows no contact on {day}")
            continue
        if new is not None and base is not None and (new.start < base.start or new.end > base.end):
            if strict:
                raise PackError(
                    f"windows.{day}: {_hours(new)} is wider than the pack's {_hours(base)}"
                )
            new = Window(max(new.start, base.start), min(new.end, base.end))
            if new.end <= new.start:
                new = None
        windows[index] = new
    closed = overrides.get("closed_weekdays", [])
    if not isinstance(closed, list):
        raise PackError("closed_weekdays: expected a list of weekdays (mon..sun)")
    for day in closed:
        if day not in WEEKDAYS:
            raise PackError(
                f"closed_weekdays: unknown weekday {day!r}; one of {', '.join(WEEKDAYS)}"
            )
        windows[WEEKDAYS.index(day)] = None
    if all(window is None for window in windows):
        raise PackError("windows: an override cannot close every weekday")
    return tuple(windows)


def _hours(window: Window) -> str:
    return f"{window.start:%H:%M}-{window.end:%H:%M}"


def _items(value: Any, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise PackError(f"{where}: expected a list of objects")
    return value


def _caps(pack: RulePack, value: Any, strict: bool) -> tuple[Cap, ...]:
    caps = list(pack.caps)
    for index, item in enumerate(_items(value, "caps")):
        where = f"caps[{index}]"
        unknown = set(item) - {"scope", "period", "limit"}
        if unknown:
            raise PackError(f"{where}.{sorted(unknown)[0]}: unknown field")
        scope = parse_scope(item.get("scope"), f"{where}.scope")
        period = item.get("period")
        if period not in ("day", "rolling_7_days", "calendar_week"):
            raise PackError(
                f"{where}.period: unknown period {period!r}; one of day, rolling_7_days, "
                "calendar_week"
            )
        limit = parse_count(item.get("limit"), f"{where}.limit", minimum=0)
        same = [cap for cap in caps if cap.scope == scope and cap.period == period]
        current = min((cap.limit for cap in same), default=None)
        if current is not None and limit > current:
            if strict:
                raise PackError(
                    f"{where}.limit: {limit} {scope} per {period} is more than the pack's {current}"
                )
            continue
        caps = [cap for cap in caps if cap not in same]
        caps.append(Cap(scope, period, limit, CREDITOR_SOURCE))
    return tuple(caps)


def _gaps(pack: RulePack, value: Any, strict: bool) -> tuple[Gap, ...]:
    gaps = list(pack.gaps)
    for index, item in enumerate(_items(value, "gaps")):
        where = f"gaps[{index}]"
        unknown = set(item) - {"scope", "days"}
        if unknown:
            raise PackError(f"{where}.{sorted(unknown)[0]}: unknown field")
        scope = parse_scope(item.get("scope"), f"{where}.scope")
        days = parse_count(item.get("days"), f"{where}.days", minimum=1)
        same = [gap for gap in gaps if gap.scope == scope]
        current = max((gap.days for gap in same), default=None)
        if current is not None and days < current:
            if strict:
                raise PackError(
                    f"{where}.days: {days} days between {scope} contacts is less than the "
                    f"pack's {current}"
                )
            continue
        gaps = [gap for gap in gaps if gap not in same]
        gaps.append(Gap(scope, days, CREDITOR_SOURCE))
    return tuple(gaps)
