"""The shipped statement reminder: the PDF attached to the email, a document header on WhatsApp."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date
from email import message_from_bytes, policy
from types import SimpleNamespace

import httpx
import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from recaudo.delivery.channels.whatsapp import WhatsAppChannel
from recaudo.delivery.messages import build_message
from recaudo.sandbox.catalog import approved_whatsapp_templates
from tests.delivery.channels.test_email import CapturingHandler, email_channel, free_port
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 16)


@pytest.fixture
def smtp():
    handler = CapturingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def debtor(creditor):
    creditor.brand_name = "Tienda Sol"
    creditor.save()
    debtor = make_debtor(creditor, first_name="Lucía", full_name="Lucía Gómez Núñez",
                         phone="+573001234567")  # fmt: skip
    make_debt(debtor, "185000.50", external_id="FV-1", due_on=date(2026, 11, 1),
              issued_on=date(2026, 10, 1))  # fmt: skip
    make_debt(debtor, "50000.00", external_id="FV-2", due_on=date(2026, 12, 1))
    return debtor


def approve_shipped_templates(sandbox) -> None:
    """The sandbox approves the database's WhatsApp templates, as ``recaudo sandbox`` does."""
    for approved in approved_whatsapp_templates():
        sandbox.catalog.register(
            approved.name,
            approved.language,
            approved.parameter_count,
            approved.text,
            header=approved.header,
            buttons=approved.buttons,
        )


def statement_message(debtor, channel: str, address: str):
    outreach = SimpleNamespace(pk=41, attempts=1, channel=channel, template_key="statement",
                               contact_point_id=None, notice_context={})  # fmt: skip
    # A statement step is about the new invoice; the PDF lists every open one. (Two
    # steps due the same day would be one message in the several-debts text.)
    debts = list(debtor.debts.order_by("-due_on")[:1])
    return build_message(outreach=outreach, creditor=debtor.creditor, debtor=debtor, debts=debts,
                         address=address, today=TODAY, link_token="tok-41")  # fmt: skip


def test_the_statement_email_arrives_with_the_pdf_attached_in_the_debtors_language(smtp, debtor):
    controller, handler = smtp
    message = statement_message(debtor, "email", "lucia@example.com")

    result = email_channel(controller).send(message)

    assert result.outcome == "accepted"
    [envelope] = handler.messages
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail.get_content_type() == "multipart/mixed"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "estado-de-cuenta.pdf"
    pdf = attachment.get_content()
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Estado de cuenta" in text and "Lucía Gómez Núñez" in text
    assert "$185.000,50" in text and "$235.000,50" in text
    # Still the reminder's own text and HTML alongside.
    body = mail.get_body(preferencelist=("plain",))
    assert "Lucía" in body.get_content()


def test_an_english_debtor_gets_the_statement_named_and_written_in_english(smtp, debtor):
    controller, handler = smtp
    debtor.language = "en"
    debtor.save()

    email_channel(controller).send(statement_message(debtor, "email", "lucia@example.com"))

    mail = message_from_bytes(handler.messages[0].content, policy=policy.default)
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "statement.pdf"
    pdf = PdfReader(io.BytesIO(attachment.get_content()))
    assert "Statement of account" in pdf.pages[0].extract_text()


def test_the_whatsapp_statement_template_is_sent_with_its_document_and_quick_replies(
    server, sandbox, debtor
):
    approve_shipped_templates(sandbox)
    bodies: list[dict] = []

    class Recording(httpx.HTTPTransport):
        def handle_request(self, request):
            bodies.append(json.loads(request.read()))
            return super().handle_request(request)

    channel = WhatsAppChannel({"base_url": f"{server.url}/whatsapp/v21.0"}, transport=Recording())

    result = channel.send(statement_message(debtor, "whatsapp", "+573001234567"))

    assert result.outcome == "accepted", result.error_message
    [sent] = bodies
    template = sent["template"]
    assert (template["name"], template["language"]) == (
        "recaudo_statement_document",
        {"code": "es"},
    )
    header, body, url, *replies = template["components"]
    assert header == {
        "type": "header",
        "parameters": [
            {
                "type": "document",
                "document": {
                    "link": "http://127.0.0.1:8000/p/tok-41/estado-de-cuenta.pdf",
                    "filename": "estado-de-cuenta.pdf",
                },
            }
        ],
    }
    assert body["type"] == "body" and body["parameters"][0] == {"type": "text", "text": "Lucía"}
    assert (url["sub_type"], url["index"]) == ("url", "0")
    assert replies == [
        {"type": "button", "sub_type": "quick_reply", "index": str(n),
         "parameters": [{"type": "payload", "payload": payload}]}
        for n, payload in [(1, "pay"), (2, "agent"), (3, "paid")]
    ]  # fmt: skip


def test_the_fake_refuses_the_statement_template_sent_without_its_document(server, sandbox, debtor):
    approve_shipped_templates(sandbox)
    channel = WhatsAppChannel({"base_url": f"{server.url}/whatsapp/v21.0"})
    message = statement_message(debtor, "whatsapp", "+573001234567")

    result = channel.send(replace(message, document_url=""))

    assert (result.outcome, result.error_code) == ("fallback", "132000")
