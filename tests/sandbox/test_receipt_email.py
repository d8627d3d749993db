"""A receipt attached to an email reaches the same review queue as a WhatsApp image.

Issue 15: a debtor could send the receipt by WhatsApp or MMS, not by email:
inbound email did not exist. It now comes through the signed inbound relay
(/webhooks/email), and the phone simulator can send one.
"""

from __future__ import annotations

from datetime import date, timedelta
from email.message import EmailMessage

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recaudo.conversations.models import Message
from recaudo.outreach.models import WebhookEvent
from recaudo.payments.models import DebtorReport
from recaudo.portfolio.models import ContactPoint, Debt
from recaudo.sandbox.signing import mail_signature
from tests.factories import make_debt, make_debtor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox_enabled")]
ADDRESS = "ana.perez@example.com"
SECRET = "sandbox-email-inbound-secret"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 200
GIF = b"GIF89a" + b"0" * 50


@pytest.fixture
def debtor(creditor):
    debtor = make_debtor(creditor, full_name="Ana María Pérez")
    ContactPoint.objects.create(debtor=debtor, kind="email", value=ADDRESS, channels=["email"])
    make_debt(debtor, "80000.00", description="Cuota diciembre", due_on=date(2026, 11, 1))
    return debtor


def _mail(text: str, attachment: tuple[bytes, str, str] | None = None, **headers) -> bytes:
    message = EmailMessage()
    message["From"] = f"Ana <{ADDRESS.upper()}>"
    message["To"] = "cobranza@recaudo.example"
    message["Subject"] = "Re: Su pago"
    message["Message-ID"] = headers.pop("message_id", "<m1@example.com>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    if attachment is not None:
        content, mime, name = attachment
        main, _slash, sub = mime.partition("/")
        message.add_attachment(content, maintype=main, subtype=sub, filename=name)
    return message.as_bytes()


def _post(body: bytes, signature: str | None = "good"):
    headers = {}
    if signature is not None:
        value = mail_signature(SECRET, body) if signature == "good" else signature
        headers["HTTP_X_RECAUDO_SIGNATURE"] = value
    return Client().post("/webhooks/email", body, content_type="message/rfc822", **headers)


def test_a_pdf_attached_to_an_email_reaches_the_review_queue_with_its_file(debtor):
    answer = _post(_mail("Ya pagué, adjunto el comprobante.", (PDF, "application/pdf", "c.pdf")))

    assert answer.status_code == 200
    message = Message.objects.get(direction="in")
    assert (message.thread.debtor, message.channel) == (debtor, "email")
    assert (bytes(message.media), message.media_type) == (PDF, "application/pdf")
    report = DebtorReport.objects.get()
    assert (report.kind, report.status) == ("already_paid", "pending")
    assert (bytes(report.receipt), report.receipt_type) == (PDF, "application/pdf")
    assert Debt.objects.get().status == "disputed"


def test_an_unsigned_or_forged_email_is_refused_and_not_stored(debtor):
    body = _mail("Ya pagué", (PDF, "application/pdf", "c.pdf"))

    assert _post(body, signature=None).status_code == 401
    assert _post(body, signature="sha256=" + "0" * 64).status_code == 403
    assert not WebhookEvent.objects.exists() and not Message.objects.exists()


def test_an_attachment_that_is_not_an_image_or_pdf_or_too_large_is_not_kept(debtor, settings):
    _post(_mail("Ya pagué", (GIF, "image/png", "c.png")))
    big = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)
    _post(_mail("Otro comprobante", (big, "application/pdf", "big.pdf"), message_id="<m2@x>"))

    first, second = Message.objects.filter(direction="in").order_by("pk")
    assert first.media is None and "imagen (JPG o PNG) o un PDF" in first.attachment["error"]
    assert second.media is None and "larger than" in second.attachment["error"]
    assert not DebtorReport.objects.exclude(receipt=None).exclude(receipt=b"").exists()


def test_the_debtors_words_are_kept_without_the_quoted_email_and_a_retry_is_one_message(debtor):
    body = _mail(
        "Ya pagué el lunes.\n\nEl lun, 1 dic 2026 a las 9:00, Tienda escribió:\n> Su pago vence",
        In_Reply_To="<sent-1@recaudo.example>",
    )

    _post(body)
    _post(body)  # the relay retries: the same Message-ID

    message = Message.objects.get(direction="in")
    assert message.text == "Ya pagué el lunes."
    assert WebhookEvent.objects.get().dedupe_key == "mail:<m1@example.com>"


def test_the_simulator_sends_an_email_with_a_pdf_that_reaches_review(
    debtor, server, receiver, settings
):
    settings.SANDBOX_URL = server.url
    staff = Client()
    staff.force_login(get_user_model().objects.create_user("t", password="x", is_staff=True))
    upload = SimpleUploadedFile("comprobante.pdf", PDF, content_type="application/pdf")

    response = staff.post(
        reverse("sandbox:phone", args=[debtor.pk]),
        {"channel": "email", "phone": ADDRESS, "text": "", "attachment": upload},
    )

    assert response.status_code == 302, response.content.decode()[:400]
    [webhook] = receiver.wait_for(1)
    assert webhook.path == "/webhooks/email"
    answer = Client().post(
        webhook.path,
        webhook.body,
        content_type="message/rfc822",
        HTTP_X_RECAUDO_SIGNATURE=webhook.headers["X-Recaudo-Signature"],
    )
    assert answer.status_code == 200
    report = DebtorReport.objects.get()
    assert (bytes(report.receipt), report.receipt_type) == (PDF, "application/pdf")
    assert timezone.now() - report.created_at < timedelta(minutes=1)
