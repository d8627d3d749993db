"""The portal and the return page list each payment, with a receipt to download (issue 20).

Each payment shows its date, amount, method and reference in the debtor's
locale (es, pt-BR, en); each received one links a PDF receipt that only the
link's own debtor can open.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from recaudo.payments.actions import apply_provider_record
from recaudo.payments.links import live_link
from recaudo.payments.models import Checkout
from recaudo.payments.providers.base import ProviderRecord
from recaudo.portfolio.actions import record_payment, reverse_payment
from recaudo.portfolio.models import Payment
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db

# 2026-11-18 at 02:30 UTC is still 17 November in Bogotá: the date is the debtor's.
LATE_EVENING = datetime(2026, 11, 18, 2, 30, tzinfo=UTC)
MORNING = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)


def _pay(debtor, external_id: str, amount: str, method: str, paid_at: datetime) -> Payment:
    return record_payment(
        creditor=debtor.creditor,
        debtor=debtor,
        external_id=external_id,
        amount=Decimal(amount),
        currency=debtor.creditor.default_currency,
        paid_at=paid_at,
        method=method,
        actor="test",
    ).payment


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_paid_up_portal_lists_each_payment_with_date_amount_method_reference_and_receipt(
    client, debtor, frozen
):
    first = _pay(debtor, "TRF-1", "185000.50", "transfer", LATE_EVENING)
    second = _pay(debtor, "MP-77", "1234567.00", "mercadopago:pix", MORNING)
    token = live_link(debtor.pk).token

    text = client.get(f"/p/{token}").content.decode()

    assert 'id="nothing-owed"' in text and 'id="history"' in text
    assert text.index(f'id="payment-{second.pk}"') < text.index(f'id="payment-{first.pk}"')
    row = text[text.index(f'id="payment-{first.pk}"') :]
    row = row[: row.index("</li>")]
    assert '<span class="paid-on">17 de noviembre de 2026</span>' in row
    assert '<strong class="amount">$185.000,50</strong>' in row
    assert '<span class="method">transferencia</span>' in row
    assert '<span class="reference">TRF-1</span>' in row
    assert f'href="/p/{token}/recibo/{first.pk}"' in row
    assert '<span class="method">Mercado Pago · Pix</span>' in text
    assert "19 de noviembre de 2026" in text and "$1.234.567,00" in text


def test_a_receipt_is_a_pdf_naming_the_payment_and_what_it_paid(client, debtor, frozen):
    payment = _pay(debtor, "TRF-1", "200000.00", "transfer", LATE_EVENING)
    token = live_link(debtor.pk).token

    response = client.get(f"/p/{token}/recibo/{payment.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    text = _pdf_text(response.content)
    assert "Recibo de pago" in text and "Tienda Sol" in text
    assert "Camila Rojas Díaz" in text
    assert "17 de noviembre de 2026" in text
    assert "$200.000,00" in text and "transferencia" in text and "TRF-1" in text
    # Oldest first: all of October's debt, the rest to November's.
    assert "Plan hogar octubre" in text and "$185.000,50" in text
    assert "Plan hogar noviembre" in text and "$14.999,50" in text
    assert "Saldo pendiente hoy" in text and "$1.219.567,50" in text


def test_another_debtors_receipt_and_a_reversed_payments_receipt_are_not_found(
    client, debtor, frozen
):
    other = make_debtor(debtor.creditor, external_id="OTRO-1", full_name="Otra Persona")
    make_debt(other, "50000.00")
    theirs = _pay(other, "TRF-9", "50000.00", "transfer", MORNING)
    reversed_payment = _pay(debtor, "TRF-2", "1000.00", "transfer", MORNING)
    reverse_payment(reversed_payment, reason="rechazada por el banco", actor="test")
    token = live_link(debtor.pk).token

    assert client.get(f"/p/{token}/recibo/{theirs.pk}").status_code == 404
    assert client.get(f"/p/{token}/recibo/{reversed_payment.pk}").status_code == 404
    text = client.get(f"/p/{token}").content.decode()
    assert f'id="payment-{reversed_payment.pk}"' in text and "revertido" in text
    assert f'id="receipt-{reversed_payment.pk}"' not in text
    assert "TRF-9" not in text


def test_the_history_speaks_portuguese_with_brazilian_money_and_english_on_request(client, frozen):
    creditor = make_creditor(brand_name="Loja Sol", country="BR", default_currency="BRL")
    debtor = make_debtor(
        creditor, full_name="João Silva", country="BR", timezone="America/Sao_Paulo",
        language="pt",
    )  # fmt: skip
    make_debt(debtor, "4583.46", due_on=date(2026, 10, 15))
    payment = _pay(debtor, "PIX-1", "4583.46", "transfer", MORNING)
    token = live_link(debtor.pk).token

    portuguese = client.get(f"/p/{token}").content.decode()
    english = client.get(f"/p/{token}?lang=en").content.decode()

    assert "19 de novembro de 2026" in portuguese and "R$ 4.583,46" in portuguese
    assert "Seus pagamentos" in portuguese and "transferência" in portuguese
    assert "November 19, 2026" in english and "R$4,583.46" in english
    assert "Your payments" in english and ">bank transfer<" in english
    assert f'href="/p/{token}/recibo/{payment.pk}?lang=en"' in english
    receipt = client.get(f"/p/{token}/recibo/{payment.pk}?lang=en")
    assert "Payment receipt" in _pdf_text(receipt.content)


def test_the_return_page_lists_the_payment_just_made_with_its_reference_and_receipt(
    client, debtor, frozen
):
    link = live_link(debtor.pk)
    checkout = Checkout.objects.create(
        reference="ref-back", link=link, creditor=debtor.creditor, debtor=debtor, kind="part",
        provider="sandbox", amount=Decimal("300000.00"), currency="COP",
    )  # fmt: skip
    apply_provider_record(
        checkout.pk,
        ProviderRecord("paid", "ref-back", Decimal("300000.00"), "COP", "sbx-pay-1", "sandbox"),
    )
    payment = Payment.objects.get()

    text = client.get(f"/p/{link.token}/r/ref-back").content.decode()

    assert 'data-outcome="paid"' in text
    row = text[text.index(f'id="payment-{payment.pk}"') :]
    row = row[: row.index("</li>")]
    assert 'aria-current="true"' in row
    assert "20 de noviembre de 2026" in row and "$300.000,00" in row
    assert "pago en línea de prueba" in row and "sbx-pay-1" in row
    assert f'href="/p/{link.token}/recibo/{payment.pk}"' in row
