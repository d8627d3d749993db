"""``recaudo staffuser``: a back-office user with a role and the creditors they work for.

    recaudo staffuser ana --role supervisor --creditor "Tienda Sol" --creditor 7
    recaudo staffuser visor --role creditor_viewer --creditor "Tienda Sol" --password-stdin
    recaudo staffuser ana --role agent              # change the role; creditors kept
    recaudo staffuser ana --role agent --all-creditors

Creates the user (staff, no password unless ``--password-stdin``: they set one
through "¿olvidó su contraseña?" or an admin sets it) or updates an existing
one; sets the role (a Django group made with its admin permissions,
``recaudo/roles.py``) and, when ``--creditor`` or ``--all-creditors`` is
given, replaces their creditors. Everything or nothing: a creditor that does
not exist stops the command before anything is written.
"""

from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from recaudo.conversations.models import AgentProfile
from recaudo.portfolio.lookups import find_creditor
from recaudo.roles import ADMIN, ROLES, set_role


class Command(BaseCommand):
    help = "Create or update a staff user with a role and the creditors they work for."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=list(ROLES))
        parser.add_argument(
            "--creditor", action="append", default=[], help="creditor name or id (repeatable)"
        )
        parser.add_argument(
            "--all-creditors", action="store_true", help="every creditor (not for viewers)"
        )
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from stdin"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"]
        names = options["creditor"]
        if names and options["all_creditors"]:
            raise CommandError("--creditor and --all-creditors: give one or the other")
        if role == "creditor_viewer" and options["all_creditors"]:
            raise CommandError("a creditor viewer sees one client's data: give --creditor")
        creditors = [find_creditor(name) for name in names]
        password = sys.stdin.readline().rstrip("\n") if options["password_stdin"] else None
        if password is not None and len(password) < 12:
            raise CommandError("password: at least 12 characters")
        with transaction.atomic():
            user, created = User.objects.get_or_create(
                username=options["username"],
                defaults={"is_staff": True, "email": options["email"]},
            )
            if not created and not user.is_staff:
                user.is_staff = True
            if options["email"]:
                user.email = options["email"]
            if password is not None:
                user.set_password(password)
            elif created:
                user.set_unusable_password()
            user.save()
            set_role(user, role)
            if creditors or options["all_creditors"]:
                AgentProfile.objects.filter(user=user).delete()
                if creditors:
                    AgentProfile.objects.bulk_create(
                        AgentProfile(user=user, creditor=creditor)
                        for creditor in {c.pk: c for c in creditors}.values()
                    )
        tied = sorted(
            (p.creditor.name if p.creditor else "*")
            for p in AgentProfile.objects.filter(user=user).select_related("creditor")
        )
        scope = ", ".join(tied) or ("*" if role != "creditor_viewer" else "-")
        verb = "created" if created else "updated"
        note = " (superuser: sees everything)" if user.is_superuser and role != ADMIN else ""
        self.stdout.write(f"{verb} {user.username}: role {role}, creditors {scope}{note}")
