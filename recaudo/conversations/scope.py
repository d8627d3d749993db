"""What a staff user may see: their creditor's threads, call tasks and debtors, or all."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from recaudo.conversations.models import AgentProfile, Thread
from recaudo.outreach.models import Outreach, OutreachQuerySet
from recaudo.portfolio.models import Debtor

EVERY_CREDITOR = None


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails  # set on every request by django-htmx's middleware (settings.MIDDLEWARE)


class AgentRequest(HtmxRequest):
    """A request that ``staff_member_required`` let through: its user is logged in."""

    user: User


def creditor_scope(user: User) -> int | None:
    """The creditor a user is tied to, or None for every creditor."""
    if getattr(user, "is_superuser", False):
        return EVERY_CREDITOR
    creditor_id = (
        AgentProfile.objects.filter(user_id=user.pk).values_list("creditor_id", flat=True).first()
    )
    return creditor_id


def visible_threads(user: User) -> QuerySet[Thread]:
    threads = Thread.objects.select_related("debtor", "creditor", "assigned_to")
    creditor_id = creditor_scope(user)
    if creditor_id is not None:
        threads = threads.filter(creditor_id=creditor_id)
    return threads


def visible_call_tasks(user: User) -> OutreachQuerySet:
    tasks = Outreach.objects.call_tasks()
    creditor_id = creditor_scope(user)
    if creditor_id is not None:
        tasks = tasks.filter(creditor_id=creditor_id)
    return tasks


def visible_debtors(user: User) -> QuerySet[Debtor]:
    debtors = Debtor.objects.select_related("creditor")
    creditor_id = creditor_scope(user)
    if creditor_id is not None:
        debtors = debtors.filter(creditor_id=creditor_id)
    return debtors
