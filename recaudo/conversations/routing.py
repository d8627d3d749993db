"""Routing rules: who gets a conversation that needs a person, and reassigning it.

``first_match`` is the pure decision (plain data in, the rule out); ``route``
loads the active ``RoutingRule`` rows and the thread's facts (creditor,
the debtor's segment and language, the balance at hand-off) and returns the
agent to hold it: the rule's agent, or its team's member with the fewest
open conversations. An agent who cannot take it (inactive, read-only, not
working for the creditor) makes the rule yield nobody, and the next matching
rule is tried; none: the thread waits unassigned, as before.
``reassign`` is a supervisor's, audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.conversations.models import Message, RoutingRule, Thread
from recaudo.conversations.scope import creditor_scope
from recaudo.payments.terms import segment_of
from recaudo.portfolio.models import AuditEvent
from recaudo.roles import may_approve, may_write


@dataclass(frozen=True)
class Rule:
    id: int
    creditor_id: int | None
    segment_id: int | None
    language: str
    min_balance: Decimal | None
    agent_id: int | None
    team_id: int | None


@dataclass(frozen=True)
class Facts:
    creditor_id: int
    segment_id: int | None
    language: str
    balance: Decimal


def matches(rule: Rule, facts: Facts) -> bool:
    return (
        (rule.creditor_id is None or rule.creditor_id == facts.creditor_id)
        and (rule.segment_id is None or rule.segment_id == facts.segment_id)
        and (not rule.language or rule.language.lower() == facts.language.lower())
        and (rule.min_balance is None or facts.balance >= rule.min_balance)
    )


def matching(rules: Iterable[Rule], facts: Facts) -> list[Rule]:
    """The rules that match, in the order given (by priority)."""
    return [rule for rule in rules if matches(rule, facts)]


def first_match(rules: Iterable[Rule], facts: Facts) -> Rule | None:
    return next(iter(matching(rules, facts)), None)


def _rules() -> list[Rule]:
    return [
        Rule(
            row.pk,
            row.creditor_id,
            row.segment_id,
            row.language,
            row.min_balance,
            row.agent_id,
            row.team_id,
        )
        for row in RoutingRule.objects.filter(active=True).order_by("priority", "pk")
    ]


def may_take(user: User, creditor_id: int) -> bool:
    """An active staff user who may write and works for the creditor."""
    if not (user.is_active and user.is_staff and may_write(user)):
        return False
    scope = creditor_scope(user)
    return scope is None or creditor_id in scope


def load(users: Iterable[User]) -> dict[int, int]:
    """Open conversations (waiting or with an agent) held by each user."""
    ids = [user.pk for user in users]
    rows = (
        Thread.objects.filter(assigned_to_id__in=ids, state__in=Thread.QUEUE_STATES)
        .values("assigned_to_id")
        .annotate(total=Count("pk"))
    )
    counts = {row["assigned_to_id"]: row["total"] for row in rows}
    return {pk: counts.get(pk, 0) for pk in ids}


def _holder(rule: Rule, creditor_id: int) -> User | None:
    if rule.agent_id is not None:
        agent = User.objects.filter(pk=rule.agent_id).first()
        return agent if agent is not None and may_take(agent, creditor_id) else None
    if rule.team_id is None:
        return None
    members = [
        user
        for user in User.objects.filter(groups__id=rule.team_id).order_by("username")
        if may_take(user, creditor_id)
    ]
    if not members:
        return None
    counts = load(members)
    return min(members, key=lambda user: (counts[user.pk], user.get_username()))


def route(thread: Thread) -> User | None:
    """The agent the first matching rule gives ``thread`` to, or None (it waits unassigned)."""
    rules = _rules()
    if not rules:
        return None
    debtor = thread.debtor
    needs_segment = any(rule.segment_id is not None for rule in rules)
    segment = segment_of(debtor) if needs_segment else None
    facts = Facts(
        creditor_id=thread.creditor_id,
        segment_id=segment.pk if segment is not None else None,
        language=debtor.language or "",
        balance=thread.balance_at_handoff,
    )
    for rule in matching(rules, facts):
        holder = _holder(rule, thread.creditor_id)
        if holder is not None:
            return holder
    return None


class RoutingError(ValueError):
    """The reassignment cannot be done; the message says why."""


def reassign(thread_id: int, supervisor: User, agent: User | None, reason: str) -> Thread:
    """A supervisor moves a conversation to ``agent`` (None: back to the shared queue)."""
    if not may_approve(supervisor):
        raise RoutingError(_("Solo un supervisor reasigna conversaciones."))
    reason = reason.strip()[:2000]
    if not reason:
        raise RoutingError(_("Escriba el motivo."))
    with transaction.atomic():
        thread = Thread.objects.select_for_update().select_related("debtor").get(pk=thread_id)
        if agent is not None and not may_take(agent, thread.creditor_id):
            raise RoutingError(_("Elija un agente que trabaje para este acreedor."))
        before = thread.assigned_to.get_username() if thread.assigned_to else ""
        thread.assigned_to = agent
        if thread.state == Thread.State.WITH_AGENT and agent is None:
            thread.state = Thread.State.WAITING_AGENT
        thread.save(update_fields=["assigned_to", "state", "updated_at"])
        after = agent.get_username() if agent else ""
        Message.objects.create(
            thread=thread,
            direction=Message.Direction.OUT,
            kind=Message.Kind.NOTE,
            author=Message.Author.SYSTEM,
            agent=supervisor,
            text=_("%(user)s reasignó la conversación de %(before)s a %(after)s: %(reason)s")
            % {
                "user": supervisor.get_username(),
                "before": before or "—",
                "after": after or _("la cola"),
                "reason": reason,
            },
            occurred_at=timezone.now(),
        )
        AuditEvent.objects.create(
            kind=AuditEvent.Kind.THREAD_REASSIGNED,
            creditor_id=thread.creditor_id,
            debtor_id=thread.debtor_id,
            actor=f"staff:{supervisor.get_username()}"[:200],
            data={"thread": thread.pk, "from": before, "to": after, "reason": reason},
        )
    return thread
