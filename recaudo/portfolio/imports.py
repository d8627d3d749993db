"""``recaudo import``: debtors, debts or payments from a CSV or XLSX file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from recaudo.portfolio.columns import (
    HeaderProblem,
    RowErrors,
    clean_debt,
    clean_debtor,
    clean_payment,
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
from recaudo.portfolio.rules import InputError
from recaudo.portfolio.tabular import FileProblem, FormulaCell, open_table
from recaudo.portfolio.columns import Defaults

KINDS = ("debtors", "debts", "payments")


@dataclass
class ImportResult:
    kind: str
    rows: int
    outcome: Outcome
    dry_run: bool
    file_problem: str | None = None

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
) -> ImportResult:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    actor = actor or f"import:{path.name}"
    try:
        table = open_table(path, max_bytes=settings.IMPORT_MAX_FILE_MB * 1_000_000)
    except FileProblem as problem:
        return ImportResult(kind, 0, Outcome(), dry_run, file_problem=str(problem))
    try:
        positions = map_header(kind, table.header)
    except HeaderProblem as problem:
        outcome = Outcome(errors=[RowError(1, *_split(error)) for error in problem.errors])
        return ImportResult(kind, 0, outcome, dry_run)

    defaults = Defaults(country=creditor.country, currency=creditor.default_currency)
    header_width = len(table.header)
    rows_seen = 0
    problem: list[str] = []

    def work(outcome: Outcome) -> None:
        nonlocal rows_seen
        writer = _writer(kind, creditor, actor, outcome, defaults)
        clean = _CLEANERS[kind]
        chunk: list[tuple[int, Any]] = []
        try:
            for line, cells in table.rows:
                rows_seen += 1
                if len(cells) > header_width and any(cell.strip() for cell in cells[header_width:]):
                    outcome.errors.append(
                        RowError(line, "row", f"has {len(cells)} values but the header has {header_width} columns")
                    )
                    continue
                values: dict[str, Any] = {}
                for name, index in positions.items():
                    value = cells[index] if index < len(cells) else ""
                    if isinstance(value, FormulaCell):
                        outcome.errors.append(
                            RowError(line, table.header[index], f"contains the formula '{value}'; paste values instead")
                        )
                        value = ""
                    values[name] = value
                try:
                    record = clean(values, defaults)
                except RowErrors as errors:
                    for error in errors.errors:
                        outcome.errors.append(RowError(line, _column(error, positions, table.header), error.message))
                    continue
                chunk.append((line, record))
                if len(chunk) >= CHUNK_ROWS:
                    _flush(writer, chunk, outcome, positions, table.header)
                    chunk = []
                    if on_progress:
                        on_progress(table.position(), table.size_bytes)
            _flush(writer, chunk, outcome, positions, table.header)
        except FileProblem as error:
            problem.append(str(error))
            outcome.errors.append(RowError("-", "file", str(error)))
        if on_progress:
            on_progress(table.size_bytes, table.size_bytes)
        if rows_seen == 0 and not outcome.errors:
            problem.append(f"{path.name}: the file has a header but no data rows")
            outcome.errors.append(RowError(2, "file", "no data rows"))

    outcome = run_in_transaction(work, dry_run=dry_run)
    if problem:
        return ImportResult(kind, rows_seen, Outcome(), dry_run, file_problem=problem[0])
    return ImportResult(kind, rows_seen, outcome, dry_run)


def _split(error: str) -> tuple[str, str]:
    column, _, message = error.partition(": ")
    return (column, message) if message else ("header", error)


def _column(error: InputError, positions: dict[str, int], header: list[str]) -> str:
    index = positions.get(error.field)
    return header[index] if index is not None else error.field


def _flush(writer: Any, chunk: list[tuple[int, Any]], outcome: Outcome, positions: dict[str, int], header: list[str]) -> None:
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


_CLEANERS = {"debtors": clean_debtor, "debts": clean_debt, "payments": clean_payment}
