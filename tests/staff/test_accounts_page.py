"""The page of the creditors' own accounts: admins set them (secrets write-only, audited),
supervisors read, other roles and other creditors' accounts stay out."""

from __future__ import annotations

import pytest

from recaudo.delivery.models import ChannelAccount
from recaudo.payments.models import ProviderAccount
from recaudo.portfolio.models import AuditEvent
from recaudo.roles import ADMIN, AGENT, SUPERVISOR
from tests.factories import make_creditor
from tests.staff.helpers import browser_of, staff

pytestmark = pytest.mark.django_db
URL = "/equipo/cuentas/"


@pytest.fixture
def two():
    return make_creditor(name="Mío"), make_creditor(name="Ajeno")


def whatsapp_form(creditor, **fields):
    form = {
        "form": "channel",
        "channel-creditor": creditor.pk,
        "channel-channel": "whatsapp",
        "channel-routing_key": "111000111000111",
        "channel-display_number": "15550001111",
        "channel-secret": "EAAG-my-token",
        "channel-signing_secret": "my-app-secret",
        "channel-active": "on",
    }
    form.update(fields)
    return form


def test_an_admin_sets_a_whatsapp_account_whose_secrets_are_never_shown_back(two):
    mine, _ = two
    client = browser_of(staff("ana", ADMIN, mine))

    response = client.post(URL, whatsapp_form(mine))

    assert response.status_code == 302
    account = ChannelAccount.objects.get()
    assert (account.creditor, account.routing_key) == (mine, "111000111000111")
    assert account.details == {"display_number": "15550001111"}
    assert (account.secret, account.signing_secret) == ("EAAG-my-token", "my-app-secret")
    page = client.get(URL).content.decode()
    assert "111000111000111" in page
    assert "EAAG-my-token" not in page and "my-app-secret" not in page
    assert "guardada" in page
    [event] = AuditEvent.objects.filter(kind="account_changed")
    assert event.creditor == mine and event.actor == "staff:ana"
    assert event.data == {
        "channel": "whatsapp",
        "routing_key": "111000111000111",
        "changed": ["routing_key", "details", "active", "secret", "signing_secret"],
    }
    assert "EAAG-my-token" not in str(event.data)


def test_an_empty_secret_keeps_the_stored_one_and_the_change_is_audited(two):
    mine, _ = two
    client = browser_of(staff("ana", ADMIN, mine))
    client.post(URL, whatsapp_form(mine))

    emptied = {"channel-secret": "", "channel-signing_secret": ""}
    client.post(URL, whatsapp_form(mine, **emptied, **{"channel-display_number": "15550002222"}))

    account = ChannelAccount.objects.get()
    assert (account.secret, account.signing_secret) == ("EAAG-my-token", "my-app-secret")
    assert account.details == {"display_number": "15550002222"}
    assert account.revision == 2
    latest = AuditEvent.objects.filter(kind="account_changed").order_by("-pk").first()
    assert latest.data["changed"] == ["details"]


def test_a_number_another_creditor_uses_is_refused_with_the_reason(two):
    mine, theirs = two
    ChannelAccount.objects.create(
        creditor=theirs, channel="whatsapp", routing_key="111000111000111"
    )
    client = browser_of(staff("ana", ADMIN, mine))

    response = client.post(URL, whatsapp_form(mine))

    assert response.status_code == 200
    assert "Otro acreedor ya usa ese identificador." in response.content.decode()
    assert ChannelAccount.objects.filter(creditor=mine).count() == 0
    assert not AuditEvent.objects.filter(kind="account_changed").exists()


def test_an_admin_cannot_set_an_account_for_another_creditor_nor_see_its_accounts(two):
    mine, theirs = two
    ChannelAccount.objects.create(creditor=theirs, channel="sms", routing_key="+15005550999")
    client = browser_of(staff("ana", ADMIN, mine))

    response = client.post(URL, whatsapp_form(theirs))

    assert response.status_code == 200  # the form refuses a creditor outside the scope
    assert not ChannelAccount.objects.filter(channel="whatsapp").exists()
    assert "+15005550999" not in client.get(URL).content.decode()


def test_an_admin_sets_a_payment_account_and_gets_its_webhook_url(two):
    mine, _ = two
    client = browser_of(staff("ana", ADMIN, mine))

    client.post(
        URL,
        {"form": "payment", "payment-creditor": mine.pk, "payment-provider": "stripe",
         "payment-account_id": "acct_123", "payment-api_key": "sk_live_mine",
         "payment-webhook_secret": "whsec_mine", "payment-active": "on"},
    )  # fmt: skip

    account = ProviderAccount.objects.get()
    assert (account.api_key, account.webhook_secret) == ("sk_live_mine", "whsec_mine")
    page = client.get(URL).content.decode()
    assert f"/webhooks/payments/stripe/{account.webhook_token}" in page
    assert "sk_live_mine" not in page and "whsec_mine" not in page


def test_a_supervisor_reads_but_cannot_change_and_an_agent_is_refused(two):
    mine, _ = two
    supervisor = browser_of(staff("sara", SUPERVISOR, mine))
    agent = browser_of(staff("alan", AGENT, mine))

    assert supervisor.get(URL).status_code == 200
    assert supervisor.post(URL, whatsapp_form(mine)).status_code == 403
    assert agent.get(URL).status_code == 403
    assert not ChannelAccount.objects.exists()


