"""Everything held about one debtor, as plain JSON-ready data (the right of access).

``debtor_export(debtor)`` gathers the debtor and every row about them, live
or archived, into one dictionary whose shape is the documented schema
``recaudo.debtor-export/1`` (docs/privacy.md "What the export contains"):
keys are stable, lists are ordered by time then id, times are ISO 8601 in
UTC, money is a decimal string with its currency. A key is never removed or
renamed within a schema version; new keys may be added.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models

from recaudo.conversations.models import Message, Thread
from recaudo.outreach.models import Outreach, OutreachDebt
from recaudo.payments.models import (
    DebtorReport,
    DebtorRequest,
    InstalmentPlan,
    NonPaymentReason,
    PaymentLink,
    Promise,
)
from recaudo.portfolio.models import (
    AuditEvent,
    ChannelConsent,
    ContactPoint,
    Debt,
    Debtor,
    Payment,
    PaymentAllocation,
)
from recaudo.privacy.models import ArchivedRecord

SCHEMA = "recaudo.debtor-export/1"


def plain(value: Any) -> Any:
    """A value as JSON holds it: times ISO 8601, money a decimal string."""
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def _fields(row: models.Model, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: plain(getattr(row, name)) for name in names}


CREDITOR_FIELDS = ("id", "name", "legal_name", "tax_id", "country", "brand_name")
DEBTOR_FIELDS = (
    "id", "external_id", "kind", "full_name", "first_name", "national_id_type",
    "national_id_number", "country", "timezone", "language", "tags", "created_at",
    "updated_at", "erased_at",
)  # fmt: skip
CONTACT_FIELDS = (
    "id", "kind", "value", "channels", "preferred", "opted_out_at", "invalid_since",
    "invalid_reason", "created_at",
)  # fmt: skip
CONSENT_FIELDS = ("channel", "source", "granted_at", "revoked_at")
DEBT_FIELDS = (
    "id", "external_id", "invoice_number", "description", "currency", "amount", "amount_paid",
    "issued_on", "due_on", "status", "created_at", "updated_at",
)  # fmt: skip
PAYMENT_FIELDS = (
    "id", "external_id", "debt_id", "amount", "currency", "paid_at", "method", "unallocated",
    "status", "created_at",
)  # fmt: skip
OUTREACH_FIELDS = (
    "id", "action", "channel", "status", "status_reason", "template_key", "language",
    "currency", "amount_due", "planned_on", "window_start", "window_end", "attempts",
    "sent_at", "delivered_at", "read_at", "failed_at", "last_error_code", "created_at",
)  # fmt: skip
MESSAGE_FIELDS = (
    "id", "occurred_at", "direction", "kind", "author", "channel", "address", "text", "intent",
    "outreach_id",
)  # fmt: skip
PROMISE_FIELDS = (
    "id", "amount", "currency", "promised_on", "status", "source", "created_at", "settled_at",
)  # fmt: skip
PLAN_FIELDS = (
    "id", "currency", "total", "down_payment", "instalment_count", "status", "source",
    "created_at", "ended_at",
)  # fmt: skip
INSTALMENT_FIELDS = ("number", "due_on", "amount", "status", "paid_at")
REQUEST_FIELDS = (
    "id", "kind", "status", "new_due_on", "currency", "owed", "amount", "discount_percent",
    "reason", "created_at", "decided_at", "decided_by",
)  # fmt: skip
REPORT_FIELDS = ("id", "debt_id", "kind", "reason", "receipt_type", "created_at", "reviewed_at")
REASON_FIELDS = ("id", "debt_id", "code", "source", "detail", "occurred_at")
LINK_FIELDS = ("created_at", "expires_at", "revoked_at")
EVENT_FIELDS = ("id", "kind", "actor", "debt_id", "payment_id", "data", "created_at")


def _outreach(debtor: Debtor) -> list[dict[str, Any]]:
    rows = Outreach.objects.filter(debtor=debtor).order_by("created_at", "id")
    links: dict[int, list[dict[str, Any]]] = {}
    for link in OutreachDebt.objects.filter(outreach__debtor=debtor).order_by("id"):
        links.setdefault(link.outreach_id, []).append(
            {"debt_id": link.debt_id, "balance": str(link.balance)}
        )
    live = [
        {
            **_fields(row, OUTREACH_FIELDS),
            # What left, as it left (``sent_text``); a reply's text before it was sent.
            "text": row.sent_text or (row.notice_context or {}).get("text"),
            "debts": links.get(row.pk, []),
            "archived": False,
        }
        for row in rows
    ]
    archived = [
        {
            **{name: record.data.get(name) for name in OUTREACH_FIELDS},
            "id": record.source_id,
            "text": record.data.get("sent_text")
            or (record.data.get("notice_context") or {}).get("text"),
            "debts": record.data.get("debts", []),
            "archived": True,
        }
        for record in ArchivedRecord.objects.filter(kind="outreach", debtor_id=debtor.pk).order_by(
            "occurred_at", "source_id"
        )
    ]
    return sorted(archived + live, key=lambda item: (item["created_at"] or "", item["id"]))


def _audit_events(debtor: Debtor) -> list[dict[str, Any]]:
    live = [
        {**_fields(event, EVENT_FIELDS), "archived": False}
        for event in AuditEvent.objects.filter(debtor=debtor).order_by("created_at", "id")
    ]
    archived = [
        {
            **{name: record.data.get(name) for name in EVENT_FIELDS},
            "id": record.source_id,
            "archived": True,
        }
        for record in ArchivedRecord.objects.filter(kind="audit", debtor_id=debtor.pk)
    ]
    return sorted(archived + live, key=lambda item: (item["created_at"] or "", item["id"]))


def _conversation(debtor: Debtor) -> dict[str, Any] | None:
    thread = Thread.objects.filter(debtor=debtor).first()
    if thread is None:
        return None
    return {
        "state": thread.state,
        "created_at": plain(thread.created_at),
        "messages": [
            _fields(message, MESSAGE_FIELDS)
            for message in Message.objects.filter(thread=thread).order_by("occurred_at", "id")
        ],
    }


def debtor_export(debtor: Debtor, *, now: datetime) -> dict[str, Any]:
    """The whole record of ``debtor`` (schema ``recaudo.debtor-export/1``)."""
    points = list(ContactPoint.objects.filter(debtor=debtor).order_by("created_at", "id"))
    consents: dict[int, list[dict[str, Any]]] = {}
    for consent in ChannelConsent.objects.filter(contact_point__debtor=debtor).order_by("id"):
        consents.setdefault(consent.contact_point_id, []).append(_fields(consent, CONSENT_FIELDS))
    allocations: dict[int, list[dict[str, Any]]] = {}
    for allocation in PaymentAllocation.objects.filter(payment__debtor=debtor).order_by("id"):
        allocations.setdefault(allocation.payment_id, []).append(
            {"debt_id": allocation.debt_id, "amount": str(allocation.amount)}
        )
    plans = InstalmentPlan.objects.filter(debtor=debtor).order_by("created_at", "id")
    return {
        "schema": SCHEMA,
        "generated_at": plain(now),
        "creditor": _fields(debtor.creditor, CREDITOR_FIELDS),
        "debtor": _fields(debtor, DEBTOR_FIELDS),
        "contact_points": [
            {**_fields(point, CONTACT_FIELDS), "consents": consents.get(point.pk, [])}
            for point in points
        ],
        "debts": [
            _fields(debt, DEBT_FIELDS)
            for debt in Debt.objects.filter(debtor=debtor).order_by("due_on", "id")
        ],
        "payments": [
            {**_fields(payment, PAYMENT_FIELDS), "allocations": allocations.get(payment.pk, [])}
            for payment in Payment.objects.filter(debtor=debtor).order_by("paid_at", "id")
        ],
        "outreach": _outreach(debtor),
        "conversation": _conversation(debtor),
        "promises": [
            {
                **_fields(promise, PROMISE_FIELDS),
                "debt_ids": sorted(d.pk for d in promise.debts.all()),
            }
            for promise in Promise.objects.filter(debtor=debtor).order_by("created_at", "id")
        ],
        "instalment_plans": [
            {
                **_fields(plan, PLAN_FIELDS),
                "debt_ids": sorted(d.pk for d in plan.debts.all()),
                "instalments": [_fields(i, INSTALMENT_FIELDS) for i in plan.instalments.all()],
            }
            for plan in plans
        ],
        "requests": [
            {
                **_fields(request, REQUEST_FIELDS),
                "debt_ids": sorted(d.pk for d in request.debts.all()),
            }
            for request in DebtorRequest.objects.filter(debtor=debtor).order_by("created_at", "id")
        ],
        "reports": [
            {**_fields(report, REPORT_FIELDS), "has_receipt": bool(report.receipt)}
            for report in DebtorReport.objects.filter(debtor=debtor).order_by("created_at", "id")
        ],
        "non_payment_reasons": [
            _fields(reason, REASON_FIELDS)
            for reason in NonPaymentReason.objects.filter(debtor=debtor).order_by(
                "occurred_at", "id"
            )
        ],
        "payment_links": [
            {**_fields(link, LINK_FIELDS), "opens": link.opens.count()}
            for link in PaymentLink.objects.filter(debtor=debtor).order_by("created_at", "id")
        ],
        "audit_events": _audit_events(debtor),
    }
