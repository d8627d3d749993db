"""Staff tied to a creditor see only its threads and call tasks; WhatsApp templates
outside the 24-hour window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User

from recaudo.conversations.models import AgentProfile, Message, Thread
from recaudo.outreach.models import Outreach
from recaudo.policies.models import Template
from recaudo.portfolio.models import ChannelConsent
from tests.conversations.helpers import waiting_thread
from tests.factories import make_creditor, make_debtor

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in Bogotá


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def call_task(creditor, phone: str) -> Outreach:
    debtor = make_debtor(creditor, phone=phone)
    return Outreach.objects.create(
        creditor=creditor, debtor=debtor, anchor_due_on=date(2026, 10, 24),
        planned_on=date(2026, 11, 23), action="call_task", channel="call",
        contact_point=debtor.contact_points.get(), template_key="call", tone="late",
        language="es", currency="COP", amount_due=Decimal("1000.00"),
        window_start=NOW - timedelta(hours=3), window_end=NOW + timedelta(hours=6),
    )  # fmt: skip


@pytest.fixture
def two_creditors():
    mine, theirs = make_creditor(), make_creditor()
    return mine, theirs


def login(client, *, creditor=None, superuser: bool = False) -> User:
    user = User.objects.create_user("ana", password="x", is_staff=True, is_superuser=superuser)
    if creditor is not None:
        AgentProfile.objects.create(user=user, creditor=creditor)
    client.force_login(user)
    return user


def test_an_agent_tied_to_a_creditor_sees_only_its_threads(client, two_creditors):
    mine, theirs = two_creditors
    own = waiting_thread(mine, "+573001110101", "1000.00")
    other = waiting_thread(theirs, "+573001110102", "1000.00")
    login(client, creditor=mine)

    queue = client.get("/bandeja/")

    assert [t.pk for t in queue.context["threads"]] == [own.pk]
    assert client.get(f"/bandeja/{own.pk}/").status_code == 200
    assert client.get(f"/bandeja/{other.pk}/").status_code == 404
    assert client.get(f"/bandeja/{other.pk}/registro.csv").status_code == 404
    assert client.post(f"/bandeja/{other.pk}/tomar").status_code == 404
    assert client.post(f"/bandeja/{other.pk}/responder", {"text": "hola"}).status_code == 404
    other.refresh_from_db()
    assert other.assigned_to is None
    assert not Message.objects.filter(author="agent").exists()


def test_an_agent_tied_to_a_creditor_sees_only_its_call_tasks(client, two_creditors):
    mine, theirs = two_creditors
    own = call_task(mine, "+573001110103")
    other = call_task(theirs, "+573001110104")
    login(client, creditor=mine)

    worklist = client.get("/bandeja/llamadas/")

    assert [row[0].pk for row in worklist.context["rows"]] == [own.pk]
    assert client.get(f"/bandeja/llamadas/{other.pk}/").status_code == 404
    assert client.post(f"/bandeja/llamadas/{other.pk}/tomar").status_code == 404
    response = client.post(f"/bandeja/llamadas/{other.pk}/registrar", {"outcome": "refused"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "planned"


@pytest.mark.parametrize("tied", [False, True], ids=["without-a-profile", "with-an-empty-one"])
def test_staff_without_a_creditor_see_every_creditor(client, two_creditors, tied):
    mine, theirs = two_creditors
    threads = [
        waiting_thread(mine, "+573001110105", "1000.00"),
        waiting_thread(theirs, "+573001110106", "1000.00"),
    ]
    user = login(client)
    if tied:
        AgentProfile.objects.create(user=user, creditor=None)

    queue = client.get("/bandeja/")

    assert {t.pk for t in queue.context["threads"]} == {t.pk for t in threads}


def test_a_superuser_sees_everything_even_with_a_creditor_profile(client, two_creditors):
    mine, theirs = two_creditors
    threads = [
        waiting_thread(mine, "+573001110107", "1000.00"),
        waiting_thread(theirs, "+573001110108", "1000.00"),
    ]
    tasks = [call_task(mine, "+573001110109"), call_task(theirs, "+573001110110")]
    login(client, creditor=mine, superuser=True)

    assert {t.pk for t in client.get("/bandeja/").context["threads"]} == {t.pk for t in threads}
    rows = client.get("/bandeja/llamadas/").context["rows"]
    assert {row[0].pk for row in rows} == {t.pk for t in tasks}


# The thread view: a template when the WhatsApp window is closed.


def whatsapp_thread_outside_the_window(creditor) -> Thread:
    thread = waiting_thread(creditor, "+573001110111", "1000.00")
    point = thread.debtor.contact_points.get()
    ChannelConsent.objects.create(
        contact_point=point, channel="whatsapp", source="contrato", granted_at=NOW - timedelta(30)
    )
    Thread.objects.filter(pk=thread.pk).update(
        last_channel="whatsapp",
        last_contact_point=point,
        whatsapp_window_until=NOW - timedelta(hours=1),
    )
    return thread


def approved(creditor, key: str, name: str, language: str = "es") -> Template:
    return Template.objects.create(
        creditor=creditor,
        key=key,
        channel="whatsapp",
        language=language,
        body="Hola {{ nombre }}, le escribimos de {{ marca }}.",
        whatsapp_template_name=name,
        whatsapp_template_language="es",
        whatsapp_parameters=["nombre", "marca"],
    )


def test_outside_the_window_the_thread_offers_the_creditors_approved_templates(
    client, two_creditors
):
    mine, theirs = two_creditors
    thread = whatsapp_thread_outside_the_window(mine)
    approved(mine, "agent-followup", "recaudo_agent_followup")
    approved(mine, "agent-english", "recaudo_agent_en", language="en")
    approved(theirs, "their-followup", "their_followup")
    login(client, creditor=mine)

    page = client.get(f"/bandeja/{thread.pk}/")

    keys = [t.key for t in page.context["templates"]]
    assert "agent-followup" in keys
    assert "agent-english" not in keys
    assert "their-followup" not in keys
    assert all(t.whatsapp_template_name for t in page.context["templates"])
    assert "recaudo_agent_followup" in page.content.decode()


def test_an_agent_queues_a_template_through_the_outbox(client, two_creditors):
    mine, _ = two_creditors
    thread = whatsapp_thread_outside_the_window(mine)
    approved(mine, "agent-followup", "recaudo_agent_followup")
    agent = login(client, creditor=mine)

    response = client.post(f"/bandeja/{thread.pk}/plantilla", {"template": "agent-followup"})

    assert response.status_code == 302
    message = Message.objects.get(author="agent", channel="whatsapp")
    row = Outreach.objects.get(notice_key=f"agent-template:{message.pk}")
    assert message.outreach == row
    assert (row.channel, row.template_key, row.status) == ("whatsapp", "agent-followup", "planned")
    assert row.contact_point_id == thread.last_contact_point_id
    thread.refresh_from_db()
    assert (thread.state, thread.assigned_to) == ("with_agent", agent)


def test_a_template_that_is_not_offered_is_refused(client, two_creditors):
    mine, theirs = two_creditors
    thread = whatsapp_thread_outside_the_window(mine)
    approved(theirs, "their-followup", "their_followup")
    login(client, creditor=mine)

    response = client.post(
        f"/bandeja/{thread.pk}/plantilla", {"template": "their-followup"}, follow=True
    )

    assert "Elija una plantilla de WhatsApp de la lista." in response.content.decode()
    assert not Outreach.objects.filter(notice_key__startswith="agent-template:").exists()
    assert not Message.objects.filter(author="agent").exists()
