"""Rule packs: the contact rules of one country, as plain frozen data.

The packs themselves live in ``packs/<country>.json`` (one file per country
plus ``generic.json``) so that counsel can review them without reading code.
Every rule carries its source. This module turns a file into a ``RulePack``,
checks it thoroughly (a malformed pack must fail loudly at import, never
silently allow a contact) and finds the pack for a country.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import time
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from recaudo.channels import CHANNEL_NAMES, VOICE_CHANNELS, WRITTEN_CHANNELS
from recaudo.countries import RULE_PACK_COUNTRIES

CHANNELS = CHANNEL_NAMES
# A "kind" groups channels the way the laws do: Chile caps phone contacts and
# written messages separately.
KINDS: dict[str, frozenset[str]] = {
    "voice": frozenset(VOICE_CHANNELS),
    "written": frozenset(WRITTEN_CHANNELS),
}
SCOPES = ("all", *KINDS, *CHANNELS)
PERIODS = ("day", "rolling_7_days", "calendar_week")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CONFIDENCES = ("high", "medium", "low")
BASES = ("legal", "default", "creditor")
PACKS_DIR = Path(__file__).resolve().parent / "packs"
PACK_COUNTRIES = RULE_PACK_COUNTRIES


@dataclass(frozen=True)
class Source:
    """Where a rule comes from. ``basis`` says whether the number is the law's
    (``legal``), our conservative choice where the law gives none (``default``)
    or a creditor's stricter setting (``creditor``)."""

    law: str
    article: str
    confidence: str
    basis: str = "legal"
    note: str = ""


@dataclass(frozen=True)
class Window:
    """Allowed local hours of one weekday: ``start`` included, ``end`` excluded."""

    start: time
    end: time


@dataclass(frozen=True)
class Cap:
    """At most ``limit`` contacts in ``scope`` (all, a kind or a channel) per ``period``."""

    scope: str
    period: str
    limit: int
    source: Source


@dataclass(frozen=True)
class Gap:
    """Two contacts in ``scope`` must fall at least ``days`` local calendar days apart."""

    scope: str
    days: int
    source: Source


@dataclass(frozen=True)
class AfterConversation:
    """No contact in ``scope`` for ``days`` local calendar days after a conversation about
    the debt, the day of the conversation being the first (US Regulation F)."""

    scope: str
    days: int
    source: Source


@dataclass(frozen=True)
class Retention:
    """How long the law makes us keep one class of records, in whole years.

    ``contact`` records are what shows how and when a debtor was contacted
    (the outbox, opt-outs, consents); ``accounting`` records are the debts,
    payments and their history. Archived rows are deleted only after this.
    """

    years: int
    source: Source


RETENTION_CLASSES = ("contact", "accounting")


@dataclass(frozen=True)
class CreditBureauNotice:
    """The law requires a written notice before a debt is reported to a credit bureau;
    the report comes no earlier than ``days`` calendar days after the notice was sent."""

    days: int
    source: Source


@dataclass(frozen=True)
class RulePack:
    country: str
    name: str
    timezone: str  # the country's main zone, used when a debtor's zone is unknown
    windows: tuple[Window | None, ...]  # Monday first; None = no contact that day
    windows_source: Source
    holidays_excluded: bool
    holidays_source: Source
    caps: tuple[Cap, ...] = ()
    gaps: tuple[Gap, ...] = ()
    max_channels_per_week: int | None = None  # checked per calendar week and rolling 7 days
    channel_diversity_source: Source | None = None
    consent_required: frozenset[str] = frozenset()
    consent_source: Source | None = None
    after_conversation: AfterConversation | None = None
    # Whether notices the debtor triggered (a receipt, "payment failed", a plan
    # agreed, an answer to their request, an opt-out confirmation) count toward
    # the caps, gaps and channel rules, and are held by them. A pack that is
    # silent counts them (the conservative reading); hours hold either way.
    notices_counted: bool = True
    notices_source: Source | None = None
    # None: the pack states no notice before a credit-bureau report.
    credit_bureau_notice: CreditBureauNotice | None = None
    generic: bool = False
    notes: tuple[str, ...] = ()
    # Record class (``RETENTION_CLASSES``) -> how long the law keeps it.
    retention: tuple[tuple[str, Retention], ...] = ()
    # The debtor's region (state, autonomous community) whose holidays apply
    # too; set by ``store.pack_for``, never in a pack file.
    region: str = ""
    # The planner hashes packs ~100k times per run (caches keyed by pack);
    # hashing the nested data each time would dominate, so it is done once.
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash(_identity(self)))

    def __hash__(self) -> int:
        return self._hash


def _identity(pack: RulePack) -> tuple[Any, ...]:
    return (
        pack.country,
        pack.timezone,
        pack.windows,
        pack.holidays_excluded,
        pack.caps,
        pack.gaps,
        pack.max_channels_per_week,
        pack.consent_required,
        pack.after_conversation,
        pack.notices_counted,
        pack.generic,
        pack.region,
    )


