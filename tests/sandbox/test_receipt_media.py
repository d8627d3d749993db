"""A receipt sent from the phone simulator is downloaded by the media API and reaches review."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recaudo.conversations.models import Message
from recaudo.delivery.channels.registry import reset_channels
from recaudo.delivery.channels.whatsapp import MediaError, WhatsAppChannel
from recaudo.payments.models import DebtorReport
from recaudo.portfolio.models import ChannelConsent, Debt
from tests.factories import make_debt, make_debtor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox_enabled")]
PHONE = "+573001234567"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 200
PNG_NAMED_PDF = b"GIF89a" + b"0" * 50  # not an image or PDF whatever its declared type


@pytest.fixture
def debtor(creditor):
    debtor = make_debtor(creditor, full_name="Ana María Pérez", phone=PHONE)
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=timezone.now() - timedelta(days=30),
    )
    make_debt(debtor, "80000.00", description="Cuota diciembre", due_on=date(2026, 11, 1))
    return debtor


@pytest.fixture
def channels(server, receiver, settings):
    settings.SANDBOX_URL = server.url
    settings.CHANNELS = {
        **settings.CHANNELS,
        "whatsapp": {**settings.CHANNELS["whatsapp"], "base_url": f"{server.url}/whatsapp/v21.0"},
        # Twilio signs the URL it posted to: the receiver stands in for Recaudo's address.
        "sms": {
            **settings.CHANNELS["sms"],
            "base_url": f"{server.url}/twilio",
            "public_base_url": receiver.url,
        },
    }
    reset_channels()
    yield server
    reset_channels()


@pytest.fixture
def staff():
    user = get_user_model().objects.create_user("tester", password="x", is_staff=True)
    browser = Client()
    browser.force_login(user)
    return browser


def _send_from_phone(
    staff, debtor, receiver, content: bytes, mime: str, text: str = "", channel: str = "whatsapp"
):
    """Post the simulator's form; return the webhook the sandbox sent, replayed into Recaudo."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("comprobante", content, content_type=mime)
    response = staff.post(
        reverse("sandbox:phone", args=[debtor.pk]),
        {"channel": channel, "phone": PHONE, "text": text, "attachment": upload},
    )
    assert response.status_code == 302, response.content.decode()[:400]
    [webhook] = receiver.wait_for(1)
    if channel == "sms":
        answer = Client().post(
            webhook.path,
            webhook.body,
            content_type="application/x-www-form-urlencoded",
            HTTP_X_TWILIO_SIGNATURE=webhook.headers["X-Twilio-Signature"],
        )
    else:
        answer = Client().post(
            "/webhooks/whatsapp",
            webhook.body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=webhook.headers["X-Hub-Signature-256"],
        )
    assert answer.status_code == 200, answer.content
    return webhook


def test_a_pdf_sent_from_the_simulator_reaches_the_review_queue_with_its_file(
    staff, debtor, channels, receiver
):
    webhook = _send_from_phone(staff, debtor, receiver, PDF, "application/pdf")
    sent = webhook.json()["entry"][0]["changes"][0]["value"]["messages"][0]
    assert sent["type"] == "document" and sent["document"]["mime_type"] == "application/pdf"
    message = Message.objects.get(direction="in")
    assert (bytes(message.media), message.media_type) == (PDF, "application/pdf")
    report = DebtorReport.objects.get()
    assert (report.kind, report.source, report.status) == ("already_paid", "bot", "pending")
    assert (bytes(report.receipt), report.receipt_type) == (PDF, "application/pdf")
    assert Debt.objects.get().status == "disputed"


def test_a_file_that_is_not_an_image_or_pdf_is_not_kept_whatever_its_declared_type(
    staff, debtor, channels, receiver
):
    _send_from_phone(staff, debtor, receiver, PNG_NAMED_PDF, "image/png", text="ya pagué")
    message = Message.objects.get(direction="in")
    assert message.media is None
    assert "imagen (JPG o PNG) o un PDF" in message.attachment["error"]
    assert not DebtorReport.objects.get().receipt


def test_the_media_token_is_sent_only_to_the_api_host_or_metas_file_host(channels):
    import httpx

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer sandbox-whatsapp-token"
        return httpx.Response(200, json={"url": "https://evil.example/steal", "file_size": 10})

    channel = WhatsAppChannel(transport=httpx.MockTransport(handler))
    with pytest.raises(MediaError, match=r"refused to send the token to evil\.example"):
        channel.download_media("123", 1000)


def test_a_photo_sent_by_mms_is_fetched_with_the_accounts_credentials_and_kept(
    staff, debtor, channels, receiver
):
    png = b"\x89PNG\r\n\x1a\n" + b"1" * 80
    _send_from_phone(staff, debtor, receiver, png, "image/png", channel="sms")
    message = Message.objects.get(direction="in")
    assert message.attachment["kind"] == "media"
    assert (bytes(message.media), message.media_type) == (png, "image/png")
    report = DebtorReport.objects.get()
    assert (bytes(report.receipt), report.receipt_type) == (png, "image/png")
