"""Threads, messages and agents in the admin; and the staff's own accounts.

An ``AgentProfile`` ties a staff user to a creditor, so the users' and groups'
admins are scoped here too (recaudo/admin_scope.py): a user tied to a creditor
manages only that creditor's agents and can neither free one from its creditor
nor reach a superuser.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from recaudo.admin_scope import CreditorScoped, request_scope
from recaudo.conversations.models import AgentProfile, CallAssignment, Message, Thread


class MessageInline(CreditorScoped, admin.TabularInline):
    model = Message
    extra = 0
    fields = ("occurred_at", "direction", "kind", "author", "channel", "intent", "text")
    readonly_fields = fields
    can_delete = False


@admin.register(Thread)
class ThreadAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ("debtor", "state", "handoff_reason", "assigned_to", "last_inbound_at")
    list_filter = ("state", "handoff_reason")
    search_fields = ("debtor__full_name", "debtor__external_id")
    raw_id_fields = ("debtor", "assigned_to", "last_contact_point")
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ("thread", "direction", "author", "channel", "intent", "occurred_at")
    list_filter = ("direction", "author", "channel", "intent")
    raw_id_fields = ("thread", "contact_point", "outreach", "agent")


@admin.register(AgentProfile)
class AgentProfileAdmin(CreditorScoped, admin.ModelAdmin):
    """A profile with no creditor means every creditor, so users tied to a creditor
    never see one, and cannot delete or re-point one (its user would be freed)."""

    list_display = ("user", "creditor")
    raw_id_fields = ("user",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and request_scope(request) is not None:
            fields += ("user",)
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and request_scope(request) is None


@admin.register(CallAssignment)
class CallAssignmentAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ("outreach", "agent", "taken_at")
    raw_id_fields = ("outreach", "agent")


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class ScopedUserAdmin(CreditorScoped, UserAdmin):
    creditor_path = "agent_profile__creditor"

    def get_queryset(self, request: HttpRequest) -> Any:
        users = super().get_queryset(request)
        if request.user.is_superuser:
            return users
        # A superuser's password or e-mail in other hands reaches every creditor.
        return users.exclude(is_superuser=True)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ("is_superuser",)
        return fields

    def check_creditor(self, request: HttpRequest, obj: Any) -> None:
        if obj.pk is None:
            return  # a new user: it gets the maker's creditor as soon as it is saved
        super().check_creditor(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        creditor_id = request_scope(request)
        if not change and creditor_id is not None:
            # Made by someone tied to a creditor: an agent of that creditor, not of all.
            AgentProfile.objects.create(user=obj, creditor_id=creditor_id)


@admin.register(Group)
class ScopedGroupAdmin(CreditorScoped, GroupAdmin):
    # Permission sets shared by every creditor's staff: read-only but for superusers.
    creditor_path = None
    shared_without_creditor = True
