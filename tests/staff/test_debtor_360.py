"""The debtor 360: one timeline, why the debtor was or was not contacted today, and the
actions (pause, dispute, link, hand to an agent), each scoped, role-checked and audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from recaudo.conversations.models import AgentProfile, Message
from recaudo.outreach.models import Outreach
from recaudo.payments.models import DebtorReport
from recaudo.payments.reasons import record_reasons
from recaudo.payments.reports import confirm_report, reject_report, resume_unreviewed
from recaudo.payments.rules import AgreementError
from recaudo.portfolio.models import AuditEvent, Payment
from recaudo.roles import AGENT, SUPERVISOR, role_of
from recaudo.staff.contact_today import explain
from tests.staff.helpers import NOW, book, browser_of, staff

pytestmark = pytest.mark.django_db

SUNDAY = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá, a Sunday


@pytest.fixture
def mine():
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        return book("+573001110301")


def _sent_today(one, at: datetime, text: str) -> Outreach:
    return Outreach.objects.create(
        creditor=one.creditor, debtor=one.debtor, anchor_due_on=date(2026, 11, 30),
        planned_on=at.date(), action="step", channel="whatsapp",
        contact_point=one.debtor.contact_points.get(), template_key="overdue_early",
        tone="early", language="es", currency="COP", amount_due=Decimal("250000.00"),
        window_start=at - timedelta(hours=1), window_end=at + timedelta(hours=5),
        status="delivered", sent_at=at, sent_text=text,
    )  # fmt: skip


def test_on_a_sunday_the_360_says_why_nobody_contacted_the_debtor_and_when_they_may(mine):
    with time_machine.travel(SUNDAY, tick=False):
        contact = explain(mine.debtor)

    assert contact.summary == (
        "Hoy no se le contactó: hoy no se permite contactar. "
        "Próximo momento permitido: 23/11/2026 07:00 (hora del deudor)."
    )
    assert {v.channel for v in contact.channels} == {"whatsapp", "sms", "call", "rcs"}
    whatsapp = next(v for v in contact.channels if v.channel == "whatsapp")
    assert (whatsapp.allowed, whatsapp.reasons) == (False, "hoy no se permite contactar")
    assert whatsapp.next_allowed_at == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    sms = next(v for v in contact.channels if v.channel == "sms")
    assert sms.reasons == "el país exige consentimiento para este canal y no lo hay"


def test_a_debtor_reached_today_is_said_to_be_contacted_and_the_daily_cap_holds_the_rest(mine):
    with time_machine.travel(NOW, tick=False):
        _sent_today(mine, NOW - timedelta(hours=1), "Hola Deudor, tu saldo es $ 250.000")
        contact = explain(mine.debtor)

    assert contact.summary == "Hoy se le contactó por WhatsApp a las 09:00 (hora del deudor)."
    whatsapp = next(v for v in contact.channels if v.channel == "whatsapp")
    assert whatsapp.reasons == "ya tuvo hoy los contactos permitidos"
    assert whatsapp.next_allowed_at == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_a_reminder_cancelled_today_is_explained_with_the_dispatchers_reason(mine):
    mine.call.delete()
    with time_machine.travel(NOW, tick=False):
        row = _sent_today(mine, NOW, "")
        Outreach.objects.filter(pk=row.pk).update(
            status="cancelled", sent_at=None, status_reason="disputed"
        )
        contact = explain(mine.debtor)

    assert contact.summary == (
        "Hoy no se le contactó: el envío por WhatsApp fue cancelado: "
        "una deuda está en disputa o en pausa."
    )


def test_when_the_law_allows_it_and_no_step_is_due_the_360_says_so(mine):
    with time_machine.travel(NOW, tick=False):
        planned_call = explain(mine.debtor).summary
        mine.call.delete()
        contact = explain(mine.debtor)

    assert planned_call == (
        "Hoy no se le contactó todavía: hay un contacto por llamada pendiente, entre las "
        "07:00 y las 16:00 (hora del deudor)."
    )

    assert contact.summary == (
        "Hoy no se le contactó: ningún paso de su política programó un contacto para hoy, "
        "aunque la ley lo permitiría ahora."
    )
    assert [v.channel for v in contact.channels if v.allowed] == ["whatsapp"]


def test_the_timeline_holds_the_exact_text_sent_payments_consents_requests_and_audit(mine):
    agent = staff("ana", AGENT, mine.creditor)
    with time_machine.travel(NOW, tick=False):
        _sent_today(mine, NOW - timedelta(hours=1), "Hola Deudor, tu saldo es $ 250.000")
        Payment.objects.create(
            creditor=mine.creditor, debtor=mine.debtor, external_id="P-1", amount=Decimal("1000"),
            currency="COP", paid_at=NOW, method="PSE",
        )  # fmt: skip
        browser_of(agent).post(f"/equipo/deudores/{mine.debtor.pk}/enlace")
        page = browser_of(agent).get(f"/equipo/deudores/{mine.debtor.pk}/")

    events = page.context["events"]
    categories = {event.category for event in events}
    assert {"outreach", "message", "debt", "payment", "request", "consent", "audit"} <= categories
    sent = next(event for event in events if event.text.startswith("Hola Deudor"))
    assert (sent.text, sent.channel, sent.status) == (
        "Hola Deudor, tu saldo es $ 250.000",
        "WhatsApp",
        "entregado",
    )
    html = page.content.decode()
    assert "quiero hablar con alguien" in html  # the debtor's reply
    assert "$1.000,00" in html  # the payment, in the reader's (Spanish) writing
    assert "¿Por qué se le contactó o no hoy?" in html


def test_pausing_stops_reminders_until_the_end_date_then_they_resume(mine):
    agent = staff("ana", AGENT, mine.creditor)
    with time_machine.travel(NOW, tick=False):
        response = browser_of(agent).post(
            f"/equipo/deudores/{mine.debtor.pk}/pausar",
            {"until": "2026-11-30", "reason": "hospitalizado"},
        )
        contact = explain(mine.debtor)

    assert response.status_code == 302
    report = DebtorReport.objects.get(debtor=mine.debtor)
    assert (report.kind, report.pause_until, report.source) == (
        "pause",
        date(2026, 11, 30),
        "staff",
    )
    mine.debt.refresh_from_db()
    assert mine.debt.status == "disputed"
    event = AuditEvent.objects.get(kind="debtor_paused")
    assert (event.actor, event.data["until"], event.data["reason"]) == (
        "staff:ana",
        "2026-11-30",
        "hospitalizado",
    )
    assert contact.summary.startswith("Hoy no se le contactó: los recordatorios están en pausa")
    whatsapp = next(v for v in contact.channels if v.channel == "whatsapp")
    assert whatsapp.reasons == "una deuda está en disputa o en pausa"

    assert resume_unreviewed(date(2026, 12, 1)) == 1
    mine.debt.refresh_from_db()
    assert mine.debt.status == "open"


def test_a_pause_in_the_past_or_without_a_reason_is_refused_and_nothing_is_written(mine):
    client = browser_of(staff("ana", AGENT, mine.creditor))
    with time_machine.travel(NOW, tick=False):
        past = client.post(
            f"/equipo/deudores/{mine.debtor.pk}/pausar", {"until": "2026-11-01", "reason": "x"},
            follow=True,
        )  # fmt: skip
        client.post(f"/equipo/deudores/{mine.debtor.pk}/pausar", {"until": "2026-11-30"})

    assert "La pausa debe terminar hoy o después." in past.content.decode()
    assert not DebtorReport.objects.exists()
    assert not AuditEvent.objects.filter(kind="debtor_paused").exists()


def test_marking_a_dispute_puts_it_in_the_review_queue_audited(mine):
    supervisor = staff("sofia", SUPERVISOR, mine.creditor)
    client = browser_of(staff("ana", AGENT, mine.creditor))
    with time_machine.travel(NOW, tick=False):
        client.post(
            f"/equipo/deudores/{mine.debtor.pk}/disputa",
            {"debts": [mine.debt.pk], "reason": "dice que canceló el servicio"},
        )
        home = browser_of(supervisor).get("/equipo/")

    report = DebtorReport.objects.get(debtor=mine.debtor)
    assert (report.kind, report.status, report.reason) == (
        "dispute",
        "pending",
        "dice que canceló el servicio",
    )
    assert AuditEvent.objects.get(kind="dispute_marked").data["debts"] == [mine.debt.pk]
    assert home.context["work"].reviews_waiting == 1


def test_sending_the_link_queues_the_payment_offer_once_a_day_audited(mine):
    client = browser_of(staff("ana", AGENT, mine.creditor))
    with time_machine.travel(NOW, tick=False):
        client.post(f"/equipo/deudores/{mine.debtor.pk}/enlace")
        client.post(f"/equipo/deudores/{mine.debtor.pk}/enlace")

    row = Outreach.objects.get(debtor=mine.debtor, template_key="payment_offer")
    assert (row.action, row.channel, row.notice_key) == (
        "notice",
        "whatsapp",
        f"staff-link:{mine.debtor.pk}:2026-11-23",
    )
    assert AuditEvent.objects.filter(kind="link_sent").count() == 2


def test_handing_to_an_agent_puts_the_conversation_in_their_queue(mine):
    other = staff("beto", AGENT, mine.creditor)
    stranger = staff("carla", AGENT)
    AgentProfile.objects.filter(user=stranger).delete()
    outsider = staff("dario", AGENT, book("+573001110302").creditor)
    client = browser_of(staff("sofia", SUPERVISOR, mine.creditor))
    with time_machine.travel(NOW, tick=False):
        refused = client.post(
            f"/equipo/deudores/{mine.debtor.pk}/asignar",
            {"agent": outsider.pk, "reason": "llamar"},
            follow=True,
        )
        client.post(
            f"/equipo/deudores/{mine.debtor.pk}/asignar", {"agent": other.pk, "reason": "llamar"}
        )
        queue = browser_of(other).get("/bandeja/")

    assert "Elija un agente que trabaje para este acreedor." in refused.content.decode()
    mine.thread.refresh_from_db()
    assert (mine.thread.assigned_to_id, mine.thread.state) == (other.pk, "waiting_agent")
    assert [t.pk for t in queue.context["threads"]] == [mine.thread.pk]
    assert Message.objects.filter(thread=mine.thread, kind="note", agent__username="sofia").exists()
    assert AuditEvent.objects.get(kind="handed_to_agent").data["agent"] == "beto"


def test_the_inbox_the_call_page_and_the_admin_link_to_the_360(mine):
    superuser = User.objects.create_superuser("jefa", password="x")
    client = browser_of(superuser)
    with time_machine.travel(NOW, tick=False):
        thread_page = client.get(f"/bandeja/{mine.thread.pk}/").content.decode()
        call_page = client.get(f"/bandeja/llamadas/{mine.call.pk}/").content.decode()
        admin_page = client.get(f"/admin/portfolio/debtor/{mine.debtor.pk}/change/")

    target = f"/equipo/deudores/{mine.debtor.pk}/"
    assert target in thread_page and target in call_page
    assert target in admin_page.content.decode()


def test_the_home_counts_todays_work_and_the_headline_figures(mine):
    supervisor = staff("sofia", SUPERVISOR, mine.creditor)
    with time_machine.travel(NOW, tick=False):
        Payment.objects.create(
            creditor=mine.creditor, debtor=mine.debtor, external_id="P-1",
            amount=Decimal("50000"), currency="COP", paid_at=NOW - timedelta(days=2),
        )  # fmt: skip
        Payment.objects.create(
            creditor=mine.creditor, debtor=mine.debtor, external_id="P-0",
            amount=Decimal("7000"), currency="COP", paid_at=datetime(2026, 10, 30, tzinfo=UTC),
        )  # fmt: skip
        page = browser_of(supervisor).get("/equipo/")

    work = page.context["work"]
    assert (
        work.queue,
        work.mine,
        work.calls_due,
        work.reviews_waiting,
        work.approvals_waiting,
    ) == (
        1,
        0,
        1,
        0,
        1,
    )
    [figure] = page.context["figures"]
    assert (figure.currency, figure.open_balance, figure.paid_this_month) == (
        "COP",
        "250.000,00 COP",
        "50.000,00 COP",
    )


def test_staffuser_creates_a_user_with_a_role_and_creditors(mine):
    second = book("+573001110303").creditor
    call_command("staffuser", "vera", "--role", "creditor_viewer", "--creditor", mine.creditor.name,
                 "--creditor", str(second.pk))  # fmt: skip

    user = User.objects.get(username="vera")
    assert (user.is_staff, user.is_superuser, user.has_usable_password()) == (True, False, False)
    assert role_of(user) == "creditor_viewer"
    assert set(user.memberships.values_list("creditor_id", flat=True)) == {
        mine.creditor.pk,
        second.pk,
    }
    assert user.has_perm("portfolio.view_debtor") and not user.has_perm("portfolio.change_debtor")

    call_command("staffuser", "vera", "--role", "supervisor")
    user = User.objects.get(username="vera")
    assert role_of(user) == "supervisor"
    assert user.memberships.count() == 2


def test_staffuser_with_an_unknown_creditor_writes_nothing(mine):
    with pytest.raises(CommandError, match="no hay un acreedor llamado 'Nadie'"):
        call_command("staffuser", "vera", "--role", "agent", "--creditor", "Nadie")

    assert not User.objects.filter(username="vera").exists()


def test_the_360_reads_in_english_with_english_dates_and_reasons(mine):
    agent = staff("ana", AGENT, mine.creditor)
    client = browser_of(agent)
    client.cookies["django_language"] = "en"
    with time_machine.travel(SUNDAY, tick=False):
        page = client.get(f"/equipo/deudores/{mine.debtor.pk}/").content.decode()

    assert "Why were they contacted today, or not?" in page
    assert (
        "Not contacted today: no contact is allowed today. Next allowed moment: "
        "11/23/2026 7 a.m. (debtor&#x27;s time)." in page
    )


def test_a_pause_cannot_be_confirmed_as_a_payment_and_rejecting_it_resumes_silently(mine):
    agent = staff("ana", AGENT, mine.creditor)
    with time_machine.travel(NOW, tick=False):
        browser_of(agent).post(
            f"/equipo/deudores/{mine.debtor.pk}/pausar", {"until": "2026-11-30", "reason": "viaje"}
        )
        report = DebtorReport.objects.get(debtor=mine.debtor)
        with pytest.raises(AgreementError, match="Una pausa no se confirma"):
            confirm_report(report.pk, reviewer="sofia")
        reject_report(report.pk, reviewer="sofia")

    assert not Payment.objects.filter(debtor=mine.debtor).exists()
    mine.debt.refresh_from_db()
    assert mine.debt.status == "open"
    assert not Outreach.objects.filter(template_key="report_rejected").exists()


def test_the_timeline_shows_each_reason_for_non_payment_with_its_source_and_words(mine):
    agent = staff("ana", AGENT, mine.creditor)
    with time_machine.travel(NOW, tick=False):
        record_reasons(mine.debtor, "hardship", "bot", detail="perdí el trabajo")
        page = browser_of(agent).get(f"/equipo/deudores/{mine.debtor.pk}/")

    [reason] = [event for event in page.context["events"] if event.category == "reason"]
    number = mine.debt.invoice_number or mine.debt.external_id
    assert (reason.at, reason.title, reason.text, reason.channel) == (
        NOW,
        f"Motivo de no pago: dificultad económica, deuda {number}",
        "perdí el trabajo",
        "bot",
    )
    assert "perdí el trabajo" in page.content.decode()
