"""The inbox's working view: filters and search, per-queue counts, waiting time against
the SLA, agents' load, and the staff user's own time zone.

Plain reads over ``Thread`` (the queue's partial index holds the rows that
need a person; closed threads have their own). Times on staff pages are in
the user's zone (``staff_zone``); what is said about the debtor's day is in
the debtor's zone (the thread and call pages do that).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from recaudo.conversations.models import Thread
from recaudo.conversations.routing import load
from recaudo.conversations.scope import creditor_scope, scoped, visible_threads
from recaudo.payments.models import DebtorReport, DebtorRequest
from recaudo.portfolio.models import Creditor
from recaudo.portfolio.rules import timezone_for
from recaudo.roles import may_write

CLOSED_LIMIT = 100
PORTAL_LIMIT = 50
QUEUE_LIMIT = 200
STATES = ("waiting_agent", "with_agent", "closed")
WHO = ("mine", "unassigned")


def sla_minutes() -> int:
    return int(settings.INBOX_SLA_MINUTES)


def staff_zone(user: User) -> str:
    """The user's zone: their creditors' team zone when they all share one, else the setting."""
    scope = creditor_scope(user)
    if scope:
        zones = {
            creditor.agent_timezone or timezone_for(creditor.country)
            for creditor in Creditor.objects.filter(pk__in=sorted(scope))
        }
        if len(zones) == 1:
            zone = zones.pop()
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                return str(settings.STAFF_TIME_ZONE)
            return zone
    return str(settings.STAFF_TIME_ZONE)


@dataclass(frozen=True)
class Filters:
    creditor: int | None = None
    state: str = ""  # "" is the queue (waiting or with an agent)
    who: str = ""  # "mine", "unassigned" or "" (the default queue: unassigned, mine, waiting)
    language: str = ""
    query: str = ""

    @classmethod
    def from_query(cls, data: Mapping[str, str]) -> Filters:
        creditor = data.get("acreedor", "")
        state = data.get("estado", "")
        who = data.get("quien", "")
        return cls(
            creditor=int(creditor) if creditor.isdigit() else None,
            state=state if state in STATES else "",
            who=who if who in WHO else "",
            language=data.get("idioma", "").strip()[:10],
            query=data.get("q", "").strip()[:100],
        )

    @property
    def any(self) -> bool:
        return bool(self.creditor or self.state or self.who or self.language or self.query)


def queue(user: User, filters: Filters) -> QuerySet[Thread]:
    """The conversations the filters ask for, within the user's creditors."""
    threads = visible_threads(user)
    if filters.state == "closed":
        threads = threads.filter(state=Thread.State.CLOSED).order_by("-updated_at", "-pk")
    else:
        states = [filters.state] if filters.state else list(Thread.QUEUE_STATES)
        threads = threads.filter(state__in=states).order_by(
            "state", "urgency", "-balance_at_handoff", "handed_off_at", "pk"
        )
    if filters.who == "mine":
        threads = threads.filter(assigned_to=user)
    elif filters.who == "unassigned":
        threads = threads.filter(assigned_to__isnull=True)
    elif filters.state != "closed":
        threads = threads.filter(
            Q(assigned_to__isnull=True) | Q(assigned_to=user) | Q(state="waiting_agent")
        )
    if filters.creditor:
        threads = threads.filter(creditor_id=filters.creditor)
    if filters.language:
        threads = threads.filter(debtor__language__iexact=filters.language)
    if filters.query:
        text = filters.query
        compact = text.replace(" ", "")
        threads = threads.filter(
            Q(debtor__full_name__icontains=text)
            | Q(debtor__external_id=text)
            | Q(last_contact_point__value=compact)
        )
    return threads


@dataclass(frozen=True)
class QueueCount:
    reason: str
    label: str
    waiting: int
    with_agent: int
    oldest_minutes: int | None  # the longest a conversation of this queue has waited
    overdue: int  # waiting longer than the SLA


