"""In a real browser: a Brazilian debtor's portal is in Portuguese with Brazilian money.

The phone's browser asks for Spanish (es-CO); the debtor's language on file
(pt, Brazil) decides, as it does for their messages.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from recaudo.payments.links import live_link
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def brazilian(db):
    creditor = make_creditor(
        brand_name="Loja Sol",
        country="BR",
        default_currency="BRL",
        support_phone="+55 11 5555 0100",
    )
    debtor = make_debtor(
        creditor,
        first_name="João",
        full_name="João Pereira da Silva",
        country="BR",
        timezone="America/Sao_Paulo",
        language="pt",
    )
    make_debt(
        debtor,
        "4583.46",
        description="Parcela outubro",
        due_on=timezone.now().date() - timedelta(days=20),
    )
    return debtor


def test_a_brazilian_debtors_portal_is_in_portuguese_with_brazilian_money(
    live_server, phone_page, brazilian
):
    page = phone_page
    page.goto(f"{live_server.url}/p/{live_link(brazilian.pk).token}")
    page.wait_for_selector("#total")

    assert page.locator("html").get_attribute("lang") == "pt-br"
    assert page.inner_text("#total") == "R$ 4.583,46"
    assert page.inner_text("#owed-heading") == "Total em aberto"
    assert page.inner_text("#pay-all") == "Pagar tudo (R$ 4.583,46)"
    assert page.inner_text("label[for=plan-down]").startswith("Entrada (mínimo R$ ")
    assert "Olá, João." in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "portal-pt-br.png"), full_page=True)

    page.fill("#plan-down", "1000")
    page.select_option("#plan-count", "2")
    page.click("#agree-plan")
    page.wait_for_selector("#instalments")

    assert "Seu plano de parcelamento foi registrado" in page.inner_text("#done")
    assert page.inner_text("#instalment-0").startswith("Entrada: R$ 1.000,00")
    assert "Parcela 1: R$ 1.791,73" in page.inner_text("#instalment-1")

    page.click("text=Ver en español")
    page.wait_for_selector("#owed-heading")
    assert page.inner_text("#owed-heading") == "Total pendiente"
