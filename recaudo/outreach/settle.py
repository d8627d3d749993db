"""Cancelling contacts that are no longer owed, in the payment's own transaction."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef

from recaudo.outreach.models import Outreach, OutreachDebt


def cancel_settled(debtor_id: int, reason: str) -> int:
    """Cancel the debtor's planned contacts whose debts are all paid or closed.

    A contact about several debts stays while one of them is still owed (the
    dispatcher sends the amount still owed at the moment of sending).
    """
    still_owed = OutreachDebt.objects.filter(
        outreach=OuterRef("pk"), debt__status="open", debt__amount_paid__lt=F("debt__amount")
    )
    return (
        Outreach.objects.filter(debtor_id=debtor_id, status=Outreach.Status.PLANNED)
        .exclude(Exists(still_owed))
        .update(status=Outreach.Status.CANCELLED, status_reason=reason[:200])
    )
