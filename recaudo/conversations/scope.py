"""What a staff user may see: their creditor's threads and call tasks, or all."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from recaudo.conversations.models import AgentProfile, Thread
from recaudo.outreach.models import Outreach

EVERY_CREDITOR = None


def creditor_scope(user: AbstractBaseUser | AnonymousUser) -> int | None:
    """The creditor a user is tied to, or None for every creditor."""
    if getattr(user, "is_superuser", False):
        return EVERY_CREDITOR
    creditor_id = (
        AgentProfile.objects.filter(user_id=user.pk).values_list("creditor_id", flat=True).first()
    )
    return creditor_id


def visible_threads(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Thread]:
    threads = Thread.objects.select_related("debtor", "creditor", "assigned_to")
    creditor_id = creditor_scope(user)
    if creditor_id is not None:
        threads = threads.filter(creditor_id=creditor_id)
    return threads


def visible_call_tasks(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Outreach]:
    tasks = Outreach.objects.call_tasks()
    creditor_id = creditor_scope(user)
    if creditor_id is not None:
        tasks = tasks.filter(creditor_id=creditor_id)
    return tasks
