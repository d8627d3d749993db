"""A payments file naming debtors by their payment reference (docs/importing.md, "Payments")."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from recaudo.portfolio.imports import import_file
from recaudo.portfolio.models import Debt, Payment
from recaudo.portfolio.references import reference_for
from tests.factories import make_creditor, make_debt, make_debtor


@pytest.fixture
def owing(creditor):
    debtor = make_debtor(creditor, external_id="C-1")
    older = make_debt(debtor, "100000.00", issued_on=date(2026, 8, 1), due_on=date(2026, 9, 1))
    newer = make_debt(debtor, "80000.00", issued_on=date(2026, 8, 1), due_on=date(2026, 10, 1))
    return debtor, older, newer


def _run(path) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "payments", str(path), stdout=out, stderr=err)
    return out.getvalue()


def _errors(path, *options: str) -> list[str]:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "payments", str(path), *options, stdout=io.StringIO(), stderr=err)
    return err.getvalue().splitlines()


def test_a_payment_named_by_reference_pays_that_debtors_debts_oldest_first(owing, tmp_path):
    debtor, older, newer = owing
    reference = reference_for(debtor.pk)
    path = tmp_path / "extracto.csv"
    path.write_text(
        "id_transaccion,Referência,valor,fecha\n"
        f"BANCO-77,{reference[:4]} {reference[4:]},130000,2026-11-05\n"
    )

    out = _run(path)

    assert "payments_recorded=1" in out
    payment = Payment.objects.get()
    assert (payment.external_id, payment.debtor_id, payment.amount) == (
        "BANCO-77",
        debtor.pk,
        Decimal("130000.00"),
    )
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.amount_paid, older.status) == (Decimal("100000.00"), "paid")
    assert (newer.amount_paid, newer.status) == (Decimal("30000.00"), "open")


def test_a_wrong_check_digit_is_an_error_naming_line_and_column_and_nothing_is_written(
    owing, tmp_path
):
    debtor, _older, _newer = owing
    reference = reference_for(debtor.pk)
    typo = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    path = tmp_path / "extracto.csv"
    path.write_text(
        "id_transaccion,convenio,valor,fecha\n"
        f"BANCO-1,{reference},1000,2026-11-05\n"
        f"BANCO-2,{typo},1000,2026-11-05\n"
    )

    errors = _errors(path)

    assert (
        f"línea 3: convenio: '{typo}': los dígitos de control no coinciden "
        "(¿un número mal copiado?)"
    ) in errors
    assert not Payment.objects.exists()
    assert set(Debt.objects.values_list("amount_paid", flat=True)) == {Decimal("0.00")}


def test_another_creditors_reference_and_a_reference_of_another_debtor_than_the_row_are_refused(
    owing, tmp_path
):
    debtor, _older, _newer = owing
    stranger = make_debtor(make_creditor(), external_id="X-1")
    make_debtor(debtor.creditor, external_id="C-2")
    path = tmp_path / "extracto.csv"
    path.write_text(
        "id_pago,id_cliente,referencia_bancaria,monto,fecha_pago\n"
        f"P-1,,{reference_for(stranger.pk)},1000,2026-11-05\n"
        f"P-2,C-2,{reference_for(debtor.pk)},1000,2026-11-05\n"
    )

    errors = _errors(path, "--creditor", str(debtor.creditor_id))

    assert (
        f"línea 2: referencia_bancaria: ningún deudor de este acreedor tiene la referencia "
        f"'{reference_for(stranger.pk)}'"
    ) in errors
    mine = reference_for(debtor.pk)
    assert f"línea 3: referencia_bancaria: la referencia '{mine}' es de otro deudor" in errors
    assert not Payment.objects.exists()


def test_the_browser_import_maps_a_column_to_the_reference(owing, tmp_path):
    debtor, older, _newer = owing
    path = tmp_path / "banco.csv"
    path.write_text(f"Operación,Ref,Importe,Día\nOP-9,{reference_for(debtor.pk)},5000,2026-11-05\n")

    result = import_file(
        "payments",
        path,
        debtor.creditor,
        mapping=["external_id", "reference", "amount", "paid_at"],
    )

    assert result.ok, result.outcome.errors
    older.refresh_from_db()
    assert older.amount_paid == Decimal("5000.00")


def test_a_payment_naming_no_debtor_debt_or_reference_says_all_three(owing, tmp_path):
    path = tmp_path / "pagos.csv"
    path.write_text("id_pago,monto,fecha_pago\nP-1,1000,2026-11-05\n")

    assert (
        "línea 2: debtor_external_id: indique el deudor, la deuda pagada o la referencia de pago"
        in _errors(path)
    )
