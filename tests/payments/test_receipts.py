"""Every payment thanks the debtor once, whatever its route, with a receipt and a "paz y salvo".

Issue 15: only a payment made on the portal was thanked; a transfer recorded
by the API, a file import or staff got nothing.
"""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from recaudo.delivery.dispatcher import Dispatcher
from recaudo.outreach.contract import ProviderResult
from recaudo.outreach.models import Outreach
from recaudo.payments.actions import apply_provider_record
from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout
from recaudo.payments.providers.base import ProviderRecord
from recaudo.payments.receipts import thank_new_payments
from recaudo.portfolio.actions import record_payment, reverse_payment
from recaudo.portfolio.apikeys import create_key
from recaudo.portfolio.models import ChannelConsent, Payment
from tests.factories import make_creditor, make_debt, make_debtor
from tests.helpers import own_token

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá, a Tuesday

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def creditor(db):
    return make_creditor(brand_name="Tienda Sol")


@pytest.fixture
def debtor(creditor):
    debtor = make_debtor(
        creditor, external_id="C-1", phone="+573001234567", first_name="Lucía",
        full_name="Lucía Gómez",
    )  # fmt: skip
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=NOW - timedelta(days=30),
    )
    return debtor


class Recorder:
    def __init__(self) -> None:
        self.sent = []

    def get(self, name):
        return self

    def send(self, message):
        self.sent.append(message)
        return ProviderResult("accepted", provider_message_id=f"id-{len(self.sent)}")


def _dispatch(at=NOW):
    channels = Recorder()
    worker = Dispatcher(channels=channels, name="t", rng=random.Random(1))
    worker.run_once(at)
    worker.close()
    return channels.sent


def _api_payment(creditor, body):
    client = Client(headers={"Authorization": f"Bearer {create_key(creditor, 'ERP').key}"})
    return client.post("/api/v1/payments", body, content_type="application/json")


def test_a_transfer_recorded_through_the_api_is_thanked_with_a_receipt_within_a_minute(
    creditor, debtor
):
    make_debt(debtor, "150000.00", external_id="F-1")
    response = _api_payment(creditor, {
        "external_id": "TRF-778", "debtor_external_id": "C-1", "amount": "100000",
        "paid_at": "2026-11-24T09:40:00-05:00", "method": "transferencia",
    })  # fmt: skip
    assert response.status_code == 201

    assert thank_new_payments(NOW) == 1
    assert thank_new_payments(NOW) == 0  # once per payment

    notice = Outreach.objects.get(action="notice")
    assert (notice.template_key, notice.notice_key) == (
        "payment_thanks",
        f"thanks:{Payment.objects.get().pk}",
    )
    assert notice.window_start == NOW  # not held behind the caps: within the minute
    [message] = _dispatch()
    assert "100.000" in message.text
    assert "24 de noviembre" in message.text
    assert "TRF-778" in message.text
    assert "50.000" in message.text  # what is still owed


def test_a_file_import_that_pays_everything_thanks_with_a_paz_y_salvo_link_that_opens_a_pdf(
    creditor, debtor, tmp_path: Path
):
    make_debt(debtor, "150000.00", external_id="F-1")
    path = tmp_path / "pagos.csv"
    path.write_text("id_pago,id_cliente,monto,fecha_pago\nP-9,C-1,150000,2026-11-24\n")
    call_command("import", "payments", str(path), stdout=io.StringIO(), stderr=io.StringIO())

    thank_new_payments(NOW)

    notice = Outreach.objects.get(action="notice")
    assert notice.template_key == "paid_in_full"
    assert notice.notice_context["paid_in_full"] is True
    [message] = _dispatch()
    token = own_token(message, debtor)
    assert f"/p/{token}/paz-y-salvo" in message.text
    pdf = Client().get(f"/p/{token}/paz-y-salvo")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert 'id="certificate"' in Client().get(f"/p/{token}").content.decode()


def test_the_paz_y_salvo_is_refused_while_something_is_still_owed(debtor):
    make_debt(debtor, "150000.00")
    token = live_link(debtor.pk).token

    response = Client().get(f"/p/{token}/paz-y-salvo")

    assert response.status_code == 404
    assert "Aún tiene saldo pendiente" in response.content.decode()
    assert 'id="certificate"' not in Client().get(f"/p/{token}").content.decode()


