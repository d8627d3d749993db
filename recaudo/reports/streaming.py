"""Writing a dataset's rows as CSV, XLSX or JSON in constant memory.

- CSV: lines through ``recaudo.exports.csv_writer`` (formula-like text is
  quoted; lines end with ``\n`` as PostgreSQL's COPY ends them), joined and
  handed out ``BATCH_ROWS`` at a time to a ``StreamingHttpResponse``. On
  PostgreSQL the rows come from COPY instead (``copy.py``), same bytes.
- XLSX: openpyxl's write-only workbook (``exports.xlsx_writer``, decision 0021): rows go straight to
  a temporary file on disk, never a sheet kept in memory; the file is then
  streamed and deleted. A sheet holds at most 1,048,576 rows: a bigger export
  is refused by name (use CSV).
- JSON: a streamed array of objects keyed by the columns' stable names,
  amounts as decimal strings as in the rest of the API (exact).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext as _

from recaudo.exports import csv_writer, xlsx_writer
from recaudo.reports.datasets import ExportError

BATCH_ROWS = 2000
XLSX_MAX_ROWS = 1_048_575  # the sheet's limit, less the header


class _Lines:
    """A file-like whose ``write`` hands the text back, for the csv module."""

    def write(self, text: str) -> str:
        return text


def csv_header(headers: list[str], *, byte_order_mark: bool = False) -> str:
    line = csv_writer(_Lines(), lineterminator="\n").writerow(headers)
    return ("\ufeff" if byte_order_mark else "") + line


def csv_chunks(
    headers: list[str], rows: Iterable[tuple[Any, ...]], *, byte_order_mark: bool = False
) -> Iterator[str]:
    """The CSV text in pieces of ``BATCH_ROWS`` lines; a BOM first lets Excel read UTF-8."""
    writer = csv_writer(_Lines(), lineterminator="\n")
    yield csv_header(headers, byte_order_mark=byte_order_mark)
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow(row))
        if len(batch) >= BATCH_ROWS:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


def xlsx_file(headers: list[str], rows: Iterable[tuple[Any, ...]], title: str) -> IO[bytes]:
    """A temporary file holding the workbook, rewound; it is deleted when closed."""
    sheet = xlsx_writer(title)
    sheet.writerow(headers)
    for written, row in enumerate(rows, start=1):
        if written > XLSX_MAX_ROWS:
            sheet.close()
            raise ExportError(
                _("Más de %(limit)s filas no caben en una hoja XLSX: exporte en CSV.")
                % {"limit": f"{XLSX_MAX_ROWS:,}"}
            )
        sheet.writerow(row)
    # Closed by the response once sent (FileResponse), which deletes it.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    sheet.save(handle)
    handle.seek(0)
    return handle


def _exact(value: Any) -> str:
    """Amounts as decimal strings (``"150000.00"``), as everywhere in the API: exact."""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_chunks(keys: list[str], rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    """A JSON array of objects, ``BATCH_ROWS`` objects at a time."""
    yield "["
    encode = json.JSONEncoder(ensure_ascii=False, default=_exact).encode
    batch: list[str] = []
    first = True
    for row in rows:
        text = encode(dict(zip(keys, row, strict=True)))
        batch.append(text if first else "," + text)
        first = False
        if len(batch) >= BATCH_ROWS:
            yield "".join(batch)
            batch.clear()
    yield "".join(batch) + "]"
