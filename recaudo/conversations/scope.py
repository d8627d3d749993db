"""What a staff user may see: their creditors' threads, call tasks and debtors, or all."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from recaudo.conversations.models import AgentProfile, Thread
from recaudo.outreach.models import Outreach, OutreachQuerySet
from recaudo.portfolio.models import Debtor
from recaudo.roles import CREDITOR_VIEWER, role_of

EVERY_CREDITOR = None


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails  # set on every request by django-htmx's middleware (settings.MIDDLEWARE)


class AgentRequest(HtmxRequest):
    """A request that ``staff_member_required`` let through: its user is logged in."""

    user: User


Scope = frozenset[int] | None  # the creditor ids a user sees; None: every creditor


def creditor_scope(user: User) -> Scope:
    """The creditors a user is tied to (``AgentProfile`` rows), or None for every creditor.

    No row, or a row with no creditor, is every creditor; a creditor viewer
    with no creditor sees none (an empty set). Superusers see every creditor.
    """
    if getattr(user, "is_superuser", False):
        return EVERY_CREDITOR
    # A staff page reads it several times: ``remember_scope`` keeps it for one request.
    if hasattr(user, "_recaudo_scope"):
        return user._recaudo_scope
    creditor_ids = list(
        AgentProfile.objects.filter(user_id=user.pk).values_list("creditor_id", flat=True)
    )
    if role_of(user) == CREDITOR_VIEWER:
        return frozenset(pk for pk in creditor_ids if pk is not None)
    if not creditor_ids or None in creditor_ids:
        return EVERY_CREDITOR
    return frozenset(creditor_ids)


def remember_scope(user: User) -> Scope:
    """Compute the user's scope once for this request's user object (the staff views)."""
    scope = creditor_scope(user)
    user._recaudo_scope = scope  # type: ignore[attr-defined]
    return scope


def scoped(queryset: QuerySet[Any], scope: Scope, path: str = "creditor_id") -> QuerySet[Any]:
    """``queryset`` cut to ``scope`` through ``path`` (the rows' creditor id)."""
    if scope is None:
        return queryset
    return queryset.filter(**{f"{path}__in": sorted(scope)})


def visible_threads(user: User) -> QuerySet[Thread]:
    threads = Thread.objects.select_related("debtor", "creditor", "assigned_to")
    return scoped(threads, creditor_scope(user))


def visible_call_tasks(user: User) -> OutreachQuerySet:
    tasks = Outreach.objects.call_tasks()
    scope = creditor_scope(user)
    return tasks if scope is None else tasks.filter(creditor_id__in=sorted(scope))


def visible_debtors(user: User) -> QuerySet[Debtor]:
    debtors = Debtor.objects.select_related("creditor")
    return scoped(debtors, creditor_scope(user))
