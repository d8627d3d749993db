"""The planner's statement step goes out with the statement of account attached."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
from pypdf import PdfReader

from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.contract import ProviderResult
from recaudo.outreach.models import Outreach
from recaudo.outreach.planner import plan
from tests.delivery.test_provider_events import DAY, NOW, SENT_AT, make_contactable_debtor
from tests.factories import make_creditor, make_debt

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self) -> None:
        self.sent = []

    def get(self, name):
        return self

    def send(self, message):
        self.sent.append(message)
        return ProviderResult("accepted", provider_message_id=f"id-{len(self.sent)}")


def test_the_b2c_statement_step_emails_the_pdf_of_the_open_invoices():
    creditor = make_creditor(brand_name="Tienda Sol")
    debtor = make_contactable_debtor(creditor)
    make_debt(debtor, "185000.50", external_id="FV-9", due_on=DAY + timedelta(days=15))
    plan(DAY, creditor=creditor, now=NOW)
    row = Outreach.objects.get(debtor=debtor)
    assert (row.template_key, row.channel) == ("statement", "email")
    channels = Recorder()

    worker = Dispatcher(channels=channels, name="t", rng=random.Random(1))
    worker.run_once(SENT_AT)
    worker.close()

    [message] = channels.sent
    [attachment] = message.attachments
    assert (attachment.filename, attachment.mime_type) == (
        "estado-de-cuenta.pdf",
        "application/pdf",
    )
    text = " ".join(PdfReader(io.BytesIO(attachment.content)).pages[0].extract_text().split())
    assert "Estado de cuenta" in text and "FV-9" in text and "$185.000,50" in text
    assert (message.document_url, message.quick_replies, message.choices) == ("", (), ())
    assert Outreach.objects.get(pk=row.pk).status == "sent"
