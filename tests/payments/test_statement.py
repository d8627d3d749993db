"""The statement of account: every open invoice with its age, in the reader's language."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from recaudo.payments.links import live_link
from recaudo.payments.statement import (
    currency_totals,
    statement_lines,
    statement_pdf,
    statement_url,
)
from recaudo.portfolio.actions import record_payment
from recaudo.portfolio.models import Debt
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db

# 2026-11-20 at 03:00 UTC is still 19 November in Bogotá: ages count from the debtor's date.
EVENING = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def _text(content: bytes) -> str:
    """The PDF's words with one space between them (table cells wrap their lines)."""
    pages = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(pages.replace("\xa0", " ").split())


@pytest.fixture
def company(db):
    creditor = make_creditor(brand_name="Distribuidora Añil", support_phone="+57 601 555 0100")
    debtor = make_debtor(
        creditor, external_id="NIT-900", full_name="Ferretería Núñez S.A.S.", first_name="Óscar"
    )
    make_debt(debtor, "185000.50", external_id="FV-101", invoice_number="FE-101",
              description="Tornillería", due_on=date(2026, 9, 30),
              issued_on=date(2026, 9, 1))  # fmt: skip
    make_debt(debtor, "1234567.00", external_id="FV-102", invoice_number="FE-102",
              due_on=date(2026, 12, 15))  # fmt: skip
    make_debt(debtor, "250.75", external_id="FV-USD", currency="USD", due_on=date(2026, 11, 9))
    paid = make_debt(
        debtor,
        "5000.00",
        external_id="FV-PAGADA",
        due_on=date(2026, 8, 1),
        issued_on=date(2026, 7, 1),
    )
    record_payment(
        creditor=creditor, debtor=debtor, external_id="P-1", amount=Decimal("5000"),
        currency="COP", paid_at=datetime(2026, 8, 2, tzinfo=UTC), actor="test", debt=paid,
    )  # fmt: skip
    make_debt(debtor, "999.00", external_id="FV-DISPUTA", status=Debt.Status.DISPUTED)
    return debtor


def test_lines_carry_the_age_in_days_past_due_and_zero_while_not_yet_due(company):
    debts = list(Debt.objects.filter(debtor=company, status__in=Debt.COLLECTIBLE))

    lines = statement_lines(debts, date(2026, 11, 19))

    assert [(line.reference, line.days_past_due, line.balance) for line in lines] == [
        ("FV-101", 50, Decimal("185000.50")),
        ("FV-USD", 10, Decimal("250.75")),
        ("FV-102", 0, Decimal("1234567.00")),
    ]
    assert [(t.currency, t.balance, t.overdue, t.count) for t in currency_totals(lines)] == [
        ("COP", Decimal("1419567.50"), Decimal("185000.50"), 2),
        ("USD", Decimal("250.75"), Decimal("250.75"), 1),
    ]


def test_the_spanish_statement_lists_each_open_invoice_with_its_age_and_totals_per_currency(
    company,
):
    text = _text(statement_pdf(company, now=EVENING))

    assert "Estado de cuenta" in text
    assert "Distribuidora Añil" in text and "Ferretería Núñez S.A.S. (NIT-900)" in text
    assert "Fecha de corte" in text and "19 de noviembre de 2026" in text
    assert "Días de mora" in text
    assert "FV-101 · Tornillería" in text and "FE-101" in text
    # One row per open invoice, oldest first: reference, invoice, due date, age, amount, balance.
    assert "FV-101 · Tornillería FE-101 30/09/2026 50 $185.000,50 $185.000,50" in text
    assert "FV-USD — 9/11/2026 10 US$250,75 US$250,75" in text
    assert "FV-102 FE-102 15/12/2026 0 $1.234.567,00 $1.234.567,00" in text
    assert text.index("FV-101") < text.index("FV-USD") < text.index("FV-102")
    # Totals per currency: invoices, the overdue part, the balance.
    assert "COP 2 $185.000,50 $1.419.567,50" in text
    assert "USD 1 US$250,75 US$250,75" in text
    # Paid and disputed debts are not open invoices.
    assert "FV-PAGADA" not in text and "FV-DISPUTA" not in text
    assert "+57 601 555 0100" in text


def test_the_statement_is_written_in_portuguese_and_english_with_their_number_formats(company):
    company.language, company.country = "pt-BR", "BR"
    company.save()

    portuguese = _text(statement_pdf(company, now=EVENING))
    english = _text(statement_pdf(company, language="en", now=EVENING))

    assert "Extrato de conta" in portuguese and "Dias de atraso" in portuguese
    assert "19 de novembro de 2026" in portuguese
    assert "30 de set. de 2026 50 COP 185.000,50" in portuguese
    assert "Statement of account" in english and "Days past due" in english
    assert "November 19, 2026" in english
    assert "Sep 30, 2026 50 COP185,000.50" in english
    assert "Dec 15, 2026 0 COP1,234,567.00 COP1,234,567.00" in english


def test_a_debtor_with_nothing_owed_gets_a_statement_that_says_so(db):
    debtor = make_debtor(make_creditor())

    text = _text(statement_pdf(debtor, now=EVENING))

    assert "No tiene facturas pendientes a la fecha." in text


def test_the_portal_serves_the_statement_to_the_link_holder_in_the_asked_language(client, company):
    token = live_link(company.pk).token

    response = client.get(f"/p/{token}/estado-de-cuenta.pdf")
    english = client.get(f"/p/{token}/estado-de-cuenta.pdf?lang=en")
    portal = client.get(f"/p/{token}").content.decode()

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="estado-de-cuenta.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert "Estado de cuenta" in _text(response.content)
    assert english["Content-Disposition"] == 'inline; filename="statement.pdf"'
    assert "Statement of account" in _text(english.content)
    assert f'href="/p/{token}/estado-de-cuenta.pdf"' in portal
    assert statement_url(token).endswith(f"/p/{token}/estado-de-cuenta.pdf")


def test_an_unknown_token_gets_no_statement(client, company):
    response = client.get("/p/no-such-token/estado-de-cuenta.pdf")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("language", ["pt_BR", "en"])
def test_the_payments_catalogues_translate_the_statement_and_are_compiled(language):
    from tests.catalogues import assert_complete_and_compiled, catalogue

    assert_complete_and_compiled("payments", language)
    words = ["Estado de cuenta", "Días de mora", "Saldo total", "Fecha de corte"]
    assert all(catalogue("payments", language)[word].string for word in words)
