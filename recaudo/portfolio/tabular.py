"""Reading tabular files (CSV and XLSX) row by row, with clear errors.

Rows come out as ``(line_number, {column: text})`` with the header names as
written; the caller maps them to fields. Nothing here knows about debts.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.formats import number_format
from django.utils.translation import gettext

# Control characters never found in a text export; their presence means the
# file is binary or in an encoding other than UTF-8 / Latin-1 (UTF-16, say).
_CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])
_SCAN_CHUNK = 1 << 20

# Bounds on an XLSX, checked on the zip before openpyxl parses anything: an
# XLSX is a zip of XML, and a small file can inflate to gigabytes, declare a
# million rows, or carry a DTD whose entities expand without end.
XLSX_MAX_INFLATION = 10  # all parts together: at most 10x IMPORT_MAX_FILE_MB
XLSX_MAX_RATIO = 100  # one part over XLSX_RATIO_FROM bytes: at most 100x its compressed size
XLSX_RATIO_FROM = 1_000_000
XLSX_MAX_PARTS = 10_000
XLSX_MAX_ROWS = 1_048_576  # Excel's own limit, the header included
XLSX_MAX_EMPTY_RUN = 10_000  # empty rows in a row before the file is refused
_XML_HEAD = 1 << 16  # the prolog (where a DOCTYPE would be) must end within this
_PROLOG_NOISE = re.compile(rb"<\?.*?\?>|<!--.*?-->", re.DOTALL)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*(\d*)(?::[A-Z]*(\d+))?\"")


class FileProblem(Exception):
    """The file as a whole cannot be read; the message says why."""


class FormulaCell(str):
    """A spreadsheet cell holding a formula instead of a value."""


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    size_bytes: int
    position: Callable[[], int]  # bytes consumed so far, for progress


def _count(value: float) -> str:
    """A whole number grouped as the active language writes it (1,000 or 1.000)."""
    return number_format(round(value), 0, force_grouping=True)


def _not_a_workbook(name: str, error: Exception) -> str:
    return gettext("%(file)s: no es un libro XLSX legible (%(error)s)") % {
        "file": name,
        "error": error,
    }


def open_table(path: Path, *, max_bytes: int) -> Table:
    if not path.exists():
        raise FileProblem(gettext("%(file)s: no existe el archivo") % {"file": path})
    size = path.stat().st_size
    if size == 0:
        raise FileProblem(gettext("%(file)s: el archivo está vacío") % {"file": path.name})
    if size > max_bytes:
        raise FileProblem(
            gettext(
                "%(file)s: el archivo tiene %(size)s MB; el límite es %(limit)s MB "
                "(divídalo, o suba IMPORT_MAX_FILE_MB)"
            )
            % {
                "file": path.name,
                "size": number_format(size / 1_000_000, 1, force_grouping=True),
                "limit": _count(max_bytes / 1_000_000),
            }
        )
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _check_xlsx_archive(path, max_inflated=max_bytes * XLSX_MAX_INFLATION)
        return _open_xlsx(path, size)
    if suffix in {".xls", ".ods", ".numbers"}:
        raise FileProblem(
            gettext("%(file)s: los archivos %(suffix)s no se leen; guárdelo como .xlsx o .csv")
            % {"file": path.name, "suffix": suffix}
        )
    return _open_csv(path, size)


def _detect_encoding(handle: BinaryIO, name: str) -> str:
    """UTF-8 when the whole file decodes as UTF-8, else Windows Latin-1 (cp1252)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    utf8 = True
    handle.seek(0)
    while chunk := handle.read(_SCAN_CHUNK):
        if chunk.translate(None, _CONTROL_BYTES) != chunk:
            bad_at = next(i for i, byte in enumerate(chunk) if byte in _CONTROL_BYTES)
            line += chunk.count(b"\n", 0, bad_at)
            raise FileProblem(
                gettext(
                    "%(file)s: línea %(line)s: el archivo no es texto UTF-8 ni Latin-1 "
                    "(byte %(byte)s); expórtelo como CSV UTF-8"
                )
                % {"file": name, "line": line, "byte": f"0x{chunk[bad_at]:02x}"}
            )
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        line += chunk.count(b"\n")
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    handle.seek(0)
    if utf8:
        return "utf-8-sig"
    # cp1252 leaves five bytes undefined; a file using them is not Latin text.
    handle.seek(0)
    line = 1
    while chunk := handle.read(_SCAN_CHUNK):
        try:
            chunk.decode("cp1252")
        except UnicodeDecodeError as error:
            line += chunk.count(b"\n", 0, error.start)
            raise FileProblem(
                gettext(
                    "%(file)s: línea %(line)s: el archivo no es texto UTF-8 ni Latin-1 "
                    "(byte %(byte)s)"
                )
                % {"file": name, "line": line, "byte": f"0x{chunk[error.start]:02x}"}
            ) from None
        line += chunk.count(b"\n")
    handle.seek(0)
    return "cp1252"


