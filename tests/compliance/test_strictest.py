"""Countries without a pack get the strictest known rules, never a looser default."""

from __future__ import annotations

import pytest

from recaudo.compliance.packs import (
    PACK_COUNTRIES,
    RETENTION_CLASSES,
    Cap,
    RulePack,
    get_pack,
    retention_years,
    scope_channels,
)


def _covers(strict: Cap, loose: Cap) -> bool:
    """``strict`` allows no more contacts than ``loose`` wherever ``loose`` applies.

    A cap over every rolling 7 days also bounds every calendar week.
    """
    same_period = strict.period == loose.period or (
        strict.period == "rolling_7_days" and loose.period == "calendar_week"
    )
    return (
        same_period
        and scope_channels(loose.scope) <= scope_channels(strict.scope)
        and strict.limit <= loose.limit
    )


@pytest.mark.parametrize("country", PACK_COUNTRIES)
def test_the_pack_for_a_country_without_one_is_at_least_as_strict_as_every_country_pack(country):
    strictest: RulePack = get_pack("UY")
    pack = get_pack(country)

    for day, (strict, loose) in enumerate(zip(strictest.windows, pack.windows, strict=True)):
        if strict is not None:
            assert loose is not None, f"weekday {day} is closed in {country}"
            assert loose.start <= strict.start and strict.end <= loose.end, (country, day)
    assert strictest.holidays_excluded or not pack.holidays_excluded
    for cap in pack.caps:
        assert any(_covers(strict, cap) for strict in strictest.caps), (country, cap)
    for gap in pack.gaps:
        assert any(
            scope_channels(gap.scope) <= scope_channels(strict.scope) and strict.days >= gap.days
            for strict in strictest.gaps
        ), (country, gap)
    if pack.max_channels_per_week is not None:
        assert strictest.max_channels_per_week is not None
        assert strictest.max_channels_per_week <= pack.max_channels_per_week
    assert pack.consent_required <= strictest.consent_required


def test_a_country_without_a_pack_keeps_its_code_for_its_holidays():
    pack = get_pack("uy")

    assert (pack.country, pack.generic) == ("UY", True)
    assert pack.consent_required == {"whatsapp", "sms", "rcs", "email", "call"}
    assert pack.max_channels_per_week == 1


@pytest.mark.parametrize("record_class", RETENTION_CLASSES)
def test_the_generic_pack_keeps_records_at_least_as_long_as_every_country_pack(record_class):
    longest = max(retention_years(get_pack(country), record_class) for country in PACK_COUNTRIES)
    assert retention_years(get_pack("ZZ"), record_class) == longest


def test_every_pack_states_both_retentions_with_a_source():
    for country in (*PACK_COUNTRIES, "ZZ"):
        pack = get_pack(country)
        assert {name for name, _ in pack.retention} == set(RETENTION_CLASSES)
        assert all(item.source.law and item.years >= 1 for _, item in pack.retention)
