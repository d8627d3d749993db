"""Header names: one table of aliases, the same in the code and in docs/importing.md."""

from __future__ import annotations

import re

import pytest

from recaudo.portfolio.headers import (
    COLUMNS,
    HeaderProblem,
    field_for_header,
    header_key,
    map_columns,
    map_header,
)
from tests.helpers import ROOT

DOCS = ROOT / "docs" / "importing.md"
_ROW = re.compile(r"^\| ([a-z, ]+) \| `([a-z_]+)` \| (.*) \|$")


def alias_table() -> str:
    """The markdown table docs/importing.md carries, built from the code."""
    rows: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for kind, spec in COLUMNS.items():
        for name, aliases in spec.items():
            rows.setdefault((name, aliases), []).append(kind)
    lines = ["| files | field | also accepted |", "|---|---|---|"]
    for (name, aliases), kinds in rows.items():
        spelled = ", ".join(f"`{alias}`" for alias in aliases) or "-"
        lines.append(f"| {', '.join(kinds)} | `{name}` | {spelled} |")
    return "\n".join(lines)


def documented_columns() -> dict[str, dict[str, tuple[str, ...]]]:
    found: dict[str, dict[str, tuple[str, ...]]] = {kind: {} for kind in COLUMNS}
    for line in DOCS.read_text().splitlines():
        match = _ROW.match(line)
        if not match:
            continue
        kinds, name, spelled = match.groups()
        aliases = tuple(re.findall(r"`([a-z0-9_]+)`", spelled))
        for kind in kinds.split(", "):
            found[kind][name] = aliases
    return found


def test_the_docs_list_exactly_the_aliases_the_code_accepts():
    assert documented_columns() == {kind: dict(spec) for kind, spec in COLUMNS.items()}, (
        "docs/importing.md's table of column names differs from recaudo/portfolio/headers.py; "
        "the table from the code is:\n" + alias_table()
    )


def test_no_alias_names_two_fields_and_every_alias_is_written_as_headers_are_looked_up():
    for spec in COLUMNS.values():
        owners: dict[str, str] = {}
        for name, aliases in spec.items():
            for alias in (name, *aliases):
                assert header_key(alias) == alias, alias
                assert owners.setdefault(alias, name) == name, (alias, name, owners[alias])


@pytest.mark.parametrize(
    ("header", "kind", "field"),
    [
        ("Fecha de vencimiento", "debts", "due_on"),
        ("FECHA DE EMISIÓN", "debts", "issued_on"),
        ("Número de documento", "debts", "national_id_number"),
        ("Nombre del cliente", "debts", "full_name"),
        ("Id de la deuda", "debts", "external_id"),
        ("Data de vencimento", "debts", "due_on"),
        ("Valor devido", "debts", "amount"),
        ("Telefone", "debtors", "phone"),
        ("Nome completo", "debtors", "full_name"),
        ("Data do pagamento", "payments", "paid_at"),
        ("Due date", "debts", "due_on"),
        ("Payment date", "payments", "paid_at"),
        ("Correo electrónico", "debtors", "email"),
    ],
)
def test_spanish_portuguese_and_english_headers_name_their_fields(header, kind, field):
    assert field_for_header(kind, header) == field


def test_a_file_with_fecha_de_vencimiento_maps_every_column():
    header = ["Id deuda", "Id cliente", "Monto", "Fecha de vencimiento", "Nombre"]
    assert map_header("debts", header) == {
        "external_id": 0,
        "debtor_external_id": 1,
        "amount": 2,
        "due_on": 3,
        "full_name": 4,
    }


def test_a_chosen_mapping_ignores_columns_and_reports_every_problem_at_once():
    header = ["Código", "Cliente", "Saldo", "Vence", "Color"]
    assert map_columns(
        "debts", header, ["external_id", "debtor_external_id", "amount", "due_on", ""]
    ) == {
        "external_id": 0,
        "debtor_external_id": 1,
        "amount": 2,
        "due_on": 3,
    }
    with pytest.raises(HeaderProblem) as problem:
        map_columns("debts", header, ["external_id", "external_id", "amount", "", "colour"])
    assert problem.value.errors == [
        "Cliente: significa lo mismo que la columna 'Código'",
        "Color: 'colour' no es un campo de este archivo",
        "debtor_external_id: falta esta columna obligatoria",
        "due_on: falta esta columna obligatoria",
    ]
