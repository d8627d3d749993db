"""``recaudo demo``: what `make run` needs after migrate. Safe to run any number of times."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from recaudo.outreach.planner import plan
from recaudo.portfolio.models import Creditor
from recaudo.sandbox.demo import seed
from recaudo.sandbox.demo import write as seed_write
from recaudo.sandbox.demo.accounts import (
    give_colombian_creditors_wompi,
    give_creditors_bank_accounts,
    give_second_creditor_its_number,
)

USERNAME = "admin"
DEMO_DEBTORS = 300
DEMO_SEED = 42


def password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-admin-password"


def demo_password() -> str:
    """The password made on the first run, read back on later runs."""
    path = password_file()
    try:
        # O_EXCL: two runs at once cannot both write a different password.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        stored = path.read_text().strip()
        if stored:
            return stored
        # An empty file (a run killed mid-write) must not become an empty password.
        descriptor = os.open(path, os.O_WRONLY | os.O_TRUNC)
    password = secrets.token_urlsafe(18)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(password + "\n")
    return password


class Command(BaseCommand):
    help = (
        f"Load the demo portfolio ({DEMO_DEBTORS} debtors, seed {DEMO_SEED}) into an empty "
        "database and make sure the superuser 'admin' exists; print how to log in."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            if Creditor.objects.exists():
                self.stdout.write("Portfolio already present; nothing seeded.")
            else:
                counts = seed_write.write(
                    seed.generate(DEMO_DEBTORS, seed=DEMO_SEED, today=timezone.localdate())
                )
                self.stdout.write(
                    f"Demo portfolio: {counts['creditors_created']} creditors, "
                    f"{counts['debtors']} debtors, {counts['debts']} debts, "
                    f"{counts['payments']} payments."
                )
                account = give_second_creditor_its_number()
                if account is not None:
                    self.stdout.write(
                        f"{account.creditor.name} sends WhatsApp from its own number "
                        f"(phone_number_id {account.routing_key})."
                    )
                banks = give_creditors_bank_accounts()
                if banks:
                    self.stdout.write(
                        f"{len(banks)} creditors take bank transfers with each debtor's reference."
                    )
                for chosen in give_colombian_creditors_wompi():
                    self.stdout.write(f"{chosen.creditor.name} takes payments through Wompi.")
        # Today's contacts, so the outbox is not empty (idempotent: a second
        # run the same day plans nothing new).

        for line in plan().summary_lines():
            self.stdout.write(line)
        password = demo_password()
        user_model = get_user_model()
        user = user_model.objects.filter(username=USERNAME).first()
        if user is None:
            user_model.objects.create_superuser(USERNAME, email="", password=password)
        elif not user.check_password(password):
            # Someone chose another password for admin: keep theirs, never reset it.
            self.stdout.write(
                f"Admin:    {settings.PUBLIC_BASE_URL}/admin/\nUsername: {USERNAME}\n"
                f"Password: (changed by hand; not the one in {password_file()})"
            )
            return
        self.stdout.write(
            f"Admin:    {settings.PUBLIC_BASE_URL}/admin/\n"
            f"Username: {USERNAME}\nPassword: {password}"
        )
