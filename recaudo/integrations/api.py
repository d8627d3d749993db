"""Read endpoints for what happened to a creditor's debtors, with cursor pagination.

``GET /api/v1/{outreach,promises,plans,disputes,requests,conversations,events}``:
oldest first, ``limit`` rows a page, and ``next_cursor`` (opaque) to ask for
the next page; a row written after a page was read comes on a later page,
never shifts one already read. Scoped to the API key's creditor.
docs/integrations.md#the-read-api.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from recaudo.api import Problem, ProblemOut, creditor_of, field_error
from recaudo.conversations.models import Thread
from recaudo.integrations.models import Event
from recaudo.outreach.models import Outreach
from recaudo.payments.models import DebtorReport, DebtorRequest, InstalmentPlan, Promise

router = Router(tags=["events and history"])

_READ: dict[int, Any] = {401: ProblemOut, 422: ProblemOut}


class CursorIn(Schema):
    limit: int = Field(100, ge=1, le=500)
    cursor: str | None = Field(None, description="next_cursor of the previous page")
    debtor: str | None = Field(None, description="only this debtor (its external id)")


class Page(Schema):
    items: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(created_at: datetime, pk: int) -> str:
    raw = f"v1|{created_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        version, moment, pk = raw.split("|")
        if version != "v1":
            raise ValueError(version)
        return datetime.fromisoformat(moment), int(pk)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise Problem(
            422,
            "The request has invalid fields",
            "The cursor is not one this API gave; start again without it.",
            kind="validation",
            errors=[field_error(["cursor"], "is not a next_cursor from this API")],
        ) from None


def page(
    rows: QuerySet[Any], query: CursorIn, serialize: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    if query.debtor:
        rows = rows.filter(debtor__external_id=query.debtor)
    if query.cursor:
        moment, pk = decode_cursor(query.cursor)
        rows = rows.filter(Q(created_at__gt=moment) | Q(created_at=moment, pk__gt=pk))
    found = list(rows.order_by("created_at", "pk")[: query.limit + 1])
    items = found[: query.limit]
    more = len(found) > query.limit
    return {
        "items": [serialize(row) for row in items],
        "next_cursor": encode_cursor(items[-1].created_at, items[-1].pk) if more else None,
    }


def _when(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


def _debts(row: Any) -> list[str]:
    return sorted(debt.external_id for debt in row.debts.all())


def outreach_out(row: Outreach) -> dict[str, Any]:
    return {
        "id": row.pk,
        "debtor": row.debtor.external_id,
        "action": row.action,
        "channel": row.channel,
        "template": row.template_key,
        "status": row.status,
        "status_reason": row.status_reason,
        "amount_due": _money(row.amount_due),
        "currency": row.currency,
        "window_start": _when(row.window_start),
        "sent_at": _when(row.sent_at),
        "delivered_at": _when(row.delivered_at),
        "read_at": _when(row.read_at),
        "failed_at": _when(row.failed_at),
        "created_at": _when(row.created_at),
    }


def promise_out(row: Promise) -> dict[str, Any]:
    return {
        "id": row.pk,
        "debtor": row.debtor.external_id,
        "amount": _money(row.amount),
        "currency": row.currency,
        "promised_on": row.promised_on.isoformat(),
        "status": row.status,
        "source": row.source,
        "debts": _debts(row),
        "created_at": _when(row.created_at),
        "settled_at": _when(row.settled_at),
    }


def plan_out(row: InstalmentPlan) -> dict[str, Any]:
    return {
        "id": row.pk,
        "debtor": row.debtor.external_id,
        "total": _money(row.total),
        "down_payment": _money(row.down_payment),
        "currency": row.currency,
        "status": row.status,
        "source": row.source,
        "debts": _debts(row),
        "instalments": [
            {
                "number": item.number,
                "due_on": item.due_on.isoformat(),
                "amount": _money(item.amount),
                "status": item.status,
                "paid_at": _when(item.paid_at),
            }
            for item in row.instalments.all()
        ],
        "created_at": _when(row.created_at),
        "ended_at": _when(row.ended_at),
    }


def dispute_out(row: DebtorReport) -> dict[str, Any]:
    return {
        "id": row.pk,
        "debtor": row.debtor.external_id,
        "debt": row.debt.external_id,
        "kind": row.kind,
        "status": row.status,
        "reason": row.reason,
        "source": row.source,
        "has_receipt": bool(row.receipt_type),
        "pause_until": row.pause_until.isoformat() if row.pause_until else None,
        "created_at": _when(row.created_at),
        "reviewed_at": _when(row.reviewed_at),
    }


def request_out(row: DebtorRequest) -> dict[str, Any]:
    return {
        "id": row.pk,
        "debtor": row.debtor.external_id,
        "kind": row.kind,
        "status": row.status,
        "new_due_on": row.new_due_on.isoformat() if row.new_due_on else None,
        "amount": _money(row.amount),
        "owed": _money(row.owed),
        "currency": row.currency,
        "discount_percent": _money(row.discount_percent),
        "reason": row.reason,
        "debts": _debts(row),
        "decided_by": row.decided_by,
        "created_at": _when(row.created_at),
        "decided_at": _when(row.decided_at),
    }


def conversation_out(row: Thread) -> dict[str, Any]:
    return {
        "id": row.pk,
        "debtor": row.debtor.external_id,
        "state": row.state,
        "last_channel": row.last_channel,
        "last_inbound_at": _when(row.last_inbound_at),
        "handed_off_at": _when(row.handed_off_at),
        "non_payment_reason": row.non_payment_reason,
        "outcome": row.outcome,
        "created_at": _when(row.created_at),
        "updated_at": _when(row.updated_at),
    }


def event_out(row: Event) -> dict[str, Any]:
    return {
        "id": str(row.uuid),
        "type": row.type,
        "debtor": {"external_id": row.debtor_external_id},
        "sequence": row.sequence,
        "data": row.payload,
        "created_at": _when(row.created_at),
    }


@router.get("/outreach", response={200: Page, **_READ})
def list_outreach(request: HttpRequest, query: Query[CursorIn]) -> dict[str, Any]:
    """Every contact, planned or made, with its status and milestones."""
    rows = Outreach.objects.filter(creditor=creditor_of(request)).select_related("debtor")
    return page(rows, query, outreach_out)


@router.get("/promises", response={200: Page, **_READ})
def list_promises(request: HttpRequest, query: Query[CursorIn]) -> dict[str, Any]:
    rows = Promise.objects.filter(creditor=creditor_of(request)).select_related("debtor")
    return page(rows.prefetch_related("debts"), query, promise_out)


@router.get("/plans", response={200: Page, **_READ})
def list_plans(request: HttpRequest, query: Query[CursorIn]) -> dict[str, Any]:
    rows = InstalmentPlan.objects.filter(creditor=creditor_of(request)).select_related("debtor")
    return page(rows.prefetch_related("debts", "instalments"), query, plan_out)


@router.get("/disputes", response={200: Page, **_READ})
def list_disputes(request: HttpRequest, query: Query[CursorIn]) -> dict[str, Any]:
    """The debtors' reports: "already paid" and disputes (staff pauses are left out)."""
    rows = (
        DebtorReport.objects.filter(creditor=creditor_of(request))
        .exclude(kind=DebtorReport.Kind.PAUSE)
        .select_related("debtor", "debt")
        .defer("receipt")
    )
    return page(rows, query, dispute_out)


@router.get("/requests", response={200: Page, **_READ})
def list_requests(request: HttpRequest, query: Query[CursorIn]) -> dict[str, Any]:
    """New due dates and discounts the debtors asked for, and their decisions."""
    rows = DebtorRequest.objects.filter(creditor=creditor_of(request)).select_related("debtor")
    return page(rows.prefetch_related("debts"), query, request_out)


@router.get("/conversations", response={200: Page, **_READ})
def list_conversations(request: HttpRequest, query: Query[CursorIn]) -> dict[str, Any]:
    rows = Thread.objects.filter(creditor=creditor_of(request)).select_related("debtor")
    return page(rows, query, conversation_out)


@router.get("/events", response={200: Page, **_READ})
def list_events(request: HttpRequest, query: Query[CursorIn]) -> dict[str, Any]:
    """The events the webhooks carry, kept since the creditor's first endpoint."""
    rows = Event.objects.filter(creditor=creditor_of(request))
    if query.debtor:
        rows = rows.filter(debtor_external_id=query.debtor)
        query = query.model_copy(update={"debtor": None})
    return page(rows, query, event_out)