class _CountingReader(io.RawIOBase):
    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)


def _open_csv(path: Path, size: int) -> Table:
    raw = path.open("rb")
    try:
        encoding = _detect_encoding(raw, path.name)
    except FileProblem:
        raw.close()
        raise
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding=encoding, newline="")
    first_line = text.readline()
    if not first_line.strip():
        text.close()
        raise FileProblem(
            gettext("%(file)s: línea 1: la fila de encabezado está vacía") % {"file": path.name}
        )
    delimiter = max((";", ",", "\t"), key=first_line.count)
    header = next(csv.reader([first_line], delimiter=delimiter))
    reader = csv.reader(text, delimiter=delimiter, strict=True)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            line = 1
            while True:
                start = line + 1
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    raise FileProblem(
                        gettext("%(file)s: línea %(line)s: %(error)s")
                        % {"file": path.name, "line": start, "error": error}
                    ) from None
                line = reader.line_num + 1
                if not values or all(not value.strip() for value in values):
                    continue
                yield start, values
        finally:
            text.close()

    return Table(header=header, rows=rows(), size_bytes=size, position=lambda: counter.consumed)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _check_xlsx_archive(path: Path, *, max_inflated: int) -> None:
    """Refuse an XLSX bomb from its zip directory and the heads of its XML parts.

    The sizes in the zip directory are the most ``zipfile`` (and so openpyxl)
    will ever inflate a part to: a part that inflates further fails its
    check. So they can be trusted to refuse early.
    """
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise FileProblem(_not_a_workbook(name, error)) from None
    with archive:
        parts = archive.infolist()
        if len(parts) > XLSX_MAX_PARTS:
            raise FileProblem(
                gettext(
                    "%(file)s: el libro tiene %(parts)s partes; una exportación XLSX tiene "
                    "unas decenas"
                )
                % {"file": name, "parts": _count(len(parts))}
            )
        inflated = sum(part.file_size for part in parts)
        if inflated > max_inflated:
            raise FileProblem(
                gettext(
                    "%(file)s: el libro se descomprime a %(size)s MB; el límite es %(limit)s MB "
                    "(%(times)s veces IMPORT_MAX_FILE_MB); divídalo, o guárdelo como CSV"
                )
                % {
                    "file": name,
                    "size": _count(inflated / 1_000_000),
                    "limit": _count(max_inflated / 1_000_000),
                    "times": XLSX_MAX_INFLATION,
                }
            )
        for part in parts:
            ratio = part.file_size // max(part.compress_size, 1)
            if part.file_size > XLSX_RATIO_FROM and ratio > XLSX_MAX_RATIO:
                raise FileProblem(
                    gettext(
                        "%(file)s: %(part)s se descomprime %(ratio)s veces (a %(size)s MB); "
                        "una hoja real se descomprime menos de %(limit)s veces, así que el "
                        "archivo se rechaza"
                    )
                    % {
                        "file": name,
                        "part": part.filename,
                        "ratio": _count(ratio),
                        "size": _count(part.file_size / 1_000_000),
                        "limit": XLSX_MAX_RATIO,
                    }
                )
            if part.filename.endswith((".xml", ".rels", ".vml")):
                _check_xml_part(archive, part, name)


