"""In a real browser at a phone's size: the portal's WhatsApp link and QR code are visible."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from recaudo.payments.links import live_link
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_the_qr_code_and_the_chat_link_show_on_a_phone_without_csp_errors(
    live_server, phone_page, settings
):
    channels = {name: dict(values) for name, values in settings.CHANNELS.items()}
    channels["whatsapp"]["display_number"] = "+57 300 555 0101"
    settings.CHANNELS = channels
    creditor = make_creditor(brand_name="Tienda Sol")
    debtor = make_debtor(creditor, first_name="Camila", external_id="D-1001")
    make_debt(debtor, "185000.00", due_on=timezone.now().date() - timedelta(days=10))
    refused: list[str] = []
    phone_page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    phone_page.goto(f"{live_server.url}/p/{live_link(debtor.pk).token}")
    phone_page.wait_for_selector("#total")
    qr = phone_page.locator("#whatsapp-qr svg")
    qr.scroll_into_view_if_needed()

    assert qr.is_visible()
    box = qr.bounding_box()
    assert box is not None
    # Whole on a 390-pixel screen, large enough to scan (at least 120 pixels a side).
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert 120 <= box["width"] == box["height"]
    link = phone_page.locator("#whatsapp")
    assert link.is_visible()
    assert link.get_attribute("href") == ("https://wa.me/573005550101?text=Hola%2C%20ref.%20D-1001")
    assert refused == []
    phone_page.screenshot(path=str(ARTIFACTS / "portal-whatsapp-qr.png"), full_page=True)
