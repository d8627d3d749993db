"""Pure decisions of insights: the attribution rule and the aging buckets (docs/insights.md)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

# The funnel asks "paid within 7 / 30 days of the message": the rule looks back
# at least this far so both can be counted, whatever the credit window.
LOOKBACK_DAYS = 30

# Aging buckets by days past due: (code, first day, last day or None).
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("current", -(10**6), 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-180", 91, 180),
    ("180+", 181, None),
)
BUCKET_CODES = tuple(code for code, _, _ in BUCKETS)
CLOSED = "closed"  # a debt paid or closed: where a roll ends when it cures


def bucket_of(due_on: date, today: date) -> str:
    """The aging bucket of a debt due ``due_on`` seen on ``today``."""
    late = (today - due_on).days
    for code, first, last in BUCKETS:
        if late >= first and (last is None or late <= last):
            return code
    raise AssertionError(late)  # the buckets cover every integer


@dataclass(frozen=True, slots=True)
class Touch:
    """A message that reached the debtor: when it left, and when its own link was last opened."""

    outreach_id: int
    sent_at: datetime
    opened_at: datetime | None = None

    @property
    def at(self) -> datetime:
        """The touch's moment: its latest opening, or its sending when never opened."""
        return max(self.sent_at, self.opened_at) if self.opened_at else self.sent_at


@dataclass(frozen=True, slots=True)
class Credit:
    last: Touch
    first: Touch
    credited: bool  # the last touch lies within the credit window
    days_after: int  # whole days from the last touch to the payment


def attribute(paid_at: datetime, touches: Iterable[Touch], credit_days: int) -> Credit | None:
    """Credit a payment to the messages that led to it.

    The rule: among the debtor's messages whose touch (sending, or a later
    opening of the message's own link) falls in the ``max(credit_days, 30)``
    days up to the payment, the latest touch is the *last touch* and the
    earliest sending the *first touch*. The payment is *credited* to the last
    touch when it is at most ``credit_days`` old. Openings after the payment
    do not count; a message sent after it is no touch. Ties go to the newer
    message (the higher id). None when nothing touched the debtor.
    """
    start = paid_at - timedelta(days=max(credit_days, LOOKBACK_DAYS))
    seen: Sequence[Touch] = [
        _until(touch, paid_at)
        for touch in touches
        if touch.sent_at <= paid_at and _until(touch, paid_at).at > start
    ]
    if not seen:
        return None
    last = max(seen, key=lambda touch: (touch.at, touch.outreach_id))
    first = min(seen, key=lambda touch: (touch.sent_at, touch.outreach_id))
    return Credit(
        last=last,
        first=first,
        credited=paid_at - last.at <= timedelta(days=credit_days),
        days_after=(paid_at - last.sent_at).days,
    )


def _until(touch: Touch, paid_at: datetime) -> Touch:
    """The touch as it stood at the payment: an opening after it is dropped."""
    if touch.opened_at is not None and touch.opened_at > paid_at:
        return Touch(touch.outreach_id, touch.sent_at, None)
    return touch


def ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part / whole`` to four places; None when ``whole`` is zero."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))
