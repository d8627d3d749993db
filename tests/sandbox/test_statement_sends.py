"""The shipped statement reminder: the PDF attached to the email, a document header on WhatsApp."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date
from email import message_from_bytes, policy
from types import SimpleNamespace
from urllib.parse import urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from recaudo.delivery.channels.whatsapp import WhatsAppChannel
from recaudo.delivery.messages import build_message, clear_template_cache
from recaudo.sandbox.catalog import approved_whatsapp_templates
from tests.delivery.channels.test_email import CapturingHandler, email_channel, free_port
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _fresh_templates():
    # A creditor's id may come again after a rollback (SQLite): no template of an
    # earlier test's creditor may answer from the process's cache.
    clear_template_cache()
    yield
    clear_template_cache()


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


# --- a message about several debts: the same statement as its document ---------------


def several_debts_planned(creditor):
    """Lucía owes two debts whose steps fall today: one WhatsApp message about both."""
    from tests.outreach.test_planner import _debtor, _due, _plan

    creditor.brand_name = "Tienda Sol"
    creditor.save()
    debtor = _debtor(creditor, whatsapp=True, first_name="Lucía")
    _due(debtor, 7, "100000.00", external_id="FV-7")
    _due(debtor, -7, "900000.00", external_id="FV-8")
    _plan()
    return debtor


def dispatch_into_the_sandbox(server, bodies: list[dict]) -> None:
    """One dispatcher pass at 10:00 in Bogotá, WhatsApp going to the fake Cloud API."""
    import random
    from datetime import UTC, datetime

    from recaudo.delivery.dispatcher import Dispatcher
    from tests.sandbox.test_whatsapp_bot_choices import Channels

    class Recording(httpx.HTTPTransport):
        def handle_request(self, request):
            bodies.append(json.loads(request.read()))
            return super().handle_request(request)

    channel = WhatsAppChannel({"base_url": f"{server.url}/whatsapp/v21.0"}, transport=Recording())
    worker = Dispatcher(channels=Channels(channel), name="t", rng=random.Random(1))
    worker.run_once(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    worker.close()


def test_the_several_debts_whatsapp_message_goes_through_the_dispatcher_with_the_statement(
    server, sandbox, creditor
):
    from recaudo.outreach.models import Outreach

    debtor = several_debts_planned(creditor)
    approve_shipped_templates(sandbox)
    bodies: list[dict] = []

    dispatch_into_the_sandbox(server, bodies)

    row = Outreach.objects.get(debtor=debtor, status="sent")
    assert row.channel == "whatsapp" and row.provider_message_id.startswith("wamid.")
    [sent] = bodies
    template = sent["template"]
    assert template["name"] == "recaudo_several_debts_statement_document"
    header, body, url, *replies = template["components"]
    [document] = header["parameters"]
    assert document["type"] == "document"
    assert document["document"]["filename"] == "estado-de-cuenta.pdf"
    assert document["document"]["link"].endswith("/estado-de-cuenta.pdf")
    assert [p["text"] for p in body["parameters"]][:4] == ["Lucía", "Tienda Sol", "2",
                                                           "$1.000.000,00"]  # fmt: skip
    assert url["sub_type"] == "url"
    assert [r["parameters"][0]["payload"] for r in replies] == ["pay", "agent", "paid"]


def test_the_statement_link_of_the_several_debts_message_serves_the_pdf_of_both_debts(
    server, sandbox, creditor, client
):
    several_debts_planned(creditor)
    approve_shipped_templates(sandbox)
    bodies: list[dict] = []
    dispatch_into_the_sandbox(server, bodies)
    link = bodies[0]["template"]["components"][0]["parameters"][0]["document"]["link"]

    response = client.get(urlsplit(link).path)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(b"".join(response.streaming_content)
                               if response.streaming else response.content))  # fmt: skip
    text = " ".join("\n".join(page.extract_text() for page in pdf.pages).split())
    assert "FV-7" in text and "FV-8" in text and "$1.000.000,00" in text


def test_a_creditor_whose_whatsapp_statement_goes_without_the_pdf_gets_the_plain_several_debts(
    server, sandbox, creditor
):
    from recaudo.policies.models import Template

    mine = Template.objects.get(key="statement", channel="whatsapp", language="es", register="",
                                creditor=None)  # fmt: skip
    mine.pk, mine.creditor, mine.attach_statement = None, creditor, False
    mine.whatsapp_template_name, mine.whatsapp_quick_replies = "tienda_sol_factura", []
    mine.save()
    several_debts_planned(creditor)
    approve_shipped_templates(sandbox)
    bodies: list[dict] = []

    dispatch_into_the_sandbox(server, bodies)

    [sent] = bodies
    assert sent["template"]["name"] == "recaudo_several_debts"
    assert [c["type"] for c in sent["template"]["components"]] == ["body", "button"]


def test_the_fake_refuses_the_several_debts_templates_with_a_mismatched_header(
    server, sandbox, creditor
):
    from recaudo.delivery.messages import build_message
    from recaudo.outreach.models import Outreach

    debtor = several_debts_planned(creditor)
    approve_shipped_templates(sandbox)
    row = Outreach.objects.get(debtor=debtor, status="planned")
    message = build_message(outreach=row, creditor=creditor, debtor=debtor,
                            debts=list(debtor.debts.all()), address="+573001234567",
                            today=date(2026, 11, 24), link_token="tok-9")  # fmt: skip
    channel = WhatsAppChannel({"base_url": f"{server.url}/whatsapp/v21.0"})

    without = channel.send(replace(message, document_url=""))
    plain_with_document = channel.send(replace(message, template_name="recaudo_several_debts",
                                               quick_replies=()))  # fmt: skip

    assert message.template_name == "recaudo_several_debts_statement_document"
    assert (without.outcome, without.error_code) == ("fallback", "132000")
    assert (plain_with_document.outcome, plain_with_document.error_code) == ("fallback", "132000")


def test_the_several_debts_email_attaches_the_statement_even_when_its_step_does_not(creditor):
    from datetime import UTC, datetime

    from tests.dispatching import dispatch_and_record
    from tests.outreach.test_planner import _debtor, _due, _plan

    debtor = _debtor(creditor, first_name="Lucía")
    debtor.contact_points.filter(kind="phone").delete()  # email only
    _due(debtor, 7, "100000.00", external_id="FV-7")
    _due(debtor, -7, "900000.00", external_id="FV-8")
    _plan()

    [sent] = dispatch_and_record(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))

    assert (sent.channel, sent.idempotency_key.startswith("outreach-")) == ("email", True)
    [attachment] = sent.attachments
    assert attachment.filename == "estado-de-cuenta.pdf"
    text = " ".join(PdfReader(io.BytesIO(attachment.content)).pages[0].extract_text().split())
    assert "FV-7" in text and "FV-8" in text
