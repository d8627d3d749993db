"""A payment-provider account's own page, /equipo/cuentas/pagos/<id>/ (issue 19): admins
change it with write-only secrets, each change audited; supervisors read it; the webhook
URL to paste into the provider is shown; another creditor's account is a 404."""

from __future__ import annotations

import pytest

from recaudo.payments.models import ProviderAccount
from recaudo.portfolio.models import AuditEvent
from recaudo.roles import ADMIN, AGENT, AUDITOR, CREDITOR_VIEWER, SUPERVISOR
from tests.factories import make_creditor
from tests.staff.helpers import browser_of, staff

pytestmark = pytest.mark.django_db
API_KEY = "sk_live_de_mio_0001"
WEBHOOK_SECRET = "whsec_de_mio_0001"


@pytest.fixture
def two():
    return make_creditor(name="Mío"), make_creditor(name="Ajeno")


@pytest.fixture
def account(two):
    return ProviderAccount.objects.create(
        creditor=two[0], provider="stripe", account_id="acct_1", api_key=API_KEY,
        webhook_secret=WEBHOOK_SECRET,
    )  # fmt: skip


def url(account) -> str:
    return f"/equipo/cuentas/pagos/{account.pk}/"


def form(creditor, **fields):
    posted = {
        "form": "payment",
        "payment-creditor": creditor.pk,
        "payment-provider": "stripe",
        "payment-account_id": "acct_1",
        "payment-api_key": "",
        "payment-webhook_secret": "",
        "payment-active": "on",
    }
    posted.update(fields)
    return posted


def test_the_page_shows_the_webhook_url_and_says_set_or_not_set_never_the_secrets(
    two, account, settings
):
    settings.PUBLIC_BASE_URL = "https://cobros.example"
    client = browser_of(staff("ana", ADMIN, two[0]))

    page = client.get(url(account)).content.decode()

    assert (
        f'<code id="webhook-url">https://cobros.example/webhooks/payments/stripe/'
        f"{account.webhook_token}</code>" in page
    )
    assert '<dd data-secret="api_key">guardada</dd>' in page
    assert '<dd data-secret="webhook_secret">guardado</dd>' in page
    assert API_KEY not in page and WEBHOOK_SECRET not in page
    assert 'value="acct_1"' in page
    listing = client.get("/equipo/cuentas/").content.decode()
    assert f'href="/equipo/cuentas/pagos/{account.pk}/">Editar</a>' in listing


def test_an_admin_changes_the_account_id_keeping_the_secrets_and_it_is_audited(two, account):
    client = browser_of(staff("ana", ADMIN, two[0]))

    response = client.post(url(account), form(two[0], **{"payment-account_id": "acct_2"}))

    assert (response.status_code, response["Location"]) == (302, url(account))
    account.refresh_from_db()
    assert account.account_id == "acct_2"
    assert (account.api_key, account.webhook_secret) == (API_KEY, WEBHOOK_SECRET)
    [event] = AuditEvent.objects.filter(kind="account_changed")
    assert (event.creditor, event.actor) == (two[0], "staff:ana")
    assert event.data == {"provider": "stripe", "account_id": "acct_2", "changed": ["account_id"]}


def test_a_new_webhook_secret_is_stored_and_audited_by_name_only(two, account):
    client = browser_of(staff("ana", ADMIN, two[0]))

    client.post(url(account), form(two[0], **{"payment-webhook_secret": "whsec_nuevo_0002"}))

    account.refresh_from_db()
    assert (account.api_key, account.webhook_secret) == (API_KEY, "whsec_nuevo_0002")
    [event] = AuditEvent.objects.filter(kind="account_changed")
    assert event.data["changed"] == ["webhook_secret"]
    assert "whsec_nuevo_0002" not in str(event.data)
    assert "whsec_nuevo_0002" not in client.get(url(account)).content.decode()


