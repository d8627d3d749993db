"""The debtor's preferences: the preferred channel goes first, preferred hours narrow the window.

Issue 15: a debtor who chose a channel and hours on the portal was still
contacted on the step's first channel at the first hour the law allows.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from recaudo.compliance.store import pack_for
from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.contract import ProviderResult
from recaudo.outreach.models import Outreach
from recaudo.outreach.notify import notify
from recaudo.outreach.planner import plan
from recaudo.policies.planning import StepInfo, UsablePoint, choose_channel, place, within_hours
from recaudo.portfolio.actions import set_contact_preferences
from recaudo.portfolio.models import AuditEvent
from tests.outreach.test_planner import DAY, NOW, _debtor, _due

pytestmark = pytest.mark.django_db
BOGOTA = "America/Bogota"  # UTC-5 all year; Colombia allows 07:00-19:00 on weekdays


def _at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """``hour`` in Bogotá on ``day``, in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) + timedelta(hours=5)


def _prefer(debtor, channel="", hours=None):
    start, end = hours or (None, None)
    set_contact_preferences(
        debtor, channel=channel, hours_from=start, hours_to=end, actor="test"
    )


def test_a_debtor_who_prefers_email_is_reminded_by_email_with_the_others_as_fallbacks(creditor):
    debtor = _debtor(creditor, whatsapp=True)
    _due(debtor, 0)
    _prefer(debtor, "email")

    plan(DAY, now=NOW)

    outreach = Outreach.objects.get()
    assert outreach.channel == "email"
    assert outreach.fallback_channels == ["whatsapp", "rcs", "sms"]
    assert outreach.contact_point.kind == "email"


def test_a_preferred_channel_without_consent_is_not_used(creditor):
    debtor = _debtor(creditor, whatsapp=False)  # no WhatsApp opt-in
    _due(debtor, 0)
    _prefer(debtor, "whatsapp")

    plan(DAY, now=NOW)

    outreach = Outreach.objects.get()
    assert (outreach.channel, outreach.fallback_channels) == ("rcs", ["sms", "email"])


def test_preferred_afternoons_narrow_the_window_to_the_afternoon(creditor):
    debtor = _debtor(creditor)
    other = _debtor(creditor)
    _due(debtor, 0)
    _due(other, 0)
    _prefer(debtor, hours=(time(12), time(18)))

    plan(DAY, now=NOW)

    mine = Outreach.objects.get(debtor=debtor)
    theirs = Outreach.objects.get(debtor=other)
    assert (mine.window_start, mine.window_end) == (_at(12), _at(18))
    assert (theirs.window_start, theirs.window_end) == (_at(7), _at(19))


def test_preferred_evenings_never_widen_the_hours_the_law_allows(creditor):
    debtor = _debtor(creditor)
    _due(debtor, 0)
    _prefer(debtor, hours=(time(18), time(21)))

    plan(DAY, now=NOW)

    outreach = Outreach.objects.get()
    assert (outreach.window_start, outreach.window_end) == (_at(18), _at(19))


def test_hours_that_never_meet_the_allowed_ones_leave_the_allowed_window(creditor):
    debtor = _debtor(creditor)
    _due(debtor, 0)
    _prefer(debtor, hours=(time(21), time(23)))  # Colombia closes at 19:00

    plan(DAY, now=NOW)

    outreach = Outreach.objects.get()
    assert (outreach.window_start, outreach.window_end) == (_at(7), _at(19))


def test_the_dispatcher_sends_nothing_before_the_preferred_hours(creditor):
    debtor = _debtor(creditor)
    _due(debtor, 0)
    _prefer(debtor, hours=(time(12), time(18)))
    plan(DAY, now=NOW)

    assert _dispatch(_at(9)) == []
    [message] = _dispatch(_at(12, 5))
    assert message.channel == "rcs"


def test_a_late_dispatcher_waits_for_the_preferred_hours_of_the_next_day(creditor):
    debtor = _debtor(creditor)
    _due(debtor, 0)
    _prefer(debtor, hours=(time(12), time(18)))
    plan(DAY, now=NOW)
    tomorrow = DAY + timedelta(days=1)

    # The worker was down all afternoon: at 08:00 the next day the law allows
    # the contact, the debtor's hours do not yet.
    assert _dispatch(_at(8, day=tomorrow)) == []
    row = Outreach.objects.get()
    assert (row.status, row.status_reason) == ("planned", "postponed: preferred_hours")
    assert row.next_attempt_at == _at(12, day=tomorrow)
    [message] = _dispatch(_at(12, 1, day=tomorrow))
    assert message.channel == "rcs"


