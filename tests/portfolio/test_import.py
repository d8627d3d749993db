"""`recaudo import`: files in, rows out, all or nothing."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from recaudo.policies.models import Policy
from recaudo.portfolio.imports import import_file
from recaudo.portfolio.models import (
    AuditEvent,
    ChannelConsent,
    ContactPoint,
    Debt,
    Debtor,
    Payment,
)
from tests.factories import make_creditor
from tests.helpers import run_recaudo

DEBTS_ES = (
    "id_deuda;id_cliente;nombre;teléfono;correo;factura;moneda;monto;fecha_emision;"
    "fecha_vencimiento;acepta_whatsapp\n"
    "F-1;C-1;María José Pérez Gómez;300 123 4567;maria@ejemplo.example;FAC-001;COP;125.000,50;"
    "01/10/2026;01/11/2026;sí\n"
    "F-2;C-1;María José Pérez Gómez;300 123 4567;maria@ejemplo.example;FAC-002;COP;80000;"
    "2026-10-05;2026-11-05;sí\n"
    "F-3;C-2;Distribuidora Andina S.A.S.;;cartera@andina.example;FAC-003;COP;1.500.000,00;"
    "2026-09-01;2026-10-01;no\n"
)


@pytest.fixture(params=["one process", "two processes"], autouse=True)
def reading_mode(request, settings):
    """Every import test runs with the file read in this process and in a child."""
    settings.IMPORT_PARALLEL_MIN_BYTES = 10**12 if request.param == "one process" else 0
    return request.param


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run_import(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def import_errors(*args: str) -> list[str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import", *args, stdout=out, stderr=err)
    assert failure.value.returncode == 1
    return [*err.getvalue().splitlines(), str(failure.value)]


def snapshot() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Debtor, ContactPoint, ChannelConsent, Debt, Payment, AuditEvent)
    }


def test_it_imports_a_spanish_semicolon_file_in_latin1(creditor, tmp_path):
    path = write(tmp_path, "cartera.csv", DEBTS_ES, encoding="latin-1")

    out, _ = run_import("debts", str(path))

    assert "3 filas importadas" in out
    maria = Debtor.objects.get(creditor=creditor, external_id="C-1")
    assert maria.full_name == "María José Pérez Gómez"
    assert maria.first_name == "María"
    assert maria.timezone == "America/Bogota"
    assert maria.language == "es"
    assert sorted(maria.contact_points.values_list("kind", "value")) == [
        ("email", "maria@ejemplo.example"),
        ("phone", "+573001234567"),
    ]
    phone = maria.contact_points.get(kind="phone")
    assert list(phone.consents.values_list("channel", flat=True)) == ["whatsapp"]
    assert list(
        maria.debts.order_by("external_id").values_list("external_id", "amount", "due_on")
    ) == [
        ("F-1", Decimal("125000.50"), date(2026, 11, 1)),
        ("F-2", Decimal("80000.00"), date(2026, 11, 5)),
    ]
    company = Debtor.objects.get(external_id="C-2")
    assert company.contact_points.get().consents.count() == 0
    assert Debt.objects.get(external_id="F-3").amount == Decimal("1500000.00")
    assert AuditEvent.objects.get(kind="debtor_created", debtor=maria).data == {
        "external_id": "C-1",
        "debts": ["F-1", "F-2"],
    }
    assert AuditEvent.objects.get(kind="debtor_created", debtor=company).data == {
        "external_id": "C-2",
        "debts": ["F-3"],
    }
    assert AuditEvent.objects.count() == 2
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {"import:cartera.csv"}


def test_spanish_headers_as_the_docs_write_them_and_pesos_as_colombians_write_them(
    creditor, tmp_path
):
    path = write(
        tmp_path,
        "cartera.csv",
        "Id de la deuda,Id cliente,Nombre,Monto,Fecha de vencimiento\n"
        'F-1,C-1,Ana Ruiz,$ 150.000,2026-11-01\n'
        'F-2,C-1,Ana Ruiz,"150.000,50",2026-11-02\n',
    )

    out, _ = run_import("debts", str(path))

    assert "2 filas importadas" in out
    assert sorted(Debt.objects.values_list("external_id", "amount")) == [
        ("F-1", Decimal("150000.00")),
        ("F-2", Decimal("150000.50")),
    ]


def test_an_amount_written_the_other_way_round_is_an_error_naming_line_and_column(
    creditor, tmp_path
):
    path = write(
        tmp_path,
        "cartera.csv",
        "id_deuda,id_cliente,nombre,país,monto,vencimiento\n"
        'F-1,C-1,Ana Ruiz,CO,"1,234.56",2026-11-01\n'
        'F-2,C-2,Luis Díaz,MX,"$1,234.56",2026-11-01\n',
    )
    before = snapshot()

    errors = import_errors("debts", str(path))

    assert errors[0] == (
        "línea 2: monto: '1,234.56' no está escrito como se escriben los importes en CO "
        "(1.234,56: '.' separa los miles y ',' los decimales)"
    )
    assert len(errors) == 2  # the Mexican debtor's amount follows Mexico's custom
    assert snapshot() == before


def test_importing_the_same_file_twice_changes_nothing_the_second_time(creditor, tmp_path):
    path = write(tmp_path, "cartera.csv", DEBTS_ES)
    run_import("debts", str(path))
    before = snapshot()
    stamps = list(Debt.objects.order_by("pk").values_list("updated_at", flat=True))

    out, _ = run_import("debts", str(path))

    assert snapshot() == before
    assert list(Debt.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps
    assert "debts_unchanged=3" in out
    assert "debtors_unchanged=2" in out


def test_new_debts_of_a_known_debtor_leave_one_event_for_that_debtor(creditor, tmp_path):
    run_import("debts", str(write(tmp_path, "a.csv", DEBTS_ES)))
    more = DEBTS_ES + (
        "F-4;C-1;María José Pérez Gómez;300 123 4567;maria@ejemplo.example;FAC-004;COP;10000;"
        "2026-10-05;2026-12-05;sí\n"
        "F-5;C-1;María José Pérez Gómez;300 123 4567;maria@ejemplo.example;FAC-005;COP;20000;"
        "2026-10-05;2026-12-06;sí\n"
    )

    run_import("debts", str(write(tmp_path, "b.csv", more)))

    event = AuditEvent.objects.get(kind="debts_created")
    assert (event.debtor.external_id, event.actor) == ("C-1", "import:b.csv")
    assert event.data == {"debts": ["F-4", "F-5"]}


def test_a_changed_amount_updates_the_debt_and_leaves_an_audit_event(creditor, tmp_path):
    run_import("debts", str(write(tmp_path, "a.csv", DEBTS_ES)))
    changed = DEBTS_ES.replace("FAC-002;COP;80000", "FAC-002;COP;85000")

    out, _ = run_import("debts", str(write(tmp_path, "b.csv", changed)))

    assert "debts_updated=1" in out
    assert Debt.objects.get(external_id="F-2").amount == Decimal("85000")
    event = AuditEvent.objects.get(kind="debt_updated")
    assert event.data == {"changes": {"amount": ["80000.0000", "85000.00"]}}
    assert event.actor == "import:b.csv"


def test_a_country_code_that_iso_has_not_assigned_is_refused_naming_the_column(
    creditor, tmp_path
):
    text = (
        "external_id,debtor_id,name,phone,country,currency,amount,due_on\n"
        "D1,X1,Ana Ruiz,+525512345678,ZZ,COP,100,2026-11-01\n"
        "D2,X2,Luis Gil,+525512345679,eu,COP,100,2026-11-01\n"
        "D3,X3,Eva Sol,+525512345670,XK,COP,100,2026-11-01\n"
    )
    path = write(tmp_path, "paises.csv", text)

    errors = import_errors("debts", str(path))

    assert errors[:-1] == [
        f"línea {line}: country: '{code}' no es un código de país ISO 3166-1 asignado "
        "(p. ej. CO, MX)"
        for line, code in ((2, "ZZ"), (3, "eu"), (4, "XK"))
    ]
    assert Debtor.objects.count() == 0


def test_a_debtor_in_a_country_without_a_pack_takes_its_phones_time_zone_never_utc(
    creditor, tmp_path
):
    text = (
        "external_id,debtor_id,name,phone,country,currency,amount,due_on\n"
        "D1,X1,Ana Ruiz,+525512345678,AQ,COP,100,2026-11-01\n"
        "D2,X2,Luis Gil,+59899123456,EC,COP,100,2026-11-01\n"
    )
    path = write(tmp_path, "paises.csv", text)

    run_import("debts", str(path))

    assert list(Debtor.objects.order_by("external_id").values_list("country", "timezone")) == [
        ("AQ", "America/Mexico_City"),
        ("EC", "America/Montevideo"),
    ]


def test_a_debtor_whose_time_zone_cannot_be_told_is_refused(creditor, tmp_path):
    text = (
        "external_id,debtor_id,name,email,country,currency,amount,due_on\n"
        "D1,X1,Ana Ruiz,ana@ejemplo.example,AQ,COP,100,2026-11-01\n"
    )
    path = write(tmp_path, "paises.csv", text)

    errors = import_errors("debts", str(path))

    assert errors[:-1] == [
        "línea 2: timezone: ni el país (AQ) ni el teléfono indican la zona horaria del deudor; "
        "indíquela (p. ej. America/Bogota)"
    ]


def test_a_file_with_errors_is_rejected_whole_naming_every_line_and_column(creditor, tmp_path):
    text = (
        "external_id,debtor_id,name,phone,email,currency,amount,issued_on,due_on\n"
        "D1,X1,Ana Ruiz,3001234567,ana@ejemplo.example,COP,100000,2026-10-01,2026-11-01\n"
        "D2,X2,Luis Gil,12345,luis@,COP,-5,2026-10-01,2026-11-01\n"
        "D3,X3,Eva Sol,3001234568,,ZZZ,100,2026-10-01,2026-11-01\n"
        "D4,X4,Raúl Paz,3001234569,,COP,100.12345,2026-10-01,2026-09-01\n"
        "D1,X5,Sara Luz,3001234570,,COP,100,2026-10-01,2026-11-01\n"
    )
    path = write(tmp_path, "bad.csv", text)

    errors = import_errors("debts", str(path))

    assert errors[:-1] == [
        "línea 3: amount: debe ser mayor que cero; llegó -5",
        "línea 3: phone: '12345' no es un número de teléfono válido",
        "línea 3: email: 'luis@' no es una dirección de correo válida",
        "línea 4: currency: 'ZZZ' no es un código de moneda ISO 4217",
        "línea 5: amount: 100.12345 tiene más decimales de los que admite COP (2)",
        "línea 5: due_on: 2026-09-01 es anterior a la fecha de emisión 2026-10-01",
        "línea 6: external_id: 'D1' aparece otra vez (primero en la línea 2)",
    ]
    assert "7 errores en 5 filas; no se importó nada" in errors[-1]
    assert snapshot() == dict.fromkeys(snapshot(), 0)


def test_the_command_exits_with_status_1_on_a_bad_file(transactional_db, tmp_path):
    make_creditor()
    path = write(tmp_path, "bad.csv", "external_id,debtor_id,amount,due_on,color\n")

    result = run_recaudo("import", "debts", str(path))

    assert result.returncode == 1
    assert "línea 1: color: columna desconocida" in result.stderr


def test_a_dry_run_checks_everything_and_writes_nothing(creditor, tmp_path):
    path = write(tmp_path, "cartera.csv", DEBTS_ES)

    out, _ = run_import("debts", str(path), "--dry-run")

    assert "3 filas revisadas (prueba, no se escribió nada)" in out
    assert "debts_created=3" in out
    assert snapshot() == dict.fromkeys(snapshot(), 0)


def test_rows_referring_to_an_unknown_debtor_without_details_are_refused(creditor, tmp_path):
    path = write(tmp_path, "d.csv", "external_id,debtor_id,amount,due_on\nD1,NOPE,100,2026-11-01\n")

    errors = import_errors("debts", str(path))

    assert errors[0] == (
        "línea 2: debtor_id: deudor desconocido 'NOPE' (importe primero el deudor, o añada su "
        "nombre a esta fila)"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "el archivo está vacío"),
        (
            b"external_id,debtor_id,amount,due_on\n",
            "el archivo tiene encabezado pero ninguna fila de datos",
        ),
        (
            b"\xff\xfee\x00x\x00t\x00\n\x00",
            "línea 1: el archivo no es texto UTF-8 ni Latin-1 (byte 0x00)",
        ),
        (
            b"id,debtor_id,amount,due_on\nD1,C1,1\x81,2026-11-01\n",
            "línea 2: el archivo no es texto UTF-8 ni Latin-1",
        ),
    ],
)
def test_unreadable_files_get_a_clear_error_and_nothing_is_written(
    creditor, tmp_path, content, message
):
    path = tmp_path / "f.csv"
    path.write_bytes(content)

    errors = import_errors("debts", str(path))

    assert message in errors[-1]
    assert Debt.objects.count() == 0


def test_unknown_and_missing_columns_are_all_named(creditor, tmp_path):
    path = write(tmp_path, "d.csv", "id,cliente_id,importe,color,tamaño\nD1,C1,100,rojo,XL\n")

    errors = import_errors("debts", str(path))

    assert errors[:-1] == [
        "línea 1: color: columna desconocida (se conocen: amount, consent, country, currency, "
        "debtor_external_id, description, due_on, email, external_id, first_name, full_name, "
        "invoice_number, issued_on, kind, language, national_id_number, national_id_type, "
        "phone, region, status, tags, timezone, whatsapp_opt_in)",
        "línea 1: tamaño: columna desconocida (se conocen: amount, consent, country, currency, "
        "debtor_external_id, description, due_on, email, external_id, first_name, full_name, "
        "invoice_number, issued_on, kind, language, national_id_number, national_id_type, "
        "phone, region, status, tags, timezone, whatsapp_opt_in)",
        "línea 1: due_on: falta esta columna obligatoria",
    ]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(creditor, tmp_path, settings):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(b"external_id,debtor_id,amount,due_on\n")
        handle.truncate(100_000_001)

    errors = import_errors("debts", str(path))

    assert "el archivo tiene 100,0 MB; el límite es 100 MB" in errors[-1]
    assert Debt.objects.count() == 0


def xlsx(tmp_path: Path, rows: list[list[object]], *, sheets: int = 1) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for number in range(1, sheets):
        workbook.create_sheet(f"Hoja{number + 1}")
    path = tmp_path / "cartera.xlsx"
    workbook.save(path)
    return path


XLSX_HEADER = ["Id Deuda", "Id Cliente", "Nombre", "Celular", "Moneda", "Monto", "Vencimiento"]


def test_it_imports_an_xlsx_with_real_dates_and_numbers(creditor, tmp_path):
    path = xlsx(
        tmp_path,
        [
            XLSX_HEADER,
            ["F-10", "C-10", "Ana Ruiz", 3001234567, "COP", 125000.5, datetime(2026, 11, 30)],
            ["F-11", "C-10", "Ana Ruiz", 3001234567, "COP", 99000, datetime(2026, 12, 30)],
        ],
    )

    out, _ = run_import("debts", str(path))

    assert "2 filas importadas" in out
    assert list(Debt.objects.order_by("external_id").values_list("amount", "due_on")) == [
        (Decimal("125000.50"), date(2026, 11, 30)),
        (Decimal("99000.00"), date(2026, 12, 30)),
    ]
    assert ContactPoint.objects.get().value == "+573001234567"


def test_an_xlsx_with_formulas_is_refused_naming_the_cells(creditor, tmp_path):
    path = xlsx(
        tmp_path,
        [
            XLSX_HEADER,
            ["F-10", "C-10", "Ana Ruiz", 3001234567, "COP", "=1000*2", datetime(2026, 11, 30)],
        ],
    )

    errors = import_errors("debts", str(path))

    assert errors[0] == "línea 2: Monto: contiene la fórmula '=1000*2'; pegue valores en su lugar"
    assert Debt.objects.count() == 0


def test_an_xlsx_with_several_sheets_is_refused(creditor, tmp_path):
    path = xlsx(tmp_path, [XLSX_HEADER], sheets=3)

    errors = import_errors("debts", str(path))

    assert (
        "el libro tiene 3 hojas (Sheet, Hoja2, Hoja3); deje los datos en una sola hoja"
        in errors[-1]
    )


def test_a_file_that_is_not_really_xlsx_is_refused(creditor, tmp_path):
    path = tmp_path / "cartera.xlsx"
    path.write_text("id,amount\n")

    errors = import_errors("debts", str(path))

    assert "cartera.xlsx: no es un libro XLSX legible" in errors[-1]


def test_payments_are_applied_oldest_first_and_a_second_import_changes_nothing(creditor, tmp_path):
    run_import("debts", str(write(tmp_path, "debts.csv", DEBTS_ES)))
    payments = (
        "id_pago,id_cliente,monto,fecha_pago,medio_pago\n"
        'P-1,C-1,"150.000,50",2026-11-02,PSE\n'
        "P-2,C-2,2000000,2026-11-03T10:00:00-05:00,transferencia\n"
    )
    path = write(tmp_path, "pagos.csv", payments)

    out, _ = run_import("payments", str(path))
    again, _ = run_import("payments", str(path))

    assert "payments_recorded=2" in out
    assert "payments_unchanged=2" in again
    assert Payment.objects.count() == 2
    first, second = Debt.objects.filter(debtor__external_id="C-1").order_by("due_on")
    assert (first.amount_paid, first.status) == (Decimal("125000.50"), "paid")
    assert (second.amount_paid, second.status) == (Decimal("25000.00"), "open")
    overpaid = Payment.objects.get(external_id="P-2")
    assert overpaid.unallocated == Decimal("500000.00")
    assert Debt.objects.get(external_id="F-3").status == "paid"


def test_a_payment_id_reused_with_another_amount_is_a_conflict(creditor, tmp_path):
    run_import("debts", str(write(tmp_path, "debts.csv", DEBTS_ES)))
    run_import(
        "payments",
        str(
            write(
                tmp_path, "p1.csv", "id_pago,id_cliente,monto,fecha_pago\nP-1,C-1,1000,2026-11-02\n"
            )
        ),
    )

    errors = import_errors(
        "payments",
        str(
            write(
                tmp_path, "p2.csv", "id_pago,id_cliente,monto,fecha_pago\nP-1,C-1,2000,2026-11-02\n"
            )
        ),
    )

    assert errors[0] == (
        "línea 2: id_pago: el pago P-1 ya se registró por 1000.0000 COP para el deudor C-1"
    )


def test_debtors_file_creates_debtors_with_contacts_and_consents(creditor, tmp_path):
    text = (
        "external_id,nombre,tipo,pais,celular,correo,canales_autorizados,etiquetas\n"
        "C-7,Ferretería El Tornillo S.A. de C.V.,empresa,MX,55 1234 5678,"
        "pagos@tornillo.example,email|sms,vip;b2b\n"
    )

    out, _ = run_import("debtors", str(write(tmp_path, "deudores.csv", text)))

    assert "debtors_created=1" in out
    debtor = Debtor.objects.get(external_id="C-7")
    assert (debtor.kind, debtor.country, debtor.timezone, debtor.tags) == (
        "company",
        "MX",
        "America/Mexico_City",
        ["b2b", "vip"],
    )
    assert debtor.first_name == "Ferretería El Tornillo S.A. de C.V."
    assert sorted(
        ChannelConsent.objects.filter(contact_point__debtor=debtor).values_list(
            "channel", flat=True
        )
    ) == ["email", "sms"]


def test_with_several_creditors_the_creditor_must_be_named(creditor, tmp_path):
    other = make_creditor(name="Otra")
    path = write(tmp_path, "cartera.csv", DEBTS_ES)

    errors = import_errors("debts", str(path))
    assert "hay varios acreedores; indique uno con --creditor" in errors[-1]

    run_import("debts", str(path), "--creditor", "Otra")
    assert Debt.objects.filter(creditor=other).count() == 3
    assert Debt.objects.filter(creditor=creditor).count() == 0


def test_the_same_external_ids_belong_separately_to_each_creditor(creditor, tmp_path):
    other = make_creditor()
    path = write(tmp_path, "cartera.csv", DEBTS_ES)

    import_file("debts", path, creditor)
    import_file("debts", path, other)

    assert Debt.objects.filter(creditor=creditor).count() == 3
    assert Debt.objects.filter(creditor=other).count() == 3
    assert Debtor.objects.filter(external_id="C-1").count() == 2


def test_a_csv_with_formula_like_text_is_refused_as_an_xlsx_formula_is(creditor, tmp_path):
    text = (
        "external_id,debtor_id,name,phone,currency,amount,due_on,description\n"
        'D1,X1,"=HYPERLINK(""http://x"",""clic"")",+57 300 123 4567,COP,100,2026-11-01,ok\n'
        "D2,X2,Luis Gil,+57 300 123 4568,COP,100,2026-11-01,-2\n"
        "D3,X3,@Eva,+57 300 123 4569,COP,100,2026-11-01,+1 555\n"
        "D4,X4,Raúl Paz,+57 300 123 4570,COP,100,2026-11-01,1+1 y -2\n"
    )
    path = write(tmp_path, "formulas.csv", text)

    errors = import_errors("debts", str(path))

    assert errors[:-1] == [
        "línea 2: name: '=HYPERLINK(\"http://x\",\"clic\")' empieza como una fórmula de hoja "
        "de cálculo ('='); quite ese carácter",
        "línea 3: description: '-2' empieza como una fórmula de hoja de cálculo ('-'); quite ese "
        "carácter",
        "línea 4: name: '@Eva' empieza como una fórmula de hoja de cálculo ('@'); quite ese "
        "carácter",
        "línea 4: description: '+1 555' empieza como una fórmula de hoja de cálculo ('+'); quite "
        "ese carácter",
    ]
    assert Debtor.objects.count() == 0


def test_brazilian_debtors_default_to_portuguese_and_a_written_pt_br_is_stored_as_pt(
    creditor, tmp_path
):
    path = write(
        tmp_path,
        "brasil.csv",
        "id_deuda;id_cliente;nombre;pais;idioma;moneda;monto;fecha_vencimiento\n"
        "F-1;C-1;João Silva;BR;;BRL;4583,46;2026-11-01\n"
        "F-2;C-2;Ana Souza;BR;pt-BR;BRL;100;2026-11-01\n"
        "F-3;C-3;Camila Rojas;CO;;COP;100;2026-11-01\n",
    )

    run_import("debts", str(path))

    assert dict(Debtor.objects.values_list("external_id", "language")) == {
        "C-1": "pt",
        "C-2": "pt",
        "C-3": "es",
    }


def _aged_and_coming_debts(tmp_path: Path) -> Path:
    today = timezone.now().date()
    return write(
        tmp_path,
        "cartera.csv",
        "external_id,debtor_id,name,phone,currency,amount,due_on\n"
        f"D1,X1,Ana Ruiz,3001234567,COP,100000,{(today - timedelta(days=400)).isoformat()}\n"
        f"D2,X2,Luis Gil,3001234568,COP,100000,{(today + timedelta(days=10)).isoformat()}\n",
    )


def test_the_import_says_every_debt_will_be_reached_when_the_policies_place_aged_debts(
    creditor, tmp_path
):
    out, _ = run_import("debts", str(_aged_and_coming_debts(tmp_path)))

    assert out.splitlines()[-1] == (
        "0 deudas abiertas no serán alcanzadas por ningún paso de cobranza (sin segmento, sin "
        "pasos por delante ni de entrada, o sin un medio de contacto para sus canales)."
    )


def test_the_import_counts_an_aged_debt_past_every_step_that_no_step_will_reach(
    creditor, tmp_path
):
    Policy.objects.filter(creditor=None).update(place_new_debts=False)

    out, _ = run_import("debts", str(_aged_and_coming_debts(tmp_path)), "--language", "en")

    assert out.splitlines()[-1] == (
        "1 open debt will not be reached by any collection step (no segment, no step ahead "
        "or to enter at, or no contact point for its channels)."
    )
