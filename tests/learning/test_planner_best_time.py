"""The planner places a message at the debtor's learnt best hour, only inside the legal window,
and only for policies that ask for it (``Policy.place_at_best_time``)."""

from __future__ import annotations

from datetime import time

import pytest

from recaudo.compliance.rules import check_contact
from recaudo.compliance.store import pack_for
from recaudo.outreach.models import Outreach
from recaudo.outreach.planner import plan
from recaudo.policies.models import Policy
from recaudo.portfolio.actions import set_contact_preferences
from tests.outreach.test_planner import DAY, NOW, _debtor, _due
from tests.outreach.test_preferences import _at

pytestmark = pytest.mark.django_db


def _best(on: bool) -> None:
    Policy.objects.update(place_at_best_time=on)


def test_with_the_setting_on_the_message_waits_for_the_best_hour_inside_the_window(creditor):
    _best(True)
    # The default policies try RCS before SMS: the message goes by RCS, at its best hour.
    debtor = _debtor(creditor, best_hours={"rcs": 15, "sms": 11, "whatsapp": 9})
    _due(debtor, 0)

    plan(DAY, now=NOW)

    row = Outreach.objects.get()
    assert row.channel == "rcs"
    assert (row.window_start, row.window_end) == (_at(15), _at(19))
    pack = pack_for(creditor.pk, "CO", "")
    assert check_contact(
        pack, timezone=debtor.timezone, channel="rcs", at=row.window_start, history=()
    ).allowed


def test_with_the_setting_off_the_message_keeps_the_window_start(creditor):
    _best(False)
    debtor = _debtor(creditor, best_hours={"rcs": 15})
    _due(debtor, 0)

    plan(DAY, now=NOW)

    row = Outreach.objects.get()
    assert (row.window_start, row.window_end) == (_at(7), _at(19))


def test_a_best_hour_the_law_forbids_falls_back_to_the_window_start(creditor):
    _best(True)
    debtor = _debtor(creditor, best_hours={"rcs": 21})  # Colombia: no contact after 19:00
    _due(debtor, 0)

    plan(DAY, now=NOW)

    row = Outreach.objects.get()
    assert (row.window_start, row.window_end) == (_at(7), _at(19))


def test_the_debtors_own_preferred_hours_win_over_the_learnt_hour(creditor):
    _best(True)
    debtor = _debtor(creditor, best_hours={"rcs": 15})
    set_contact_preferences(debtor, channel="", hours_from=time(8), hours_to=time(10), actor="test")
    _due(debtor, 0)

    plan(DAY, now=NOW)

    row = Outreach.objects.get()
    assert (row.window_start, row.window_end) == (_at(8), _at(10))
