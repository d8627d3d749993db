"""Countries without a pack get the strictest known rules, never a looser default."""

from __future__ import annotations

import pytest

from recaudo.compliance.packs import PACK_COUNTRIES, Cap, RulePack, get_pack, scope_channels


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