def test_the_creditor_and_provider_stay_the_accounts_whatever_is_posted(two, account):
    client = browser_of(staff("ana", ADMIN, two[0]))

    client.post(
        url(account),
        form(two[1], **{"payment-provider": "mercadopago", "payment-active": ""}),
    )

    account.refresh_from_db()
    assert (account.creditor, account.provider, account.active) == (two[0], "stripe", False)
    assert ProviderAccount.objects.count() == 1
    assert AuditEvent.objects.get(kind="account_changed").data["changed"] == ["active"]


def test_saving_without_a_change_writes_no_audit(two, account):
    client = browser_of(staff("ana", ADMIN, two[0]))

    assert client.post(url(account), form(two[0])).status_code == 302

    assert not AuditEvent.objects.filter(kind="account_changed").exists()


def test_a_supervisor_reads_the_page_without_a_form_and_cannot_post(two, account):
    client = browser_of(staff("sara", SUPERVISOR, two[0]))

    page = client.get(url(account)).content.decode()

    assert 'id="read-only"' in page and 'id="provider-account"' not in page
    assert f"/webhooks/payments/stripe/{account.webhook_token}" in page
    assert client.post(url(account), form(two[0], **{"payment-account_id": "x"})).status_code == 403
    account.refresh_from_db()
    assert account.account_id == "acct_1"


@pytest.mark.parametrize("role", [AGENT, AUDITOR, CREDITOR_VIEWER])
def test_agents_auditors_and_client_viewers_are_refused(two, account, role):
    client = browser_of(staff("otro", role, two[0]))

    assert client.get(url(account)).status_code == 403
    assert client.post(url(account), form(two[0], **{"payment-account_id": "x"})).status_code == 403
    account.refresh_from_db()
    assert account.account_id == "acct_1"


def test_another_creditors_admin_gets_a_404_and_nothing_changes(two, account):
    client = browser_of(staff("omar", ADMIN, two[1]))

    assert client.get(url(account)).status_code == 404
    posted = client.post(url(account), form(two[0], **{"payment-api_key": "sk_robado"}))

    assert posted.status_code == 404
    account.refresh_from_db()
    assert (account.account_id, account.api_key) == ("acct_1", API_KEY)
    assert not AuditEvent.objects.filter(kind="account_changed").exists()


def test_a_wompi_account_shows_its_events_url_and_stores_its_integrity_secret(two, settings):
    settings.PUBLIC_BASE_URL = "https://cobros.example"
    wompi = ProviderAccount.objects.create(
        creditor=two[0], provider="wompi", account_id="pub_prod_mio", api_key="prv_prod_mio",
        webhook_secret="prod_events_mio",
    )  # fmt: skip
    client = browser_of(staff("ana", ADMIN, two[0]))
    page = client.get(url(wompi)).content.decode()
    assert (
        f'<code id="webhook-url">https://cobros.example/webhooks/payments/wompi/'
        f"{wompi.webhook_token}</code>" in page
    )
    assert '<dd data-secret="signing_secret">sin guardar</dd>' in page

    posted = form(two[0], **{"payment-provider": "wompi", "payment-account_id": "pub_prod_mio",
                             "payment-signing_secret": "prod_integrity_mio"})  # fmt: skip
    assert client.post(url(wompi), posted).status_code == 302
    wompi.refresh_from_db()
    assert wompi.signing_secret == "prod_integrity_mio"
    assert wompi.settings_override() == {
        "public_key": "pub_prod_mio",
        "private_key": "prv_prod_mio",
        "integrity_secret": "prod_integrity_mio",
        "webhook_secret": "prod_events_mio",
    }
    page = client.get(url(wompi)).content.decode()
    assert '<dd data-secret="signing_secret">guardado</dd>' in page
    assert "prod_integrity_mio" not in page
    [event] = AuditEvent.objects.filter(kind="account_changed")
    assert event.data["changed"] == ["signing_secret"]
