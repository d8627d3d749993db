"""Two creditors with one of everything each, and staff of every role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from recaudo.conversations.models import AgentProfile, Thread
from recaudo.outreach.models import Outreach, OutreachDebt
from recaudo.payments.models import DebtorRequest
from recaudo.portfolio.models import ChannelConsent, Creditor, Debt, Debtor, ImportJob
from recaudo.roles import set_role
from tests.conversations.helpers import waiting_thread
from tests.factories import make_creditor

# Monday 23 November 2026, 10:00 in Bogotá: inside Colombia's contact hours.
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@dataclass
class Book:
    """One creditor's rows."""

    creditor: Creditor
    debtor: Debtor
    debt: Debt
    thread: Thread
    call: Outreach
    request: DebtorRequest
    import_job: ImportJob


def book(phone: str) -> Book:
    creditor = make_creditor()
    thread = waiting_thread(creditor, phone, "250000.00")
    debtor = thread.debtor
    point = debtor.contact_points.get()
    ChannelConsent.objects.create(
        contact_point=point, channel="whatsapp", source="contrato", granted_at=timezone.now()
    )
    debt = debtor.debts.get()
    call = Outreach.objects.create(
        creditor=creditor, debtor=debtor, anchor_due_on=date(2026, 10, 24),
        planned_on=date(2026, 11, 23), action="call_task", channel="call",
        contact_point=point, template_key="call", tone="late",
        language="es", currency="COP", amount_due=Decimal("250000.00"),
        window_start=NOW - timedelta(hours=3), window_end=NOW + timedelta(hours=6),
    )  # fmt: skip
    OutreachDebt.objects.create(outreach=call, debt=debt, balance=debt.amount)  # as planned
    request = DebtorRequest.objects.create(
        creditor=creditor, debtor=debtor, kind=DebtorRequest.Kind.DISCOUNT, currency="COP",
        owed=Decimal("250000.00"), amount=Decimal("150000.00"), discount_percent=Decimal(40),
        reason="Perdí el trabajo",
    )  # fmt: skip
    request.debts.set([debt])
    # A file checked without errors, waiting for its confirmation (no file stored).
    import_job = ImportJob.objects.create(
        creditor=creditor, kind="debts", file_name="cartera.csv", status="checked",
        header=IMPORT_HEADER, mapping=IMPORT_MAPPING, rows=1,
    )  # fmt: skip
    return Book(creditor, debtor, debt, thread, call, request, import_job)


IMPORT_HEADER = ["Código", "Cliente", "Saldo", "Vence"]
IMPORT_MAPPING = ["external_id", "debtor_external_id", "amount", "due_on"]


def staff(username: str, role: str, *creditors: Creditor) -> User:
    user = User.objects.create_user(username, password="una-clave-larga-123", is_staff=True)
    set_role(user, role)
    for creditor in creditors:
        AgentProfile.objects.create(user=user, creditor=creditor)
    return user


def browser_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
