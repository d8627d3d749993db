"""The portal speaks the debtor's language and register, with money and dates of their country."""

from __future__ import annotations

from datetime import date

import pytest

from recaudo.payments.links import live_link
from recaudo.policies.models import Policy
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db


@pytest.fixture
def brazilian(db):
    creditor = make_creditor(
        brand_name="Loja Sol",
        country="BR",
        default_currency="BRL",
        support_phone="+55 11 5555 0100",
    )
    debtor = make_debtor(
        creditor,
        first_name="João",
        full_name="João Silva",
        country="BR",
        timezone="America/Sao_Paulo",
        language="pt",
    )
    make_debt(debtor, "4583.46", description="Parcela outubro", due_on=date(2026, 10, 15))
    return debtor


def test_a_brazilian_debtors_portal_is_in_portuguese_with_brazilian_money_and_dates(
    client, brazilian, frozen
):
    text = client.get(f"/p/{live_link(brazilian.pk).token}").content.decode()
    assert '<html lang="pt-br">' in text
    assert "Olá, João." in text and "Total em aberto" in text
    assert '<p class="total" id="total">R$ 4.583,46</p>' in text
    assert "venceu em 15 de outubro" in text
    assert "Pagar tudo (R$ 4.583,46)" in text
    assert "R$4,583.46" not in text and "Total pendiente" not in text


def test_the_brazilian_plan_form_names_the_down_payment_entrada(client, brazilian, frozen):
    text = client.get(f"/p/{live_link(brazilian.pk).token}").content.decode()
    assert "Entrada (mínimo R$" in text and "Pie" not in text


@pytest.mark.parametrize(
    ("country", "currency", "word"),
    [
        ("CL", "CLP", "Pie"),
        ("CO", "COP", "Cuota inicial"),
        ("MX", "MXN", "Enganche"),
        ("PE", "PEN", "Cuota inicial"),
        ("AR", "ARS", "Anticipo"),
    ],
)
def test_the_spanish_plan_form_names_the_down_payment_as_the_country_does(
    client, frozen, country, currency, word
):
    creditor = make_creditor(country=country, default_currency=currency)
    debtor = make_debtor(creditor, country=country)
    make_debt(debtor, "900000")
    text = client.get(f"/p/{live_link(debtor.pk).token}").content.decode()
    assert f'<label for="plan-down">{word} (mínimo ' in text


def test_a_plan_refused_for_its_down_payment_says_the_countrys_word(client, frozen):
    creditor = make_creditor(country="MX", default_currency="MXN")
    debtor = make_debtor(creditor, country="MX")
    make_debt(debtor, "9000")
    token = live_link(debtor.pk).token
    response = client.post(f"/p/{token}/plan", {"down_payment": "9000", "count": "3"})
    assert response.status_code == 400
    assert "Enganche: " in response.content.decode()


def _set_register(register: str) -> None:
    Policy.objects.filter(creditor=None).update(register=register)


def test_a_debtor_whose_policy_says_tu_reads_the_portal_in_tu(client, debtor, frozen):
    _set_register(Policy.Register.TU)
    token = live_link(debtor.pk).token
    text = client.get(f"/p/{token}?done=promise").content.decode()
    assert "Registramos tu compromiso de pago. Te recordaremos un día antes." in text
    assert "¿Ya pagaste o no reconoces una deuda?" in text
    assert "¿Ya pagó" not in text and "Cómo contactarle" not in text


def test_a_debtor_whose_policy_says_usted_reads_the_portal_in_usted(client, debtor, frozen):
    _set_register(Policy.Register.USTED)
    token = live_link(debtor.pk).token
    text = client.get(f"/p/{token}?done=promise").content.decode()
    assert "Registramos su compromiso de pago. Le recordaremos un día antes." in text
    assert "¿Ya pagó o no reconoce una deuda?" in text
    assert "¿Ya pagaste" not in text


def test_portuguese_and_english_have_one_register_whatever_the_policy(client, debtor, frozen):
    _set_register(Policy.Register.TU)
    token = live_link(debtor.pk).token
    english = client.get(f"/p/{token}?lang=en&done=promise").content.decode()
    portuguese = client.get(f"/p/{token}?lang=pt&done=promise").content.decode()
    assert "We registered your promise to pay. We will remind you the day before." in english
    assert "Registramos seu compromisso de pagamento." in portuguese
    assert '<html lang="pt-br">' in portuguese and "COP 1.419.567,50" in portuguese