def retention_years(pack: RulePack, record_class: str) -> int:
    """Whole years records of ``record_class`` are kept under ``pack`` (every pack states both)."""
    return dict(pack.retention)[record_class].years


def scope_channels(scope: str) -> frozenset[str]:
    if scope == "all":
        return frozenset(CHANNELS)
    if scope in KINDS:
        return KINDS[scope]
    return frozenset({scope})


class PackError(ValueError):
    """A pack or an override is malformed; the message names the field."""


def parse_time(value: Any, where: str) -> time:
    if not isinstance(value, str):
        raise PackError(f"{where}: expected a time 'HH:MM', got {value!r}")
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise PackError(f"{where}: expected a time 'HH:MM', got {value!r}") from None


def parse_window(value: Any, where: str) -> Window | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise PackError(f"{where}: expected ['HH:MM', 'HH:MM'] or null, got {value!r}")
    start = parse_time(value[0], where)
    end = parse_time(value[1], where)
    if end <= start:
        raise PackError(f"{where}: the end {value[1]} must be after the start {value[0]}")
    return Window(start, end)


def parse_source(value: Any, where: str) -> Source:
    if not isinstance(value, dict):
        raise PackError(f"{where}: expected a source object, got {value!r}")
    unknown = set(value) - {"law", "article", "confidence", "basis", "note"}
    if unknown:
        raise PackError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    for name in ("law", "article", "confidence"):
        if not isinstance(value.get(name), str) or not value[name]:
            raise PackError(f"{where}.{name}: required text")
    if value["confidence"] not in CONFIDENCES:
        raise PackError(f"{where}.confidence: one of {', '.join(CONFIDENCES)}")
    basis = value.get("basis", "legal")
    if basis not in BASES:
        raise PackError(f"{where}.basis: one of {', '.join(BASES)}")
    return Source(value["law"], value["article"], value["confidence"], basis, value.get("note", ""))


def parse_count(value: Any, where: str, *, minimum: int) -> int:
    # bool is an int in Python; `true` as a cap would be a silent 1.
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise PackError(f"{where}: expected a whole number >= {minimum}, got {value!r}")
    return value


def parse_scope(value: Any, where: str) -> str:
    if value not in SCOPES:
        raise PackError(f"{where}: unknown scope {value!r}; one of {', '.join(SCOPES)}")
    return value


def parse_channels(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list):
        raise PackError(f"{where}: expected a list of channels, got {value!r}")
    for channel in value:
        if channel not in CHANNELS:
            raise PackError(f"{where}: unknown channel {channel!r}; one of {', '.join(CHANNELS)}")
    return frozenset(value)


def _require(data: dict[str, Any], name: str, where: str) -> Any:
    if name not in data:
        raise PackError(f"{where}{name}: required")
    return data[name]


