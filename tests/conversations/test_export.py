"""A thread's record as a PDF: every communication, accents intact, scoped by creditor."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import translation
from pypdf import PdfReader

from recaudo.conversations import actions
from recaudo.conversations.export import drawable, thread_pdf
from recaudo.conversations.models import AgentProfile, Thread
from recaudo.conversations.timeline import debtor_timeline
from recaudo.delivery import provider_events as events
from recaudo.outreach.contract import Event
from recaudo.outreach.models import Outreach
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in Bogotá


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def conversation(creditor, phone: str = "+573001110301") -> Thread:
    """A reminder, the debtor's question with accents, the bot's answer, an agent's note."""
    debtor = make_debtor(
        creditor, phone=phone, full_name="María José Núñez Peña", external_id="CLI-ñ/7"
    )
    make_debt(debtor, "1000.00", due_on=date(2026, 11, 30))
    Outreach.objects.create(
        creditor=creditor, debtor=debtor, anchor_due_on=date(2026, 11, 30),
        planned_on=date(2026, 11, 23), action="message", channel="sms",
        contact_point=debtor.contact_points.get(), template_key="reminder_before",
        tone="preventive", language="es", currency="COP", amount_due=Decimal("1000.00"),
        window_start=NOW - timedelta(hours=2), window_end=NOW + timedelta(hours=6),
        status="delivered", sent_at=NOW - timedelta(hours=1),
    )  # fmt: skip
    events.apply_event(
        Event(
            channel="sms",
            kind="inbound",
            provider_event_id=f"SM{phone}",
            address=phone,
            text="¿Cuánto debo? ¡Ayúdenme, por favor! 😀",
        )
    )
    thread = Thread.objects.get(debtor=debtor)
    agent = User.objects.create_user(f"agente{phone[-3:]}", is_staff=True)
    actions.add_note(thread.pk, agent, "Llamar a la señora Núñez el miércoles; pidió descuento.")
    return thread


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def login(client, *, creditor=None) -> User:
    user = User.objects.create_user("ana", password="x", is_staff=True)
    if creditor is not None:
        AgentProfile.objects.create(user=user, creditor=creditor)
    client.force_login(user)
    return user


def test_the_pdf_holds_the_creditor_the_debtor_and_every_entry_with_both_times(creditor):
    thread = conversation(creditor)

    text = pdf_text(thread_pdf(thread))

    assert "Registro de comunicaciones" in text
    assert creditor.legal_name in text
    assert "María José Núñez Peña · CLI-ñ/7" in text
    # The reminder (outbox), the question, the bot's answer and the note, in time order.
    reminder = text.index("[recordatorio antes del vencimiento] $1.000,00")
    question = text.index("¿Cuánto debo? ¡Ayúdenme, por favor! [U+1F600]")
    answer = text.index("Tu saldo pendiente es $1.000,00")
    note = text.index("Llamar a la señora Núñez el miércoles; pidió descuento.")
    assert reminder < question < answer < note
    assert "2026-11-23 09:00 (America/Bogota) · 2026-11-23 14:00 UTC" in text
    assert "2026-11-23 10:00 (America/Bogota) · 2026-11-23 15:00 UTC" in text
    assert "SMS · enviado · envío programado · estado: entregado" in text
    assert "SMS · recibido · deudor · intención: balance" in text
    assert "nota interna · agente (agente301)" in text
    assert "Comunicaciones" in text and "4" in text


def test_an_agent_downloads_the_pdf_next_to_the_csv(client, creditor):
    thread = conversation(creditor)
    login(client)

    page = client.get(f"/bandeja/{thread.pk}/").content.decode()
    response = client.get(f"/bandeja/{thread.pk}/registro.pdf")

    assert f'href="/bandeja/{thread.pk}/registro.pdf"' in page
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="conversacion-CLI-7.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert "¿Cuánto debo?" in pdf_text(response.content)


def test_an_agent_of_another_creditor_gets_a_404_and_no_pdf(client):
    mine, theirs = make_creditor(), make_creditor()
    other = conversation(theirs)
    own = conversation(mine, phone="+573001110302")
    login(client, creditor=mine)

    refused = client.get(f"/bandeja/{other.pk}/registro.pdf")
    allowed = client.get(f"/bandeja/{own.pk}/registro.pdf")

    assert refused.status_code == 404
    assert not refused.content.startswith(b"%PDF")
    assert allowed.status_code == 200


def test_someone_who_is_not_staff_is_sent_to_the_login_page(client, creditor):
    thread = conversation(creditor)
    client.force_login(User.objects.create_user("deudor", password="x"))

    response = client.get(f"/bandeja/{thread.pk}/registro.pdf")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_an_unknown_thread_is_a_404(client, creditor):
    login(client)

    assert client.get("/bandeja/999999/registro.pdf").status_code == 404


def test_a_long_thread_runs_over_several_pages_without_losing_an_entry(creditor):
    thread = conversation(creditor)
    agent = User.objects.create_user("larga", is_staff=True)
    for number in range(60):
        actions.add_note(thread.pk, agent, f"Seguimiento número {number}: él dijo «mañana».\n" * 3)

    reader = PdfReader(io.BytesIO(thread_pdf(thread)))
    text = "\n".join(page.extract_text() for page in reader.pages)

    assert len(reader.pages) > 2
    assert all(f"Seguimiento número {number}:" in text for number in range(60))
    assert "Página 2" in text


def test_characters_the_font_lacks_are_written_as_code_points():
    assert drawable("ñ ¿¡ € … → 😀") == "ñ ¿¡ € … [U+2192] [U+1F600]"


def test_a_planned_receipt_reads_as_its_label_without_an_amount_in_the_readers_language(creditor):
    debtor = make_debtor(creditor, phone="+573001110399")
    Outreach.objects.create(
        creditor=creditor, debtor=debtor, anchor_due_on=date(2026, 11, 30),
        planned_on=date(2026, 11, 23), action="message", channel="sms",
        contact_point=debtor.contact_points.get(), template_key="paid_in_full",
        tone="", language="es", currency="COP", amount_due=Decimal("0"),
        window_start=NOW + timedelta(hours=1), window_end=NOW + timedelta(hours=6),
        status="planned",
    )  # fmt: skip

    with translation.override("pt-br"):
        texts = [entry.text for entry in debtor_timeline(debtor.pk)]

    assert texts == ["[declaração de quitação]"]
