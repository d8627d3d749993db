"""In a real browser: a supervisor cancels a debtor's direct debit from the debtor 360.

The debtor saves Stripe's 4242 test card at the sandbox's setup page (as on
the portal), then the supervisor reads the mandate on the 360, opens the
confirmation page (nothing changes yet) and cancels it.
"""

from __future__ import annotations

import pytest

from recaudo.outreach.models import Outreach
from recaudo.payments.links import live_link
from recaudo.payments.models import Mandate
from recaudo.portfolio.models import AuditEvent
from recaudo.roles import SUPERVISOR
from tests.e2e import test_debit_portal
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_staff import _log_in, _user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

debtor = test_debit_portal.debtor  # the fixture: a debtor owing one debt


def test_a_supervisor_cancels_a_debtors_direct_debit_after_confirming(
    live_server,
    sandbox,
    phone_page,
    browser,
    debtor,
):
    token = live_link(debtor.pk).token
    phone_page.goto(f"{live_server.url}/p/{token}")
    phone_page.fill("#plan-down", "37000")
    phone_page.select_option("#plan-count", "3")
    phone_page.click("#agree-plan")
    phone_page.click("#debit-enrol")
    phone_page.wait_for_url(f"{sandbox}/payments/setup/**")
    phone_page.click("#sandbox-save-card")
    phone_page.wait_for_selector("#debit-active")
    _user("sofia", SUPERVISOR, debtor.creditor)

    context, page, errors = _log_in(browser, live_server, "sofia", f"/equipo/deudores/{debtor.pk}/")
    try:
        shown = page.inner_text("#debit")
        assert "Activa con Sandbox: tarjeta VISA •••• 4242" in shown
        assert "Próximo cobro:" in shown
        page.click("#debit-cancel")
        page.wait_for_selector("#debit-cancel-confirm")
        assert "VISA •••• 4242" in page.inner_text("main")
        assert Mandate.objects.get().status == "active"  # the confirmation page changes nothing
        page.screenshot(path=str(ARTIFACTS / "staff-debit-cancel.png"), full_page=True)
        page.click("#debit-cancel-confirm")
        page.wait_for_url(f"**/equipo/deudores/{debtor.pk}/")
        assert "Domiciliación cancelada" in page.inner_text("main")
        assert page.locator("#debit-cancel").count() == 0
        mandate = Mandate.objects.get()
        assert (mandate.status, mandate.cancelled_channel, mandate.cancelled_by) == (
            "cancelled",
            "staff",
            "sofia",
        )
        assert AuditEvent.objects.filter(kind="mandate_cancelled").count() == 1
        assert Outreach.objects.filter(notice_key=f"debit-cancelled:{mandate.pk}").count() == 1
        assert errors == []
    finally:
        context.close()
