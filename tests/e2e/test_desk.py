"""In a real browser (issue 16): a supervisor approves a discount and the debtor's outbox
gets the decision; a supervisor reviews a "ya pagué" with its receipt shown inline; an
agent works with the debtor side panel and a supervisor reassigns the conversation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from recaudo.conversations.models import AgentProfile, Thread
from recaudo.outreach.models import Outreach
from recaudo.payments.links import live_link
from recaudo.payments.models import DebtorReport, DebtorRequest
from recaudo.payments.reports import report_debts
from recaudo.portfolio.models import AuditEvent, ChannelConsent, Payment
from recaudo.roles import AGENT, SUPERVISOR, set_role
from tests.conversations.helpers import waiting_thread
from tests.factories import make_creditor

PASSWORD = "una-clave-larga-de-prueba"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478"
    "9c6360f8cfc0f01f0005000201a6cd8ad50000000049454e44ae426082"
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _user(username: str, role: str, creditor) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD, is_staff=True)
    set_role(user, role)
    AgentProfile.objects.create(user=user, creditor=creditor)
    return user


def _log_in(browser, live_server, username: str, next_url: str):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="es-CO")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")
    return context, page, errors


def test_a_supervisor_approves_a_discount_and_the_debtor_is_told(live_server, browser):
    creditor = make_creditor()
    thread = waiting_thread(creditor, "+573001239881", "250000.00", full_name="Rosa Díaz")
    debtor = thread.debtor
    # The debtor agreed to WhatsApp: the decision may reach them there.
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(), channel="whatsapp", source="contrato",
        granted_at=timezone.now(),
    )  # fmt: skip
    asked = DebtorRequest.objects.create(
        creditor=creditor, debtor=debtor, kind=DebtorRequest.Kind.DISCOUNT, currency="COP",
        owed=Decimal("250000.00"), amount=Decimal("150000.00"), discount_percent=Decimal(40),
        reason="Perdí el trabajo",
    )  # fmt: skip
    asked.debts.set(debtor.debts.all())
    _user("sofia", SUPERVISOR, creditor)

    context, page, errors = _log_in(browser, live_server, "sofia", "/equipo/pedidos/")
    try:
        row = page.locator("#approvals tbody tr", has_text="Rosa Díaz")
        assert "Perdí el trabajo" in row.inner_text()
        row.get_by_label("Motivo de la decisión").fill("cliente de 10 años")
        row.get_by_role("button", name="Aprobar").click()
        page.wait_for_url("**/equipo/pedidos/")
        assert page.get_by_text("Pedido aprobado: se le avisa al deudor.").is_visible()
        assert page.locator("#approvals").get_by_text("Rosa Díaz").count() == 0
        assert errors == []
    finally:
        context.close()

    asked.refresh_from_db()
    assert (asked.status, asked.decided_by) == ("approved", "staff:sofia")
    notice = Outreach.objects.get(debtor=debtor, template_key="discount_approved")
    assert notice.notice_key == f"request-decided:{asked.pk}"
    assert AuditEvent.objects.get(kind="request_decided").data["reason"] == "cliente de 10 años"


def test_a_supervisor_confirms_a_receipt_seen_inline_and_the_payment_is_recorded(
    live_server, browser
):
    creditor = make_creditor()
    debtor = waiting_thread(creditor, "+573001239882", "90000.00", full_name="Iván Mora").debtor
    (report,) = report_debts(
        debtor, [debtor.debts.get().pk], kind="already_paid", reason="Pagué ayer", source="portal"
    )
    report.receipt, report.receipt_type = PNG, "image/png"
    report.save()
    _user("sofia", SUPERVISOR, creditor)

    context, page, errors = _log_in(browser, live_server, "sofia", "/equipo/revisiones/")
    try:
        row = page.locator(f"#reviews tr[data-report='{report.pk}']")
        image = row.locator("img.receipt")
        image.wait_for()
        # The image loaded (the page's policy lets our own receipts in, nothing else).
        assert (
            page.evaluate("(img) => img.complete && img.naturalWidth", image.element_handle()) == 1
        )
        row.get_by_label("Motivo de la decisión").fill("el banco lo confirma")
        row.get_by_role("button", name="Confirmar").click()
        page.wait_for_url("**/equipo/revisiones/")
        assert page.get_by_text("Reporte confirmado: se le avisa al deudor.").is_visible()
        assert errors == []
    finally:
        context.close()

    report.refresh_from_db()
    assert report.status == DebtorReport.Status.CONFIRMED
    assert Payment.objects.get(debtor=debtor).amount == Decimal("90000.00")
    assert Outreach.objects.filter(debtor=debtor, template_key="paid_in_full").count() == 1


def test_an_agent_reads_the_side_panel_and_a_supervisor_reassigns_the_conversation(
    live_server, browser
):
    creditor = make_creditor()
    thread = waiting_thread(creditor, "+573001239883", "250000.00", full_name="Elena Paz")
    link = live_link(thread.debtor_id)
    ana = _user("ana", AGENT, creditor)
    beto = _user("beto", AGENT, creditor)
    _user("sofia", SUPERVISOR, creditor)

    context, page, errors = _log_in(browser, live_server, "ana", "/bandeja/")
    try:
        page.get_by_role("link", name="Elena Paz").click()
        page.wait_for_url(f"**/bandeja/{thread.pk}/")
        panel = page.locator("#debtor-panel")
        assert "$250.000,00" in panel.locator(".debts").inner_text()
        assert panel.get_by_role("link", name=f"/p/{link.token}", exact=False).count() == 1
        page.get_by_role("button", name="Tomar conversación").click()
        expect(page.locator("#thread-state")).to_contain_text("Agente: ana")
        assert errors == []
    finally:
        context.close()
    thread.refresh_from_db()
    assert (thread.state, thread.assigned_to) == ("with_agent", ana)

    context, page, errors = _log_in(browser, live_server, "sofia", "/bandeja/agentes/")
    try:
        section = page.locator("section.agent-load[data-agent='ana']")
        assert section.locator(".open-count").inner_text() == "1"
        row = section.locator(f"tr[data-thread='{thread.pk}']")
        row.get_by_label("Agente").select_option(label="beto")
        row.get_by_label("Motivo").fill("ana sale de turno")
        row.get_by_role("button", name="Reasignar").click()
        page.wait_for_url("**/bandeja/agentes/")
        assert page.get_by_text("Conversación reasignada.").is_visible()
        moved = page.locator("section.agent-load[data-agent='beto']")
        assert moved.locator(".open-count").inner_text() == "1"
        assert moved.get_by_role("link", name="Elena Paz").count() == 1
        assert errors == []
    finally:
        context.close()
    assert Thread.objects.get(pk=thread.pk).assigned_to == beto
