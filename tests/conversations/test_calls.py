"""Call tasks: the agent worklist, the country's rules, and recording attempts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User

from recaudo.conversations import actions
from recaudo.conversations.calls import check_call
from recaudo.conversations.models import CallAssignment, Message, Thread
from recaudo.outreach.models import Outreach, OutreachDebt
from recaudo.payments.models import Promise
from recaudo.portfolio.models import ChannelConsent, Debt
from tests.factories import make_debt, make_debtor

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in Bogotá
PHONE = "+573001230001"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


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
    assert "27 de noviembre $100.000,00" in Message.objects.get(channel="call").text


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


# --- "Call again later" -----------------------------------------------------------


def local(day: int, hour: int, minute: int = 0) -> str:
    """A ``datetime-local`` value in November 2026 (the debtor's wall clock)."""
    return f"2026-11-{day:02d}T{hour:02d}:{minute:02d}"


def follow_up(task: Outreach) -> Outreach:
    return Outreach.objects.get(notice_key=f"call-back:{task.pk}")


def test_a_call_back_at_an_allowed_time_is_recorded_and_a_new_task_is_queued_for_that_moment(
    client, creditor, agent
):
    task = call_task(creditor)
    debt = task.debtor.debts.get()
    OutreachDebt.objects.create(outreach=task, debt=debt, balance=debt.balance)

    response = client.post(
        f"/bandeja/llamadas/{task.pk}/registrar",
        {"outcome": "call_back", "call_back_at": local(24, 15)},  # Tuesday 15:00 in Bogotá
        follow=True,
    )

    task.refresh_from_db()
    assert (task.status, task.sent_at, task.status_reason) == ("sent", NOW, "call_back")
    again = follow_up(task)
    assert (again.action, again.channel, again.status, again.step_id) == (
        "call_task", "call", "planned", None
    )  # fmt: skip
    assert again.window_start == datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # 15:00 local
    assert again.window_end == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # 19:00 local
    assert again.planned_on == date(2026, 11, 24)
    assert again.contact_point_id == task.contact_point_id
    assert (again.anchor_due_on, again.amount_due, again.currency) == (
        task.anchor_due_on, task.amount_due, task.currency
    )  # fmt: skip
    assert list(again.debt_links.values_list("debt_id", flat=True)) == [debt.pk]
    assert CallAssignment.objects.get(outreach=again).agent == agent
    assert Message.objects.get(channel="call").text == (
        "Llamada: volver a llamar más tarde · nueva llamada el 2026-11-24 15:00 (hora del deudor)"
    )
    assert "Llamada registrada. Nueva llamada el 2026-11-24 15:00 (hora del deudor)." in (
        response.content.decode()
    )
    # Not due today: tomorrow's worklist has it, today's does not.
    assert client.get("/bandeja/llamadas/").context["rows"] == []
    with time_machine.travel(datetime(2026, 11, 24, 20, 0, tzinfo=UTC), tick=False):
        rows = client.get("/bandeja/llamadas/").context["rows"]
        assert [(row[0].pk, row[1].allowed) for row in rows] == [(again.pk, True)]
        page = client.get(f"/bandeja/llamadas/{again.pk}/").content.decode()
        assert "El deudor pidió que lo llamaran el 24/11/2026 15:00." in page


def test_a_call_back_later_today_in_colombia_moves_to_the_next_allowed_moment_and_says_why(
    client, creditor, agent
):
    task = call_task(creditor)

    response = client.post(
        f"/bandeja/llamadas/{task.pk}/registrar",
        {"outcome": "call_back", "call_back_at": local(23, 16)},  # today 16:00, one contact a day
        follow=True,
    )

    again = follow_up(task)
    assert again.window_start == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # Tuesday 07:00
    assert again.notice_context == {
        "call_back_of": task.pk,
        "asked_for": "2026-11-23T16:00:00-05:00",
        "reasons": ["daily_cap"],
    }
    assert (
        "Llamada registrada. La hora pedida (2026-11-23 16:00) no está permitida: ya tuvo hoy los "
        "contactos permitidos. La nueva llamada quedó para el 2026-11-24 07:00 (hora del deudor)."
    ) in response.content.decode()
    assert Message.objects.get(channel="call").text.endswith(
        "nueva llamada el 2026-11-24 07:00 (hora del deudor) · pedida para el 2026-11-23 16:00, "
        "no permitido: ya tuvo hoy los contactos permitidos"
    )


def test_a_call_back_asked_for_the_night_moves_to_the_next_morning_window(creditor, agent):
    task = call_task(creditor)

    actions.record_call(
        task.pk,
        agent,
        "call_back",
        call_back_at=datetime(2026, 11, 24, 21, 30),  # Tue 21:30
    )

    again = follow_up(task)
    assert again.window_start == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wed 07:00 local
    assert again.notice_context["reasons"] == ["outside_hours"]


def test_a_call_back_in_the_past_is_refused_and_nothing_is_recorded(client, creditor, agent):
    task = call_task(creditor)

    response = client.post(
        f"/bandeja/llamadas/{task.pk}/registrar",
        {"outcome": "call_back", "call_back_at": local(23, 9, 30)},  # 09:30, it is 10:00
        follow=True,
    )

    assert (
        "La hora para volver a llamar (2026-11-23 09:30, hora del deudor) ya pasó: "
        "elija un momento futuro."
    ) in response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.sent_at) == ("planned", None)
    assert not Outreach.objects.filter(notice_key__startswith="call-back:").exists()
    assert not Message.objects.filter(channel="call").exists()
    assert not CallAssignment.objects.exists()


