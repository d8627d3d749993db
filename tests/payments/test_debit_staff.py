"""Staff cancel a debtor's direct debit from the debtor 360 (issue 19).

Supervisors and admins only (agents ask one; readers never), with a
confirmation step: the GET shows the card and changes nothing, the POST
cancels through ``payments.debit.cancel_mandate`` (channel ``staff``), so the
debtor gets ``debit_cancelled``, the audit names the user and the card is
detached at the provider (the payment sandbox, speaking Stripe's API).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from recaudo.outreach.models import Outreach
from recaudo.payments import debit_charges
from recaudo.payments.models import DebitAttempt, Mandate
from recaudo.portfolio.models import AuditEvent
from recaudo.roles import ADMIN, AGENT, AUDITOR, CREDITOR_VIEWER, SUPERVISOR
from recaudo.sandbox.payments import PAYMENTS_KEY
from tests.factories import make_creditor
from tests.payments import test_debit
from tests.payments.test_debit import enrol
from tests.staff.helpers import browser_of, staff

pytestmark = pytest.mark.django_db

plan = test_debit.plan  # the fixture: an agreed plan of three instalments


def _url(debtor) -> str:
    return f"/equipo/deudores/{debtor.pk}/domiciliacion/cancelar"


def test_a_supervisor_sees_the_mandate_confirms_and_cancels_it_and_the_debtor_is_told(
    client,
    debtor,
    plan,
    payment_sandbox,
    django_capture_on_commit_callbacks,
):
    mandate = enrol(client, debtor)
    supervisor = browser_of(staff("sofia", SUPERVISOR, debtor.creditor))

    page = supervisor.get(f"/equipo/deudores/{debtor.pk}/").content.decode()
    assert (
        "Activa con Sandbox: tarjeta VISA •••• 4242, desde el 20/11/2026.\n"
        "Próximo cobro: $283.913,50 el 20/11/2026." in page
    )
    assert f'href="{_url(debtor)}" id="debit-cancel"' in page

    confirm = supervisor.get(_url(debtor))
    assert confirm.status_code == 200
    assert "tarjeta VISA •••• 4242" in confirm.content.decode()
    mandate.refresh_from_db()
    assert mandate.status == "active"  # the GET changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        done = supervisor.post(_url(debtor))

    assert (done.status_code, done["Location"]) == (302, f"/equipo/deudores/{debtor.pk}/")
    mandate.refresh_from_db()
    assert (mandate.status, mandate.cancelled_channel, mandate.cancelled_by) == (
        "cancelled",
        "staff",
        "sofia",
    )
    event = AuditEvent.objects.get(kind="mandate_cancelled")
    assert (event.actor, event.data["by"]) == ("staff:debit", "sofia")
    notice = Outreach.objects.get(notice_key=f"debit-cancelled:{mandate.pk}")
    assert notice.template_key == "debit_cancelled"
    fake = payment_sandbox.runner.app[PAYMENTS_KEY].debit
    assert fake.methods[mandate.method_id].customer is None  # detached at the provider
    assert debit_charges.charge_due_debits(datetime(2026, 11, 20, 15, tzinfo=UTC)) == {}
    assert not DebitAttempt.objects.exists()
    after = supervisor.get(f"/equipo/deudores/{debtor.pk}/").content.decode()
    assert 'id="debit-cancel"' not in after
    assert "Domiciliación cancelada" in after

    # A second POST (a double click) cancels nothing more and tells nobody again.
    again = supervisor.post(_url(debtor))
    assert again.status_code == 302
    assert AuditEvent.objects.filter(kind="mandate_cancelled").count() == 1
    assert Outreach.objects.filter(template_key="debit_cancelled").count() == 1


def test_an_admin_cancels_too(client, debtor, plan, payment_sandbox):
    mandate = enrol(client, debtor)
    admin = browser_of(staff("ada", ADMIN, debtor.creditor))

    assert admin.post(_url(debtor)).status_code == 302

    mandate.refresh_from_db()
    assert (mandate.status, mandate.cancelled_by) == ("cancelled", "ada")


@pytest.mark.parametrize("role", [AGENT, CREDITOR_VIEWER, AUDITOR])
def test_agents_and_readers_see_the_mandate_but_cannot_cancel_it(
    client,
    debtor,
    plan,
    payment_sandbox,
    role,
):
    mandate = enrol(client, debtor)
    user = browser_of(staff("ana", role, debtor.creditor))

    page = user.get(f"/equipo/deudores/{debtor.pk}/").content.decode()
    assert "tarjeta VISA •••• 4242" in page
    assert 'id="debit-cancel"' not in page
    assert user.get(_url(debtor)).status_code == 403
    assert user.post(_url(debtor)).status_code == 403

    mandate.refresh_from_db()
    assert mandate.status == "active"
    assert not AuditEvent.objects.filter(kind="mandate_cancelled").exists()
    assert not Outreach.objects.filter(template_key="debit_cancelled").exists()


def test_another_creditors_supervisor_gets_a_404_and_nothing_changes(
    client,
    debtor,
    plan,
    payment_sandbox,
):
    mandate = enrol(client, debtor)
    stranger = browser_of(staff("otro", SUPERVISOR, make_creditor()))

    assert stranger.get(_url(debtor)).status_code == 404
    assert stranger.post(_url(debtor)).status_code == 404

    mandate.refresh_from_db()
    assert mandate.status == "active"
    assert not AuditEvent.objects.filter(kind="mandate_cancelled").exists()


def test_without_an_active_mandate_the_page_says_so_and_nothing_is_written(debtor, plan):
    supervisor = browser_of(staff("sofia", SUPERVISOR, debtor.creditor))

    shown = supervisor.get(_url(debtor), follow=True)
    posted = supervisor.post(_url(debtor), follow=True)

    assert "El deudor no tiene una domiciliación activa." in shown.content.decode()
    assert "El deudor no tiene una domiciliación activa." in posted.content.decode()
    assert not Mandate.objects.exists()
    assert not AuditEvent.objects.filter(kind="mandate_cancelled").exists()
