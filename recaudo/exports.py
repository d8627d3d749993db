"""Cells written for a spreadsheet to open: never read as a formula (CSV injection).

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
a formula to Excel, LibreOffice and Google Sheets: a debtor who writes
``=HYPERLINK("http://x","clic")`` would otherwise get a live link (or worse)
into the agent's spreadsheet. Following OWASP
(https://owasp.org/www-community/attacks/CSV_Injection) such a text cell is
written with a single quote in front, which the spreadsheet shows as text; the
csv module already quotes cells holding separators and quotes. We also
prefix a leading line feed, which some readers treat like a carriage return.

Every text cell is treated alike, even one that is a legitimate value such as
a phone number ``+57 300...`` or a text ``-2``: the export cannot tell which
text a person typed. Numbers passed as numbers (``int``, ``Decimal``,
``float``: a money column) are written unchanged, since they cannot be a
formula. Every CSV or XLSX writer in Recaudo goes through ``csv_writer`` or
``safe_cell`` (tests/security/test_exports.py checks that no module writes
CSV or XLSX another way).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any, Protocol

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def safe_cell(value: Any) -> Any:
    """``value`` such that a spreadsheet shows it as written: a formula-like text gets a quote."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through ``safe_cell``."""

    def __init__(self, out: _Writable, **options: Any):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: _Writable, **options: Any) -> SafeCsvWriter:
    return SafeCsvWriter(out, **options)


class SafeXlsxWriter:
    """An openpyxl write-only workbook of one sheet whose every cell goes through
    ``safe_cell``. Write-only: each row goes to a temporary file as it comes, so
    memory stays flat whatever the number of rows (docs/decisions/0021)."""

    def __init__(self, title: str):
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(title=title[:31])

    def writerow(self, row: Iterable[Any]) -> None:
        self._sheet.append([safe_cell(value) for value in row])

    def save(self, out: IO[bytes]) -> None:
        self._workbook.save(out)

    def close(self) -> None:
        self._workbook.close()


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_writer(title: str) -> SafeXlsxWriter:
    return SafeXlsxWriter(title)


# The same rule in PostgreSQL, for exports that COPY their rows (recaudo/reports/copy.py).
_SQL_STARTS = ", ".join(
    f"chr({ord(start)})" if start in "\t\r\n" else f"'{start}'" for start in FORMULA_STARTS
)


def sql_safe_text(expression: str) -> str:
    """SQL for the text ``expression`` written as ``safe_cell`` writes it (PostgreSQL).

    A formula-like value gets a quote in front; an empty text becomes NULL, which
    COPY's CSV writes as an empty cell, as the csv module writes an empty string.
    """
    return (
        f"NULLIF(CASE WHEN left({expression}, 1) IN ({_SQL_STARTS}) "
        f"THEN '''' || {expression} ELSE {expression} END, '')"
    )
