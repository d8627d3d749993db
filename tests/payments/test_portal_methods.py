"""The portal's "Medios de pago": the provider's methods for the debtor's country by name,
and, where the creditor has a bank account, the debtor's reference and a cash voucher."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from recaudo.payments.links import live_link
from recaudo.payments.models import BankAccount, PaymentSettings
from recaudo.policies.models import Policy
from recaudo.policies.rendering import format_money
from recaudo.portfolio.references import grouped, reference_for
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db
CARD = ("card", "Tarjeta de crédito o débito")
PAGOEFECTIVO = "PagoEfectivo (efectivo o banca por internet)"
SPEI = "Transferencia SPEI"


def _owing(country: str, currency: str, provider: str, language: str = "es"):
    creditor = make_creditor(country=country, default_currency=currency, brand_name="Tienda Sol")
    PaymentSettings.objects.create(creditor=creditor, provider=provider)
    debtor = make_debtor(creditor, full_name="Ana Souza", language=language)
    make_debt(debtor, "250.00", issued_on=date(2026, 10, 1), due_on=date(2026, 11, 1))
    return debtor


def _methods(text: str) -> list[tuple[str, str]]:
    block = text[text.index('id="online-methods"') :]
    block = block[: block.index("</ul>")]
    return re.findall(r'<li data-method="([a-z]+)">([^<]+)</li>', block)


@pytest.mark.parametrize(
    ("country", "currency", "provider", "expected"),
    [
        ("PE", "PEN", "mercadopago", [CARD, ("yape", "Yape"), ("pagoefectivo", PAGOEFECTIVO)]),
        ("CO", "COP", "mercadopago", [CARD, ("pse", "PSE (débito desde su cuenta bancaria)")]),
        ("MX", "MXN", "stripe", [CARD, ("oxxo", "Efectivo en OXXO"), ("spei", SPEI)]),
        ("CO", "COP", "stripe", [CARD]),
    ],
)  # fmt: skip
def test_the_portal_names_the_methods_the_creditors_provider_offers_in_the_debtors_country(
    client, country, currency, provider, expected
):
    debtor = _owing(country, currency, provider)

    text = client.get(f"/p/{live_link(debtor.pk).token}").content.decode()

    assert _methods(text) == expected


def test_the_methods_read_in_brazilian_portuguese_and_in_english(client):
    debtor = _owing("BR", "BRL", "stripe", language="pt")
    token = live_link(debtor.pk).token

    portuguese = client.get(f"/p/{token}").content.decode()
    english = client.get(f"/p/{token}?lang=en").content.decode()

    assert "Meios de pagamento" in portuguese
    assert _methods(portuguese) == [
        ("card", "Cartão de crédito ou débito"),
        ("pix", "Pix"),
        ("boleto", "Boleto bancário"),
    ]
    assert "Ways to pay" in english
    assert _methods(english)[0] == ("card", "Credit or debit card")


def test_without_a_bank_account_no_reference_or_voucher_is_offered(client):
    debtor = _owing("CO", "COP", "sandbox")
    token = live_link(debtor.pk).token

    text = client.get(f"/p/{token}").content.decode()
    voucher = client.get(f"/p/{token}/comprobante")

    assert 'id="payment-reference"' not in text and 'id="cash-voucher"' not in text
    assert voucher.status_code == 404
    assert "Este acreedor no recibe depósitos en efectivo." in voucher.content.decode()


def _account(debtor) -> BankAccount:
    return BankAccount.objects.create(
        creditor=debtor.creditor,
        bank_name="Bancolombia",
        account_type="Ahorros",
        account_number="123-456789-01",
        holder_name="Tienda Sol S.A.S.",
        holder_tax_id="NIT 900123456-7",
        instructions="En corresponsal bancario, pida «pago de convenio 7788».",
    )


def test_with_a_bank_account_the_portal_shows_the_debtors_reference_and_the_account(client):
    debtor = _owing("CO", "COP", "sandbox")
    _account(debtor)
    token = live_link(debtor.pk).token

    text = client.get(f"/p/{token}").content.decode()

    reference = grouped(reference_for(debtor.pk))
    assert f'<strong class="total" id="payment-reference">{reference}</strong>' in text
    assert '<dd id="bank-name">Bancolombia</dd>' in text
    assert '<dd id="bank-number">Ahorros 123-456789-01</dd>' in text
    assert '<dd id="bank-holder">Tienda Sol S.A.S. · NIT 900123456-7</dd>' in text
    assert "pago de convenio 7788" in text
    assert f'href="/p/{token}/comprobante"' in text


def test_the_cash_voucher_names_the_reference_the_amount_owed_and_the_account(client):
    debtor = _owing("BR", "BRL", "sandbox", language="pt")
    _account(debtor)
    token = live_link(debtor.pk).token

    response = client.get(f"/p/{token}/comprobante")

    text = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "Comprovante para pagar em dinheiro ou por transferência" in text
    assert f'id="voucher-reference">{grouped(reference_for(debtor.pk))}</dd>' in text
    assert '<dd id="voucher-debtor">Ana Souza</dd>' in text
    assert f'<dd id="voucher-total">{format_money(Decimal(250), "BRL", "pt_BR")}</dd>' in text
    assert '<dd id="voucher-bank">Bancolombia</dd>' in text


def test_the_voucher_of_an_unknown_link_is_not_found(client):
    assert client.get("/p/not-a-token/comprobante").status_code == 404



@pytest.mark.parametrize(
    ("register", "portal_says", "voucher_says"),
    [
        (Policy.Register.TU, "Escribe siempre tu referencia de pago", "Puedes pagar una parte"),
        (Policy.Register.USTED, "Escriba siempre su referencia de pago", "Puede pagar una parte"),
    ],
)
def test_the_reference_and_the_voucher_speak_as_the_debtors_policy_does(
    client, register, portal_says, voucher_says
):
    Policy.objects.filter(creditor=None).update(register=register)
    debtor = _owing("CO", "COP", "sandbox")
    _account(debtor)
    token = live_link(debtor.pk).token

    portal = client.get(f"/p/{token}").content.decode()
    voucher = client.get(f"/p/{token}/comprobante").content.decode()

    assert portal_says in portal
    assert voucher_says in voucher
    other = "Puede pagar una parte" if register == Policy.Register.TU else "Puedes pagar"
    assert other not in voucher
