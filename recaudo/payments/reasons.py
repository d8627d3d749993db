"""Reasons for non-payment, per debt: ``record_reasons`` and the maps from what heard them.

Every path that hears a reason calls ``record_reasons`` inside its own
transaction: the bot (an intent: hardship, dispute, "ya pagué", wrong person,
a promise), a call's outcome, a report from the portal or the chat, and an
agent's choice on the conversation. A reason names the debts it is about; when
the debtor named none, it is about every debt they still owe.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from recaudo.outreach.models import Outreach
from recaudo.payments.models import DebtorReport, NonPaymentReason
from recaudo.portfolio.models import Debt, Debtor

Code = NonPaymentReason.Code
Source = NonPaymentReason.Source

# The bot's intents that are a reason (recaudo/conversations/nlu).
INTENT_REASONS = {
    "hardship": Code.HARDSHIP,
    "dispute": Code.DISPUTE,
    "already_paid": Code.ALREADY_PAID,
    "wrong_person": Code.WRONG_PERSON,
    "promise_to_pay": Code.WILL_PAY_LATER,
}
# A call's outcome (conversations.calls.OUTCOMES) that is a reason. "paid" is
# recorded by the report it opens (``REPORT_REASONS``), not twice.
CALL_REASONS = {
    "promise": Code.WILL_PAY_LATER,
    "refused": Code.REFUSED,
    "wrong_number": Code.WRONG_PERSON,
}
# An agent's "motivo de no pago" on a conversation (conversations Thread.NonPayment).
AGENT_REASONS = {
    "forgot": Code.FORGOT,
    "no_money": Code.HARDSHIP,
    "dispute": Code.DISPUTE,
    "other": Code.OTHER,
}
REPORT_REASONS: dict[str, str] = {
    DebtorReport.Kind.ALREADY_PAID: Code.ALREADY_PAID,
    DebtorReport.Kind.DISPUTE: Code.DISPUTE,
}
# DebtorReport.source to the reason's source; a staff pause is no reason.
REPORT_SOURCES = {"portal": Source.PORTAL, "bot": Source.BOT, "call": Source.CALL}


def record_reasons(
    debtor: Debtor,
    code: str,
    source: str,
    *,
    debt_ids: Sequence[int] = (),
    detail: str = "",
    occurred_at: datetime | None = None,
    thread_id: int | None = None,
    outreach: Outreach | None = None,
    report: DebtorReport | None = None,
) -> list[NonPaymentReason]:
    """One reason row per named debt (or per debt still owed when none is named).

    Refuses an unknown code or source (``ValueError``); a debtor who owes
    nothing and named no debt gets no row.
    """
    if code not in Code.values:
        raise ValueError(f"reason code: {code!r} is not one of {', '.join(Code.values)}")
    if source not in Source.values:
        raise ValueError(f"reason source: {source!r} is not one of {', '.join(Source.values)}")
    debts = Debt.objects.filter(debtor_id=debtor.pk)
    if debt_ids:
        debts = debts.filter(pk__in=list(debt_ids))
    else:
        debts = debts.filter(status__in=Debt.COLLECTIBLE)
    when = occurred_at or timezone.now()
    rows = [
        NonPaymentReason(
            creditor_id=debtor.creditor_id,
            debtor_id=debtor.pk,
            debt_id=debt_id,
            code=code,
            source=source,
            detail=detail.strip()[:500],
            occurred_at=when,
            thread_id=thread_id,
            outreach=outreach,
            report=report,
        )
        for debt_id in debts.order_by("pk").values_list("pk", flat=True)
    ]
    with transaction.atomic():
        return NonPaymentReason.objects.bulk_create(rows)


def record_report_reason(report: DebtorReport, *, thread_id: int | None = None) -> None:
    """The reason a new "ya pagué" or dispute report gives (a staff pause gives none)."""
    code = REPORT_REASONS.get(report.kind)
    if code is None:
        return
    source = REPORT_SOURCES.get(report.source, Source.AGENT)
    debtor = Debtor.objects.get(pk=report.debtor_id)
    record_reasons(
        debtor,
        code,
        source,
        debt_ids=[report.debt_id],
        detail=report.reason,
        occurred_at=report.created_at,
        thread_id=thread_id,
        report=report,
    )
