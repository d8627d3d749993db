"""``recaudo import``: debtors, debts or payments from a CSV or XLSX file."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from queue import Empty
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.utils.translation import gettext

from recaudo.bulk import collector_paused
from recaudo.exports import looks_like_formula
from recaudo.inputs import has_unstorable
from recaudo.portfolio.columns import (
    DEBTOR_COLUMNS,
    FREE_TEXT_FIELDS,
    DebtInput,
    DebtorInput,
    Defaults,
    HeaderProblem,
    RowErrors,
    clean_debt,
    clean_debtor,
    clean_payment,
    map_columns,
    map_header,
)
from recaudo.portfolio.ingest import (
    CHUNK_ROWS,
    DebtorSync,
    DebtWriter,
    Outcome,
    PaymentWriter,
    RowError,
    run_in_transaction,
)
from recaudo.portfolio.models import Creditor
from recaudo.portfolio.rules import InputError, looks_like_company
from recaudo.portfolio.tabular import FileProblem, FormulaCell, Table, open_table

KINDS = ("debtors", "debts", "payments")

# Counters of the open debts, written since a moment, that no collection step will
# reach: (creditor, written since, today) -> count. The policies app registers one
# from its AppConfig.ready, since the ground layer imports nothing above it.
UNREACHABLE_COUNTERS: list[Callable[[Creditor, datetime, date], int]] = []


def count_unreachable(creditor: Creditor, since: datetime, today: date) -> int | None:
    """How many debts written since ``since`` no step will reach (None: nobody counts)."""
    if not UNREACHABLE_COUNTERS:
        return None
    return sum(counter(creditor, since, today) for counter in UNREACHABLE_COUNTERS)


@dataclass
class ProbableCompanies:
    """Debtors imported as persons whose name looks like a company's: count and first lines."""

    count: int = 0
    lines: list[int] = field(default_factory=list)

    def add(self, lines: list[int]) -> None:
        self.count += len(lines)
        self.lines.extend(lines[: PROBABLE_COMPANY_LINES - len(self.lines)])


# How many lines of probable companies a summary names; the count says the rest.
PROBABLE_COMPANY_LINES = 20


@dataclass
class ImportResult:
    kind: str
    rows: int
    outcome: Outcome
    dry_run: bool
    file_problem: str | None = None
    # Rows whose debtor has no kind but a name ending like a company's (S.A.S., Ltda...).
    probable_companies: ProbableCompanies = field(default_factory=ProbableCompanies)

    @property
    def ok(self) -> bool:
        return self.file_problem is None and not self.outcome.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run


