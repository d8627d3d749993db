"""In a real browser at a phone's size: the debtor turns direct debit on, then off.

Recaudo runs as the live server; the sandbox (``recaudo sandbox``) plays the
provider: its setup page saves one of Stripe's test cards (tests/e2e/conftest.py).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from recaudo.payments.links import live_link
from recaudo.payments.models import Mandate
from recaudo.portfolio.models import AuditEvent, ChannelConsent, Payment
from recaudo.sandbox.preapproval import DEFAULT_ACCESS_TOKEN, DEFAULT_WEBHOOK_SECRET
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def debtor(db):
    creditor = make_creditor(brand_name="Tienda Sol", support_phone="+57 601 555 0100")
    debtor = make_debtor(
        creditor, first_name="Camila", full_name="Camila Rojas Díaz", phone="+573001234567"
    )
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=timezone.now(),
    )
    make_debt(debtor, "185000.00", due_on=timezone.now().date() - timedelta(days=40))
    return debtor


def test_a_debtor_turns_direct_debit_on_for_the_plan_and_cancels_it_after_confirming(
    live_server, sandbox, phone_page, debtor
):
    page = phone_page
    token = live_link(debtor.pk).token
    page.goto(f"{live_server.url}/p/{token}")
    page.fill("#plan-down", "37000")
    page.select_option("#plan-count", "3")
    page.click("#agree-plan")
    page.wait_for_selector("#debit-enrol")
    page.goto(f"{live_server.url}/p/{token}?lang=pt")
    assert page.inner_text("#debit-enrol") == "Ativar o débito automático"
    page.goto(f"{live_server.url}/p/{token}?lang=en")
    assert page.inner_text("#debit-enrol") == "Turn on automatic payments"
    page.goto(f"{live_server.url}/p/{token}")
    assert page.inner_text("#debit-enrol") == "Activar el débito automático"

    page.click("#debit-enrol")
    page.wait_for_url(f"{sandbox}/payments/setup/**")
    page.click("#sandbox-save-card")  # Stripe's 4242 test card is the default choice
    page.wait_for_selector("#debit-active")
    assert "done=debit" in page.url
    assert "VISA •••• 4242" in page.inner_text("#debit-active")
    assert page.is_visible("#debit-done") and page.is_visible("#debit-next")
    page.screenshot(path=str(ARTIFACTS / "portal-debit-active.png"), full_page=True)
    mandate = Mandate.objects.get()
    assert (mandate.status, mandate.channel, mandate.last4) == ("active", "portal", "4242")

    page.click("#debit-cancel")
    page.wait_for_selector("#debit-cancel-confirm")
    assert "4242" in page.inner_text("main")
    assert Mandate.objects.get().status == "active"  # the confirmation page changes nothing
    page.click("#debit-cancel-confirm")
    page.wait_for_selector("#debit-enrol")
    assert "Débito automático cancelado" in page.inner_text("#debit-done")
    mandate.refresh_from_db()
    assert (mandate.status, mandate.cancelled_channel) == ("cancelled", "portal")
    assert AuditEvent.objects.filter(kind="mandate_cancelled").count() == 1


def test_with_mercado_pago_the_debtor_gives_the_accounts_email_authorises_and_is_charged(
    live_server, sandbox, phone_page, debtor, settings
):
    settings.PAYMENTS = {
        "default_provider": "mercadopago",
        "providers": {
            "mercadopago": {
                "base_url": f"{sandbox}/mercadopago",
                "access_token": DEFAULT_ACCESS_TOKEN,
                "webhook_secret": DEFAULT_WEBHOOK_SECRET,
            }
        },
    }
    page = phone_page
    token = live_link(debtor.pk).token
    page.goto(f"{live_server.url}/p/{token}")
    page.fill("#plan-down", "37000")
    page.select_option("#plan-count", "3")
    page.click("#agree-plan")
    page.wait_for_selector("#debit-email")
    assert "Mercado Pago" in page.inner_text("label[for=debit-email]")
    page.click("#debit-enrol")  # no e-mail on file and none typed: the browser asks for it
    assert page.url.startswith(f"{live_server.url}/p/{token}")
    page.fill("#debit-email", "camila@mp.test")
    page.click("#debit-enrol")
    page.wait_for_url(f"{sandbox}/mercadopago/subscriptions/checkout**")
    assert "camila@mp.test" in page.inner_text("body")
    page.click("#mp-authorize")  # the APRO holder is the default: Mercado Pago approves
    page.wait_for_selector("#debit-active")
    page.screenshot(path=str(ARTIFACTS / "portal-debit-mercadopago.png"), full_page=True)
    mandate = Mandate.objects.get()
    assert (mandate.status, mandate.provider, mandate.brand) == ("active", "mercadopago", "master")
    # The down payment was due today: Mercado Pago charged it on authorising and said so.
    assert Payment.objects.get().amount == Decimal("37000.00")
    assert Mandate.objects.get().last4 == "0604"

    page.click("#debit-cancel")
    page.click("#debit-cancel-confirm")
    page.wait_for_selector("#debit-enrol")
    assert Mandate.objects.get().status == "cancelled"