def test_a_call_back_without_a_time_or_with_a_malformed_one_is_refused(client, creditor, agent):
    task = call_task(creditor)

    missing = client.post(
        f"/bandeja/llamadas/{task.pk}/registrar", {"outcome": "call_back"}, follow=True
    )
    malformed = client.post(
        f"/bandeja/llamadas/{task.pk}/registrar",
        {"outcome": "call_back", "call_back_at": "mañana"},
        follow=True,
    )

    assert "Indique el día y la hora para volver a llamar." in missing.content.decode()
    assert "Volver a llamar el (hora del deudor): " in malformed.content.decode()
    task.refresh_from_db()
    assert task.status == "planned"
    assert not Outreach.objects.filter(notice_key__startswith="call-back:").exists()


def test_a_call_back_task_is_cancelled_when_its_debts_are_paid(creditor, agent):
    from recaudo.outreach.settle import cancel_settled

    task = call_task(creditor)
    debt = task.debtor.debts.get()
    OutreachDebt.objects.create(outreach=task, debt=debt, balance=debt.balance)
    actions.record_call(task.pk, agent, "call_back", call_back_at=datetime(2026, 11, 24, 15, 0))

    Debt.objects.filter(pk=debt.pk).update(amount_paid=debt.amount)
    cancel_settled(task.debtor_id, "paid")

    assert follow_up(task).status == "cancelled"


