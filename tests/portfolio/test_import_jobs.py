"""Import jobs from the staff pages, as the worker runs them: check, import, progress, failure."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone

from recaudo.portfolio import import_jobs, imports
from recaudo.portfolio.models import AuditEvent, Debt, Debtor, ImportJob
from tests.helpers import ROOT, database_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_PARALLEL_MIN_BYTES = 10**12
    return settings.MEDIA_ROOT


def rows(count: int, amount: str = "$ 150.000") -> str:
    lines = ["Id de la deuda,Cliente,Nombre,Saldo,Fecha de vencimiento"]
    lines += [f'F-{n},C-{n},Cliente {n},"{amount}",2026-11-01' for n in range(1, count + 1)]
    return "\n".join(lines) + "\n"


def uploaded(creditor, text: str, name: str = "cartera.csv") -> ImportJob:
    return import_jobs.upload(
        creditor,
        "debts",
        SimpleUploadedFile(name, text.encode()),
        user=None,
        language="es",
    )


MAPPING = ["external_id", "debtor_external_id", "full_name", "amount", "due_on"]


class Recorder:
    """Stands in for the progress writer: keeps every report."""

    def __init__(self) -> None:
        self.reports: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.reports.append((done, total))

    def close(self) -> None:
        pass


def test_the_upload_is_stored_with_its_header_and_a_mapping_suggested_from_the_aliases(
    creditor, media
):
    job = uploaded(creditor, rows(2))

    assert job.status == "mapping"
    assert job.header == ["Id de la deuda", "Cliente", "Nombre", "Saldo", "Fecha de vencimiento"]
    # "Cliente" alone names no field: left for the person to map.
    assert job.mapping == ["external_id", "", "full_name", "amount", "due_on"]
    assert (media / job.stored_file).read_text().startswith("Id de la deuda")
    assert import_jobs.preview(job) == [
        ["F-1", "C-1", "Cliente 1", "$ 150.000", "2026-11-01"],
        ["F-2", "C-2", "Cliente 2", "$ 150.000", "2026-11-01"],
    ]


def test_the_worker_checks_then_imports_reporting_progress_to_the_end(creditor, media, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 10)
    job = uploaded(creditor, rows(35))
    assert import_jobs.choose_mapping(job, MAPPING) == []

    checking = import_jobs.claim_next("test-worker")
    check_progress = Recorder()
    import_jobs.run(checking, check_progress)

    job.refresh_from_db()
    assert (job.status, job.rows, job.error_count) == ("checked", 35, 0)
    assert job.counts == {"debtors_created": 35, "debts_created": 35}
    assert not Debt.objects.exists()  # a check writes nothing
    assert import_jobs.confirm(job)

    importing = import_jobs.claim_next("test-worker")
    assert (importing.pk, importing.status, importing.claimed_by) == (
        job.pk,
        "importing",
        "test-worker",
    )
    progress = Recorder()
    import_jobs.run(importing, progress)

    done = [report[0] for report in progress.reports]
    assert len(done) == 4  # three chunks of 10 rows and the last 5
    assert done == sorted(done) and done[-1] == job.size_bytes
    assert {report[1] for report in progress.reports} == {job.size_bytes}
    job.refresh_from_db()
    assert (job.status, job.rows, job.percent) == ("done", 35, 100)
    assert job.counts == {"debtors_created": 35, "debts_created": 35}
    assert Debt.objects.get(external_id="F-1").amount == Decimal("150000.00")
    assert job.seconds is not None and job.seconds >= 0
    assert job.unreachable is not None
    assert job.stored_file == "" and not any((media / "imports").iterdir())
    assert import_jobs.claim_next("test-worker") is None


def test_a_check_with_errors_lists_each_line_and_column_and_cannot_be_confirmed(creditor, media):
    job = uploaded(creditor, rows(2) + 'F-3,C-3,Cliente 3,"1,234.56",mañana\n')
    import_jobs.choose_mapping(job, MAPPING)

    import_jobs.run_next("test-worker")

    job.refresh_from_db()
    assert job.status == "checked"
    assert list(job.error_rows.order_by("position").values_list("line", "column", "message")) == [
        (
            "4",
            "Saldo",
            "'1,234.56' no está escrito como se escriben los importes en CO "
            "(1.234,56: '.' separa los miles y ',' los decimales)",
        ),
        ("4", "Fecha de vencimiento", "'mañana' no es una fecha (use 2026-12-15 o 15/12/2026)"),
    ]
    assert job.error_count == 2
    assert not import_jobs.confirm(job)
    assert import_jobs.claim_next("test-worker") is None
    assert job.stored_file  # kept: the columns may still be changed


def test_an_import_that_fails_midway_writes_nothing_and_the_job_says_so(
    creditor, media, monkeypatch
):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 10)
    job = uploaded(creditor, rows(25))
    import_jobs.choose_mapping(job, MAPPING)
    import_jobs.run_next("test-worker")
    job.refresh_from_db()
    assert import_jobs.confirm(job)
    events_before = AuditEvent.objects.count()
    written = []
    real_flush = imports._flush

    def flush_then_break(writer, chunk, *args):
        if written:
            raise RuntimeError("disk gone")
        written.append(len(chunk))
        real_flush(writer, chunk, *args)

    monkeypatch.setattr(imports, "_flush", flush_then_break)

    import_jobs.run_next("test-worker")

    job.refresh_from_db()
    assert written == [10]  # the first chunk was written, then rolled back
    assert job.status == "failed"
    assert job.file_problem == (
        "cartera.csv: la importación se detuvo por un error interno (RuntimeError); "
        "no se importó nada"
    )
    assert not Debt.objects.exists() and not Debtor.objects.exists()
    assert AuditEvent.objects.count() == events_before
    assert job.stored_file == ""


def test_a_job_left_running_by_a_dead_worker_is_claimed_again(creditor, media):
    job = uploaded(creditor, rows(1))
    import_jobs.choose_mapping(job, MAPPING)
    claimed = import_jobs.claim_next("worker-that-dies")
    assert import_jobs.claim_next("other-worker") is None

    ImportJob.objects.filter(pk=claimed.pk).update(
        progress_at=timezone.now() - import_jobs.STALE_AFTER - timedelta(seconds=1)
    )
    again = import_jobs.claim_next("other-worker")

    assert (again.pk, again.status, again.claimed_by) == (job.pk, "checking", "other-worker")


def test_an_upload_left_unconfirmed_is_cancelled_and_its_file_deleted(creditor, media, settings):
    job = uploaded(creditor, rows(1))
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.IMPORT_UPLOAD_KEEP_HOURS, minutes=1)
    )
    fresh = uploaded(creditor, rows(1), name="otra.csv")

    assert import_jobs.expire_unconfirmed() == 1

    job.refresh_from_db()
    assert (job.status, job.stored_file) == ("cancelled", "")
    assert (media / fresh.stored_file).exists()
    assert [path.name for path in (media / "imports").rglob("*.csv")] == ["otra.csv"]


def test_an_upload_over_the_limit_or_not_a_table_is_refused_and_nothing_is_stored(
    creditor, media, settings
):
    settings.IMPORT_UPLOAD_MAX_MB = 1
    uploads = [
        SimpleUploadedFile("grande.csv", b"x" * 1_000_001),
        SimpleUploadedFile("a.pdf", b"%PDF"),
        SimpleUploadedFile("vacio.csv", b""),
    ]
    problems = []

    for one in uploads:
        with pytest.raises(import_jobs.UploadProblem) as problem:
            import_jobs.upload(creditor, "debts", one, user=None, language="es")
        problems.append(str(problem.value))

    assert problems == [
        "grande.csv: el archivo pasa de 1 MB; divídalo en partes",
        "a.pdf: suba un archivo .csv o .xlsx",
        "vacio.csv: el archivo está vacío",
    ]
    assert not ImportJob.objects.exists()
    assert not media.exists() or not [path for path in media.rglob("*") if path.is_file()]


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_another_connection_sees_the_progress_while_the_import_runs(
    creditor, media, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: the bar moves when a phase ends")
    monkeypatch.setattr(imports, "CHUNK_ROWS", 10)
    job = uploaded(creditor, rows(30))
    import_jobs.choose_mapping(job, MAPPING)
    import_jobs.run_next("test-worker")
    job.refresh_from_db()
    assert import_jobs.confirm(job)
    claimed = import_jobs.claim_next("test-worker")
    seen: list[int] = []
    debts_seen: list[int] = []
    real_flush = imports._flush

    def look() -> None:
        try:
            seen.append(ImportJob.objects.get(pk=job.pk).progress_done)
            debts_seen.append(Debt.objects.count())
        finally:
            connections.close_all()

    def flush_and_look(*args):
        real_flush(*args)
        # Another thread, so another connection: what the page would read.
        reader = threading.Thread(target=look)
        reader.start()
        reader.join()

    monkeypatch.setattr(imports, "_flush", flush_and_look)
    writer = import_jobs.ProgressWriter(claimed, every_seconds=0)
    try:
        import_jobs.run(claimed, writer)
    finally:
        writer.close()

    # Each chunk's progress is visible while the import's own writes are not yet
    # (its transaction is open); the reader buffers 64 KB, so a small file's
    # position reaches its end with the first chunk.
    assert seen == [0, job.size_bytes, job.size_bytes, job.size_bytes]
    assert debts_seen == [0, 0, 0, 0]
    assert Debt.objects.count() == 30


@pytest.mark.django_db(transaction=True)
def test_recaudo_worker_runs_the_queued_import_in_its_own_thread(creditor, media):
    job = uploaded(creditor, rows(2))
    import_jobs.choose_mapping(job, MAPPING)
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(media),
        "LOG_LEVEL": "WARNING",
    }

    run = subprocess.run(
        [
            *(sys.executable, "-m", "recaudo.cli", "worker", "--skip-checks"),
            *("--no-planning", "--until-idle", "--idle-sleep", "0.1"),
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 0, run.stderr
    assert f"import {job.pk} (cartera.csv): checked, 2 rows" in run.stdout
    job.refresh_from_db()
    assert (job.status, job.rows, job.error_count, job.claimed_by.endswith("/imports")) == (
        "checked",
        2,
        0,
        True,
    )


def test_an_xlsx_upload_is_mapped_checked_and_imported_like_a_csv(creditor, media):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Id deuda", "Id cliente", "Nombre", "Monto", "Fecha de vencimiento"])
    sheet.append(["F-1", "C-1", "Ana Ruiz", 150000, date(2026, 11, 1)])
    sheet.append(["F-2", "C-2", "Luis Díaz", "$ 80.000,50", "15/11/2026"])
    content = io.BytesIO()
    book.save(content)
    job = import_jobs.upload(
        creditor,
        "debts",
        SimpleUploadedFile("cartera.xlsx", content.getvalue()),
        user=None,
        language="es",
    )
    assert job.mapping == MAPPING
    import_jobs.choose_mapping(job, job.mapping)

    import_jobs.run_next("test-worker")
    job.refresh_from_db()
    import_jobs.confirm(job)
    import_jobs.run_next("test-worker")

    job.refresh_from_db()
    assert (job.status, job.rows, job.stored_file) == ("done", 2, "")
    assert sorted(Debt.objects.values_list("external_id", "amount", "due_on")) == [
        ("F-1", Decimal("150000.00"), date(2026, 11, 1)),
        ("F-2", Decimal("80000.50"), date(2026, 11, 15)),
    ]
