"""Which past contacts count toward the caps: one rule for every reader (outreach/history.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from recaudo.compliance.rules import PastContact
from recaudo.outreach.history import counted, counted_sql, debtor_history, past_contacts
from recaudo.outreach.models import Outreach
from tests.delivery.test_provider_events import NOW, SENT_AT, make_outreach

pytestmark = pytest.mark.django_db

LATER = SENT_AT + timedelta(days=1)


def _moved_to(status: str, *, sent_at=None) -> Outreach:
    row = make_outreach(status="planned")
    Outreach.objects.filter(pk=row.pk).update(status=status, sent_at=sent_at)
    row.refresh_from_db()
    return row


@pytest.mark.parametrize("status", ["sending", "sent", "delivered", "read", "unknown"])
def test_an_attempt_that_left_or_may_have_left_counts_from_when_it_was_sent(status):
    row = _moved_to(status, sent_at=SENT_AT)

    assert debtor_history(row.debtor_id, LATER, placing=False) == [
        PastContact(row.channel, SENT_AT)
    ]


def test_an_attempt_not_yet_sent_counts_from_the_start_of_its_window():
    row = _moved_to("sending")

    assert debtor_history(row.debtor_id, LATER, placing=False) == [
        PastContact(row.channel, row.window_start)
    ]


def test_a_failed_row_counts_only_when_a_provider_had_taken_it():
    reached = _moved_to("failed", sent_at=SENT_AT)
    never_left = _moved_to("failed")

    assert debtor_history(reached.debtor_id, LATER, placing=False) == [
        PastContact(reached.channel, SENT_AT)
    ]
    assert debtor_history(never_left.debtor_id, LATER, placing=False) == []
    assert debtor_history(never_left.debtor_id, LATER, placing=True) == []


def test_cancelled_rows_never_count():
    row = _moved_to("cancelled")

    assert debtor_history(row.debtor_id, LATER, placing=True) == []


def test_planned_rows_count_only_when_a_new_contact_is_being_placed():
    row = make_outreach(status="planned")

    assert debtor_history(row.debtor_id, NOW, placing=False) == []
    assert debtor_history(row.debtor_id, NOW, placing=True) == [
        PastContact(row.channel, row.window_start)
    ]


def test_contacts_older_than_fourteen_days_are_forgotten():
    row = _moved_to("read", sent_at=SENT_AT)

    assert debtor_history(row.debtor_id, SENT_AT + timedelta(days=14), placing=False) != []
    later = SENT_AT + timedelta(days=14, seconds=1)
    assert debtor_history(row.debtor_id, later, placing=False) == []


def test_the_rows_being_judged_can_be_left_out():
    row = _moved_to("sending", sent_at=SENT_AT)

    assert past_contacts([row.debtor_id], LATER, placing=False, exclude_ids=[row.pk]) == {}


@pytest.mark.parametrize("placing", [True, False])
def test_the_planners_sql_and_the_orm_count_the_same_rows(placing):
    for status in ("planned", "sending", "sent", "unknown", "cancelled"):
        _moved_to(status, sent_at=SENT_AT if status in ("sent", "unknown") else None)
    _moved_to("failed", sent_at=SENT_AT)
    _moved_to("failed")
    condition, params = counted_sql("o", placing=placing)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT o.id FROM outreach_outreach o WHERE {condition}", params)
        by_sql = {found for (found,) in cursor.fetchall()}

    by_orm = Outreach.objects.filter(counted(placing=placing)).values_list("pk", flat=True)
    assert by_sql == set(by_orm)
    assert len(by_sql) == (5 if placing else 4)


@pytest.mark.parametrize(
    ("outcome", "talked"),
    [("promise", True), ("refused", True), ("paid", True), ("call_back", True),
     ("no_answer", False), ("wrong_number", False)],
)  # fmt: skip
def test_a_call_that_reached_the_debtor_counts_as_a_conversation(outcome, talked):
    from recaudo.outreach.tasks import mark_called

    row = make_outreach(status="planned")
    Outreach.objects.filter(pk=row.pk).update(action="call_task", channel="call")
    row.refresh_from_db()
    mark_called(row, outcome=outcome, phone=None, now=SENT_AT)

    assert debtor_history(row.debtor_id, LATER, placing=False) == [
        PastContact("call", SENT_AT, conversation=talked)
    ]
