"""In a real browser at a phone's size: the debtor portal with the sandbox payment provider.

Recaudo runs as the live server; the sandbox runs as its own process (``recaudo
sandbox``), takes the payment on its page and posts the signed webhook back.
"""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from recaudo.outreach.models import Outreach
from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout, Instalment, InstalmentPlan, Promise
from recaudo.portfolio.models import ChannelConsent, Debt, Payment
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def provider(sandbox):
    """The sandbox (tests/e2e/conftest.py) as the payment provider."""
    return sandbox


@pytest.fixture
def debtor(db):
    creditor = make_creditor(brand_name="Tienda Sol", support_phone="+57 601 555 0100")
    debtor = make_debtor(
        creditor, first_name="Camila", full_name="Camila Rojas Díaz", phone="+573001234567"
    )
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=timezone.now(),
    )
    today = timezone.now().date()
    make_debt(
        debtor,
        "185000.00",
        description="Plan hogar octubre",
        invoice_number="FV-1",
        due_on=today - timedelta(days=40),
    )
    make_debt(
        debtor,
        "120000.00",
        description="Plan hogar noviembre",
        invoice_number="FV-2",
        due_on=today - timedelta(days=10),
    )
    return debtor


def _open(page, live_server, debtor) -> str:
    token = live_link(debtor.pk).token
    page.goto(f"{live_server.url}/p/{token}")
    page.wait_for_selector("#total")
    return token


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"portal-{name}.png"), full_page=True)


def _at_the_provider(page, provider: str, button: str) -> None:
    page.wait_for_url(f"{provider}/payments/checkout/**")
    page.click(f"#sandbox-{button}")
    page.wait_for_selector("#result")


def test_a_debtor_pays_everything_from_the_link_and_is_thanked(
    live_server, provider, phone_page, debtor
):
    page = phone_page
    _open(page, live_server, debtor)
    assert "305.000" in page.inner_text("#total")
    _shot(page, "open")

    page.click("#pay-all")
    _at_the_provider(page, provider, "pay")

    assert page.get_attribute("#result", "data-outcome") == "paid"
    assert "305.000" in page.content()
    _shot(page, "paid")
    payment = Payment.objects.get()
    assert (payment.amount, payment.currency) == (Decimal("305000.00"), "COP")
    assert set(Debt.objects.values_list("status", flat=True)) == {"paid"}
    thanks = Outreach.objects.get(template_key="paid_in_full")  # nothing left owed
    assert thanks.notice_key == f"thanks:{payment.pk}"
    assert Decimal(thanks.notice_context["paid_amount"]) == Decimal("305000")

    page.click("#back")
    page.wait_for_selector("#nothing-owed")
    _shot(page, "nothing-owed")


def test_a_debtor_pays_one_debt_and_the_other_stays_owed(live_server, provider, phone_page, debtor):
    newer = Debt.objects.get(invoice_number="FV-2")
    page = phone_page
    _open(page, live_server, debtor)
    page.select_option("#debt-choice", str(newer.pk))
    page.click("#pay-one")
    _at_the_provider(page, provider, "pay")

    assert page.get_attribute("#result", "data-outcome") == "paid"
    _shot(page, "paid-one")
    assert Payment.objects.get().amount == Decimal("120000.00")
    assert dict(Debt.objects.values_list("invoice_number", "status")) == {
        "FV-1": "open",
        "FV-2": "paid",
    }
    page.click("#back")
    page.wait_for_selector("#total")
    assert "185.000" in page.inner_text("#total")


def test_a_debtor_agrees_an_instalment_plan_and_sees_its_schedule(
    live_server, provider, phone_page, debtor
):
    page = phone_page
    _open(page, live_server, debtor)
    page.fill("#plan-down", "61000")
    page.select_option("#plan-count", "3")
    page.click("#agree-plan")
    page.wait_for_selector("#instalments")

    assert "plan de cuotas quedó registrado" in page.inner_text("#done")
    rows = page.locator("#instalments li")
    assert rows.count() == 4
    assert "61.000" in page.inner_text("#instalment-0")
    _shot(page, "plan")
    plan = InstalmentPlan.objects.get()
    assert (plan.total, plan.down_payment, plan.instalment_count) == (
        Decimal("305000.00"),
        Decimal("61000.00"),
        3,
    )
    assert list(Instalment.objects.values_list("amount", flat=True)) == [
        Decimal("61000.00"),
        Decimal("81333.33"),
        Decimal("81333.33"),
        Decimal("81333.34"),
    ]
    assert set(Debt.objects.values_list("status", flat=True)) == {"in_arrangement"}


