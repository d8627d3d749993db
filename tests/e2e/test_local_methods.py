"""In a real browser at a phone's size: a Peruvian debtor sees Yape and PagoEfectivo by name,
pays with Yape at the sandbox provider, and finds the reference and the cash voucher."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from recaudo.payments.links import live_link
from recaudo.payments.models import BankAccount
from recaudo.portfolio.models import Payment
from recaudo.portfolio.references import grouped, reference_for
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def peruvian(db):
    creditor = make_creditor(
        brand_name="Bodega Lima", country="PE", default_currency="PEN", tax_id="20123456789"
    )
    BankAccount.objects.create(
        creditor=creditor,
        bank_name="BCP",
        account_type="Cuenta corriente",
        account_number="193-1234567-0-12",
        holder_name="Bodega Lima S.A.C.",
        holder_tax_id="RUC 20123456789",
    )
    debtor = make_debtor(
        creditor, first_name="Rosa", full_name="Rosa Quispe Huamán", timezone="America/Lima"
    )
    make_debt(debtor, "350.00", due_on=timezone.now().date() - timedelta(days=12))
    return debtor


def test_a_peruvian_debtor_pays_with_yape_and_finds_the_reference_for_a_deposit(
    live_server, sandbox, phone_page, peruvian
):
    page = phone_page
    token = live_link(peruvian.pk).token
    page.goto(f"{live_server.url}/p/{token}")
    page.wait_for_selector("#online-methods")

    assert page.locator("#online-methods li").all_inner_texts() == [
        "Tarjeta de crédito o débito",
        "Yape",
        "PagoEfectivo (efectivo o banca por internet)",
    ]
    reference = grouped(reference_for(peruvian.pk))
    assert page.inner_text("#payment-reference") == reference
    assert page.inner_text("#bank-name") == "BCP"
    # Nothing of the block runs off a phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#transfer").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "portal-local-methods.png"), full_page=True)

    page.click("#cash-voucher")
    page.wait_for_selector("#voucher")
    assert page.inner_text("#voucher-reference") == reference
    assert "350" in page.inner_text("#voucher-total")
    page.screenshot(path=str(ARTIFACTS / "portal-cash-voucher.png"), full_page=True)
    page.click("#back-to-portal")

    page.wait_for_selector("#pay-all")
    page.click("#pay-all")
    page.wait_for_url(f"{sandbox}/payments/checkout/**")
    page.check("#sandbox-method-yape")
    page.click("#sandbox-pay")
    page.wait_for_selector("#result")

    assert page.get_attribute("#result", "data-outcome") == "paid"
    payment = Payment.objects.get()
    assert (payment.method, payment.amount, payment.currency) == (
        "sandbox:yape",
        Decimal("350.00"),
        "PEN",
    )
    assert "Yape" in page.inner_text("#history")