def test_recording_a_call_with_htmx_swaps_the_panel_and_the_timeline_in_place(
    client, creditor, agent
):
    task = call_task(creditor)

    response = client.post(
        f"/bandeja/llamadas/{task.pk}/registrar",
        {"outcome": "call_back", "call_back_at": local(24, 15)},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<section id="call-panel">')
    again = follow_up(task)
    assert "Llamada registrada: volver a llamar más tarde · 23/11/2026 10:00" in html
    assert f'<a href="/bandeja/llamadas/{again.pk}/">Nueva llamada</a>: 24/11/2026 15:00' in html
    assert '<section id="timeline" aria-label="Historial" hx-swap-oob="true">' in html
    assert "Llamada: volver a llamar más tarde" in html
    assert "Nueva llamada el 2026-11-24 15:00 (hora del deudor)." in html  # the flash, in place


def test_a_refused_call_with_htmx_keeps_what_the_agent_entered(client, creditor, agent):
    task = call_task(creditor)

    response = client.post(
        f"/bandeja/llamadas/{task.pk}/registrar",
        {"outcome": "call_back", "call_back_at": local(23, 9, 30), "note": "dijo que más tarde"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert html.startswith('<section id="call-panel">')
    assert 'value="2026-11-23T09:30"' in html and "dijo que más tarde" in html
    assert "ya pasó" in html
    assert 'min="2026-11-23T10:00"' in html  # the browser offers nothing before the debtor's now


def test_a_call_back_is_placed_by_the_same_rule_as_the_planner_without_a_database():
    from recaudo.compliance.rules import PastContact, get_pack
    from recaudo.conversations.calls import place_call_back

    pack = get_pack("CO")
    bogota = "America/Bogota"
    called = [PastContact("call", NOW)]

    allowed = place_call_back(
        pack, timezone=bogota, asked_at=datetime(2026, 11, 24, 20, 0, tzinfo=UTC), history=called
    )
    saturday = place_call_back(
        pack, timezone=bogota, asked_at=datetime(2026, 11, 28, 21, 0, tzinfo=UTC), history=called
    )  # Saturday 16:00: Colombia allows 08:00-15:00 on Saturdays, nothing on Sundays

    assert (allowed.starts_at, allowed.moved, allowed.reasons) == (
        datetime(2026, 11, 24, 20, 0, tzinfo=UTC), False, ()
    )  # fmt: skip
    monday_morning = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 07:00 local
    assert (saturday.starts_at, saturday.reasons) == (monday_morning, ("outside_hours",))


def test_a_call_back_without_a_usable_phone_is_refused_and_nothing_is_recorded(
    client, creditor, agent
):
    task = call_task(creditor)
    task.contact_point.__class__.objects.filter(pk=task.contact_point_id).update(
        invalid_since=NOW - timedelta(days=1), invalid_reason="bounced"
    )

    response = client.post(
        f"/bandeja/llamadas/{task.pk}/registrar",
        {"outcome": "call_back", "call_back_at": local(24, 15)},
        follow=True,
    )

    assert "No hay un teléfono válido para volver a llamar." in response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.sent_at) == ("planned", None)
    assert not Outreach.objects.filter(notice_key__startswith="call-back:").exists()
    assert not Message.objects.filter(channel="call").exists()


def test_a_task_whose_debts_were_paid_by_an_import_leaves_the_worklist_and_calling_is_refused(
    client, creditor, agent
):
    from recaudo.portfolio.actions import record_payment

    task = call_task(creditor)
    debt = task.debtor.debts.get()
    OutreachDebt.objects.create(outreach=task, debt=debt, balance=debt.balance)
    # A payment by file import or the API does not cancel the task at once.
    record_payment(
        creditor=creditor,
        debtor=task.debtor,
        external_id="IMP-1",
        amount=debt.amount,
        currency=debt.currency,
        paid_at=NOW,
        actor="import:test",
    )
    task.refresh_from_db()

    assert task.status == "planned"
    assert client.get("/bandeja/llamadas/").context["rows"] == []
    check = check_call(task)
    assert (check.allowed, check.reasons) == (False, ("nothing_owed",))
    detail = client.get(f"/bandeja/llamadas/{task.pk}/").content.decode()
    assert "ya pagó (o se cerró) lo que motivó esta llamada" in detail
    assert "tel:" not in detail


def test_the_call_list_and_the_queue_write_money_as_the_readers_locale_does(
    client, creditor, agent
):
    from tests.conversations.helpers import waiting_thread

    call_task(creditor, amount_due=Decimal("599.0000"))
    waiting_thread(creditor, "+573001230009", amount="1522.17")

    calls = client.get("/bandeja/llamadas/").content.decode()
    queue = client.get("/bandeja/").content.decode()
    english = client.get("/bandeja/llamadas/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<td class="amount">$599,00</td>' in calls and "599.0000" not in calls
    assert '<td class="amount">$1.522,17</td>' in queue and ">1522,17<" not in queue
    assert '<td class="amount">COP599.00</td>' in english
