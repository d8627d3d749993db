"""`recaudo import` speaks the manager's language, shows every error at once and flags companies."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.core.management import CommandError, call_command
from django.utils import translation

from recaudo.portfolio.imports import PROBABLE_COMPANY_LINES, import_file
from recaudo.portfolio.models import AuditEvent, ContactPoint, Debt, Debtor
from recaudo.portfolio.rules import COMPANY_SUFFIXES, looks_like_company
from tests.helpers import run_recaudo

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "recaudo" / "portfolio" / "locale" / "en" / "LC_MESSAGES"
IMPORT_MODULES = [
    "recaudo/portfolio/rules.py",
    "recaudo/portfolio/columns.py",
    "recaudo/portfolio/headers.py",
    "recaudo/portfolio/import_jobs.py",
    "recaudo/portfolio/ingest.py",
    "recaudo/portfolio/imports.py",
    "recaudo/portfolio/tabular.py",
    "recaudo/portfolio/actions.py",
    "recaudo/portfolio/lookups.py",
    "recaudo/portfolio/management/commands/import.py",
]

BAD_DEBTS = (
    "external_id,debtor_id,name,phone,currency,amount,due_on\n"
    "D1,X1,Ana Ruiz,3001234567,COP,100000,2026-11-01\n"
    "D2,X2,Luis Gil,12345,COP,100,2026-11-01\n"
)


@pytest.fixture(params=["one process", "two processes"])
def reading_mode(request, settings):
    """The reading child process must speak the language of the command that forked it."""
    settings.IMPORT_PARALLEL_MIN_BYTES = 10**12 if request.param == "one process" else 0
    return request.param


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_output(*args: str) -> tuple[str, str]:
    """stdout and stderr of the command; a CommandError's message is the last stderr line."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
    except CommandError as failure:
        assert failure.returncode == 1
        err.write(str(failure) + "\n")
    return out.getvalue(), err.getvalue()


def test_the_command_answers_in_spanish_by_default(creditor, tmp_path, reading_mode):
    path = write(tmp_path, "cartera.csv", BAD_DEBTS)

    _, err = import_output("debts", str(path))

    assert err.splitlines() == [
        "línea 3: phone: '12345' no es un número de teléfono válido",
        "cartera.csv: 1 error en 2 filas; no se importó nada",
    ]


def test_the_command_answers_in_english_when_asked(creditor, tmp_path, reading_mode):
    path = write(tmp_path, "cartera.csv", BAD_DEBTS)

    _, err = import_output("debts", str(path), "--language", "en")

    assert err.splitlines() == [
        "line 3: phone: '12345' is not a valid phone number",
        "cartera.csv: 1 error in 2 rows; nothing was imported",
    ]


def test_the_command_answers_in_brazilian_portuguese_when_asked(creditor, tmp_path):
    path = write(tmp_path, "cartera.csv", BAD_DEBTS)

    _, err = import_output("debts", str(path), "--language", "pt-br")

    assert err.splitlines() == [
        "linha 3: phone: '12345' não é um número de telefone válido",
        "cartera.csv: 1 erro em 2 linhas; nada foi importado",
    ]


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_every_import_message_is_in_the_english_and_portuguese_catalogues(language):
    folder = ROOT / "recaudo" / "portfolio" / "locale" / language / "LC_MESSAGES"
    with open(folder / "django.po", "rb") as file:
        catalog = read_po(file)
    in_code = {
        message if isinstance(message, str) else tuple(message)
        for module in IMPORT_MODULES
        for _, message, _, _ in extract_from_file("python", ROOT / module, DEFAULT_KEYWORDS)
    }
    in_catalogue = {_key(message.id) for message in catalog if message.id}

    assert in_code - in_catalogue == set()
    assert [m.id for m in catalog if m.id and (not m.string or m.fuzzy)] == []


def test_the_command_follows_language_code_when_no_language_is_given(creditor, tmp_path, settings):
    settings.LANGUAGE_CODE = "en"
    path = write(tmp_path, "cartera.csv", BAD_DEBTS.replace(",12345,", ",3001234568,"))

    out, err = import_output("debts", str(path), "--dry-run")

    assert err == ""
    assert out.splitlines() == [
        "cartera.csv: 2 rows checked (dry run, nothing written); contact_points_created=2, "
        "debtors_created=2, debts_created=2"
    ]


def test_the_command_leaves_the_callers_language_as_it_was(creditor, tmp_path):
    path = write(tmp_path, "cartera.csv", BAD_DEBTS)

    with translation.override("es"):
        import_output("debts", str(path), "--language", "en")
        assert translation.get_language() == "es"


