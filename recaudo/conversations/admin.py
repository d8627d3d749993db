"""Threads, messages and agents in the admin; and the staff's own accounts.

``AgentProfile`` rows tie a staff user to creditors, so the users' and groups'
admins are scoped here too (recaudo/admin_scope.py): a user tied to creditors
manages only the staff whose creditors are all among theirs, can neither free
one from its creditors nor reach a superuser.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from recaudo.admin_scope import CreditorScoped, request_scope
from recaudo.conversations.models import AgentProfile, CallAssignment, Message, RoutingRule, Thread
from recaudo.roles import may_approve, may_write


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
    """A row with no creditor means every creditor, so users tied to creditors
    never see one, and cannot delete or re-point one (its user would be freed)."""

    list_display = ("user", "creditor")
    list_filter = ("creditor",)
    raw_id_fields = ("user",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and request_scope(request) is not None:
            fields += ("user",)
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and request_scope(request) is None


@admin.register(RoutingRule)
class RoutingRuleAdmin(CreditorScoped, admin.ModelAdmin):
    """The inbox's routing rules (``conversations/routing.py``): a supervisor's to change."""

    list_display = (
        "priority",
        "active",
        "creditor",
        "segment",
        "language",
        "min_balance",
        "agent",
        "team",
    )
    list_filter = ("active", "creditor")
    raw_id_fields = ("agent",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_approve(request.user) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_approve(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_approve(request.user) and super().has_delete_permission(request, obj)


@admin.register(CallAssignment)
class CallAssignmentAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ("outreach", "agent", "taken_at")
    raw_id_fields = ("outreach", "agent")


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class ScopedUserAdmin(CreditorScoped, UserAdmin):
    creditor_path = "memberships__creditor"

    def get_queryset(self, request: HttpRequest) -> Any:
        # UserAdmin's rows, not CreditorScoped's: a user has several creditors.
        users = super(CreditorScoped, self).get_queryset(request)
        if request.user.is_superuser:
            return users
        # A superuser's password or e-mail in other hands reaches every creditor.
        users = users.exclude(is_superuser=True)
        scope = request_scope(request)
        if scope is None:
            return users
        # Only staff whose every creditor is one of the user's: a password reset on
        # anyone else would reach another creditor's data.
        inside = AgentProfile.objects.filter(creditor_id__in=sorted(scope)).values("user_id")
        outside = AgentProfile.objects.exclude(creditor_id__in=sorted(scope)).values("user_id")
        return users.filter(pk__in=inside).exclude(pk__in=outside)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ("is_superuser",)
        return fields

    def _is_shared_default(self, obj: Any) -> bool:
        return False  # a user is nobody's shipped default; get_queryset says who sees it

    def check_creditor(self, request: HttpRequest, obj: Any) -> None:
        if not may_write(request.user):
            raise PermissionDenied(_("Su rol solo permite consultar."))
        if obj.pk is None:
            return  # a new user: it gets the maker's creditors as soon as it is saved
        if not self.get_queryset(request).filter(pk=obj.pk).exists():
            raise PermissionDenied(_("Ese registro es de otro acreedor."))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        scope = request_scope(request)
        if not change and scope is not None:
            # Made by someone tied to creditors: staff of those creditors, not of all.
            AgentProfile.objects.bulk_create(
                AgentProfile(user=obj, creditor_id=creditor_id) for creditor_id in sorted(scope)
            )


@admin.register(Group)
class ScopedGroupAdmin(CreditorScoped, GroupAdmin):
    # Permission sets shared by every creditor's staff: read-only but for superusers.
    creditor_path = None
    shared_without_creditor = True
