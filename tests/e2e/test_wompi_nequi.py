"""In a real browser at a phone's size: a Colombian debtor of a creditor on Wompi sees
Nequi by name, pays with Nequi on Wompi's (faked) checkout and is back to a paid result."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from recaudo.payments.links import live_link
from recaudo.payments.models import PaymentWebhookEvent
from recaudo.portfolio.models import Debt, Payment
from recaudo.sandbox import wompi as fake_wompi
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def colombian(db):
    creditor = make_creditor(brand_name="Tienda Sol")
    debtor = make_debtor(creditor, first_name="Camila", full_name="Camila Rojas Díaz")
    make_debt(debtor, "185000.50", due_on=timezone.now().date() - timedelta(days=12))
    return debtor


def test_a_colombian_debtor_pays_with_nequi_through_wompi_on_a_phone(
    live_server, sandbox, phone_page, colombian, settings
):
    settings.PAYMENTS = {
        "default_provider": "wompi",
        "providers": {
            "sandbox": {"base_url": f"{sandbox}/payments"},
            "wompi": {
                "base_url": f"{sandbox}/wompi/v1",
                "checkout_url": f"{sandbox}/wompi/p/",
                "public_key": fake_wompi.DEFAULT_PUBLIC_KEY,
                "private_key": fake_wompi.DEFAULT_PRIVATE_KEY,
                "integrity_secret": fake_wompi.DEFAULT_INTEGRITY_SECRET,
                "webhook_secret": fake_wompi.DEFAULT_EVENTS_SECRET,
            },
        },
    }
    page = phone_page
    page.goto(f"{live_server.url}/p/{live_link(colombian.pk).token}")
    page.wait_for_selector("#online-methods")
    assert page.locator("#online-methods li").all_inner_texts() == [
        "Tarjeta de crédito o débito",
        "Nequi",
        "PSE (débito desde su cuenta bancaria)",
        "Transferencia Bancolombia",
    ]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.click("#pay-all")
    page.wait_for_url(f"{sandbox}/wompi/p/**")
    assert "185,000.50 COP" in page.inner_text("#amount")
    page.fill("#wompi-nequi input[name=phone_number]", "3991111111")
    page.click("#wompi-nequi-pay")
    page.wait_for_selector("#result")

    assert page.get_attribute("#result", "data-outcome") == "paid"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "portal-wompi-nequi-paid.png"), full_page=True)
    payment = Payment.objects.get()
    assert (payment.method, payment.amount, payment.currency) == (
        "wompi:nequi",
        Decimal("185000.50"),
        "COP",
    )
    assert Debt.objects.get().status == "paid"
    assert "Wompi · Nequi" in page.inner_text("#history")
    # The fake posts the checksummed event before it sends the debtor back.
    event = PaymentWebhookEvent.objects.get(provider="wompi")
    assert event.event_id == f"{payment.external_id}:APPROVED"
    assert event.processed_at is not None
