"""Cancelling contacts that are no longer owed, in the transaction of what settled them."""

from __future__ import annotations

from datetime import date

from recaudo.outreach.models import Outreach


def cancel_settled(debtor_id: int, reason: str) -> int:
    """Cancel the debtor's planned contacts that a payment, a report or a plan made stale.

    Those are the contacts whose debts are all paid or closed (one about
    several debts stays while one of them is still owed: the dispatcher sends
    the amount still owed at the moment of sending), and the reminders of a
    promise or a plan (``COLLECTION_NOTICES``): "your promise is due tomorrow"
    or "we have not received the payment" no longer fits once the debtor has
    paid, reported or agreed something new. A thank-you, a receipt or an
    answer to the debtor is never cancelled here.
    """
    planned = Outreach.objects.planned().filter(debtor_id=debtor_id)
    stale = planned.settled() | planned.about_agreements()
    return Outreach.objects.filter(pk__in=stale.values("pk")).update(
        status=Outreach.Status.CANCELLED, status_reason=reason[:200]
    )


def cancel_for_due_date(debt_id: int, old_due_on: date, reason: str) -> int:
    """Cancel the planned contacts about ``debt_id`` anchored on its old due date.

    Called when a due date moves (an extension): they no longer fit, and the
    planner plans the steps of the new date.
    """
    return (
        Outreach.objects.planned()
        .filter(anchor_due_on=old_due_on, debt_links__debt_id=debt_id)
        .update(status=Outreach.Status.CANCELLED, status_reason=reason[:200])
    )