def test_in_the_admin_an_empty_secret_keeps_the_stored_one_and_none_is_shown(two):
    from django.contrib.auth.models import User
    from django.test import Client

    mine, _ = two
    account = ChannelAccount.objects.create(
        creditor=mine, channel="whatsapp", routing_key="111", secret="EAAG-kept", signing_secret="s"
    )
    root = User.objects.create_superuser("raiz", "raiz@example.com", "x")
    client = Client()
    client.force_login(root)
    url = f"/admin/delivery/channelaccount/{account.pk}/change/"

    assert "EAAG-kept" not in client.get(url).content.decode()
    response = client.post(
        url,
        {"creditor": mine.pk, "channel": "whatsapp", "routing_key": "111", "details": "{}",
         "secret": "", "signing_secret": "", "active": "on"},
    )  # fmt: skip

    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.secret, account.signing_secret) == ("EAAG-kept", "s")


def test_an_sms_account_without_its_account_sid_or_auth_token_is_refused(two):
    mine, _ = two
    client = browser_of(staff("ana", ADMIN, mine))
    sms = {"form": "channel", "channel-creditor": mine.pk, "channel-channel": "sms",
           "channel-routing_key": "+15005550100", "channel-active": "on"}  # fmt: skip

    without_sid = client.post(URL, {**sms, "channel-secret": "auth-token"})
    without_token = client.post(URL, {**sms, "channel-account_sid": "AC" + "1" * 32})

    assert "Este canal necesita account_sid." in without_sid.content.decode()
    assert "Falta un secreto que este canal necesita." in without_token.content.decode()
    assert not ChannelAccount.objects.exists()


def test_an_account_of_another_creditor_is_a_404_on_its_own_page(two):
    mine, theirs = two
    account = ChannelAccount.objects.create(
        creditor=theirs, channel="whatsapp", routing_key="999", secret="t", signing_secret="s"
    )
    client = browser_of(staff("ana", ADMIN, mine))
    url = f"{URL}canales/{account.pk}/"

    assert client.get(url).status_code == 404
    assert (
        client.post(url, whatsapp_form(theirs, **{"channel-routing_key": "1"})).status_code == 404
    )
    account.refresh_from_db()
    assert account.routing_key == "999"


def test_the_account_page_keeps_its_creditor_and_channel_and_sets_the_verify_token(two):
    mine, theirs = two
    account = ChannelAccount.objects.create(
        creditor=mine, channel="whatsapp", routing_key="111", secret="t", signing_secret="s"
    )
    client = browser_of(staff("ana", ADMIN, mine))

    response = client.post(
        f"{URL}canales/{account.pk}/",
        whatsapp_form(theirs, **{"channel-channel": "sms", "channel-secret": "",
                                 "channel-signing_secret": "",
                                 "channel-verify_token": "token-propio"}),
    )  # fmt: skip

    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.creditor, account.channel) == (mine, "whatsapp")
    assert account.details == {"display_number": "15550001111", "verify_token": "token-propio"}
    assert (account.secret, account.signing_secret) == ("t", "s")
    assert account.settings_override()["verify_token"] == "token-propio"


def test_a_supervisor_reads_an_accounts_page_but_cannot_post_it(two):
    mine, _ = two
    account = ChannelAccount.objects.create(
        creditor=mine, channel="whatsapp", routing_key="111", secret="t", signing_secret="s"
    )
    client = browser_of(staff("sara", SUPERVISOR, mine))
    url = f"{URL}canales/{account.pk}/"

    page = client.get(url)

    assert page.status_code == 200
    assert 'id="read-only"' in page.content.decode()
    assert 'id="channel-account"' not in page.content.decode()
    assert client.post(url, whatsapp_form(mine)).status_code == 403


def test_an_admin_sets_an_email_accounts_relay_secret_on_its_page_and_it_verifies_its_mail(two):
    from django.test import Client

    from recaudo.delivery.channels.registry import reset_channels
    from recaudo.sandbox.signing import mail_signature

    mine, _ = two
    account = ChannelAccount.objects.create(
        creditor=mine, channel="email", routing_key="cobranza@mio.example", secret="smtp"
    )
    client = browser_of(staff("ana", ADMIN, mine))
    form = {
        "form": "channel",
        "channel-routing_key": "cobranza@mio.example",
        "channel-signing_secret": "relay-del-acreedor",
        "channel-active": "on",
    }

    response = client.post(f"{URL}canales/{account.pk}/", form)

    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.secret, account.signing_secret) == ("smtp", "relay-del-acreedor")
    page = client.get(f"{URL}canales/{account.pk}/").content.decode()
    assert "relay-del-acreedor" not in page
    reset_channels()
    body = b"From: l@example.com\r\nTo: cobranza@mio.example\r\nMessage-ID: <r1@x>\r\n\r\nhola\r\n"
    posted = Client().post(
        "/webhooks/email",
        body,
        content_type="message/rfc822",
        HTTP_X_RECAUDO_SIGNATURE=mail_signature("relay-del-acreedor", body),
    )
    assert posted.status_code == 200