def test_a_portal_payment_is_thanked_at_once_and_the_sweep_adds_no_second_thank_you(debtor):
    debt = make_debt(debtor, "150000.00")
    checkout = Checkout.objects.create(
        reference="ref-1", link=live_link(debtor.pk), creditor=debtor.creditor, debtor=debtor,
        kind=Checkout.Kind.ALL, provider="sandbox", amount=debt.amount, currency=debt.currency,
    )  # fmt: skip
    record = ProviderRecord("paid", "ref-1", Decimal("150000.00"), "COP", "pay_1", "card")

    apply_provider_record(checkout.pk, record)
    apply_provider_record(checkout.pk, record)
    thank_new_payments(NOW)

    notice = Outreach.objects.get(action="notice")
    assert notice.template_key == "paid_in_full"
    assert notice.notice_context["payment_reference"] == "pay_1"
    assert notice.notice_context["paid_on"] == "2026-11-24"


@pytest.mark.django_db(transaction=True)
def test_the_worker_thanks_a_payment_recorded_by_staff_without_any_other_call(debtor):
    make_debt(debtor, "150000.00")
    record_payment(
        creditor=debtor.creditor, debtor=debtor, external_id="CAJA-1", amount=Decimal("20000"),
        currency="COP", paid_at=NOW - timedelta(minutes=5), actor="agent:ana",
    )  # fmt: skip

    call_command("worker", "--once", "--no-planning", stdout=io.StringIO())

    notice = Outreach.objects.get(action="notice")
    assert notice.template_key == "payment_thanks"
    assert notice.window_start == NOW
    assert Decimal(notice.notice_context["remaining_balance"]) == Decimal("130000")


def test_a_history_of_old_payments_loaded_today_thanks_nobody(debtor):
    make_debt(debtor, "150000.00")
    record_payment(
        creditor=debtor.creditor, debtor=debtor, external_id="OLD-1", amount=Decimal("20000"),
        currency="COP", paid_at=datetime(2026, 9, 1, tzinfo=UTC), actor="import",
    )  # fmt: skip

    assert thank_new_payments(NOW) == 0
    assert not Outreach.objects.exists()


def test_a_reversed_payment_is_not_thanked(debtor):
    make_debt(debtor, "150000.00")
    result = record_payment(
        creditor=debtor.creditor, debtor=debtor, external_id="R-1", amount=Decimal("20000"),
        currency="COP", paid_at=NOW, actor="api",
    )  # fmt: skip
    reverse_payment(result.payment, reason="chargeback", actor="api")

    assert thank_new_payments(NOW) == 0


def test_a_debtor_who_cannot_be_reached_leaves_a_failed_thank_you_for_staff_and_no_retries(
    creditor,
):
    debtor = make_debtor(creditor, phone="+573001234567")  # no consent: Colombia requires one
    make_debt(debtor, "150000.00")
    record_payment(
        creditor=creditor, debtor=debtor, external_id="N-1", amount=Decimal("1000"),
        currency="COP", paid_at=NOW, actor="api",
    )  # fmt: skip

    thank_new_payments(NOW)
    thank_new_payments(NOW + timedelta(minutes=1))

    notice = Outreach.objects.get(action="notice")
    assert (notice.status, notice.status_reason) == ("failed", "unreachable")
    assert notice.sent_at is None


def test_the_certificate_names_the_debtor_the_creditor_and_the_settled_debts(debtor):
    from recaudo.payments.certificate import certificate_pdf

    make_debt(debtor, "150000.00", description="Plan hogar", due_on=date(2026, 11, 1))
    record_payment(
        creditor=debtor.creditor, debtor=debtor, external_id="P-1", amount=Decimal("150000"),
        currency="COP", paid_at=NOW, actor="api",
    )  # fmt: skip

    pdf = certificate_pdf(debtor, now=NOW)

    assert pdf is not None and pdf.startswith(b"%PDF")
    # ReportLab compresses page streams; the document's metadata is plain.
    assert b"Tienda Sol" in pdf


def test_the_sweep_can_find_recent_payments_and_their_thanks_by_index_on_postgresql(debtor):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    from recaudo.payments.receipts import unthanked

    sql, params = unthanked(NOW).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "payment_created_idx" in plan
    assert "outreach_notice_once" in plan
