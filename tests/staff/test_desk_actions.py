"""The 360's contact points, consents, promises and plans, and the review queue (issue 16):
each an action in its owning app, one transaction, audited, scoped, refused to readers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from recaudo.outreach.models import Outreach
from recaudo.payments.models import DebtorReport, InstalmentPlan, Promise
from recaudo.payments.reports import report_debts
from recaudo.portfolio.models import AuditEvent, ChannelConsent, ContactPoint, Payment
from recaudo.roles import AGENT, CREDITOR_VIEWER, SUPERVISOR
from recaudo.staff.home import figures
from tests.factories import make_debt
from tests.staff.helpers import NOW, book, browser_of, staff

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def mine():
    return book("+573001110401")


def test_an_agent_adds_a_phone_read_in_the_debtors_country_and_it_is_audited(mine):
    client = browser_of(staff("ana", AGENT, mine.creditor))

    client.post(
        f"/equipo/deudores/{mine.debtor.pk}/contacto", {"kind": "phone", "value": "310 555 0123"}
    )
    again = client.post(
        f"/equipo/deudores/{mine.debtor.pk}/contacto",
        {"kind": "phone", "value": "+573105550123"},
        follow=True,
    )  # fmt: skip

    point = ContactPoint.objects.get(debtor=mine.debtor, value="+573105550123")
    assert point.channels == list(ContactPoint.PHONE_CHANNELS)
    event = AuditEvent.objects.get(kind="contact_point_changed")
    assert (event.actor, event.data["change"], event.data["contact_point"]) == (
        "staff:ana",
        "added",
        point.pk,
    )
    assert "el deudor ya tiene +573105550123" in again.content.decode()
    assert ContactPoint.objects.filter(debtor=mine.debtor).count() == 2


def test_a_bad_email_is_refused_with_the_field_named_and_nothing_is_written(mine):
    client = browser_of(staff("ana", AGENT, mine.creditor))

    page = client.post(
        f"/equipo/deudores/{mine.debtor.pk}/contacto",
        {"kind": "email", "value": "no-es-correo"},
        follow=True,
    ).content.decode()

    assert "value: &#x27;no-es-correo&#x27; no es una dirección de correo válida" in page
    assert ContactPoint.objects.filter(debtor=mine.debtor).count() == 1
    assert not AuditEvent.objects.filter(kind="contact_point_changed").exists()


def test_marking_a_phone_invalid_then_disabled_then_active_is_audited_each_time(mine):
    client = browser_of(staff("ana", AGENT, mine.creditor))
    point = mine.debtor.contact_points.get()
    url = f"/equipo/deudores/{mine.debtor.pk}/contacto/{point.pk}/estado"

    client.post(url, {"state": "invalid", "reason": "número equivocado"})
    point.refresh_from_db()
    assert (point.invalid_reason, point.invalid_since is not None) == ("número equivocado", True)

    client.post(url, {"state": "active"})
    client.post(url, {"state": "disabled", "reason": "lo pidió por teléfono"})
    point.refresh_from_db()
    assert (point.channels, point.invalid_since) == ([], None)

    changes = [
        (e.data["before"], e.data["change"])
        for e in AuditEvent.objects.filter(kind="contact_point_changed").order_by("pk")
    ]
    assert changes == [("active", "invalid"), ("invalid", "active"), ("active", "disabled")]


def test_consents_are_granted_and_revoked_per_channel_with_their_source(mine):
    client = browser_of(staff("ana", AGENT, mine.creditor))
    point = mine.debtor.contact_points.get()
    url = f"/equipo/deudores/{mine.debtor.pk}/contacto/{point.pk}/consentimiento"

    client.post(url, {"channel": "sms", "granted": "1", "source": "llamada grabada"})
    client.post(url, {"channel": "whatsapp", "granted": "0", "source": "equipo"})
    client.post(url, {"channel": "email", "granted": "1", "source": "x"})  # not a phone channel

    sms = ChannelConsent.objects.get(contact_point=point, channel="sms")
    assert (sms.source, sms.revoked_at) == ("llamada grabada", None)
    whatsapp = ChannelConsent.objects.get(contact_point=point, channel="whatsapp")
    assert whatsapp.revoked_at == NOW
    assert not ChannelConsent.objects.filter(contact_point=point, channel="email").exists()
    assert [
        (e.data["channel"], e.data["granted"], e.actor)
        for e in AuditEvent.objects.filter(kind="consent_changed").order_by("pk")
    ] == [("sms", True, "staff:ana"), ("whatsapp", False, "staff:ana")]


def test_a_promise_from_the_360_follows_the_segments_rules_and_is_audited(mine):
    client = browser_of(staff("ana", AGENT, mine.creditor))
    url = f"/equipo/deudores/{mine.debtor.pk}/promesa"

    too_far = client.post(url, {"promised_on": "2027-06-01", "amount": "100000"}, follow=True)
    assert not Promise.objects.exists()
    assert "Revise" not in too_far.content.decode()  # the form was fine; the rule refused

    client.post(url, {"promised_on": "2026-11-27", "amount": "100000"})

    promise = Promise.objects.get(debtor=mine.debtor)
    assert (promise.promised_on, promise.amount, promise.source) == (
        date(2026, 11, 27),
        Decimal("100000.00"),
        "staff",
    )
    event = AuditEvent.objects.get(kind="promise_made")
    assert event.data == {
        "promise": promise.pk,
        "promised_on": "2026-11-27",
        "amount": "100000",
        "currency": "COP",
    }


def test_a_plan_from_the_360_is_one_the_segment_offers_and_the_debtor_gets_the_schedule(mine):
    client = browser_of(staff("ana", AGENT, mine.creditor))
    page = client.get(f"/equipo/deudores/{mine.debtor.pk}/")
    offered = [count for count, _words in page.context["plans"]]
    assert offered == [1, 2, 3, 4, 5, 6]

    client.post(f"/equipo/deudores/{mine.debtor.pk}/plan", {"count": "12"})
    assert not InstalmentPlan.objects.exists()

    client.post(f"/equipo/deudores/{mine.debtor.pk}/plan", {"count": "3"})

    plan = InstalmentPlan.objects.get(debtor=mine.debtor)
    assert (plan.instalment_count, plan.down_payment, plan.source) == (
        3,
        Decimal("50000.00"),
        "staff",
    )
    mine.debt.refresh_from_db()
    assert mine.debt.status == "in_arrangement"
    assert Outreach.objects.filter(debtor=mine.debtor, template_key="plan_agreed").count() == 1
    assert AuditEvent.objects.get(kind="plan_agreed").data["count"] == 3


def test_readers_cannot_edit_contacts_consents_promises_or_plans(mine):
    client = browser_of(staff("cliente", CREDITOR_VIEWER, mine.creditor))
    point = mine.debtor.contact_points.get()
    base = f"/equipo/deudores/{mine.debtor.pk}"

    writes = [
        ("contacto", {"kind": "phone", "value": "3105550123"}),
        (f"contacto/{point.pk}/estado", {"state": "disabled", "reason": "x"}),
        (f"contacto/{point.pk}/consentimiento", {"channel": "sms", "granted": "1", "source": "x"}),
        ("promesa", {"promised_on": "2026-11-27", "amount": "1000"}),
        ("plan", {"count": "3"}),
    ]
    answers = [client.post(f"{base}/{path}", data).status_code for path, data in writes]

    assert answers == [403] * 5
    assert ContactPoint.objects.filter(debtor=mine.debtor).count() == 1
    assert (
        not ChannelConsent.objects.filter(contact_point=point).exclude(channel="whatsapp").exists()
    )
    assert not Promise.objects.exists() and not InstalmentPlan.objects.exists()


def _already_paid(one, receipt: bytes | None = None) -> DebtorReport:
    (report,) = report_debts(
        one.debtor, [one.debt.pk], kind="already_paid", reason="Pagué el 20 en el banco",
        source="portal",
    )  # fmt: skip
    if receipt:
        report.receipt, report.receipt_type = receipt, "image/png"
        report.save()
    return report


def test_the_review_queue_shows_receipts_and_disputes_oldest_first_within_scope(mine):
    theirs = book("+573001110402")
    paid = _already_paid(mine, PNG)
    second = make_debt(mine.debtor, "80000.00")
    (disputed,) = report_debts(
        mine.debtor, [second.pk], kind="dispute", reason="No compré eso", source="bot"
    )
    _already_paid(theirs, PNG)
    client = browser_of(staff("sofia", SUPERVISOR, mine.creditor))

    page = client.get("/equipo/revisiones/")
    receipt = client.get(f"/equipo/revisiones/{paid.pk}/comprobante")

    assert [row[0].pk for row in page.context["rows"]] == [paid.pk, disputed.pk]
    assert f'src="/equipo/revisiones/{paid.pk}/comprobante"' in page.content.decode()
    assert (receipt.status_code, receipt["Content-Type"], receipt.content) == (
        200,
        "image/png",
        PNG,
    )
    assert "sandbox" in receipt["Content-Security-Policy"]
    assert receipt["X-Content-Type-Options"] == "nosniff"
    other = DebtorReport.objects.get(debtor=theirs.debtor)
    assert client.get(f"/equipo/revisiones/{other.pk}/comprobante").status_code == 404
    decided = client.post(
        f"/equipo/revisiones/{other.pk}/decidir", {"decision": "confirm", "reason": "x"}
    )
    assert decided.status_code == 404


def test_a_supervisor_confirms_a_receipt_the_payment_is_recorded_and_the_debtor_thanked(mine):
    report = _already_paid(mine, PNG)
    client = browser_of(staff("sofia", SUPERVISOR, mine.creditor))

    client.post(f"/equipo/revisiones/{report.pk}/decidir", {"decision": "confirm", "reason": " "})
    report.refresh_from_db()
    assert report.status == "pending"  # no reason, no decision

    client.post(
        f"/equipo/revisiones/{report.pk}/decidir",
        {"decision": "confirm", "reason": "el banco lo confirma"},
    )

    report.refresh_from_db()
    assert (report.status, report.reviewed_by) == ("confirmed", "sofia")
    payment = Payment.objects.get(debtor=mine.debtor)
    assert payment.amount == Decimal("250000.00")
    event = AuditEvent.objects.get(kind="report_reviewed")
    assert event.data == {
        "report": report.pk,
        "report_kind": "already_paid",
        "status": "confirmed",
        "reason": "el banco lo confirma",
    }
    assert Outreach.objects.filter(debtor=mine.debtor, template_key="paid_in_full").exists()


def test_a_rejected_report_resumes_reminders_and_tells_the_debtor_and_agents_cannot_decide(mine):
    report = _already_paid(mine)
    agent = browser_of(staff("ana", AGENT, mine.creditor))
    refused = agent.post(
        f"/equipo/revisiones/{report.pk}/decidir", {"decision": "reject", "reason": "no"}
    )
    assert refused.status_code == 403
    assert agent.get("/equipo/revisiones/").context["may_approve"] is False

    browser_of(staff("sofia", SUPERVISOR, mine.creditor)).post(
        f"/equipo/revisiones/{report.pk}/decidir",
        {"decision": "reject", "reason": "no aparece en el banco"},
    )

    report.refresh_from_db()
    mine.debt.refresh_from_db()
    assert (report.status, mine.debt.status) == ("rejected", "open")
    notice = Outreach.objects.get(debtor=mine.debtor, template_key="report_rejected")
    assert notice.notice_key == f"report-rejected:{report.pk}"
    assert AuditEvent.objects.get(kind="report_reviewed").data["status"] == "rejected"


def test_payments_this_month_follow_the_users_zone_not_utc(mine):
    """30 November, 21:00 in Bogotá is already 1 December in UTC: the team still reads
    November, whose payments count; the figures are keyed by the user's month."""
    supervisor = staff("sofia", SUPERVISOR, mine.creditor)
    Payment.objects.create(
        creditor=mine.creditor, debtor=mine.debtor, external_id="P-NOV",
        amount=Decimal("50000"), currency="COP", paid_at=datetime(2026, 11, 30, 15, 0, tzinfo=UTC),
    )  # fmt: skip
    late_evening = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)

    november = figures(supervisor, late_evening)
    with time_machine.travel(late_evening, tick=False):
        page = browser_of(supervisor).get("/equipo/")
    december = figures(supervisor, datetime(2026, 12, 1, 6, 0, tzinfo=UTC))

    assert [f.paid_this_month for f in november] == ["50.000,00 COP"]
    assert [f.paid_this_month for f in page.context["figures"]] == ["50.000,00 COP"]
    assert [f.paid_this_month for f in december] == ["0,00 COP"]
