"""In a real browser: the pages work under the Content-Security-Policy, with no violation."""

from __future__ import annotations

import pytest

from recaudo.payments.links import live_link
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="es-CO")
    page = context.new_page()
    page.violations = []  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda message: (
            page.violations.append(message.text)  # type: ignore[attr-defined]
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: page.violations.append(str(error)))  # type: ignore[attr-defined]
    yield page
    context.close()


def test_the_api_docs_swagger_ui_renders_under_the_policy(live_server, page):
    response = page.goto(f"{live_server.url}/api/v1/docs")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".swagger-ui .info .title").filter(has_text="Recaudo API").wait_for()
    page.locator(".opblock-summary-path").first.wait_for()  # the operations, from openapi.json
    assert page.violations == []  # type: ignore[attr-defined]


def test_the_admin_login_and_the_debtor_portal_render_under_the_policy(live_server, page):
    debtor = make_debtor(make_creditor(brand_name="Tienda Sol"), first_name="Camila")
    make_debt(debtor, "185000.00")

    page.goto(f"{live_server.url}/admin/login/")
    page.locator("#id_username").wait_for()
    page.goto(f"{live_server.url}/p/{live_link(debtor.pk).token}")
    page.get_by_text("Tienda Sol").first.wait_for()
    brand = page.locator("header").evaluate("element => getComputedStyle(element).backgroundColor")

    assert brand == "rgb(29, 78, 216)"  # the inline <style>, allowed by style-src
    assert page.violations == []  # type: ignore[attr-defined]
