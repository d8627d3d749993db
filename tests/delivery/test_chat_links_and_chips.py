"""Reminders carry the way to the bot: chips on RCS, a wa.me link in SMS and email."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.test import override_settings

from recaudo.delivery.messages import build_message, clear_template_cache, rcs_suggestions
from recaudo.outreach.chat_link import (
    bot_whatsapp_number,
    sms_with_chat_link,
    whatsapp_chat_link,
)
from recaudo.outreach.contract import Suggestion
from recaudo.policies.sms import count
from tests.factories import make_debt, make_debtor

TODAY = date(2026, 11, 20)
BOT = "+57 300 555 0101"


def with_bot_number(number: str = BOT):
    from django.conf import settings

    channels = {name: dict(values) for name, values in settings.CHANNELS.items()}
    channels["whatsapp"]["display_number"] = number
    return override_settings(CHANNELS=channels)


@pytest.fixture(autouse=True)
def _fresh_templates():
    clear_template_cache()
    yield
    clear_template_cache()


def message_for(debtor, debt, channel: str):
    outreach = SimpleNamespace(
        pk=7,
        attempts=0,
        channel=channel,
        template_key="due_today",
        notice_context=None,
        contact_point_id=None,
    )
    return build_message(
        outreach=outreach,
        creditor=debtor.creditor,
        debtor=debtor,
        debts=[debt],
        address="ana@example.com" if channel == "email" else "+573001112233",
        today=TODAY,
        link_token="tok",
    )


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("es", ["Pagar", "Hablar con un asesor", "Ya pagué"]),
        ("pt", ["Pagar", "Falar com um atendente", "Já paguei"]),
        ("en", ["Pay", "Talk to an agent", "I already paid"]),
    ],
)
def test_rcs_chips_are_in_the_debtors_language_within_25_characters(language, labels):
    chips = rcs_suggestions("https://pagos.test/p/tok", language)

    assert chips == (
        Suggestion(labels[0], "recaudo:pay", url="https://pagos.test/p/tok"),
        Suggestion(labels[1], "recaudo:agent"),
        Suggestion(labels[2], "recaudo:paid"),
    )
    assert all(len(chip.text) <= 25 for chip in chips)


@pytest.mark.django_db
def test_an_rcs_reminder_is_a_card_titled_with_the_brand_with_the_payment_chips(creditor):
    debtor = make_debtor(creditor, first_name="Ana")
    debt = make_debt(debtor, "1000.00", due_on=TODAY)

    with with_bot_number():
        message = message_for(debtor, debt, "rcs")

    assert message.card_title == (creditor.brand_name or creditor.name)
    assert message.suggestions == rcs_suggestions(message.suggestions[0].url, "es")
    assert message.suggestions[0].url.endswith("/p/tok")
    assert "wa.me" not in message.text  # RCS has its chips


@pytest.mark.django_db
def test_an_sms_reminder_ends_with_the_bots_wa_me_link_with_the_reference(creditor):
    debtor = make_debtor(creditor, first_name="Ana", external_id="D-1001")
    debt = make_debt(debtor, "1000.00", due_on=TODAY)

    with with_bot_number():
        message = message_for(debtor, debt, "sms")

    assert message.text.endswith(
        "\nWhatsApp: https://wa.me/573005550101?text=Hola%2C%20ref.%20D-1001"
    )
    assert count(message.text).segments <= 2
    assert message.suggestions == ()


@pytest.mark.django_db
def test_an_email_reminder_invites_to_the_bots_chat_in_text_and_html(creditor):
    debtor = make_debtor(creditor, first_name="Ana", external_id="D-1001")
    debt = make_debt(debtor, "1000.00", due_on=TODAY)
    link = "https://wa.me/573005550101?text=Hola%2C%20ref.%20D-1001"

    with with_bot_number():
        message = message_for(debtor, debt, "email")

    assert message.text.endswith(f"\n\n¿Preguntas? Escríbenos por WhatsApp: {link}")
    assert f'<a href="{link}">{link}</a>' in (message.html or "").replace("&amp;", "&")
    assert "/p/tok" in (message.html or "")


@pytest.mark.django_db
def test_no_link_is_added_when_no_whatsapp_number_is_set(creditor):
    debtor = make_debtor(creditor, first_name="Ana")
    debt = make_debt(debtor, "1000.00", due_on=TODAY)

    with with_bot_number(""):
        sms = message_for(debtor, debt, "sms")
        email = message_for(debtor, debt, "email")

    assert "wa.me" not in sms.text
    assert "wa.me" not in email.text
    assert "wa.me" not in (email.html or "")


@pytest.mark.parametrize(
    ("language", "prefilled"),
    [
        ("es", "Hola%2C%20ref.%20D-1"),
        ("pt", "Ol%C3%A1%2C%20ref.%20D-1"),
        ("en", "Hi%2C%20ref.%20D-1"),
    ],
)
def test_the_prefilled_text_is_in_the_debtors_language_and_url_encoded(language, prefilled):
    with with_bot_number("+55 (11) 99999-0000"):
        link = whatsapp_chat_link(SimpleNamespace(), "D-1", language)

    assert link == f"https://wa.me/5511999990000?text={prefilled}"


def test_a_creditors_own_whatsapp_number_comes_before_the_global_one():
    with with_bot_number():
        assert bot_whatsapp_number(SimpleNamespace(whatsapp_number="+52 55 1234 5678")) == (
            "525512345678"
        )
        assert bot_whatsapp_number(SimpleNamespace()) == "573005550101"


def test_an_sms_takes_the_link_only_when_it_stays_within_its_parts():
    link = "https://wa.me/573005550101?text=Hola%2C%20ref.%20D-1001"
    short = "Tienda: Ana, tu pago de $1.000 vence hoy. Paga aqui: https://pagos.test/p/tok"
    long_gsm = "x" * 300  # two parts already; the link would make three

    assert sms_with_chat_link(short, link) == f"{short}\nWhatsApp: {link}"
    assert sms_with_chat_link(long_gsm, link) == long_gsm
    assert sms_with_chat_link(short, "") == short
