"""In a real browser: a creditor's admin opens the creditor's payment-provider account from
/equipo/cuentas/, reads the webhook URL to paste into the provider, changes the account
and its webhook secret without the secrets ever reaching the page; a supervisor only reads;
another creditor's admin gets a 404 (issue 19)."""

from __future__ import annotations

import pytest

from recaudo.payments.models import ProviderAccount
from recaudo.portfolio.models import AuditEvent
from recaudo.roles import ADMIN, SUPERVISOR
from tests.e2e.test_accounts_page import _log_in, _user
from tests.factories import make_creditor

API_KEY = "sk_live_de_acme_0001"
WEBHOOK_SECRET = "whsec_de_acme_0001"
NEW_SECRET = "whsec_de_acme_0002"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_an_admin_edits_a_payment_account_and_a_supervisor_only_reads_it(
    live_server, browser, settings
):
    acme, other = make_creditor(name="Acme"), make_creditor(name="Otro")
    account = ProviderAccount.objects.create(
        creditor=acme, provider="mercadopago", account_id="123456", api_key=API_KEY,
        webhook_secret=WEBHOOK_SECRET,
    )  # fmt: skip
    _user("ana", ADMIN, acme)
    _user("sara", SUPERVISOR, acme)
    _user("omar", ADMIN, other)
    page_url = f"/equipo/cuentas/pagos/{account.pk}/"
    webhook = f"{settings.PUBLIC_BASE_URL}/webhooks/payments/mercadopago/{account.webhook_token}"

    context, page, errors = _log_in(browser, live_server, "ana", "/equipo/cuentas/")
    try:
        page.locator("#provider-accounts").get_by_role("link", name="Editar").click()
        page.wait_for_url(f"**{page_url}")
        assert page.inner_text("#webhook-url") == webhook
        assert page.inner_text("[data-secret=api_key]") == "guardada"
        assert page.input_value("#id_payment-api_key") == ""
        assert page.input_value("#id_payment-account_id") == "123456"
        page.fill("#id_payment-account_id", "654321")
        page.fill("#id_payment-webhook_secret", NEW_SECRET)
        page.click("#provider-account button[type=submit]")
        page.wait_for_selector("text=Cuenta guardada.")
        assert page.input_value("#id_payment-webhook_secret") == ""
        content = page.content()
        assert API_KEY not in content and WEBHOOK_SECRET not in content
        assert NEW_SECRET not in content
        assert errors == []
    finally:
        context.close()

    account.refresh_from_db()
    assert (account.account_id, account.api_key, account.webhook_secret) == (
        "654321",
        API_KEY,
        NEW_SECRET,
    )
    event = AuditEvent.objects.get(kind="account_changed")
    assert event.data == {
        "provider": "mercadopago",
        "account_id": "654321",
        "changed": ["account_id", "webhook_secret"],
    }

    context, page, errors = _log_in(browser, live_server, "sara", "/equipo/cuentas/")
    try:
        page.locator("#provider-accounts").get_by_role("link", name="Ver").click()
        page.wait_for_url(f"**{page_url}")
        assert page.locator("#read-only").is_visible()
        assert page.locator("form#provider-account").count() == 0
        assert page.inner_text("#webhook-url") == webhook
        assert errors == []
    finally:
        context.close()

    context, page, _errors = _log_in(browser, live_server, "omar", "/equipo/cuentas/")
    try:
        assert "654321" not in page.content()
        assert page.goto(f"{live_server.url}{page_url}").status == 404
    finally:
        context.close()
