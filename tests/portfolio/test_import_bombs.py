"""XLSX bombs are refused before openpyxl parses them, with a clear message, nothing written."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from recaudo.portfolio.models import Debt, Debtor
from tests.portfolio.test_import import XLSX_HEADER, import_errors, run_import, xlsx

SHEET = "xl/worksheets/sheet1.xml"


def rewritten(path: Path, member: str, change, *, extra: dict[str, bytes] | None = None) -> Path:
    """A copy of the workbook at `path` with `member` changed (and `extra` members added)."""
    with zipfile.ZipFile(path) as source:
        contents = {name: source.read(name) for name in source.namelist()}
    contents[member] = change(contents[member])
    contents.update(extra or {})
    bomb = path.with_name("bomba.xlsx")
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name, data in contents.items():
            target.writestr(name, data)
    return bomb


@pytest.fixture
def workbook(tmp_path):
    return xlsx(
        tmp_path, [XLSX_HEADER, ["F-1", "C-1", "Ana", 3001234567, "COP", 1000, "2026-12-01"]]
    )


def refused(path: Path) -> str:
    started = time.monotonic()
    errors = import_errors("debts", str(path))
    assert time.monotonic() - started < 5
    assert Debt.objects.count() == 0
    assert Debtor.objects.count() == 0
    return errors[-1]


def test_a_workbook_inflating_past_ten_times_the_file_limit_is_refused(
    creditor, workbook, settings
):
    settings.IMPORT_MAX_FILE_MB = 1
    bomb = rewritten(
        workbook, SHEET, lambda xml: xml, extra={"xl/media/image1.bin": bytes(11_000_000)}
    )
    assert bomb.stat().st_size < 100_000

    message = refused(bomb)

    assert "bomba.xlsx: el libro se descomprime a 11 MB; el límite es 10 MB" in message
    assert "10 veces IMPORT_MAX_FILE_MB" in message


def test_a_part_inflating_a_thousand_times_is_refused(creditor, workbook):
    bomb = rewritten(
        workbook, SHEET, lambda xml: xml, extra={"xl/media/image1.bin": bytes(3_000_000)}
    )

    message = refused(bomb)

    assert "bomba.xlsx: xl/media/image1.bin se descomprime" in message
    assert "una hoja real se descomprime menos de 100 veces" in message


def test_a_sheet_declaring_more_rows_than_excel_allows_is_refused(creditor, workbook):
    bomb = rewritten(
        workbook,
        SHEET,
        lambda xml: xml.replace(b'<dimension ref="A1:G2"', b'<dimension ref="A1:G5000000"'),
    )

    message = refused(bomb)

    assert message.endswith(
        "bomba.xlsx: la hoja declara 5\u00a0000\u00a0000 filas; el límite es 1\u00a0048\u00a0576 "
        "(el de Excel)"
    )


def test_a_million_empty_rows_are_refused_after_ten_thousand(creditor, workbook):
    last = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>F-2</t></is></c></row>'
    bomb = rewritten(
        workbook,
        SHEET,
        lambda xml: xml.replace(b'<dimension ref="A1:G2"', b'<dimension ref="A1:G1048576"').replace(
            b"</sheetData>", last + b"</sheetData>"
        ),
    )

    message = refused(bomb)

    assert message.endswith(
        "bomba.xlsx: línea 10003: más de 10\u00a0000 filas vacías seguidas; "
        "borre las filas vacías e importe de nuevo"
    )


@pytest.mark.parametrize("member", [SHEET, "xl/workbook.xml", "[Content_Types].xml"])
def test_a_part_with_a_dtd_and_entities_is_refused_instead_of_a_traceback(
    creditor, workbook, member
):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    bomb = rewritten(workbook, member, lambda xml: laughs + xml)

    message = refused(bomb)

    assert message.endswith(
        f"bomba.xlsx: {member} declara un DOCTYPE o entidades, que una exportación XLSX nunca "
        "tiene; el archivo se rechaza"
    )


def test_a_doctype_hidden_after_a_long_comment_is_refused(creditor, workbook):
    padding = b"<!--" + b"<x>" * 30_000 + b"-->"
    bomb = rewritten(workbook, SHEET, lambda xml: padding + b'<!DOCTYPE x [<!ENTITY a "b">]>' + xml)

    message = refused(bomb)

    assert "sheet1.xml declara un DOCTYPE o entidades" in message


def test_an_ordinary_workbook_still_imports(creditor, workbook):
    out, _ = run_import("debts", str(workbook))

    assert "1 filas importadas" in out
    assert Debt.objects.get().external_id == "F-1"
