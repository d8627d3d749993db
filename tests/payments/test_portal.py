"""The portal page: what it shows, in which language, and the agreements it makes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout, Instalment, InstalmentPlan, Promise
from recaudo.payments.promises import break_overdue_promises, debts_under_promise
from recaudo.portfolio.models import AuditEvent, Debt

pytestmark = pytest.mark.django_db


def test_the_portal_shows_each_debt_and_the_total_in_colombian_spanish_formats(
    client, debtor, frozen
):
    token = live_link(debtor.pk).token
    response = client.get(f"/p/{token}")
    text = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert '<html lang="es">' in text
    assert "Hola, Camila." in text
    assert "Tienda Sol" in text
    assert '<p class="total" id="total">$1.419.567,50</p>' in text
    assert "$185.000,50" in text and "$1.234.567,00" in text
    assert "venció el</span>" not in text  # the label and the date sit in one span
    assert "venció el 15 de octubre" in text and "vence el 15 de noviembre" not in text
    assert "Plan hogar octubre" in text and "Factura FV-1" in text
    assert 'href="https://wa.me/576015550100"' in text
    # Every input has a label.
    for field in ("debt-choice", "part-amount", "plan-down", "plan-count", "promise-date"):
        assert f'for="{field}"' in text and f'id="{field}"' in text


def test_the_portal_speaks_english_with_lang_en_or_to_an_english_speaking_debtor(
    client, debtor, frozen
):
    token = live_link(debtor.pk).token
    by_parameter = client.get(f"/p/{token}?lang=en").content.decode()
    debtor.language = "en"
    debtor.save(update_fields=["language"])
    by_debtor = client.get(f"/p/{token}").content.decode()
    for text in (by_parameter, by_debtor):
        assert '<html lang="en">' in text
        assert "Amount due" in text and "Pay everything" in text
        assert "October 15" in text and "COP1,419,567.50" in text
    assert 'name="lang" value="en"' in by_parameter


def test_the_debtors_language_wins_over_the_browsers(client, debtor, frozen):
    token = live_link(debtor.pk).token
    text = client.get(f"/p/{token}", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="es">' in text and "Total pendiente" in text
    assert '<a href="?lang=en" lang="en">View in English</a>' in text


def test_a_part_payment_below_the_creditors_minimum_is_refused_and_nothing_starts(
    client, debtor, frozen
):
    token = live_link(debtor.pk).token
    response = client.post(f"/p/{token}/pagar", {"choice": "part", "amount": "1000"})
    assert response.status_code == 400
    assert "menor que el mínimo" in response.content.decode()
    assert not Checkout.objects.exists()


def test_agreeing_a_plan_puts_the_debts_in_arrangement_with_an_exact_schedule(
    client, debtor, frozen
):
    token = live_link(debtor.pk).token
    response = client.post(f"/p/{token}/plan", {"down_payment": "283913,50", "count": "3"})
    assert response.status_code == 303 and response["Location"] == f"/p/{token}?done=plan"
    plan = InstalmentPlan.objects.get()
    assert plan.total == Decimal("1419567.50") and plan.status == "active"
    assert list(plan.instalments.values_list("number", "due_on", "amount")) == [
        (0, date(2026, 11, 20), Decimal("283913.50")),
        (1, date(2026, 12, 20), Decimal("378551.33")),
        (2, date(2027, 1, 20), Decimal("378551.33")),
        (3, date(2027, 2, 20), Decimal("378551.34")),
    ]
    assert set(Debt.objects.values_list("status", flat=True)) == {"in_arrangement"}
    assert AuditEvent.objects.filter(kind="debt_status_changed").count() == 2
    page = client.get(f"/p/{token}").content.decode()
    assert 'id="pay-instalment-0"' in page and 'id="agree-plan"' not in page


def test_a_plan_with_a_down_payment_below_the_segment_minimum_is_refused(client, debtor, frozen):
    token = live_link(debtor.pk).token
    response = client.post(f"/p/{token}/plan", {"down_payment": "1000", "count": "3"})
    assert response.status_code == 400
    assert not InstalmentPlan.objects.exists() and not Instalment.objects.exists()
    assert set(Debt.objects.values_list("status", flat=True)) == {"open"}


def test_a_promise_within_the_window_covers_the_debts_until_it_is_kept_or_broken(
    client, debtor, frozen
):
    token = live_link(debtor.pk).token
    response = client.post(f"/p/{token}/promesa", {"date": "2026-11-30", "amount": ""})
    assert response.status_code == 303
    promise = Promise.objects.get()
    assert (promise.amount, promise.promised_on, promise.status) == (
        Decimal("1419567.50"),
        date(2026, 11, 30),
        "pending",
    )
    debt_ids = set(Debt.objects.values_list("pk", flat=True))
    assert debts_under_promise([debtor.pk]) == debt_ids
    assert debts_under_promise([debtor.pk + 1000]) == set()
    assert break_overdue_promises(date(2026, 11, 30)) == 0
    assert break_overdue_promises(date(2026, 12, 1)) == 1
    assert debts_under_promise([debtor.pk]) == set()


def test_a_promise_beyond_the_creditors_window_is_refused(client, debtor, frozen):
    token = live_link(debtor.pk).token
    response = client.post(f"/p/{token}/promesa", {"date": "2026-12-31"})
    assert response.status_code == 400
    assert not Promise.objects.exists()


def test_agreeing_a_plan_cancels_the_reminders_planned_for_those_debts(db):
    from recaudo.payments.actions import agree_plan
    from tests.delivery.test_provider_events import make_outreach

    outreach = make_outreach(status="planned")
    link = live_link(outreach.debtor_id)
    debt = Debt.objects.get(debtor_id=outreach.debtor_id)
    agree_plan(link, down_payment=debt.balance / 2, count=2)
    outreach.refresh_from_db()
    assert outreach.status == "cancelled"
    assert outreach.status_reason.startswith("plan ")


def test_an_instalment_missed_beyond_the_grace_days_breaks_the_plan_and_reopens_the_debts(
    client, debtor, frozen
):
    from recaudo.payments.agreements import settle_agreements
    from recaudo.payments.links import instalment_url

    link = live_link(debtor.pk)
    client.post(f"/p/{link.token}/plan", {"down_payment": "300000", "count": "2"})
    opened = client.get(instalment_url(link, 0).removeprefix("http://127.0.0.1:8000"))
    assert opened.status_code == 302 and opened["Location"] == f"/p/{link.token}#instalment-0"
    # Down payment due 2026-11-20; 5 grace days.
    assert settle_agreements(date(2026, 11, 25)) == {
        "promises_broken": 0,
        "plans_broken": 0,
        "promise_reminders": 0,
        "instalment_reminders": 0,
        "reports_resumed": 0,
        "debit_reconciled": 0,
        "debit_synced": 0,
        "debit_notices": 0,
    }
    assert settle_agreements(date(2026, 11, 26)) == {
        "promises_broken": 0,
        "plans_broken": 1,
        "promise_reminders": 0,
        "instalment_reminders": 0,
        "reports_resumed": 0,
        "debit_reconciled": 0,
        "debit_synced": 0,
        "debit_notices": 0,
    }
    plan = InstalmentPlan.objects.get()
    assert plan.status == "broken"
    assert dict(plan.instalments.values_list("number", "status")) == {
        0: "missed",
        1: "pending",
        2: "pending",
    }
    assert set(Debt.objects.values_list("status", flat=True)) == {"open"}
    assert settle_agreements(date(2026, 11, 27)) == {
        "promises_broken": 0,
        "plans_broken": 0,
        "promise_reminders": 0,
        "instalment_reminders": 0,
        "reports_resumed": 0,
        "debit_reconciled": 0,
        "debit_synced": 0,
        "debit_notices": 0,
    }


def test_a_promise_covered_by_a_payment_before_its_date_is_kept_not_broken(client, debtor, frozen):
    from datetime import UTC, datetime

    from recaudo.portfolio.actions import record_payment

    token = live_link(debtor.pk).token
    client.post(f"/p/{token}/promesa", {"date": "2026-11-25", "amount": "200000"})
    record_payment(
        creditor=debtor.creditor,
        debtor=debtor,
        external_id="bank-1",
        amount=Decimal("200000.00"),
        currency="COP",
        paid_at=datetime(2026, 11, 24, tzinfo=UTC),
        actor="import:test",
    )
    assert break_overdue_promises(date(2026, 11, 26)) == 0
    assert Promise.objects.get().status == "kept"
    assert debts_under_promise([debtor.pk]) == set()