def parse_pack(data: Any, where: str = "") -> RulePack:
    """A ``RulePack`` from its JSON form; ``PackError`` naming the field if malformed."""
    if not isinstance(data, dict):
        raise PackError(f"{where or 'pack'}: expected an object")
    known = {
        "country", "name", "timezone", "windows", "holidays", "caps", "gaps",
        "channel_diversity", "consent_required", "after_conversation", "notices", "generic",
        "notes", "retention", "credit_bureau_notice",
    }  # fmt: skip
    unknown = set(data) - known
    if unknown:
        raise PackError(f"{where}{sorted(unknown)[0]}: unknown field")
    windows_data = _require(data, "windows", where)
    if not isinstance(windows_data, dict) or set(windows_data) != {*WEEKDAYS, "source"}:
        raise PackError(f"{where}windows: expected every weekday (mon..sun) and a source")
    windows = tuple(parse_window(windows_data[day], f"{where}windows.{day}") for day in WEEKDAYS)
    if all(window is None for window in windows):
        raise PackError(f"{where}windows: at least one weekday must allow contact")
    holidays_data = _require(data, "holidays", where)
    if not isinstance(holidays_data, dict) or not isinstance(holidays_data.get("excluded"), bool):
        raise PackError(f"{where}holidays.excluded: expected true or false")
    caps = tuple(
        Cap(
            parse_scope(item.get("scope"), f"{where}caps[{index}].scope"),
            _period(item.get("period"), f"{where}caps[{index}].period"),
            parse_count(item.get("limit"), f"{where}caps[{index}].limit", minimum=0),
            parse_source(item.get("source"), f"{where}caps[{index}].source"),
        )
        for index, item in enumerate(_objects(data.get("caps", []), f"{where}caps"))
    )
    gaps = tuple(
        Gap(
            parse_scope(item.get("scope"), f"{where}gaps[{index}].scope"),
            parse_count(item.get("days"), f"{where}gaps[{index}].days", minimum=1),
            parse_source(item.get("source"), f"{where}gaps[{index}].source"),
        )
        for index, item in enumerate(_objects(data.get("gaps", []), f"{where}gaps"))
    )
    diversity = data.get("channel_diversity")
    consent = data.get("consent_required")
    after = data.get("after_conversation")
    if after is not None and not isinstance(after, dict):
        raise PackError(f"{where}after_conversation: expected an object")
    notices = data.get("notices")
    if notices is not None and (
        not isinstance(notices, dict) or not isinstance(notices.get("count_toward_caps"), bool)
    ):
        raise PackError(f"{where}notices.count_toward_caps: expected true or false")
    return RulePack(
        country=_text(_require(data, "country", where), f"{where}country"),
        name=_text(_require(data, "name", where), f"{where}name"),
        timezone=_text(_require(data, "timezone", where), f"{where}timezone"),
        windows=windows,
        windows_source=parse_source(windows_data["source"], f"{where}windows.source"),
        holidays_excluded=holidays_data["excluded"],
        holidays_source=parse_source(holidays_data.get("source"), f"{where}holidays.source"),
        caps=caps,
        gaps=gaps,
        max_channels_per_week=(
            parse_count(
                diversity.get("max_channels"), f"{where}channel_diversity.max_channels", minimum=1
            )
            if diversity
            else None
        ),
        channel_diversity_source=(
            parse_source(diversity.get("source"), f"{where}channel_diversity.source")
            if diversity
            else None
        ),
        consent_required=(
            parse_channels(consent.get("channels"), f"{where}consent_required.channels")
            if consent
            else frozenset()
        ),
        consent_source=(
            parse_source(consent.get("source"), f"{where}consent_required.source")
            if consent
            else None
        ),
        after_conversation=(
            AfterConversation(
                parse_scope(after.get("scope"), f"{where}after_conversation.scope"),
                parse_count(after.get("days"), f"{where}after_conversation.days", minimum=1),
                parse_source(after.get("source"), f"{where}after_conversation.source"),
            )
            if after
            else None
        ),
        notices_counted=notices["count_toward_caps"] if notices else True,
        notices_source=(
            parse_source(notices.get("source"), f"{where}notices.source") if notices else None
        ),
        credit_bureau_notice=_bureau_notice(data.get("credit_bureau_notice"), where),
        generic=bool(data.get("generic", False)),
        notes=tuple(data.get("notes", ())),
        retention=_retention(_require(data, "retention", where), f"{where}retention"),
    )


def _retention(value: Any, where: str) -> tuple[tuple[str, Retention], ...]:
    if not isinstance(value, dict) or set(value) != set(RETENTION_CLASSES):
        raise PackError(f"{where}: expected {' and '.join(RETENTION_CLASSES)}")
    return tuple(
        (
            name,
            Retention(
                parse_count(value[name].get("years"), f"{where}.{name}.years", minimum=1),
                parse_source(value[name].get("source"), f"{where}.{name}.source"),
            ),
        )
        for name in RETENTION_CLASSES
        if isinstance(value[name], dict) or _not_object(f"{where}.{name}")
    )


def _bureau_notice(value: Any, where: str) -> CreditBureauNotice | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise PackError(f"{where}credit_bureau_notice: expected an object with days and source")
    unknown = set(value) - {"days", "source"}
    if unknown:
        raise PackError(f"{where}credit_bureau_notice.{sorted(unknown)[0]}: unknown field")
    return CreditBureauNotice(
        parse_count(value.get("days"), f"{where}credit_bureau_notice.days", minimum=0),
        parse_source(value.get("source"), f"{where}credit_bureau_notice.source"),
    )


def _not_object(where: str) -> bool:
    raise PackError(f"{where}: expected an object with years and source")


def _period(value: Any, where: str) -> str:
    if value not in PERIODS:
        raise PackError(f"{where}: unknown period {value!r}; one of {', '.join(PERIODS)}")
    return value


def _objects(value: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise PackError(f"{where}: expected a list of objects")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise PackError(f"{where}: required text")
    return value


def load_pack_file(path: Path) -> RulePack:
    return parse_pack(json.loads(path.read_text(encoding="utf-8")), where=f"{path.name}: ")


@cache
def _file_pack(name: str) -> RulePack:
    return load_pack_file(PACKS_DIR / f"{name}.json")


@lru_cache(maxsize=512)
def get_pack(country: str) -> RulePack:
    """The pack for ``country`` (ISO alpha-2, any case); the generic pack when there is none.

    The generic pack keeps the country's code so that its public holidays
    (when the ``holidays`` package knows them) are still excluded.
    """
    code = country.strip().upper()
    if code in PACK_COUNTRIES:
        return _file_pack(code.lower())
    return replace(_file_pack("generic"), country=code)


def has_own_pack(country: str) -> bool:
    return country.strip().upper() in PACK_COUNTRIES
