"""In a real browser: a supervisor changes a policy step's day and channel and sees the
timeline move, then edits a template and watches the live preview and the SMS counter
follow the typing (issue 16, strategy and template editors)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from recaudo.conversations.models import AgentProfile
from recaudo.policies.models import Policy, Step, StrategyChange, Template
from recaudo.roles import SUPERVISOR, set_role
from tests.factories import make_creditor, make_debt, make_debtor

PASSWORD = "una-clave-larga-de-prueba"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _log_in(browser, live_server, username: str, next_url: str, width: int):
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


@pytest.fixture
def creditor():
    creditor = make_creditor(brand_name="Servicios Andinos")
    user = User.objects.create_user("sofia", "sofia@example.com", PASSWORD, is_staff=True)
    set_role(user, SUPERVISOR)
    AgentProfile.objects.create(user=user, creditor=creditor)
    return creditor


@pytest.mark.parametrize("width", [1366, 390])
def test_a_supervisor_changes_a_steps_day_and_channel_and_sees_the_timeline_move(
    live_server, browser, creditor, width
):
    policy = Policy.objects.create(creditor=creditor, code="propia", name="Propia")
    Step.objects.create(
        policy=policy, offset_days=-15, action="message", channels=["whatsapp"],
        template_key="reminder_before", tone="preventive", stage="friendly",
    )  # fmt: skip
    Step.objects.create(
        policy=policy, offset_days=30, action="message", channels=["sms"],
        template_key="overdue_late", tone="late", stage="firm", repeat_every_days=7,
    )  # fmt: skip
    make_debt(make_debtor(creditor), "150000.00")

    context, page, errors = _log_in(
        browser, live_server, "sofia", f"/equipo/estrategia/?acreedor={creditor.pk}", width
    )
    try:
        page.get_by_role("link", name="Propia").first.click()
        page.wait_for_url(f"**/equipo/estrategia/politicas/{policy.pk}/")
        timeline = page.locator(f"#timeline-{policy.pk} g.step")
        assert timeline.first.get_attribute("data-day") == "-15"

        page.fill("#id_steps-0-offset_days", "-10")
        page.select_option("#id_steps-0-channels_0", "sms")
        page.select_option("#id_steps-0-channels_1", "whatsapp")
        page.get_by_role("button", name="Guardar la política").click()

        page.get_by_text("Política guardada").wait_for()
        assert timeline.first.get_attribute("data-day") == "-10"
        assert timeline.first.get_attribute("data-channels") == "SMS WA"
        assert (
            page.locator("#step-list li")
            .first.inner_text()
            .startswith("día -10 · enviar un mensaje · sms → whatsapp")
        )
        assert StrategyChange.objects.filter(kind="policy", object_id=policy.pk).count() == 1
        if width == 1366:
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        assert errors == []
    finally:
        context.close()


def test_a_supervisor_edits_a_template_and_sees_the_live_preview_and_segment_counter(
    live_server, browser, creditor
):
    template = Template.objects.create(
        creditor=creditor, key="due_today", channel="sms", language="es",
        body="{{ marca }}: hola {{ nombre }}, tu pago de {{ total }} vence hoy.",
    )  # fmt: skip

    context, page, errors = _log_in(
        browser, live_server, "sofia", f"/equipo/plantillas/{template.pk}/", 1366
    )
    try:
        preview = page.locator("#template-preview section").first
        assert preview.locator("[data-text]").inner_text() == (
            "Servicios Andinos: hola Camila, tu pago de $185.000,00 vence hoy."
        )
        assert preview.locator("[data-sms]").get_attribute("data-sms") == "1"

        page.fill("#id_body", "{{ nombre }}, págalo hoy: " + "x" * 160)
        page.locator('#template-preview [data-sms="3"]').first.wait_for()
        counter = page.locator("#template-preview .counter").first.inner_text()
        assert counter.startswith("180 caracteres · UCS2 · 3 segmentos de 67")
        # A long text wraps in its preview: the page still fits a 1366 px screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366

        page.fill("#id_body", "Hola {{ apodo }}")
        page.locator("#template-preview [data-error]").first.wait_for()
        assert (
            "Marcador desconocido: {{ apodo }}"
            in page.locator("#template-preview [data-error]").first.inner_text()
        )

        page.fill("#id_body", "{{ marca }}: {{ nombre }}, paga hoy {{ total }}.")
        page.get_by_role("button", name="Guardar la plantilla").click()
        page.get_by_text("Plantilla guardada (versión 2)").wait_for()
        template.refresh_from_db()
        assert template.body == "{{ marca }}: {{ nombre }}, paga hoy {{ total }}."
        assert errors == []
    finally:
        context.close()


def test_a_supervisor_adds_the_statement_and_quick_replies_to_a_whatsapp_template(
    live_server, browser, creditor
):
    template = Template.objects.create(
        creditor=creditor, key="statement", channel="whatsapp", language="es",
        body="Hola {{ nombre }}, tu estado de cuenta: {{ total }}.",
        whatsapp_template_name="recaudo_statement_document", whatsapp_template_language="es",
        whatsapp_parameters=["nombre", "total"],
    )  # fmt: skip

    context, page, errors = _log_in(
        browser, live_server, "sofia", f"/equipo/plantillas/{template.pk}/", 1366
    )
    try:
        preview = page.locator("#template-preview section").first
        assert preview.locator("[data-statement]").count() == 0
        page.check("#id_attach_statement")
        page.locator("#template-preview [data-statement]").first.wait_for()
        assert page.locator("#template-preview [data-statement]").first.inner_text() == (
            "📄 Va con el estado de cuenta en PDF (estado-de-cuenta.pdf, documento del "
            "encabezado de la plantilla aprobada)."
        )

        page.fill("#id_whatsapp_quick_replies", "pay\nagent\npaid")
        page.locator('#template-preview [data-payload="paid"]').first.wait_for()
        buttons = page.locator("#template-preview section").first.locator("[data-payload]")
        assert buttons.all_inner_texts() == ["pay", "agent", "paid"]

        page.fill("#id_whatsapp_quick_replies", "\n".join(f"r{n}" for n in range(11)))
        page.get_by_role("button", name="Guardar la plantilla").click()
        page.get_by_role("alert").wait_for()
        assert (
            page.get_by_role("alert")
            .inner_text()
            .endswith(
                "Respuestas rápidas de la plantilla de WhatsApp: "
                "Una plantilla de WhatsApp tiene a lo sumo 10 botones."
            )
        )
        template.refresh_from_db()
        assert (template.version, template.attach_statement) == (1, False)

        page.fill("#id_whatsapp_quick_replies", "pay\nagent\npaid")
        page.get_by_role("button", name="Guardar la plantilla").click()
        page.get_by_text("Plantilla guardada (versión 2)").wait_for()
        template.refresh_from_db()
        assert template.attach_statement is True
        assert template.whatsapp_quick_replies == ["pay", "agent", "paid"]
        assert errors == []
    finally:
        context.close()
