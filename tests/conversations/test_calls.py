"""Call tasks: the agent worklist, the country's rules, and recording attempts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User

from recaudo.conversations.calls import check_call
from recaudo.conversations.models import CallAssignment, Message, Thread
from recaudo.outreach.models import Outreach
from recaudo.payments.models import Promise
from recaudo.portfolio.models import ChannelConsent
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in Bogotá
PHONE = "+573001230001"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agent(client):
    user = User.objects.create_user("ana", password="x", is_staff=True)
    client.force_login(user)
    return user


def call_task(creditor, phone: str = PHONE, *, consent: bool = True, **overrides) -> Outreach:
    debtor = make_debtor(creditor, phone=phone)
    make_debt(debtor, "250000.00", due_on=date(2026, 10, 24))
    point = debtor.contact_points.get()
    if consent:
        ChannelConsent.objects.create(
            contact_point=point, channel="call", source="contrato", granted_at=NOW - timedelta(30)
        )
    values = {
        "creditor": creditor,
        "debtor": debtor,
        "anchor_due_on": date(2026, 10, 24),
        "planned_on": date(2026, 11, 23),
        "action": "call_task",
        "channel": "call",
        "contact_point": point,
        "template_key": "call",
        "tone": "late",
        "language": "es",
        "currency": "COP",
        "amount_due": Decimal("250000.00"),
        "window_start": datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
        "window_end": datetime(2026, 11, 24, 0, 0, tzinfo=UTC),
    }
    values.update(overrides)
    return Outreach.objects.create(**values)


def sent_message(task: Outreach, at: datetime, channel: str = "whatsapp") -> Outreach:
    return Outreach.objects.create(
        creditor_id=task.creditor_id, debtor_id=task.debtor_id, anchor_due_on=task.anchor_due_on,
        planned_on=at.date(), action="message", channel=channel, contact_point=task.contact_point,
        template_key="overdue", tone="late", language="es", currency="COP",
        amount_due=task.amount_due, window_start=at, window_end=at + timedelta(hours=8),
        status="sent", sent_at=at,
    )  # fmt: skip


def test_the_worklist_lists_due_call_tasks_with_a_tel_link_when_calling_is_allowed(
    client, creditor, agent
):
    task = call_task(creditor)
    call_task(creditor, "+573001230002", planned_on=date(2026, 12, 20))  # not due yet
    call_task(creditor, "+573001230003", status="sent")  # already done

    page = client.get("/bandeja/llamadas/")

    assert page.status_code == 200
    assert [row[0].pk for row in page.context["rows"]] == [task.pk]
    detail = client.get(f"/bandeja/llamadas/{task.pk}/").content.decode()
    assert f'href="tel:{PHONE}"' in detail
    assert "Se puede llamar ahora." in detail


def test_calling_is_refused_outside_the_country_hours_and_the_next_moment_is_given(creditor, agent):
    task = call_task(creditor)

    evening = check_call(task, datetime(2026, 11, 24, 1, 0, tzinfo=UTC))  # 20:00 in Bogotá

    assert evening.allowed is False
    assert evening.reasons == ("outside_hours",)
    assert evening.next_allowed_at == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # 07:00


def test_calling_is_refused_without_consent_in_colombia_and_no_tel_link_is_shown(
    client, creditor, agent
):
    task = call_task(creditor, consent=False)

    detail = client.get(f"/bandeja/llamadas/{task.pk}/").content.decode()

    assert check_call(task).reasons == ("no_consent",)
    assert "tel:" not in detail
    assert "No se puede llamar ahora" in detail


def test_a_message_sent_today_uses_up_the_daily_contact_in_colombia(creditor, agent):
    task = call_task(creditor)
    sent_message(task, NOW - timedelta(hours=2))

    decision = check_call(task)

    assert decision.allowed is False
    assert "daily_cap" in decision.reasons


def test_recording_an_attempt_marks_the_task_sent_and_it_counts_for_later_contacts(
    client, creditor, agent
):
    task = call_task(creditor)

    response = client.post(f"/bandeja/llamadas/{task.pk}/registrar", {"outcome": "no_answer"})

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.sent_at, task.status_reason) == ("sent", NOW, "no_answer")
    assert CallAssignment.objects.get(outreach=task).agent == agent
    note = Message.objects.get(thread__debtor=task.debtor, channel="call")
    assert (note.kind, note.author, note.agent, note.outreach_id) == (
        "note",
        "agent",
        agent,
        task.pk,
    )
    assert note.text == "Llamada: no contestó"
    # A second call the same day is now over Colombia's one contact a day.
    later = call_task(
        creditor, "+573001230009", debtor=task.debtor, anchor_due_on=date(2026, 11, 1)
    )
    assert "daily_cap" in check_call(later, NOW + timedelta(hours=1)).reasons
    assert [row[0].pk for row in client.get("/bandeja/llamadas/").context["rows"]] == [later.pk]


def test_a_wrong_number_marks_the_phone_invalid(client, creditor, agent):
    task = call_task(creditor)

    client.post(f"/bandeja/llamadas/{task.pk}/registrar", {"outcome": "wrong_number"})

    point = task.contact_point
    point.refresh_from_db()
    assert point.invalid_since == NOW
    assert point.invalid_reason == "call: wrong number"
    task.refresh_from_db()
    assert (task.status, task.status_reason) == ("sent", "wrong_number")


def test_a_promise_with_a_date_and_amount_becomes_a_promise_to_pay(client, creditor, agent):
    task = call_task(creditor)

    client.post(
        f"/bandeja/llamadas/{task.pk}/registrar",
        {"outcome": "promise", "promise_date": "2026-11-27", "promise_amount": "100000"},
    )

    promise = Promise.objects.get(debtor=task.debtor)
    assert (promise.promised_on, promise.amount, promise.source) == (
        date(2026, 11, 27),
        Decimal("100000.00"),
        "agent",
    )
    task.refresh_from_db()
    assert task.status_reason == "promise"
    assert "2026-11-27 100000.00 COP" in Message.objects.get(channel="call").text


def test_a_refused_promise_records_nothing_and_says_why(client, creditor, agent):
    task = call_task(creditor)

    response = client.post(
        f"/bandeja/llamadas/{task.pk}/registrar",
        {"outcome": "promise", "promise_date": "2026-11-27", "promise_amount": "999999999"},
        follow=True,
    )

    assert "El monto debe ser mayor que cero" in response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.sent_at, task.status_reason) == ("planned", None, "")
    assert not Promise.objects.exists()
    assert not Message.objects.filter(channel="call").exists()


def test_a_task_taken_by_another_agent_leaves_my_worklist_and_i_cannot_record_it(
    client, creditor, agent
):
    task = call_task(creditor)
    other = User.objects.create_user("beto", password="x", is_staff=True)
    client.post(f"/bandeja/llamadas/{task.pk}/tomar")
    assert CallAssignment.objects.get(outreach=task).agent == agent

    client.force_login(other)
    assert client.get("/bandeja/llamadas/").context["rows"] == []
    response = client.post(
        f"/bandeja/llamadas/{task.pk}/registrar", {"outcome": "refused"}, follow=True
    )

    assert "Otra persona ya tomó esta llamada." in response.content.decode()
    task.refresh_from_db()
    assert task.status == "planned"


def test_an_attempt_is_recorded_once(client, creditor, agent):
    task = call_task(creditor)
    client.post(f"/bandeja/llamadas/{task.pk}/registrar", {"outcome": "refused"})

    response = client.post(
        f"/bandeja/llamadas/{task.pk}/registrar", {"outcome": "paid"}, follow=True
    )

    assert "Esta llamada ya fue registrada." in response.content.decode()
    task.refresh_from_db()
    assert task.status_reason == "refused"
    assert Message.objects.filter(channel="call").count() == 1
    assert Thread.objects.filter(debtor=task.debtor).count() == 1