def _check_xml_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, name: str) -> None:
    try:
        with archive.open(part) as member:
            head = member.read(_XML_HEAD)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        raise FileProblem(_not_a_workbook(name, error)) from None
    if b"\x00" in head:  # UTF-16 or binary: Excel writes its XML in UTF-8
        raise FileProblem(
            gettext("%(file)s: %(part)s no es XML UTF-8; guarde el libro de nuevo")
            % {"file": name, "part": part.filename}
        )
    prolog = _PROLOG_NOISE.sub(b"", head)
    root = _ROOT_START.search(prolog)
    if root is not None:
        prolog = prolog[: root.start()]
    # A DOCTYPE (and so any ENTITY) can only come before the root element;
    # "<!" left there is one, or a comment too long to be an export's.
    if b"<!" in prolog or (root is None and len(head) == _XML_HEAD):
        raise FileProblem(
            gettext(
                "%(file)s: %(part)s declara un DOCTYPE o entidades, que una exportación XLSX "
                "nunca tiene; el archivo se rechaza"
            )
            % {"file": name, "part": part.filename}
        )
    if part.filename.startswith("xl/worksheets/"):
        dimension = _DIMENSION.search(head)
        if dimension is not None:
            last_row = int(dimension.group(2) or dimension.group(1) or 0)
            if last_row > XLSX_MAX_ROWS:
                raise FileProblem(
                    gettext(
                        "%(file)s: la hoja declara %(rows)s filas; el límite es %(limit)s "
                        "(el de Excel)"
                    )
                    % {"file": name, "rows": _count(last_row), "limit": _count(XLSX_MAX_ROWS)}
                )


def _open_xlsx(path: Path, size: int) -> Table:
    import openpyxl  # imported here: slow to import and only needed for XLSX

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as error:
        # SyntaxError: XML that does not parse (ElementTree's ParseError).
        raise FileProblem(_not_a_workbook(path.name, error)) from None
    if len(workbook.sheetnames) != 1:
        names = ", ".join(workbook.sheetnames)
        workbook.close()
        raise FileProblem(
            gettext(
                "%(file)s: el libro tiene %(count)s hojas (%(names)s); deje los datos en una "
                "sola hoja"
            )
            % {"file": path.name, "count": len(workbook.sheetnames), "names": names}
        )
    sheet = workbook.active
    if sheet is None:  # the workbook's active-sheet index points at no sheet
        workbook.close()
        raise FileProblem(
            gettext("%(file)s: el libro no tiene una hoja activa") % {"file": path.name}
        )
    header_cells = next(sheet.iter_rows(max_row=1), None)
    if not header_cells:
        workbook.close()
        raise FileProblem(gettext("%(file)s: la hoja está vacía") % {"file": path.name})
    header = [_cell_text(cell.value) for cell in header_cells]
    while header and not header[-1]:
        header.pop()
    # Only the header's columns are read: a sheet declaring 16,384 columns
    # would otherwise have every row padded to that width.
    iterator = sheet.iter_rows(min_row=2, max_col=max(len(header), 1))
    consumed = [0]

    def rows() -> Iterator[tuple[int, list[str]]]:
        empty_run = 0
        line = 1
        try:
            for cells in iterator:
                # Empty cells (and the empty rows openpyxl makes up for gaps)
                # carry no row number: such a row is the one after the last.
                numbers = (getattr(cell, "row", None) for cell in cells)
                line = next((number for number in numbers if number), line + 1)
                if line > XLSX_MAX_ROWS:
                    raise FileProblem(
                        gettext("%(file)s: línea %(line)s: la hoja tiene más de %(limit)s filas")
                        % {"file": path.name, "line": line, "limit": _count(XLSX_MAX_ROWS)}
                    )
                values: list[str] = []
                for cell in cells[: len(header)]:
                    if cell.data_type == "f":
                        values.append(FormulaCell(cell.value))
                    else:
                        values.append(_cell_text(cell.value))
                consumed[0] = int(size * min(1.0, line / max(sheet.max_row or 1, 1)))
                if not any(values):
                    empty_run += 1
                    if empty_run > XLSX_MAX_EMPTY_RUN:
                        raise FileProblem(
                            gettext(
                                "%(file)s: línea %(line)s: más de %(limit)s filas vacías "
                                "seguidas; borre las filas vacías e importe de nuevo"
                            )
                            % {
                                "file": path.name,
                                "line": line,
                                "limit": _count(XLSX_MAX_EMPTY_RUN),
                            }
                        )
                    continue
                empty_run = 0
                yield line, values
        except SyntaxError as error:  # XML that does not parse, met while reading
            raise FileProblem(_not_a_workbook(path.name, error)) from None
        finally:
            workbook.close()

    return Table(header=header, rows=rows(), size_bytes=size, position=lambda: consumed[0])
