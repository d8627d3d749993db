"""Allowed days and hours of every pack, in the debtor's local time: boundaries, DST,
holidays and month ends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from recaudo.compliance.rules import day_window, get_pack, next_window
from tests.compliance.support import (
    BOGOTA,
    MEXICO_CITY,
    NEW_YORK,
    SANTIAGO,
    check,
    local,
    utc,
)

# (country, zone, weekday hours, Saturday hours or None) on Wed 25 / Sat 28 Nov 2026,
# days that are no public holiday in any of these countries.
HOURS = [
    ("CO", BOGOTA, (7, 19), (8, 15)),
    ("MX", MEXICO_CITY, (8, 21), (8, 21)),
    ("CL", SANTIAGO, (8, 20), (8, 20)),
    ("PE", "America/Lima", (7, 20), None),
    ("AR", "America/Argentina/Buenos_Aires", (9, 19), (10, 13)),
    ("BR", "America/Sao_Paulo", (9, 18), None),
    ("ES", "Europe/Madrid", (9, 21), None),
    ("US", NEW_YORK, (8, 21), (8, 21)),
    ("UY", "America/Montevideo", (9, 18), None),  # no pack of its own: the generic one
]


@pytest.mark.parametrize(("country", "zone", "weekday", "saturday"), HOURS)
def test_it_allows_a_contact_exactly_at_the_start_of_the_window(country, zone, weekday, saturday):
    assert check(country, zone, local(zone, 2026, 11, 25, weekday[0])).allowed
    if saturday:
        assert check(country, zone, local(zone, 2026, 11, 28, saturday[0])).allowed


@pytest.mark.parametrize(("country", "zone", "weekday", "saturday"), HOURS)
def test_it_refuses_a_contact_one_minute_before_the_window_and_says_when_it_opens(
    country, zone, weekday, saturday
):
    start = local(zone, 2026, 11, 25, weekday[0])
    decision = check(country, zone, start - timedelta(minutes=1))
    assert decision.allowed is False
    assert decision.reasons == ("outside_hours",)
    assert decision.next_allowed_at == start


@pytest.mark.parametrize(("country", "zone", "weekday", "saturday"), HOURS)
def test_it_allows_the_last_minute_and_refuses_the_end_of_the_window(
    country, zone, weekday, saturday
):
    end = local(zone, 2026, 11, 25, weekday[1])
    assert check(country, zone, end - timedelta(minutes=1)).allowed
    decision = check(country, zone, end)
    assert decision.reasons == ("outside_hours",)
    # Thursday 26 Nov opens at the same hour (US Thanksgiving is not excluded in the US).
    assert decision.next_allowed_at == local(zone, 2026, 11, 26, weekday[0])


@pytest.mark.parametrize(("country", "zone", "weekday", "saturday"), HOURS)
def test_it_applies_the_saturday_hours_or_closes_saturday(country, zone, weekday, saturday):
    if saturday is None:
        decision = check(country, zone, local(zone, 2026, 11, 28, 12))
        assert decision.reasons == ("closed_day",)
        assert decision.next_allowed_at == local(zone, 2026, 11, 30, weekday[0])
    else:
        end = local(zone, 2026, 11, 28, saturday[1])
        assert check(country, zone, end - timedelta(minutes=1)).allowed
        assert check(country, zone, end).reasons == ("outside_hours",)


@pytest.mark.parametrize(("country", "zone", "weekday", "saturday"), HOURS[:-2] + HOURS[-1:])
def test_it_refuses_sunday_everywhere_but_the_united_states(country, zone, weekday, saturday):
    decision = check(country, zone, local(zone, 2026, 11, 29, 12))
    assert decision.reasons == ("closed_day",)
    assert decision.next_allowed_at == local(zone, 2026, 11, 30, weekday[0])


def test_it_refuses_a_sunday_contact_in_colombia():
    decision = check("CO", BOGOTA, local(BOGOTA, 2026, 11, 29, 10))
    assert (decision.allowed, decision.reasons) == (False, ("closed_day",))


def test_it_allows_a_sunday_contact_in_the_united_states():
    assert check("US", NEW_YORK, local(NEW_YORK, 2026, 11, 29, 10)).allowed


def test_it_refuses_a_colombian_festivo_moved_to_monday_and_allows_its_original_day():
    # Independencia de Cartagena, 11 Nov, is observed on Monday 16 Nov 2026 (Ley 51 de 1983).
    decision = check("CO", BOGOTA, local(BOGOTA, 2026, 11, 16, 10))
    assert decision.reasons == ("holiday",)
    assert decision.next_allowed_at == local(BOGOTA, 2026, 11, 17, 7)
    assert check("CO", BOGOTA, local(BOGOTA, 2026, 11, 11, 10)).allowed


def test_it_refuses_the_chilean_fiestas_patrias_and_reopens_on_monday():
    # 18 Sept 2026 is a Friday, 19 Sept (Glorias del Ejército) a Saturday, 20 Sept a Sunday.
    decision = check("CL", SANTIAGO, local(SANTIAGO, 2026, 9, 18, 10))
    assert decision.reasons == ("holiday",)
    assert decision.next_allowed_at == local(SANTIAGO, 2026, 9, 21, 8)


def test_it_names_both_reasons_for_a_holiday_on_a_closed_day():
    # 1 Nov 2026 is a Sunday and All Saints' Day in Chile.
    assert check("CL", SANTIAGO, local(SANTIAGO, 2026, 11, 1, 10)).reasons == (
        "closed_day",
        "holiday",
    )


def test_it_does_not_exclude_holidays_in_the_united_states():
    assert check("US", NEW_YORK, local(NEW_YORK, 2026, 11, 26, 10)).allowed


def test_it_skips_a_weekend_and_a_festivo_across_a_month_end_in_colombia():
    # Sat 31 Oct closes at 15:00; Sun 1 Nov closed; Mon 2 Nov festivo (All Saints, moved).
    decision = check("CO", BOGOTA, local(BOGOTA, 2026, 10, 31, 15))
    assert decision.reasons == ("outside_hours",)
    assert decision.next_allowed_at == local(BOGOTA, 2026, 11, 3, 7)
    assert decision.next_allowed_at == utc(2026, 11, 3, 12)


def test_it_crosses_a_year_end_and_new_years_day_in_chile():
    decision = check("CL", SANTIAGO, local(SANTIAGO, 2026, 12, 31, 20))
    assert decision.next_allowed_at == local(SANTIAGO, 2027, 1, 2, 8)


def test_it_follows_chile_leaving_daylight_saving_time_in_april_2026():
    # Sat 4 Apr 2026 at 24:00 (-03) clocks go back to 23:00 (-04). Easter: Good Friday
    # and Holy Saturday are feriados, Sunday is closed.
    assert day_window(get_pack("CL"), SANTIAGO, date(2026, 4, 2)) == (
        utc(2026, 4, 2, 11),
        utc(2026, 4, 2, 23),
    )
    decision = check("CL", SANTIAGO, local(SANTIAGO, 2026, 4, 2, 20))
    assert decision.next_allowed_at == utc(2026, 4, 6, 12)  # Monday 08:00 -04
    assert day_window(get_pack("CL"), SANTIAGO, date(2026, 4, 6))[0] == utc(2026, 4, 6, 12)


def test_it_follows_chile_entering_daylight_saving_time_in_september_2026():
    # Sun 6 Sept 2026 at 00:00 (-04) clocks jump to 01:00 (-03).
    assert day_window(get_pack("CL"), SANTIAGO, date(2026, 9, 5))[0] == utc(2026, 9, 5, 12)
    decision = check("CL", SANTIAGO, local(SANTIAGO, 2026, 9, 5, 20, 30))
    assert decision.next_allowed_at == utc(2026, 9, 7, 11)  # Monday 08:00 -03
    assert check("CL", SANTIAGO, utc(2026, 9, 7, 11)).allowed
    assert not check("CL", SANTIAGO, utc(2026, 9, 7, 10, 59)).allowed


def test_it_follows_new_york_springing_forward_on_8_march_2026():
    decision = check("US", NEW_YORK, local(NEW_YORK, 2026, 3, 7, 21))
    assert decision.next_allowed_at == utc(2026, 3, 8, 12)  # Sunday 08:00 EDT
    assert day_window(get_pack("US"), NEW_YORK, date(2026, 3, 7)) == (
        utc(2026, 3, 7, 13),
        utc(2026, 3, 8, 2),
    )


def test_it_follows_new_york_falling_back_on_1_november_2026():
    decision = check("US", NEW_YORK, local(NEW_YORK, 2026, 10, 31, 21, 30))
    assert decision.next_allowed_at == utc(2026, 11, 1, 13)  # Sunday 08:00 EST
    assert check("US", NEW_YORK, utc(2026, 11, 1, 13)).allowed
    assert check("US", NEW_YORK, utc(2026, 11, 1, 12, 59)).reasons == ("outside_hours",)


def test_it_keeps_mexico_city_on_utc_minus_six_all_year():
    # Mexico dropped DST in 2022: 08:00 is 14:00 UTC in winter and in summer.
    for month, day in ((1, 14), (4, 8), (7, 15), (10, 28)):
        window = day_window(get_pack("MX"), MEXICO_CITY, date(2026, month, day))
        assert window == (utc(2026, month, day, 14), utc(2026, month, day + 1, 3))


def test_next_window_clips_the_start_to_the_moment_asked():
    pack = get_pack("CO")
    at = local(BOGOTA, 2026, 11, 25, 10, 30)
    assert next_window(pack, BOGOTA, at) == (at, local(BOGOTA, 2026, 11, 25, 19))


def test_next_window_skips_a_closed_sunday_and_a_festivo_monday():
    pack = get_pack("CO")
    start, end = next_window(pack, BOGOTA, local(BOGOTA, 2026, 11, 14, 16))
    assert (start, end) == (local(BOGOTA, 2026, 11, 17, 7), local(BOGOTA, 2026, 11, 17, 19))


def test_day_window_is_none_on_a_closed_day_or_a_holiday():
    pack = get_pack("CO")
    assert day_window(pack, BOGOTA, date(2026, 11, 29)) is None
    assert day_window(pack, BOGOTA, date(2026, 11, 16)) is None


def test_get_pack_falls_back_to_the_generic_pack_with_the_countrys_holidays():
    pack = get_pack("uy")
    assert (pack.generic, pack.country) == (True, "UY")
    # 18 July 2026 (Jura de la Constitución) is a Saturday; 1 May 2026 a Friday.
    decision = check(pack, "America/Montevideo", local("America/Montevideo", 2026, 5, 1, 10))
    assert decision.reasons == ("holiday",)