def waited_minutes(thread: Thread, now: datetime) -> int | None:
    """How long a conversation has waited for a person (None when it is not waiting)."""
    if thread.state not in Thread.QUEUE_STATES or thread.handed_off_at is None:
        return None
    return int((now - thread.handed_off_at).total_seconds() // 60)


def counts(user: User, now: datetime | None = None) -> list[QueueCount]:
    """Per queue (the reason a person is needed): waiting, with an agent, the oldest wait,
    and how many are past the SLA."""
    now = now or timezone.now()
    late = now - timedelta(minutes=sla_minutes())
    rows = (
        visible_threads(user)
        .filter(state__in=Thread.QUEUE_STATES)
        .values("handoff_reason")
        .annotate(
            waiting=Count("pk", filter=Q(state="waiting_agent")),
            with_agent=Count("pk", filter=Q(state="with_agent")),
            oldest=Min("handed_off_at"),
            overdue=Count("pk", filter=Q(state="waiting_agent", handed_off_at__lt=late)),
        )
        .order_by()
    )
    labels = dict(Thread.Reason.choices)
    found = {row["handoff_reason"]: row for row in rows}
    result = []
    for reason in sorted(found, key=lambda code: Thread.URGENCY.get(code, 9)):
        row = found[reason]
        oldest = row["oldest"]
        result.append(
            QueueCount(
                reason=reason,
                label=str(labels.get(reason, reason or "—")),
                waiting=row["waiting"],
                with_agent=row["with_agent"],
                oldest_minutes=int((now - oldest).total_seconds() // 60) if oldest else None,
                overdue=row["overdue"],
            )
        )
    return result


def _works_with(agent: User, scope: frozenset[int] | None) -> bool:
    """``agent`` may write and shares at least one creditor with ``scope``."""
    if not may_write(agent):
        return False
    theirs = creditor_scope(agent)
    return scope is None or theirs is None or bool(theirs & scope)


@dataclass(frozen=True)
class AgentLoad:
    agent: User
    open: int
    threads: list[Thread]


def agents_load(user: User) -> list[AgentLoad]:
    """Every agent who works for one of the user's creditors, with their open conversations."""
    scope = creditor_scope(user)
    staff = User.objects.filter(is_active=True, is_staff=True).order_by("username")
    agents = [agent for agent in staff if _works_with(agent, scope)]
    counted = load(agents)
    held = (
        visible_threads(user)
        .filter(assigned_to__in=agents, state__in=Thread.QUEUE_STATES)
        .order_by("handed_off_at", "pk")[:QUEUE_LIMIT]
    )
    by_agent: dict[int, list[Thread]] = {}
    for thread in held:
        by_agent.setdefault(thread.assigned_to_id or 0, []).append(thread)
    return sorted(
        (AgentLoad(agent, counted[agent.pk], by_agent.get(agent.pk, [])) for agent in agents),
        key=lambda item: (-item.open, item.agent.get_username()),
    )


@dataclass(frozen=True)
class WorkItem:
    """Something the debtor left on the portal that a person must decide."""

    kind: str  # "report" or "request"
    label: str
    debtor_id: int
    debtor_name: str
    created_at: datetime
    waited_minutes: int
    overdue: bool
    url: str  # where it is decided (the review queue or the approvals page)


def portal_items(user: User, now: datetime | None = None) -> list[WorkItem]:
    """Portal "ya pagué" and disputes waiting for review, and discount or new-date
    requests waiting for a supervisor, oldest first: the inbox lists them as work
    (they come with no conversation), each linked to where it is decided."""
    now = now or timezone.now()
    scope = creditor_scope(user)
    reports = scoped(
        DebtorReport.objects.filter(status=DebtorReport.Status.PENDING, source="portal")
        .exclude(kind=DebtorReport.Kind.PAUSE)
        .select_related("debtor")
        .defer("receipt", "debtor__tags"),
        scope,
    ).order_by("created_at", "pk")[:PORTAL_LIMIT]
    requests = scoped(
        DebtorRequest.objects.filter(status=DebtorRequest.Status.PENDING).select_related("debtor"),
        scope,
    ).order_by("created_at", "pk")[:PORTAL_LIMIT]
    sla = sla_minutes()
    items = [
        _item("report", str(report.get_kind_display()), report.debtor, report.created_at, now, sla,
              reverse("staff:reviews"))
        for report in reports
    ] + [
        _item("request", str(asked.get_kind_display()), asked.debtor, asked.created_at, now, sla,
              reverse("staff:approvals"))
        for asked in requests
    ]  # fmt: skip
    return sorted(items, key=lambda item: item.created_at)


def _item(
    kind: str, label: str, debtor: Any, created_at: datetime, now: datetime, sla: int, url: str
) -> WorkItem:
    waited = int((now - created_at).total_seconds() // 60)
    return WorkItem(kind, label, debtor.pk, debtor.full_name, created_at, waited, waited > sla, url)
