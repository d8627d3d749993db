"""Each creditor's agent hours: its shifts, its team's zone, its country's holidays."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError

from recaudo.conversations.bot import DEFAULT_AGENT_WEEK
from recaudo.conversations.hours import agent_hours
from recaudo.portfolio.models import AgentShift
from tests.factories import make_creditor

pytestmark = pytest.mark.django_db


def test_a_creditor_without_shifts_has_the_default_week_in_its_countrys_zone():
    creditor = make_creditor(country="CO")

    hours = agent_hours(creditor, date(2026, 12, 4))

    assert hours.week == DEFAULT_AGENT_WEEK
    assert hours.timezone == "America/Bogota"
    assert date(2026, 12, 8) in hours.holidays  # Inmaculada Concepción, a Colombian holiday
    assert date(2027, 1, 1) in hours.holidays  # next year's too


def test_a_creditors_own_shifts_and_zone_replace_the_default():
    creditor = make_creditor(country="MX", agent_timezone="America/Monterrey")
    AgentShift.objects.create(creditor=creditor, weekday=0, starts_at=time(7), ends_at=time(15))
    AgentShift.objects.create(creditor=creditor, weekday=6, starts_at=time(10), ends_at=time(14))

    hours = agent_hours(creditor, date(2026, 12, 4))

    assert hours.week == (
        (time(7), time(15)), None, None, None, None, None, (time(10), time(14))
    )
    assert hours.timezone == "America/Monterrey"


def test_a_team_zone_that_is_not_an_iana_zone_is_refused_naming_it():
    creditor = make_creditor(agent_timezone="Bogota")

    with pytest.raises(ValidationError) as refused:
        creditor.full_clean()

    assert "'Bogota' no es una zona horaria IANA" in str(refused.value.message_dict)


def test_a_shift_that_ends_before_it_starts_is_refused():
    creditor = make_creditor()
    shift = AgentShift(creditor=creditor, weekday=1, starts_at=time(18), ends_at=time(8))

    with pytest.raises(ValidationError):
        shift.full_clean()