def test_a_contact_the_planner_could_not_fit_in_the_hours_is_sent_as_placed(creditor):
    debtor = _debtor(creditor)
    _due(debtor, 0)
    _prefer(debtor, hours=(time(21), time(23)))  # never inside Colombia's hours
    plan(DAY, now=NOW)

    [message] = _dispatch(_at(9))

    assert message.channel == "rcs"


def test_a_receipt_goes_at_once_on_the_preferred_channel_but_a_promise_reminder_waits(creditor):
    debtor = _debtor(creditor, whatsapp=True)
    _due(debtor, 10)
    _prefer(debtor, "email", hours=(time(18), time(21)))
    morning = _at(9)

    with time_machine.travel(morning, tick=False):
        receipt = notify(debtor, "payment_thanks", key="thanks:1", now=morning)
        reminder = notify(
            debtor,
            "promise_reminder",
            key="promise-reminder:1",
            context={"promise_date": "2026-11-25", "promise_amount": "50000"},
            now=morning,
        )

    assert receipt is not None and reminder is not None
    assert (receipt.channel, receipt.window_start) == ("email", morning)
    assert (reminder.channel, reminder.window_start, reminder.window_end) == (
        "email",
        _at(18),
        _at(19),
    )


def test_a_change_of_preferences_is_audited_with_old_and_new_values(creditor):
    debtor = _debtor(creditor)

    _prefer(debtor, "email", hours=(time(8), time(12)))
    _prefer(debtor, "email", hours=(time(8), time(12)))  # the same again: nothing to record

    event = AuditEvent.objects.get(debtor=debtor, kind="debtor_updated")
    assert event.actor == "test"
    assert event.data == {
        "changes": {
            "preferred_channel": ["", "email"],
            "preferred_hours_from": ["", "08:00"],
            "preferred_hours_to": ["", "12:00"],
        }
    }


def test_a_range_that_ends_before_it_starts_is_refused_and_nothing_is_stored(creditor):
    debtor = _debtor(creditor)

    reason = "«desde» \\(18:00\\) debe ser anterior a «hasta» \\(08:00\\)"
    with pytest.raises(ValueError, match=reason):
        _prefer(debtor, "sms", hours=(time(18), time(8)))

    debtor.refresh_from_db()
    assert (debtor.preferred_channel, debtor.preferred_hours_from) == ("", None)
    assert not AuditEvent.objects.filter(debtor=debtor, kind="debtor_updated").exists()


# The rules alone, on plain data.

STEP = StepInfo(1, 1, 0, "message", ("whatsapp", "sms", "email"), "due_today", "preventive")
POINTS = [
    UsablePoint(1, "phone", frozenset({"whatsapp", "sms"}), frozenset({"whatsapp", "sms"}), False),
    UsablePoint(2, "email", frozenset({"email"}), frozenset({"email"}), False),
]


def test_a_preferred_channel_the_step_does_not_list_is_never_added():
    step = StepInfo(1, 1, 0, "message", ("email",), "b2b_due_today", "preventive")

    choice = choose_channel(step, POINTS, frozenset(), "whatsapp")

    assert choice is not None and (choice.channel, choice.fallbacks) == ("email", ())


def test_the_preferred_channel_moves_to_the_front_and_the_rest_keep_their_order():
    choice = choose_channel(STEP, POINTS, frozenset(), "sms")

    assert choice is not None
    assert (choice.channel, choice.fallbacks) == ("sms", ("whatsapp", "email"))


def test_a_window_outside_the_preferred_hours_has_no_part_inside_them():
    assert within_hours(_at(7), _at(19), (time(20), time(22)), BOGOTA) is None
    assert within_hours(_at(7), _at(19), (time(6), time(9)), BOGOTA) == (_at(7), _at(9))


def test_preferred_mornings_on_a_day_already_past_noon_move_to_the_next_morning():
    pack = pack_for(None, "CO", "")

    window = place(
        pack,
        timezone=BOGOTA,
        channel="sms",
        day=DAY,
        history=(),
        not_before=_at(13),
        hours=(time(8), time(12)),
    )

    tomorrow = DAY + timedelta(days=1)
    assert window == (_at(8, day=tomorrow), _at(12, day=tomorrow))


class Recorder:
    def __init__(self) -> None:
        self.sent = []

    def get(self, name):
        return self

    def send(self, message):
        self.sent.append(message)
        return ProviderResult("accepted", provider_message_id=f"id-{len(self.sent)}")


def _dispatch(at):
    channels = Recorder()
    worker = Dispatcher(channels=channels, name="t", rng=random.Random(1))
    with time_machine.travel(at, tick=False):
        worker.run_once(at)
    worker.close()
    return channels.sent
