"""In a real browser: a creditor's admin sets the creditor's own WhatsApp account on
/equipo/cuentas/, its secrets never come back to the page, an edit with the secret left
empty keeps it; a supervisor only reads; another creditor's admin cannot reach it (issue 19)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from recaudo.conversations.models import AgentProfile
from recaudo.delivery.models import ChannelAccount
from recaudo.roles import ADMIN, SUPERVISOR, set_role
from tests.factories import make_creditor

PASSWORD = "una-clave-larga-de-prueba"
TOKEN = "EAAG-token-de-acme-0001"
APP_SECRET = "app-secret-de-acme-0001"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _user(username: str, role: str, creditor) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD, is_staff=True)
    set_role(user, role)
    AgentProfile.objects.create(user=user, creditor=creditor)
    return user


def _log_in(browser, live_server, username: str, next_url: str):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="es-CO")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")
    return context, page, errors


def test_an_admin_sets_whatsapp_and_edits_it_without_retyping_the_secret(live_server, browser):
    acme = make_creditor(name="Acme")
    _user("ana", ADMIN, acme)

    context, page, errors = _log_in(browser, live_server, "ana", "/equipo/cuentas/")
    try:
        page.select_option("#id_channel-creditor", str(acme.pk))
        page.select_option("#id_channel-channel", "whatsapp")
        page.fill("#id_channel-routing_key", "444000444000444")
        page.fill("#id_channel-display_number", "15550004444")
        page.fill("#id_channel-secret", TOKEN)
        page.fill("#id_channel-signing_secret", APP_SECRET)
        page.click("#channel-account button[type=submit]")
        page.wait_for_selector("text=Cuenta guardada.")

        row = page.locator("#channel-accounts tbody tr")
        assert row.count() == 1
        cells = row.locator("td").all_inner_texts()
        assert cells[:6] == [
            "Acme",
            "WhatsApp",
            "444000444000444",
            "guardada",
            "guardado",
            "activa",
        ]
        assert TOKEN not in page.content() and APP_SECRET not in page.content()

        row.get_by_role("link", name="Editar").click()
        page.wait_for_url(f"**/equipo/cuentas/canales/{ChannelAccount.objects.get().pk}/")
        assert page.input_value("#id_channel-display_number") == "15550004444"
        assert page.input_value("#id_channel-secret") == ""
        assert page.input_value("#id_channel-signing_secret") == ""
        assert TOKEN not in page.content() and APP_SECRET not in page.content()
        page.fill("#id_channel-display_number", "15550009999")
        page.click("#channel-account button[type=submit]")
        page.wait_for_selector("text=Cuenta guardada.")
        assert errors == []
    finally:
        context.close()

    account = ChannelAccount.objects.get()
    assert account.details == {"display_number": "15550009999"}
    assert (account.secret, account.signing_secret) == (TOKEN, APP_SECRET)
    assert account.revision == 2
    # What a send of Acme's goes out with: the kept token, the new revision.
    from recaudo.delivery.accounts import channel_for, forget_accounts

    forget_accounts()
    sender = channel_for("whatsapp", acme.pk)
    assert sender.config["access_token"] == TOKEN
    assert sender.config["app_secret"] == APP_SECRET
    assert sender.config["phone_number_id"] == "444000444000444"
    forget_accounts()
    # Stored encrypted: the row holds neither value in clear.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM delivery_channelaccount")
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert TOKEN not in stored and APP_SECRET not in stored


def test_a_supervisor_reads_and_another_creditors_admin_gets_a_404(live_server, browser):
    acme, other = make_creditor(name="Acme"), make_creditor(name="Otro")
    account = ChannelAccount.objects.create(
        creditor=acme, channel="whatsapp", routing_key="555000555000555",
        secret=TOKEN, signing_secret=APP_SECRET,
    )  # fmt: skip
    _user("sara", SUPERVISOR, acme)
    _user("omar", ADMIN, other)
    url = f"/equipo/cuentas/canales/{account.pk}/"

    context, page, errors = _log_in(browser, live_server, "sara", "/equipo/cuentas/")
    try:
        assert page.locator("#channel-accounts tbody tr td").nth(2).inner_text() == (
            "555000555000555"
        )
        assert page.locator("form#channel-account").count() == 0
        page.get_by_role("link", name="Ver").click()
        page.wait_for_url(f"**{url}")
        assert page.locator("#read-only").is_visible()
        assert page.locator("form#channel-account").count() == 0
        assert page.locator("[data-secret=secret]").inner_text() == "guardada"
        assert TOKEN not in page.content()
        assert errors == []
    finally:
        context.close()

    context, page, _errors = _log_in(browser, live_server, "omar", "/equipo/cuentas/")
    try:
        assert "555000555000555" not in page.content()
        assert page.goto(f"{live_server.url}{url}").status == 404
    finally:
        context.close()