def test_a_debtor_promises_a_date_and_sees_the_promise_confirmed(
    live_server, provider, phone_page, debtor
):
    page = phone_page
    _open(page, live_server, debtor)
    day = page.get_attribute("#promise-date", "min")
    page.fill("#promise-date", day)
    page.fill("#promise-amount", "100000")
    page.click("#make-promise")
    page.wait_for_selector("#done")

    assert "compromiso de pago" in page.inner_text("#done")
    assert "100.000" in page.inner_text("#promise")
    _shot(page, "promise")
    promise = Promise.objects.get()
    assert (promise.amount, promise.promised_on.isoformat(), promise.status) == (
        Decimal("100000.00"),
        day,
        "pending",
    )


def test_a_refused_payment_shows_the_not_completed_page_and_records_nothing(
    live_server, provider, phone_page, debtor
):
    page = phone_page
    _open(page, live_server, debtor)
    page.click("#pay-all")
    _at_the_provider(page, provider, "fail")

    assert page.get_attribute("#result", "data-outcome") == "failed"
    assert "No se hizo ningún cargo" in page.content()
    _shot(page, "failed")
    assert not Payment.objects.exists()
    assert set(Debt.objects.values_list("status", flat=True)) == {"open"}
    checkout = Checkout.objects.get()
    deadline = time.monotonic() + 10
    while checkout.status != "failed" and time.monotonic() < deadline:
        time.sleep(0.2)
        checkout.refresh_from_db()
    assert checkout.status == "failed"
    assert Outreach.objects.filter(template_key="payment_failed").count() == 1


@pytest.fixture
def generous_segment(debtor):
    from recaudo.policies.models import Segment

    shipped = Segment.objects.filter(creditor__isnull=True)
    assert shipped.update(max_extension_days=10, max_discount_percent=Decimal(20))


def test_a_debtor_takes_a_discount_and_settles_by_paying_the_agreed_amount(
    live_server, provider, phone_page, debtor, generous_segment
):
    page = phone_page
    _open(page, live_server, debtor)
    assert "244.000" in page.inner_text("#discount-help")  # 305,000 less 20%
    page.fill("#discount-amount", "250000")
    page.click("#ask-discount")
    page.wait_for_selector("#pay-settlement")
    assert "250.000" in page.inner_text("#pay-settlement")
    _shot(page, "discount-offer")

    page.click("#pay-settlement")
    _at_the_provider(page, provider, "pay")
    assert page.get_attribute("#result", "data-outcome") == "paid"
    assert Payment.objects.get().amount == Decimal("250000.00")
    assert dict(Debt.objects.values_list("invoice_number", "status")) == {
        "FV-1": "paid",
        "FV-2": "written_off",
    }


def test_a_debtor_moves_a_due_date_and_stops_whatsapp_from_the_portal(
    live_server, provider, phone_page, debtor, generous_segment
):
    newer = Debt.objects.get(invoice_number="FV-2")
    new_date = (timezone.now() + timedelta(days=5)).date().isoformat()
    page = phone_page
    _open(page, live_server, debtor)
    page.select_option("#extension-debt", str(newer.pk))
    page.fill("#extension-date", new_date)
    page.click("#ask-extension")
    page.wait_for_selector("#done")
    assert "cambiamos la fecha" in page.inner_text("#done")
    _shot(page, "extension")
    newer.refresh_from_db()
    assert newer.due_on.isoformat() == new_date

    point = debtor.contact_points.get()
    page.select_option("#stop-channel", f"{point.pk}:whatsapp")
    page.click("#stop-channel-button")
    page.wait_for_selector("#done")
    assert "por ese medio" in page.inner_text("#done")
    page.locator("#contact").scroll_into_view_if_needed()
    _shot(page, "contact")
    assert ChannelConsent.objects.get(contact_point=point, channel="whatsapp").revoked_at
