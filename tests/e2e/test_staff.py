"""In a real browser: an agent opens a debtor 360 from the staff home and reads why the
debtor was not contacted today; a creditor viewer sees only their client (issue 16)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from recaudo.conversations.models import AgentProfile
from recaudo.roles import AGENT, CREDITOR_VIEWER, set_role
from tests.factories import make_creditor, make_debt, make_debtor

PASSWORD = "una-clave-larga-de-prueba"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _user(username: str, role: str, creditor) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD, is_staff=True)
    set_role(user, role)
    AgentProfile.objects.create(user=user, creditor=creditor)
    return user


def _log_in(browser, live_server, username: str, next_url: str, width: int = 1366):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="es-CO")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")
    return context, page, errors


def test_an_agent_opens_a_debtor_360_and_reads_why_they_were_not_contacted_today(
    live_server, browser
):
    creditor = make_creditor(brand_name="Servicios Andinos")
    debtor = make_debtor(creditor, phone="+573001239871", full_name="Lucía Rojas")
    make_debt(debtor, "150000.00", due_on=date.today() - timedelta(days=10))
    # She answered STOP: the phone is opted out, so nothing may be sent to it.
    debtor.contact_points.update(opted_out_at=timezone.now() - timedelta(days=1))
    _user("ana", AGENT, creditor)

    context, page, errors = _log_in(browser, live_server, "ana", "/equipo/")
    try:
        assert page.get_by_role("heading", name="Trabajo de hoy").is_visible()
        page.fill("#q", "Lucía")
        page.press("#q", "Enter")
        page.get_by_role("link", name="Lucía Rojas").click()
        page.wait_for_url(f"**/equipo/deudores/{debtor.pk}/")

        summary = page.locator("#contact-summary")
        assert summary.inner_text() == "Hoy no se le contactó: pidió no ser contactado."
        assert page.locator("#channels").get_by_text("pidió no ser contactado").count() == 4
        # The page fits a 1366 px screen: nothing scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        assert errors == []
    finally:
        context.close()


def test_a_creditor_viewer_sees_only_their_client(live_server, browser):
    client, other = make_creditor(), make_creditor()
    own = make_debtor(client, phone="+573001239872", full_name="Marta Gil")
    make_debt(own, "90000.00")
    stranger = make_debtor(other, phone="+573001239873", full_name="Pedro Ruiz")
    make_debt(stranger, "70000.00")
    _user("visor", CREDITOR_VIEWER, client)

    context, page, errors = _log_in(browser, live_server, "visor", "/equipo/deudores/", width=390)
    try:
        rows = page.locator("#debtors tbody tr")
        assert rows.count() == 1
        assert rows.first.inner_text().startswith("Marta Gil")
        assert page.get_by_text("Pedro Ruiz").count() == 0

        rows.first.get_by_role("link").click()
        page.wait_for_url(f"**/equipo/deudores/{own.pk}/")
        assert page.get_by_role("heading", name="Marta Gil").is_visible()
        assert page.get_by_role("button", name="Enviar el enlace de pago").count() == 0

        response = page.goto(f"{live_server.url}/equipo/deudores/{stranger.pk}/")
        assert response is not None and response.status == 404
        assert errors == []
    finally:
        context.close()
