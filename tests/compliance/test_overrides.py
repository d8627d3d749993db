"""Creditor overrides: tighten, the model that stores them, the admin and pack_for."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from recaudo.compliance.models import CreditorRuleOverride
from recaudo.compliance.packs import Cap, Window
from recaudo.compliance.rules import get_pack, tighten
from recaudo.compliance.store import clear_cache, pack_for
from tests.compliance.support import BOGOTA, check, local


def test_tighten_narrows_hours_closes_days_and_lowers_caps():
    pack = tighten(
        get_pack("CO"),
        {
            "windows": {"mon": ["08:00", "18:00"]},
            "closed_weekdays": ["sat"],
            "caps": [{"scope": "all", "period": "rolling_7_days", "limit": 2}],
            "gaps": [{"scope": "written", "days": 3}],
            "consent_required": ["email"],
        },
    )
    assert pack.windows[0] == Window(time(8), time(18))
    assert pack.windows[5] is None
    assert [cap.limit for cap in pack.caps if cap.period == "rolling_7_days"] == [2]
    assert [(gap.scope, gap.days) for gap in pack.gaps] == [("written", 3)]
    assert pack.caps[-1].source.basis == "creditor"
    assert check(pack, BOGOTA, local(BOGOTA, 2026, 11, 23, 7, 30)).reasons == ("outside_hours",)
    assert check(pack, BOGOTA, local(BOGOTA, 2026, 11, 28, 9)).reasons == ("closed_day",)


def test_tighten_without_overrides_returns_the_same_pack():
    pack = get_pack("CL")
    assert tighten(pack, {}) is pack


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"windows": {"mon": ["06:00", "19:00"]}}, "windows.mon: 06:00-19:00 is wider"),
        ({"windows": {"sun": ["10:00", "12:00"]}}, "windows.sun: the pack allows no contact"),
        ({"windows": {"mon": ["10:00", "09:00"]}}, "windows.mon: the end 09:00 must be after"),
        ({"holidays_excluded": False}, "holidays_excluded: the pack excludes public holidays"),
        (
            {"caps": [{"scope": "all", "period": "day", "limit": 2}]},
            "caps[0].limit: 2 all per day is more than the pack's 1",
        ),
        ({"max_channels_per_week": 2}, "max_channels_per_week: 2 is more than the pack's 1"),
        ({"caps": [{"scope": "fax", "period": "day", "limit": 1}]}, "caps[0].scope: unknown"),
        ({"caps": [{"scope": "all", "period": "day", "limit": True}]}, "caps[0].limit"),
        ({"closed_weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"]}, "every weekday"),
        ({"open_sundays": True}, "open_sundays: unknown override"),
        ({"consent_required": ["fax"]}, "consent_required: unknown channel 'fax'"),
    ],
)
def test_tighten_refuses_a_loosening_or_malformed_override_naming_the_field(overrides, message):
    with pytest.raises(ValueError) as raised:
        tighten(get_pack("CO"), overrides)
    assert message in str(raised.value)


def test_tighten_refuses_a_smaller_gap_in_chile():
    with pytest.raises(ValueError, match=r"gaps\[0\].days: 1 days between written"):
        tighten(get_pack("CL"), {"gaps": [{"scope": "written", "days": 1}]})


def test_tighten_leniently_keeps_the_stricter_value_of_each_rule():
    pack = tighten(
        get_pack("CO"),
        {
            "windows": {"mon": ["06:00", "18:00"]},
            "caps": [{"scope": "all", "period": "day", "limit": 4}],
            "closed_weekdays": ["sat"],
        },
        strict=False,
    )
    assert pack.windows[0] == Window(time(7), time(18))
    assert pack.windows[5] is None
    assert Cap("all", "day", 1, get_pack("CO").caps[0].source) in pack.caps


@pytest.mark.django_db
def test_an_override_that_would_loosen_the_pack_is_never_saved(creditor):
    override = CreditorRuleOverride(
        creditor=creditor, country="co", overrides={"windows": {"sun": ["09:00", "12:00"]}}
    )
    with pytest.raises(ValidationError) as raised:
        override.save()
    assert "windows.sun" in str(raised.value.message_dict["overrides"])
    assert CreditorRuleOverride.objects.count() == 0


@pytest.mark.django_db
def test_an_override_needs_a_real_country_code(creditor):
    override = CreditorRuleOverride(creditor=creditor, country="XX", overrides={})
    with pytest.raises(ValidationError) as raised:
        override.full_clean()
    assert "country" in raised.value.message_dict


@pytest.mark.django_db
def test_pack_for_applies_the_creditors_override_and_sees_changes_at_once(creditor):
    clear_cache()
    assert pack_for(creditor.pk, "CO") is get_pack("CO")
    override = CreditorRuleOverride.objects.create(
        creditor=creditor, country="co", overrides={"closed_weekdays": ["sat"]}
    )
    assert override.country == "CO"
    assert pack_for(creditor.pk, "CO").windows[5] is None
    assert pack_for(creditor.pk, "CL") is get_pack("CL")
    assert pack_for(None, "CO") is get_pack("CO")
    override.delete()
    assert pack_for(creditor.pk, "CO").windows[5] is not None


@pytest.mark.django_db
def test_pack_for_keeps_the_stricter_rules_when_a_stored_override_became_looser(creditor):
    clear_cache()
    # Written straight to the table, as if counsel had tightened the pack since it was saved.
    CreditorRuleOverride.objects.bulk_create(
        [
            CreditorRuleOverride(
                creditor=creditor,
                country="CO",
                overrides={
                    "caps": [{"scope": "all", "period": "day", "limit": 3}],
                    "closed_weekdays": ["sat"],
                },
            )
        ]
    )
    pack = pack_for(creditor.pk, "CO")
    assert pack.windows[5] is None
    assert min(cap.limit for cap in pack.caps if cap.period == "day") == 1
    clear_cache()


@pytest.mark.django_db
def test_the_admin_refuses_a_loosening_override_in_spanish(admin_client, creditor):
    url = reverse("admin:compliance_creditorruleoverride_add")
    response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert "regla propia del acreedor" in response.content.decode()
    response = admin_client.post(
        url,
        {
            "creditor": creditor.pk,
            "country": "CO",
            "overrides": '{"caps": [{"scope": "all", "period": "day", "limit": 2}]}',
            "note": "",
        },
    )
    assert response.status_code == 200
    assert "caps[0].limit: 2 all per day is more than the pack" in response.content.decode()
    assert CreditorRuleOverride.objects.count() == 0


@pytest.mark.django_db
def test_the_admin_saves_a_stricter_override_and_shows_the_resulting_rules(admin_client, creditor):
    response = admin_client.post(
        reverse("admin:compliance_creditorruleoverride_add"),
        {
            "creditor": creditor.pk,
            "country": "CO",
            "overrides": '{"closed_weekdays": ["sat"]}',
            "note": "Sin sábados",
        },
    )
    assert response.status_code == 302
    override = CreditorRuleOverride.objects.get()
    assert override.overrides == {"closed_weekdays": ["sat"]}
    page = admin_client.get(
        reverse("admin:compliance_creditorruleoverride_change", args=[override.pk])
    ).content.decode()
    assert "Saturday   no contact" in page
    clear_cache()
