"""Call tasks in the outbox: an agent's call recorded, a call back queued.

A call task is an ``Outreach`` row (action ``call_task``) the planner made;
the agent's inbox (conversations/actions.py) decides, these write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from recaudo.outreach.models import Outreach, OutreachDebt
from recaudo.portfolio.models import ContactPoint

Status = Outreach.Status

# Call outcomes (the agent inbox's keys, stored as the task's status_reason)
# that mean the agent talked with the debtor about the debt: a "telephone
# conversation" for rules such as US Regulation F's seven days without calls
# after one. "no_answer" and "wrong_number" are not.
CONVERSATION_OUTCOMES = frozenset({"promise", "refused", "paid", "call_back"})


def mark_called(task: Outreach, *, outcome: str, phone: ContactPoint | None, now: datetime) -> bool:
    """The call was made: the task becomes a contact made (``sent``) now.

    It then counts against the country's contact rules (outreach/history.py).
    Only a task still planned changes (the caller holds its lock).
    """
    return bool(
        Outreach.objects.filter(pk=task.pk, status=Status.PLANNED).update(
            status=Status.SENT,
            sent_at=now,
            status_reason=outcome,
            contact_point=phone or task.contact_point,
            updated_at=now,
        )
    )


def queue_call_back(
    task: Outreach,
    *,
    phone: ContactPoint,
    starts_at: datetime,
    ends_at: datetime,
    asked_at: datetime,
    reasons: Sequence[str],
) -> Outreach:
    """A new call task for the same debts in the window given, once per attempt."""
    follow_up = Outreach.objects.create(
        creditor_id=task.creditor_id,
        debtor_id=task.debtor_id,
        segment_id=task.segment_id,
        anchor_due_on=task.anchor_due_on,
        planned_on=starts_at.astimezone(ZoneInfo(task.debtor.timezone)).date(),
        action=Outreach.Action.CALL_TASK,
        channel="call",
        contact_point=phone,
        template_key=task.template_key,
        tone=task.tone,
        language=task.language,
        currency=task.currency,
        amount_due=task.amount_due,
        window_start=starts_at,
        window_end=ends_at,
        notice_key=f"call-back:{task.pk}",
        notice_context={
            "call_back_of": task.pk,
            "asked_for": asked_at.isoformat(),
            "reasons": list(reasons),
        },
    )
    # The same debts: a payment that settles them cancels this call too.
    OutreachDebt.objects.bulk_create(
        OutreachDebt(outreach=follow_up, debt_id=link.debt_id, balance=link.balance)
        for link in OutreachDebt.objects.filter(outreach=task)
    )
    return follow_up
