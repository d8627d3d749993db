"""From the link to the confirmation, over HTTP: Recaudo live and the sandbox provider."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
import pytest

from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout, PaymentWebhookEvent
from recaudo.portfolio.models import Debt, Payment

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def browser(live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    with httpx.Client(timeout=15, follow_redirects=False) as client:
        yield client


def _open_portal(browser, live_server, debtor) -> tuple[str, str]:
    token = live_link(debtor.pk).token
    page = browser.get(f"{live_server.url}/p/{token}")
    assert page.status_code == 200
    return token, CSRF.search(page.text).group(1)


def _choose(browser, live_server, token, csrf, **form) -> str:
    response = browser.post(
        f"{live_server.url}/p/{token}/pagar", data={"csrfmiddlewaretoken": csrf, **form}
    )
    assert response.status_code == 303, response.text[:300]
    return response.headers["Location"]


def _at_the_sandbox(browser, checkout_url: str, button: str) -> str:
    page = browser.get(checkout_url)
    assert page.status_code == 200 and f'id="sandbox-{button}"' in page.text
    action = re.search(rf'action="([^"]+/{button})"', page.text).group(1)
    settled = browser.post(str(httpx.URL(checkout_url).join(action)))
    assert settled.status_code == 303
    return settled.headers["Location"]


def test_paying_everything_records_one_payment_settles_the_debts_and_thanks_the_debtor(
    transactional_db, browser, live_server, debtor, payment_sandbox
):
    token, csrf = _open_portal(browser, live_server, debtor)
    checkout_url = _choose(browser, live_server, token, csrf, choice="all")
    assert checkout_url.startswith(payment_sandbox.url)
    back = _at_the_sandbox(browser, checkout_url, "pay")
    assert back.startswith(f"{live_server.url}/p/{token}/r/")
    confirmation = browser.get(back)
    assert confirmation.status_code == 200
    assert 'data-outcome="paid"' in confirmation.text
    assert "$1.419.567,50" in confirmation.text
    payment = Payment.objects.get()
    assert (payment.amount, payment.currency, payment.method) == (
        Decimal("1419567.50"),
        "COP",
        "sandbox:card",  # the sandbox page's first method, picked by default
    )
    assert set(Debt.objects.values_list("status", flat=True)) == {"paid"}
    event = PaymentWebhookEvent.objects.get()
    assert event.provider == "sandbox" and event.processed_at is not None
    after = browser.get(f"{live_server.url}/p/{token}")
    assert 'id="nothing-owed"' in after.text


def test_paying_one_debt_applies_the_payment_to_that_debt_only(
    transactional_db, browser, live_server, debtor, payment_sandbox
):
    newer = Debt.objects.get(invoice_number="FV-2")
    token, csrf = _open_portal(browser, live_server, debtor)
    checkout_url = _choose(browser, live_server, token, csrf, choice="one", debt=str(newer.pk))
    confirmation = browser.get(_at_the_sandbox(browser, checkout_url, "pay"))
    assert 'data-outcome="paid"' in confirmation.text
    payment = Payment.objects.get()
    assert payment.amount == Decimal("1234567.00") and payment.debt_id == newer.pk
    assert list(payment.allocations.values_list("debt_id", "amount")) == [
        (newer.pk, Decimal("1234567.00"))
    ]
    assert dict(Debt.objects.values_list("invoice_number", "status")) == {
        "FV-1": "open",
        "FV-2": "paid",
    }


def test_a_refused_payment_records_nothing_and_says_so_kindly(
    transactional_db, browser, live_server, debtor, payment_sandbox
):
    token, csrf = _open_portal(browser, live_server, debtor)
    checkout_url = _choose(browser, live_server, token, csrf, choice="part", amount="200000")
    back = _at_the_sandbox(browser, checkout_url, "fail")
    page = browser.get(back)
    assert 'data-outcome="failed"' in page.text and "No se hizo ningún cargo" in page.text
    assert not Payment.objects.exists()
    assert Checkout.objects.get().status == "failed"
    assert set(Debt.objects.values_list("status", flat=True)) == {"open"}


def test_without_a_webhook_the_return_page_asks_the_provider_and_records_the_payment(
    transactional_db, browser, live_server, debtor, payment_sandbox
):
    payment_sandbox.sandbox.behaviour.webhooks_enabled = False
    token, csrf = _open_portal(browser, live_server, debtor)
    checkout_url = _choose(browser, live_server, token, csrf, choice="part", amount="200000,00")
    page = browser.get(_at_the_sandbox(browser, checkout_url, "pay"))
    assert 'data-outcome="paid"' in page.text and "$200.000,00" in page.text
    assert not PaymentWebhookEvent.objects.exists()
    payment = Payment.objects.get()
    assert payment.amount == Decimal("200000.00")
    assert dict(Debt.objects.values_list("invoice_number", "amount_paid")) == {
        "FV-1": Decimal("185000.50"),
        "FV-2": Decimal("14999.50"),
    }