def test_the_installed_command_answers_in_spanish_and_in_english(transactional_db, tmp_path):
    from tests.factories import make_creditor

    make_creditor()
    path = write(tmp_path, "cartera.csv", BAD_DEBTS)

    spanish = run_recaudo("import", "debts", str(path))
    english = run_recaudo("import", "debts", str(path), "--language", "en")

    assert spanish.returncode == english.returncode == 1
    assert "línea 3: phone: '12345' no es un número de teléfono válido" in spanish.stderr
    assert "no se importó nada" in spanish.stderr
    assert "line 3: phone: '12345' is not a valid phone number" in english.stderr
    assert "nothing was imported" in english.stderr


def test_an_unknown_column_is_reported_with_every_rows_errors_and_nothing_is_written(
    creditor, tmp_path, reading_mode
):
    text = (
        "external_id,debtor_id,name,phone,color,amount,due_on\n"
        "D1,X1,Ana Ruiz,3001234567,rojo,100000,2026-11-01\n"
        "D2,X2,Luis Gil,12345,azul,-5,2026-11-01\n"
        "D3,X3,Eva Sol,3001234568,verde,100,31/11/2026\n"
    )
    path = write(tmp_path, "cartera.csv", text)

    _, err = import_output("debts", str(path))

    lines = err.splitlines()
    assert lines[0].startswith("línea 1: color: columna desconocida (se conocen: amount, ")
    assert lines[1:] == [
        "línea 3: amount: debe ser mayor que cero; llegó -5",
        "línea 3: phone: '12345' no es un número de teléfono válido",
        "línea 4: due_on: '31/11/2026' no es una fecha (use 2026-12-15 o 15/12/2026)",
        "cartera.csv: 4 errores en 3 filas; no se importó nada",
    ]
    for model in (Debtor, ContactPoint, Debt, AuditEvent):
        assert not model.objects.exists(), model


def test_an_unknown_column_alone_still_rejects_a_file_whose_rows_are_good(creditor, tmp_path):
    path = write(
        tmp_path,
        "cartera.csv",
        "external_id,debtor_id,name,phone,color,amount,due_on\n"
        "D1,X1,Ana Ruiz,3001234567,rojo,100000,2026-11-01\n",
    )

    result = import_file("debts", path, creditor)

    assert len(result.outcome.errors) == 1
    assert str(result.outcome.errors[0]).startswith("línea 1: color: columna desconocida")
    assert (result.ok, result.rows) == (False, 1)
    assert not Debtor.objects.exists()


def test_a_missing_required_column_still_stops_before_the_rows(creditor, tmp_path):
    path = write(tmp_path, "cartera.csv", "external_id,debtor_id,amount\nD1,X1,100\nD2,X2,-5\n")

    _, err = import_output("debts", str(path))

    assert err.splitlines() == [
        "línea 1: due_on: falta esta columna obligatoria",
        "cartera.csv: 1 error en 0 filas; no se importó nada",
    ]


COMPANIES = (
    "id_cliente;nombre;telefono;pais\n"
    "C-1;Ferretería El Tornillo S.A.S.;3001234567;CO\n"
    "C-2;María José Pérez;3001234568;CO\n"
    "C-3;Comercial del Pacífico Ltda.;3001234569;CO\n"
    "C-4;Abarrotes La Güera S.A. de C.V.;5512345678;MX\n"
)


def test_a_company_name_without_a_kind_is_flagged_and_stays_a_person(
    creditor, tmp_path, reading_mode
):
    path = write(tmp_path, "clientes.csv", COMPANIES)

    out, _ = import_output("debtors", str(path))

    assert out.splitlines()[1] == (
        "3 deudores sin tipo parecen empresas por su nombre y quedaron como personas "
        "(líneas 2, 4, 5). Si son empresas, añada la columna tipo (kind) con «empresa» o "
        "«company» e importe de nuevo."
    )
    assert dict(Debtor.objects.values_list("external_id", "kind")) == {
        "C-1": "person",
        "C-2": "person",
        "C-3": "person",
        "C-4": "person",
    }


def test_the_company_flag_is_said_in_english_when_asked(creditor, tmp_path):
    path = write(tmp_path, "clientes.csv", COMPANIES)

    out, _ = import_output("debtors", str(path), "--language", "en")

    assert out.splitlines()[1].startswith(
        "3 debtors without a kind look like companies by their names and were imported as "
        "persons (lines 2, 4, 5). If they are companies, add a kind (tipo) column"
    )


