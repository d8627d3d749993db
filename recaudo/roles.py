"""Staff roles: what a back-office user may do (docs/decisions/0019-staff-roles.md).

A role is a Django group named by its code (``ROLES``); ``recaudo staffuser``
creates the groups with their admin permissions and gives a user a role and
creditors. Superusers are admins. A staff user in no role group (made before
roles existed) works as an agent. Which creditors a user sees is the other
half (``conversations/scope.py``); these functions say what they may do there.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

ADMIN = "admin"
SUPERVISOR = "supervisor"
AGENT = "agent"
CREDITOR_VIEWER = "creditor_viewer"
AUDITOR = "auditor"

# Most powerful first: a user in several groups has the first one's role.
ROLES = {
    ADMIN: _("administrador"),
    SUPERVISOR: _("supervisor"),
    AGENT: _("agente"),
    AUDITOR: _("auditor"),
    CREDITOR_VIEWER: _("cliente (solo lectura)"),
}
READ_ONLY = frozenset({CREDITOR_VIEWER, AUDITOR})
APPROVERS = frozenset({ADMIN, SUPERVISOR})


def role_of(user: Any) -> str:
    """The user's role code; "" for someone who is not staff (or not logged in)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return ""
    if user.is_superuser:
        return ADMIN
    if not user.is_staff:
        return ""
    cached = getattr(user, "_recaudo_role", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = next((code for code in ROLES if code in names), AGENT)
        user._recaudo_role = cached
    return str(cached)


def role_label(user: Any) -> str:
    return str(ROLES.get(role_of(user), ""))


def may_write(user: Any) -> bool:
    """Whether the user may change anything (creditor viewers and auditors only read)."""
    role = role_of(user)
    return bool(role) and role not in READ_ONLY


def may_approve(user: Any) -> bool:
    """Discounts, new due dates and "ya pagué"/dispute reviews: supervisors and admins."""
    return role_of(user) in APPROVERS


# The admin's model permissions each role's group carries (``role_permissions``).
# The apps holding creditors' data; ``auth`` (users, groups) is an admin's or, to
# read it, an auditor's.
DATA_APPS = (
    "portfolio",
    "compliance",
    "policies",
    "outreach",
    "payments",
    "conversations",
    "privacy",
)


def role_permissions(role: str) -> Any:
    """The ``Permission`` rows of a role's group: writers change their apps' rows,
    readers only view them (and the admin's own checks refuse them any change)."""
    from django.contrib.auth.models import Permission  # the app registry is ready only here

    permissions = Permission.objects.all()
    if role == ADMIN:
        return permissions
    if role == AUDITOR:
        return permissions.filter(codename__startswith="view_")
    data = permissions.filter(content_type__app_label__in=DATA_APPS)
    if role == SUPERVISOR:
        return data
    if role == AGENT:
        return data.filter(codename__startswith="view_") | data.filter(
            content_type__app_label="conversations"
        )
    return data.filter(codename__startswith="view_")


def set_role(user: Any, role: str) -> None:
    """Put ``user`` in ``role``'s group (made with its permissions if missing), no other."""
    from django.contrib.auth.models import Group  # the app registry is ready only here

    if role not in ROLES:
        raise ValueError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    group, created = Group.objects.get_or_create(name=role)
    if created:
        group.permissions.set(role_permissions(role))
    user.groups.remove(*Group.objects.filter(name__in=list(ROLES)).exclude(pk=group.pk))
    user.groups.add(group)
    user.__dict__.pop("_recaudo_role", None)
