"""The attribution rule (``insights.rules.attribute``) on plain data: last touch within N
days, first touch kept, openings as touches, edges of the window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from recaudo.insights.rules import Touch, attribute, bucket_of

PAID = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def days_before(days: float) -> datetime:
    return PAID - timedelta(days=days)


def test_the_last_message_sent_within_seven_days_gets_the_credit_and_the_first_is_kept():
    touches = [Touch(1, days_before(20)), Touch(2, days_before(5)), Touch(3, days_before(1))]

    credit = attribute(PAID, touches, credit_days=7)

    assert credit is not None
    assert (credit.last.outreach_id, credit.first.outreach_id) == (3, 1)
    assert credit.credited is True
    assert credit.days_after == 1


def test_a_last_touch_older_than_the_window_is_kept_but_not_credited():
    credit = attribute(PAID, [Touch(1, days_before(8))], credit_days=7)

    assert credit is not None
    assert credit.last.outreach_id == 1
    assert credit.credited is False
    assert credit.days_after == 8


def test_exactly_n_days_is_inside_the_window_and_a_second_more_is_outside():
    inside = attribute(PAID, [Touch(1, days_before(7))], credit_days=7)
    outside = attribute(PAID, [Touch(1, days_before(7) - timedelta(seconds=1))], credit_days=7)

    assert inside is not None and inside.credited is True
    assert outside is not None and outside.credited is False


def test_nothing_is_credited_when_the_only_message_is_older_than_thirty_days():
    assert attribute(PAID, [Touch(1, days_before(31))], credit_days=7) is None


def test_a_message_sent_after_the_payment_is_no_touch():
    credit = attribute(PAID, [Touch(1, days_before(3)), Touch(2, PAID + timedelta(hours=1))], 7)

    assert credit is not None
    assert credit.last.outreach_id == 1


def test_opening_an_older_messages_link_makes_it_the_last_touch():
    # Message 1 was sent 6 days ago and its link opened an hour before paying;
    # message 2 was sent 2 days ago and never opened.
    touches = [
        Touch(1, days_before(6), opened_at=PAID - timedelta(hours=1)),
        Touch(2, days_before(2)),
    ]

    credit = attribute(PAID, touches, credit_days=7)

    assert credit is not None
    assert credit.last.outreach_id == 1
    assert credit.first.outreach_id == 1
    assert credit.days_after == 6


def test_an_opening_after_the_payment_does_not_count():
    touches = [
        Touch(1, days_before(6), opened_at=PAID + timedelta(minutes=5)),
        Touch(2, days_before(2)),
    ]

    credit = attribute(PAID, touches, credit_days=7)

    assert credit is not None and credit.last.outreach_id == 2


def test_two_touches_at_the_same_moment_credit_the_newer_message():
    credit = attribute(PAID, [Touch(4, days_before(1)), Touch(9, days_before(1))], 7)

    assert credit is not None and credit.last.outreach_id == 9 and credit.first.outreach_id == 4


def test_a_longer_window_credits_an_older_message():
    credit = attribute(PAID, [Touch(1, days_before(20))], credit_days=30)

    assert credit is not None and credit.credited is True


def test_aging_buckets_by_days_past_due():
    today = date(2026, 11, 30)
    assert [
        bucket_of(today - timedelta(days=late), today)
        for late in (-5, 0, 1, 30, 31, 60, 61, 90, 91, 180, 181, 900)
    ] == [
        "current",
        "current",
        "1-30",
        "1-30",
        "31-60",
        "31-60",
        "61-90",
        "61-90",
        "91-180",
        "91-180",
        "180+",
        "180+",
    ]