def test_a_company_with_its_kind_given_is_not_flagged(creditor, tmp_path):
    text = (
        "id_cliente;nombre;telefono;pais;tipo\n"
        "C-1;Ferretería El Tornillo S.A.S.;3001234567;CO;empresa\n"
        "C-2;Otra Ferretería S.A.S.;3001234568;CO;persona\n"
    )
    path = write(tmp_path, "clientes.csv", text)

    out, _ = import_output("debtors", str(path))

    assert len(out.splitlines()) == 1
    assert out.startswith("clientes.csv: 2 filas importadas; ")
    assert dict(Debtor.objects.values_list("external_id", "kind")) == {
        "C-1": "company",
        "C-2": "person",
    }


def test_a_debt_file_flags_each_company_debtor_once_and_names_at_most_twenty_lines(
    creditor, tmp_path, reading_mode
):
    rows = [
        f"F-{number};C-{number % 30};Distribuidora {number % 30} S.A.S.;COP;1000;2026-11-01"
        for number in range(60)
    ]
    path = write(
        tmp_path,
        "deudas.csv",
        "id_deuda;id_cliente;nombre;moneda;monto;fecha_vencimiento\n" + "\n".join(rows) + "\n",
    )

    result = import_file("debts", path, creditor)

    assert result.ok
    assert result.probable_companies.count == 30
    assert result.probable_companies.lines == list(range(2, 2 + PROBABLE_COMPANY_LINES))


@pytest.mark.parametrize(
    "name",
    [
        "Ferretería El Tornillo S.A.S.",
        "Ferretería El Tornillo SAS",
        "Comercial Andina Ltda.",
        "Comercial Andina LTDA",
        "Abarrotes La Güera S.A. de C.V.",
        "Abarrotes La Güera SA de CV",
        "Servicios Norte S. de R.L. de C.V.",
        "Inversiones Sur SpA",
        "Panadería Doña Rosa EIRL",
        "Transportes Lima S.A.C.",
        "Textil Andes S.R.L.",
        "Mercado Central S.A.",
        "Padaria Pão Quente ME",
        "Oficina do Zé EIRELI",
        "Construtora Horizonte S/A",
        "Reformas García, S.L.",
        "Acme Inc.",
        "Acme LLC",
    ],
)
def test_a_name_ending_in_a_legal_form_looks_like_a_company(name):
    assert looks_like_company(name)


@pytest.mark.parametrize(
    "name",
    [
        "María José Pérez Gómez",
        "Juan S.",
        "Luis Sas Ruiz",
        "Ana Incógnita",
        "Spa Los Pinos Gil",
        "",
    ],
)
def test_a_persons_name_does_not_look_like_a_company(name):
    assert not looks_like_company(name)


def test_every_listed_suffix_is_recognised_after_a_name():
    for country, suffixes in COMPANY_SUFFIXES.items():
        for suffix in suffixes:
            assert looks_like_company(f"Ejemplo {suffix}"), (country, suffix)


def po_messages() -> dict[object, object]:
    with open(CATALOGUE / "django.po", "rb") as file:
        catalog = read_po(file)
    return {_key(message.id): _key(message.string) for message in catalog if message.id}


def _key(text: object) -> object:
    return text if isinstance(text, str) else tuple(text)  # type: ignore[arg-type]


def test_every_import_message_has_an_english_translation_in_a_compiled_catalogue():
    with open(CATALOGUE / "django.po", "rb") as file:
        catalog = read_po(file)
    with open(CATALOGUE / "django.mo", "rb") as file:
        compiled = {
            _key(message.id): _key(message.string) for message in read_mo(file) if message.id
        }
    in_code = {
        message if isinstance(message, str) else tuple(message)
        for module in IMPORT_MODULES
        for _, message, _, _ in extract_from_file("python", ROOT / module, DEFAULT_KEYWORDS)
    }
    in_catalogue = {
        message.id if isinstance(message.id, str) else tuple(message.id)
        for message in catalog
        if message.id
    }

    assert in_code - in_catalogue == set()
    assert [m.id for m in catalog if m.id and (not m.string or m.fuzzy)] == []
    assert compiled == po_messages()


@pytest.mark.parametrize("accept_language", ["es-CO,es;q=0.9", "pt-BR", ""])
def test_the_api_answers_in_english_whatever_the_accept_language(creditor, accept_language):
    from django.test import Client

    from recaudo.portfolio.apikeys import create_key

    client = Client(headers={"Authorization": f"Bearer {create_key(creditor, 'ERP').key}"})
    body = {"full_name": "María Pérez", "phone": "12345", "country": "CO"}

    response = client.put(
        "/api/v1/debtors/C-1",
        body,
        content_type="application/json",
        headers={"Accept-Language": accept_language} if accept_language else {},
    )

    assert response.status_code == 422
    assert [(e["field"], e["pointer"], e["detail"]) for e in response.json()["errors"]] == [
        ("phone", "#/phone", "'12345' is not a valid phone number")
    ]
    assert not Debtor.objects.exists()
