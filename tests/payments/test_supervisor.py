"""In the admin, requests and reports are decided by a supervisor (docs/staff.md, roles).

Staff who may only view the queue cannot decide; a user in the supervisor
role with the admin's permissions on the queue decides.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from recaudo.conversations.models import AgentProfile
from recaudo.payments.models import DebtorReport, DebtorRequest
from recaudo.payments.reports import report_debts
from recaudo.roles import SUPERVISOR, set_role

pytestmark = pytest.mark.django_db


def _staff(creditor, name: str, *codenames: str, role: str = "") -> Client:
    user = User.objects.create_user(name, password="x", is_staff=True)
    if role:
        set_role(user, role)
    AgentProfile.objects.create(user=user, creditor=creditor)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    browser = Client()
    browser.force_login(user)
    return browser


def test_staff_who_may_only_view_requests_and_reports_cannot_decide_them(debtor, frozen):
    asked = DebtorRequest.objects.create(
        creditor=debtor.creditor, debtor=debtor, kind="extension", reason="Viaje"
    )
    [report] = report_debts(
        debtor, [debtor.debts.first().pk], kind="dispute", reason="No es mío", source="portal"
    )
    viewer = _staff(debtor.creditor, "lectora", "view_debtorrequest", "view_debtorreport")

    listing = viewer.get("/admin/payments/debtorrequest/").content.decode()
    viewer.post(
        "/admin/payments/debtorrequest/", {"action": "approve", "_selected_action": [asked.pk]}
    )
    viewer.post(
        "/admin/payments/debtorreport/", {"action": "confirm", "_selected_action": [report.pk]}
    )

    assert 'value="approve"' not in listing
    asked.refresh_from_db()
    report.refresh_from_db()
    assert (asked.status, report.status) == ("pending", "pending")


def test_a_supervisor_with_the_change_permission_decides_in_the_admin(debtor, frozen):
    asked = DebtorRequest.objects.create(
        creditor=debtor.creditor, debtor=debtor, kind="discount", reason="Sin trabajo"
    )
    supervisor = _staff(
        debtor.creditor,
        "supervisora",
        "view_debtorrequest",
        "change_debtorrequest",
        role=SUPERVISOR,
    )

    response = supervisor.post(
        "/admin/payments/debtorrequest/", {"action": "refuse", "_selected_action": [asked.pk]}
    )

    assert response.status_code == 302
    asked.refresh_from_db()
    assert (asked.status, asked.decided_by) == ("refused", "admin:supervisora")
    assert DebtorReport.objects.count() == 0
