"""The portal shows the bot's wa.me link, the reference typed in, and its QR code."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from recaudo.payments.links import live_link
from recaudo.payments.qr import qr_svg

pytestmark = pytest.mark.django_db


def with_bot_number(settings_module, number: str):
    channels = {name: dict(values) for name, values in settings_module.CHANNELS.items()}
    channels["whatsapp"]["display_number"] = number
    return override_settings(CHANNELS=channels)


def test_the_portal_links_the_bots_chat_with_the_reference_and_draws_its_qr(
    client, debtor, frozen, settings
):
    token = live_link(debtor.pk).token
    link = f"https://wa.me/573005550101?text=Hola%2C%20ref.%20{debtor.external_id}"

    with with_bot_number(settings, "+57 300 555 0101"):
        text = client.get(f"/p/{token}").content.decode()

    assert f'<a href="{link}" id="whatsapp">Escríbenos por WhatsApp</a>' in text
    figure = re.search(r'<figure id="whatsapp-qr".*?</figure>', text, re.S)
    assert figure is not None
    assert figure.group(0).startswith(
        '<figure id="whatsapp-qr" class="qr-figure"><svg xmlns="http://www.w3.org/2000/svg"'
    )
    assert "<title>Código QR para escribirnos por WhatsApp</title>" in figure.group(0)
    assert "Escanea el código con la cámara de otro teléfono" in figure.group(0)
    # The very code segno draws for the link: nothing else is encoded.
    assert str(qr_svg(link, "Código QR para escribirnos por WhatsApp")) in figure.group(0)
    assert "<script" not in figure.group(0) and "style=" not in figure.group(0)


def test_the_portal_in_english_prefills_in_english(client, debtor, frozen, settings):
    token = live_link(debtor.pk).token

    with with_bot_number(settings, "+573005550101"):
        text = client.get(f"/p/{token}?lang=en").content.decode()

    assert f'href="https://wa.me/573005550101?text=Hi%2C%20ref.%20{debtor.external_id}"' in text
    assert "<title>QR code to message us on WhatsApp</title>" in text


def test_without_a_bot_number_the_portal_keeps_the_support_phone_link_and_no_qr(
    client, debtor, frozen, settings
):
    token = live_link(debtor.pk).token

    with with_bot_number(settings, ""):
        text = client.get(f"/p/{token}").content.decode()

    assert 'href="https://wa.me/576015550100"' in text
    assert "whatsapp-qr" not in text
