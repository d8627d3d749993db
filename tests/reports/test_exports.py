"""Exports from /equipo/exportaciones/: exact content, scope, formats, languages, audit."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import time_machine
from openpyxl import load_workbook

from recaudo.reports.models import ExportRecord
from recaudo.roles import AUDITOR, CREDITOR_VIEWER, SUPERVISOR
from tests.reports.fixtures import NOW, client_book
from tests.staff.helpers import browser_of, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def books():
    return client_book("Tienda Sol", "A"), client_book("Banco Luna", "B", currency="CLP", cents="")


def _download(client, **query) -> str:
    response = client.get("/equipo/exportaciones/descargar", query)
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content).decode("utf-8")


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_debts_csv_of_one_creditor_is_exactly_its_rows_with_reasons_counted(books):
    mine, _theirs = books
    client = browser_of(staff("ana", SUPERVISOR, mine.creditor))

    text = _download(client, kind="debts", creditor=mine.creditor.pk, file_format="csv")

    assert text.startswith("\ufeff")
    assert text.removeprefix("\ufeff") == (
        "Acreedor,Id del deudor,Deudor,Id de la deuda,Factura,Descripción,Moneda,Monto,Pagado,"
        "Emitida,Vence,Estado,Motivos de no pago,Último motivo,Creada (UTC)\n"
        "Tienda Sol,A-1,'=Ana A,A-D1,FV-1,Plan hogar octubre,COP,150000.00,20000.00,"
        "2026-10-01,2026-11-01,open,2,will_pay_later,2026-11-23T15:00:00+00:00\n"
        'Tienda Sol,A-1,\'=Ana A,A-D2,FV-2,"Plan hogar, noviembre",COP,50000.50,0.00,'
        "2026-11-01,2026-12-15,open,0,,2026-11-23T15:00:00+00:00\n"
    )


def test_every_export_of_a_creditor_holds_none_of_another_creditors_rows(books):
    mine, _theirs = books
    client = browser_of(staff("ana", SUPERVISOR, mine.creditor))

    for kind, count in (
        ("debts", 2), ("payments", 1), ("contacts", 1), ("promises", 1), ("plans", 1),
        ("reasons", 2),
    ):  # fmt: skip
        rows = _rows(_download(client, kind=kind, file_format="csv"))
        assert len(rows) == 1 + count, kind
        assert {row[0] for row in rows[1:]} == {"Tienda Sol"}, kind
        assert {row[1] for row in rows[1:]} == {"A-1"}, kind


def test_payments_promises_plans_reasons_and_contacts_are_written_exactly(books):
    mine, _theirs = books
    client = browser_of(staff("ana", SUPERVISOR, mine.creditor))

    def body(kind: str) -> list[list[str]]:
        return _rows(_download(client, kind=kind, file_format="csv"))

    assert body("payments") == [
        ["Acreedor", "Id del deudor", "Deudor", "Id del pago", "Id de la deuda", "Moneda",
         "Monto", "Sin aplicar", "Pagado el (UTC)", "Medio de pago", "Estado",
         "Registrado (UTC)"],
        ["Tienda Sol", "A-1", "'=Ana A", "A-P1", "A-D1", "COP", "20000.00", "0.00",
         "2026-11-20T14:30:00+00:00", "PSE", "received", "2026-11-23T15:00:00+00:00"],
    ]  # fmt: skip
    assert body("promises")[1] == [
        "Tienda Sol", "A-1", "'=Ana A", "COP", "30000.00", "2026-11-27", "pending", "bot",
        "2026-11-23T15:00:00+00:00", "",
    ]  # fmt: skip
    assert body("plans")[1] == [
        "Tienda Sol", "A-1", "'=Ana A", "COP", "50000.50", "10000.50", "4", "active", "portal",
        "2026-11-23T15:00:00+00:00", "",
    ]  # fmt: skip
    assert body("reasons")[1:] == [
        ["Tienda Sol", "A-1", "'=Ana A", "A-D1", "FV-1", code, source, "perdí el trabajo",
         "2026-11-21T16:00:00+00:00"]
        for code, source in (("hardship", "bot"), ("will_pay_later", "call"))
    ]  # fmt: skip
    assert body("contacts")[1] == [
        "Tienda Sol", "A-1", "'=Ana A", "2026-11-22", "message", "whatsapp", "overdue",
        "delivered", "", "COP", "130000.00", "2026-11-22T13:00:05+00:00",
        "2026-11-22T13:00:09+00:00", "", "", "",
    ]  # fmt: skip


def test_amounts_keep_the_currencys_decimals_a_peso_chileno_has_none(books):
    _mine, theirs = books
    client = browser_of(staff("auditora", AUDITOR))

    rows = _rows(_download(client, kind="debts", creditor=theirs.creditor.pk, file_format="csv"))

    assert [(row[6], row[7], row[8]) for row in rows[1:]] == [
        ("CLP", "150000", "20000"),
        ("CLP", "50000", "0"),
    ]


def test_a_period_keeps_only_the_rows_of_those_days(books):
    mine, _theirs = books
    client = browser_of(staff("ana", SUPERVISOR, mine.creditor))

    due = _rows(_download(client, kind="debts", period_from="2026-11-02", file_format="csv"))
    paid = _rows(
        _download(
            client, kind="payments", period_from="2026-11-21", period_to="2026-11-30",
            file_format="csv",
        )
    )  # fmt: skip
    paid_that_day = _rows(
        _download(client, kind="payments", period_from="2026-11-20", period_to="2026-11-20",
                  file_format="csv")
    )  # fmt: skip

    assert [row[3] for row in due[1:]] == ["A-D2"]
    assert paid[1:] == []
    assert [row[3] for row in paid_that_day[1:]] == ["A-P1"]


def test_a_period_that_ends_before_it_starts_is_refused_by_name(books):
    client = browser_of(staff("ana", SUPERVISOR, books[0].creditor))

    response = client.get(
        "/equipo/exportaciones/descargar",
        {"kind": "debts", "period_from": "2026-11-30", "period_to": "2026-11-01",
         "file_format": "csv"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "El periodo empieza (2026-11-30) después de terminar (2026-11-01)." in (
        response.content.decode()
    )
    assert not ExportRecord.objects.exists()


def test_the_xlsx_opens_with_openpyxl_with_numbers_as_numbers_and_formulas_as_text(books):
    mine, _theirs = books
    client = browser_of(staff("ana", SUPERVISOR, mine.creditor))

    response = client.get(
        "/equipo/exportaciones/descargar", {"kind": "debts", "file_format": "xlsx"}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="debts-todos.xlsx"'
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert sheet.title == "Deudas"
    assert values[0][:8] == [
        "Acreedor", "Id del deudor", "Deudor", "Id de la deuda", "Factura", "Descripción",
        "Moneda", "Monto",
    ]  # fmt: skip
    assert values[1][2] == "'=Ana A"
    assert [(row[3], float(row[7]), float(row[8]), row[12]) for row in values[1:]] == [
        ("A-D1", 150000.0, 20000.0, 2),
        ("A-D2", 50000.5, 0.0, 0),
    ]


def test_headers_are_in_the_readers_language(books, settings):
    client = browser_of(staff("ana", SUPERVISOR, books[0].creditor))

    for language, header in (
        ("en", "Creditor,Debtor id,Debtor,Payment id,Debt id,Currency,Amount,Unallocated,"
               "Paid at (UTC),Payment method,Status,Recorded (UTC)"),
        ("pt-br", "Credor,Id do devedor,Devedor,Id do pagamento,Id da dívida,Moeda,Valor,"
                  "Não aplicado,Pago em (UTC),Meio de pagamento,Status,Registrado (UTC)"),
    ):  # fmt: skip
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        text = _download(client, kind="payments", file_format="csv")
        assert _rows(text)[0] == header.split(","), language


def test_a_creditor_viewer_exports_only_their_client_and_another_creditor_is_a_404(books):
    mine, theirs = books
    client = browser_of(staff("cliente", CREDITOR_VIEWER, mine.creditor))

    page = client.get("/equipo/exportaciones/")
    rows = _rows(_download(client, kind="payments", file_format="csv"))
    other = client.get(
        "/equipo/exportaciones/descargar",
        {"kind": "payments", "creditor": theirs.creditor.pk, "file_format": "csv"},
    )

    assert page.status_code == 200
    assert [c.pk for c in page.context["form"].fields["creditor"].queryset] == [mine.creditor.pk]
    assert [row[3] for row in rows[1:]] == ["A-P1"]
    assert other.status_code == 404


def test_a_creditor_viewer_tied_to_no_client_exports_nothing(books):
    client = browser_of(staff("nadie", CREDITOR_VIEWER))

    assert _rows(_download(client, kind="debts", file_format="csv"))[1:] == []


def test_an_auditor_exports_every_creditor(books):
    client = browser_of(staff("auditora", AUDITOR))

    rows = _rows(_download(client, kind="payments", file_format="csv"))

    assert [row[3] for row in rows[1:]] == ["A-P1", "B-P1"]


def test_someone_not_staff_is_sent_to_log_in_and_gets_no_rows(books, client):
    response = client.get("/equipo/exportaciones/descargar", {"kind": "debts"})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_each_export_is_recorded_with_who_what_and_when(books):
    mine, _theirs = books
    user = staff("cliente", CREDITOR_VIEWER, mine.creditor)
    client = browser_of(user)

    _download(
        client, kind="reasons", creditor=mine.creditor.pk, period_from="2026-11-01",
        period_to="2026-11-30", file_format="csv",
    )  # fmt: skip

    record = ExportRecord.objects.get()
    assert (
        record.user_id, record.actor, record.kind, record.file_format, record.creditor_id,
        record.scope, record.period_from, record.period_to, record.created_at,
    ) == (
        user.pk, "staff:cliente", "reasons", "csv", mine.creditor.pk, str(mine.creditor.pk),
        date(2026, 11, 1), date(2026, 11, 30), NOW,
    )  # fmt: skip
    assert client.get("/equipo/exportaciones/").context["recent"][0] == record
