"""The agent inbox: staff only, the queue in order, answers through the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User

from recaudo.conversations.models import Message, Thread
from recaudo.outreach.models import Outreach
from tests.conversations.helpers import waiting_thread
from tests.factories import make_debtor

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in Bogotá


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_inbox_requires_a_staff_login(client, creditor):
    response = client.get("/bandeja/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

    User.objects.create_user("pepe", password="x", is_staff=False)
    client.login(username="pepe", password="x")
    assert client.get("/bandeja/").status_code == 302


def test_the_queue_lists_handoffs_first_then_by_balance(client, creditor, agent):
    small = waiting_thread(creditor, "+573001110001", "1000.00", "quiero hablar con alguien")
    large = waiting_thread(creditor, "+573001110002", "900000.00", "quiero hablar con alguien")
    confused = waiting_thread(creditor, "+573001110003", "5000000.00", "xx")
    confused.refresh_from_db()
    Thread.objects.filter(pk=confused.pk).update(
        state="waiting_agent", handoff_reason="not_understood", urgency=3,
        balance_at_handoff=Decimal("5000000.00"), handed_off_at=NOW,
    )  # fmt: skip
    in_bot = make_debtor(creditor)
    Thread.objects.create(debtor=in_bot, creditor=creditor)

    response = client.get("/bandeja/")

    assert response.status_code == 200
    assert [t.pk for t in response.context["threads"]] == [large.pk, small.pk, confused.pk]


def test_an_agent_takes_a_thread_and_the_answer_is_queued_as_a_reply(client, creditor, agent):
    thread = waiting_thread(creditor, "+573001110004", "1000.00", "quiero hablar con alguien")

    client.post(f"/bandeja/{thread.pk}/tomar")
    response = client.post(f"/bandeja/{thread.pk}/responder", {"text": "Hola, soy Ana."})

    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.state == "with_agent"
    assert thread.assigned_to == agent
    message = Message.objects.get(author="agent", kind="message")
    reply = Outreach.objects.get(notice_key=f"agent:{message.pk}")
    assert reply.notice_context["text"] == "Hola, soy Ana."
    assert reply.notice_context["answer_until"] == (
        thread.last_inbound_at + timedelta(hours=24)
    ).isoformat()
    assert reply.channel == "sms"
    assert reply.contact_point_id == thread.last_contact_point_id
    page = client.get(f"/bandeja/{thread.pk}/")
    assert "Hola, soy Ana." in page.content.decode()


def test_outside_the_whatsapp_window_an_agent_is_told_a_template_is_needed(client, creditor, agent):
    thread = waiting_thread(creditor, "+573001110005", "1000.00", "quiero hablar con alguien")
    Thread.objects.filter(pk=thread.pk).update(
        last_channel="whatsapp", whatsapp_window_until=NOW - timedelta(minutes=1)
    )

    response = client.post(f"/bandeja/{thread.pk}/responder", {"text": "Hola"}, follow=True)

    assert "se necesita una plantilla" in response.content.decode()
    assert not Outreach.objects.filter(notice_key__startswith="agent:").exists()


def test_notes_outcomes_and_handing_back_to_the_bot(client, creditor, agent):
    thread = waiting_thread(creditor, "+573001110006", "1000.00", "quiero hablar con alguien")

    client.post(f"/bandeja/{thread.pk}/nota", {"text": "Llamar el martes"})
    client.post(f"/bandeja/{thread.pk}/resultado", {"reason": "no_money", "outcome": "plan"})
    client.post(f"/bandeja/{thread.pk}/devolver")

    thread.refresh_from_db()
    assert thread.state == "bot"
    assert thread.assigned_to is None
    assert (thread.non_payment_reason, thread.outcome) == ("no_money", "plan")
    assert Message.objects.filter(kind="note", author="agent", text="Llamar el martes").exists()
    assert not Outreach.objects.filter(notice_key__startswith="agent:").exists()


def test_a_thread_exports_as_csv_with_every_message(client, creditor, agent):
    thread = waiting_thread(creditor, "+573001110007", "1000.00", "quiero hablar con alguien")

    response = client.get(f"/bandeja/{thread.pk}/registro.csv")

    body = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert body.splitlines()[0].startswith("fecha_utc,direccion")
    assert "quiero hablar con alguien" in body
    assert "Enseguida te atiende una persona." in body