def import_file(
    kind: str,
    path: Path,
    creditor: Creditor,
    *,
    dry_run: bool = False,
    actor: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    mapping: list[str] | None = None,
) -> ImportResult:
    """Check and write (or only check, ``dry_run``) a file, all or nothing.

    ``mapping`` is the field each column holds ("" leaves it out), as chosen on
    the staff's import page; without it the headers name the fields.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    actor = actor or f"import:{path.name}"
    try:
        table = open_table(path, max_bytes=settings.IMPORT_MAX_FILE_MB * 1_000_000)
    except FileProblem as error:
        return ImportResult(kind, 0, Outcome(), dry_run, file_problem=str(error))
    header_errors: list[RowError] = []
    try:
        if mapping is None:
            positions = map_header(kind, table.header)
        else:
            positions = map_columns(kind, table.header, mapping)
    except HeaderProblem as bad_header:
        header_errors = [RowError(1, *_split(error)) for error in bad_header.errors]
        if bad_header.positions is None:
            return ImportResult(kind, 0, Outcome(errors=header_errors), dry_run)
        # The rows are still checked without the bad columns: every error in one pass.
        positions = bad_header.positions

    defaults = Defaults(country=creditor.country, currency=creditor.default_currency)
    rows_seen = 0
    problem: list[str] = []
    companies = ProbableCompanies()
    chunks = _cleaned_chunks(kind, table, positions, defaults)
    if table.size_bytes >= settings.IMPORT_PARALLEL_MIN_BYTES:
        chunks = _in_another_process(chunks)

    def work(outcome: Outcome) -> None:
        nonlocal rows_seen
        writer = _writer(kind, creditor, actor, outcome, defaults)
        outcome.errors.extend(header_errors)
        for chunk in chunks:
            if chunk.problem:
                problem.append(chunk.problem)
                outcome.errors.append(RowError("-", "file", chunk.problem))
                break
            rows_seen += chunk.rows
            outcome.errors.extend(chunk.errors)
            if chunk.probable_companies:
                companies.add(chunk.probable_companies)
            _flush(writer, chunk.records, outcome, positions, table.header)
            if on_progress:
                on_progress(chunk.position, table.size_bytes)
        if rows_seen == 0 and header_errors and len(outcome.errors) == len(header_errors):
            outcome.errors.append(RowError(2, "file", gettext("ninguna fila de datos")))
        elif rows_seen == 0 and not outcome.errors:
            problem.append(
                gettext("%(file)s: el archivo tiene encabezado pero ninguna fila de datos")
                % {"file": path.name}
            )
            outcome.errors.append(RowError(2, "file", gettext("ninguna fila de datos")))

    try:
        with collector_paused():
            outcome = run_in_transaction(work, dry_run=dry_run)
    except IntegrityError as error:
        # Only possible when another writer stored the same ids meanwhile.
        return ImportResult(
            kind,
            rows_seen,
            Outcome(),
            dry_run,
            file_problem=gettext(
                "%(file)s: otra importación o llamada a la API cambió los mismos registros "
                "al mismo tiempo (%(error)s); no se importó nada, inténtelo de nuevo"
            )
            % {"file": path.name, "error": error},
        )
    if problem:
        return ImportResult(kind, rows_seen, Outcome(), dry_run, file_problem=problem[0])
    return ImportResult(kind, rows_seen, outcome, dry_run, probable_companies=companies)


@dataclass
class _Chunk:
    records: list[tuple[int, Any]]
    errors: list[RowError]
    rows: int
    position: int
    problem: str | None = None
    probable_companies: list[int] = field(default_factory=list)


def _cleaned_chunks(
    kind: str, table: Table, positions: dict[str, int], defaults: Defaults
) -> Iterator[_Chunk]:
    """Read and clean the rows, a chunk at a time. Touches no database."""
    clean = _CLEANERS[kind]
    header, header_width = table.header, len(table.header)
    debtor_details = (
        [name for name in _DEBTOR_DETAIL_FIELDS if name in positions] if kind == "debts" else []
    )
    known_debtors: dict[str, int] = {}
    chunk = _Chunk([], [], 0, 0)
    try:
        for line, cells in table.rows:
            chunk.rows += 1
            if len(cells) > header_width and any(cell.strip() for cell in cells[header_width:]):
                chunk.errors.append(
                    RowError(
                        line,
                        "row",
                        gettext(
                            "tiene %(values)s valores pero el encabezado tiene %(columns)s columnas"
                        )
                        % {"values": len(cells), "columns": header_width},
                    )
                )
                continue
            values: dict[str, Any] = {}
            for name, index in positions.items():
                value = cells[index] if index < len(cells) else ""
                if isinstance(value, FormulaCell):
                    chunk.errors.append(
                        RowError(
                            line,
                            header[index],
                            gettext("contiene la fórmula '%(formula)s'; pegue valores en su lugar")
                            % {"formula": value},
                        )
                    )
                    value = ""
                elif name in FREE_TEXT_FIELDS and looks_like_formula(value.strip()):
                    # The CSV twin of a formula cell: text a spreadsheet would run.
                    chunk.errors.append(
                        RowError(
                            line,
                            header[index],
                            gettext(
                                "'%(value)s' empieza como una fórmula de hoja de cálculo "
                                "(%(character)s); quite ese carácter"
                            )
                            % {"value": value.strip(), "character": repr(value.strip()[0])},
                        )
                    )
                values[name] = value
            unstorable = [
                name
                for name, value in values.items()
                if isinstance(value, str) and has_unstorable(value)
            ]
            if unstorable:
                chunk.errors.extend(
                    RowError(
                        line,
                        header[positions[name]],
                        gettext("contiene un carácter NUL, que nunca se acepta"),
                    )
                    for name in unstorable
                )
                continue
            if debtor_details:
                _skip_known_debtor(values, debtor_details, known_debtors)
            try:
                record = clean(values, defaults)
            except RowErrors as errors:
                chunk.errors.extend(
                    RowError(line, _column(error, positions, header), error.message)
                    for error in errors.errors
                )
                continue
            # A debtor without a kind is a person; one whose name ends like a company's is reported.
            debtor = record if kind == "debtors" else getattr(record, "debtor", None)
            if (
                debtor is not None
                and debtor.kind == "person"
                and not str(values.get("kind") or "").strip()
                and looks_like_company(debtor.full_name)
            ):
                chunk.probable_companies.append(line)
            if debtor_details and record.debtor is not None:
                known_debtors[record.debtor_external_id] = hash(_details(values, debtor_details))
            chunk.records.append((line, record))
            if len(chunk.records) >= CHUNK_ROWS:
                chunk.position = table.position()
                yield chunk
                chunk = _Chunk([], [], 0, 0)
    except FileProblem as error:
        yield _Chunk([], [], 0, 0, problem=str(error))
        return
    chunk.position = table.size_bytes
    yield chunk


def _in_another_process(chunks: Iterator[_Chunk]) -> Iterator[_Chunk]:
    """Clean in a child process while this one writes: the machine's second core.

    The child is forked so it shares the already open file; it never touches
    the database. A bounded queue keeps memory flat when writing is slower.
    """
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=8)
    child = context.Process(target=_produce, args=(chunks, queue), daemon=True)
    child.start()
    try:
        while True:
            try:
                item = queue.get(timeout=5)
            except Empty:
                if not child.is_alive():
                    raise RuntimeError(
                        gettext("el lector de la importación se detuvo (código de salida %(code)s)")
                        % {"code": child.exitcode}
                    ) from None
                continue
            if item is None:
                return
            item.records = [(line, _decode(record)) for line, record in item.records]
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


# Records cross the process boundary as tuples of str, int and None: pickling
# Decimal and date objects one by one cost more than cleaning them.
def _encode(record: Any) -> Any:
    if not isinstance(record, DebtInput):
        return record
    return (
        record.external_id,
        record.debtor_external_id,
        record.currency,
        str(record.amount),
        record.due_on.toordinal(),
        record.issued_on.toordinal() if record.issued_on else None,
        record.invoice_number,
        record.description,
        record.status,
        tuple(record.debtor) if record.debtor is not None else None,
    )


def _decode(encoded: Any) -> Any:
    if type(encoded) is not tuple:  # other records travel as they are
        return encoded
    (external_id, debtor_external_id, currency, amount, due, issued, invoice, description,
     status, debtor) = encoded  # fmt: skip
    return DebtInput(
        external_id,
        debtor_external_id,
        currency,
        Decimal(amount),
        date.fromordinal(due),
        date.fromordinal(issued) if issued is not None else None,
        invoice,
        description,
        status,
        DebtorInput(*debtor) if debtor is not None else None,
    )


def _produce(chunks: Iterator[_Chunk], queue: Any) -> None:
    try:
        for chunk in chunks:
            chunk.records = [(line, _encode(record)) for line, record in chunk.records]
            queue.put(chunk)
    except Exception as error:  # the parent must hear why, not wait forever
        queue.put(
            _Chunk(
                [],
                [],
                0,
                0,
                problem=gettext("no se pudo leer el archivo: %(error)s") % {"error": error},
            )
        )
    queue.put(None)


_DEBTOR_DETAIL_FIELDS = sorted(set(DEBTOR_COLUMNS) - {"debtor_external_id"})


def _details(values: dict[str, Any], names: list[str]) -> tuple[Any, ...]:
    return tuple(values[name] for name in names)


def _skip_known_debtor(values: dict[str, Any], names: list[str], known: dict[str, int]) -> None:
    """Drop a debtor's details already seen, identical, on an earlier row.

    Files list the debtor on every debt row; cleaning the same details again
    (phone parsing is the slow part) would be wasted work. Details that differ
    are kept, and the writer reports the conflict.
    """
    if not names:
        return
    external_id = str(values.get("debtor_external_id") or "").strip()
    seen = known.get(external_id)
    if seen is not None and seen == hash(_details(values, names)):
        for name in names:
            values[name] = ""


def _split(error: str) -> tuple[str, str]:
    column, _, message = error.partition(": ")
    return (column, message) if message else ("header", error)


def _column(error: InputError, positions: dict[str, int], header: list[str]) -> str:
    index = positions.get(error.field)
    return header[index] if index is not None else error.field


def _flush(
    writer: Any,
    chunk: list[tuple[int, Any]],
    outcome: Outcome,
    positions: dict[str, int],
    header: list[str],
) -> None:
    if not chunk:
        return
    before = len(outcome.errors)
    writer.write(chunk)
    # Writers name canonical fields; the person reading the error knows their own headers.
    for position in range(before, len(outcome.errors)):
        error = outcome.errors[position]
        index = positions.get(error.field)
        if index is not None:
            outcome.errors[position] = RowError(error.line, header[index], error.message)


class _DebtorsFileWriter:
    def __init__(self, creditor: Creditor, actor: str, outcome: Outcome):
        self.sync = DebtorSync(creditor, actor, outcome, unique=True)

    def write(self, chunk: list[tuple[int, Any]]) -> None:
        self.sync.sync((line, info.external_id, info) for line, info in chunk)


def _writer(kind: str, creditor: Creditor, actor: str, outcome: Outcome, defaults: Defaults) -> Any:
    if kind == "debts":
        return DebtWriter(creditor, actor, outcome)
    if kind == "payments":
        return PaymentWriter(creditor, actor, outcome, defaults)
    return _DebtorsFileWriter(creditor, actor, outcome)


_CLEANERS: dict[str, Callable[[dict[str, Any], Defaults], Any]] = {
    "debtors": clean_debtor,
    "debts": clean_debt,
    "payments": clean_payment,
}
