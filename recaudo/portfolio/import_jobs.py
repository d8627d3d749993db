"""Imports started from the staff pages: the upload, the mapping, the background run.

A job row moves ``mapping`` -> ``check_queued`` -> ``checking`` -> ``checked``
(a dry run: every error, the counts) -> ``import_queued`` -> ``importing`` ->
``done`` or ``failed``. ``recaudo worker`` claims the queued jobs
(``run_next``), one at a time per worker, with ``FOR UPDATE SKIP LOCKED`` in a
short transaction, then runs ``imports.import_file`` with the mapping chosen:
the same checks and the same all-or-nothing transaction as ``recaudo import``.
The uploaded file is kept in the media storage while the job needs it and
deleted when it ends (done, failed, cancelled, or left unconfirmed for
``IMPORT_UPLOAD_KEEP_HOURS``).

Progress: the import writes inside one transaction, so its progress cannot go
through that transaction. On PostgreSQL it is written on a second connection
of its own (autocommit), at most once a second; SQLite allows one writer at a
time, so there the bar moves only when a phase ends.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext

from recaudo.portfolio.headers import COLUMNS, HeaderProblem, field_for_header, header_key
from recaudo.portfolio.headers import map_columns as check_mapping
from recaudo.portfolio.imports import count_unreachable, import_file
from recaudo.portfolio.models import Creditor, ImportJob, ImportJobError
from recaudo.portfolio.tabular import FileProblem, open_table

Status = ImportJob.Status
log = logging.getLogger(__name__)

# Errors kept on the job row for the page (the count says how many there were).
KEPT_ERRORS = 10_000
# The suffixes the upload accepts; tabular.py reads what they hold.
SUFFIXES = (".csv", ".txt", ".xlsx")
# A job running with no progress for this long belonged to a worker that died:
# its transaction was rolled back, so it is queued again.
STALE_AFTER = timedelta(minutes=30)


class UploadProblem(Exception):
    """The upload is refused before any job exists; the message says why."""


def max_upload_bytes() -> int:
    return int(settings.IMPORT_UPLOAD_MAX_MB) * 1_000_000


@contextlib.contextmanager
def local_file(name: str) -> Iterator[Path]:
    """A path to the stored file: the storage's own on a file system, else a copy."""
    try:
        yield Path(default_storage.path(name))
        return
    except NotImplementedError:
        pass
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(name).name
        with default_storage.open(name, "rb") as source, path.open("wb") as target:
            shutil.copyfileobj(source, target)
        yield path


def _delete_file(job: ImportJob) -> None:
    if job.stored_file:
        default_storage.delete(job.stored_file)
        folder = job.stored_file.rsplit("/", 1)[0]
        with contextlib.suppress(NotImplementedError, OSError):
            Path(default_storage.path(folder)).rmdir()
        job.stored_file = ""


def upload(
    creditor: Creditor, kind: str, upload: UploadedFile, *, user: Any, language: str
) -> ImportJob:
    """Store the file, read its header and make a job waiting for its mapping."""
    if kind not in COLUMNS:
        raise UploadProblem(gettext("Elija qué contiene el archivo."))
    name = Path(upload.name or "").name
    if Path(name).suffix.lower() not in SUFFIXES:
        raise UploadProblem(
            gettext("%(file)s: suba un archivo .csv o .xlsx") % {"file": name or "?"}
        )
    if upload.size is not None and upload.size > max_upload_bytes():
        raise UploadProblem(
            gettext("%(file)s: el archivo pasa de %(limit)s MB; divídalo en partes")
            % {"file": name, "limit": settings.IMPORT_UPLOAD_MAX_MB}
        )
    stored = default_storage.save(f"imports/{uuid.uuid4().hex}/{get_valid_filename(name)}", upload)
    try:
        with local_file(stored) as path:
            table = open_table(path, max_bytes=max_upload_bytes())
            table.rows.close()  # type: ignore[attr-defined]  # a generator: closes the file
    except FileProblem as error:
        default_storage.delete(stored)
        raise UploadProblem(str(error)) from None
    header = [str(cell).strip() for cell in table.header]
    return ImportJob.objects.create(
        creditor=creditor,
        kind=kind,
        created_by=user,
        language=language,
        file_name=name,
        stored_file=stored,
        size_bytes=table.size_bytes,
        header=header,
        mapping=suggested_mapping(creditor, kind, header),
    )


def remembered_mapping(creditor: Creditor, kind: str) -> dict[str, str]:
    """Header (as looked up) -> field, from the creditor's last mapping of this kind of file."""
    last = (
        ImportJob.objects.filter(creditor=creditor, kind=kind)
        .exclude(status__in=[Status.MAPPING, Status.CANCELLED])
        .order_by("-created_at", "-pk")
        .values_list("header", "mapping")
        .first()
    )
    if last is None:
        return {}
    header, mapping = last
    return {header_key(column): field for column, field in zip(header, mapping, strict=False)}


def suggested_mapping(creditor: Creditor, kind: str, header: list[str]) -> list[str]:
    """Each column's field: as last mapped for this creditor, else as its name says, else ""."""
    remembered = remembered_mapping(creditor, kind)
    suggested = []
    for column in header:
        key = header_key(column)
        if key in remembered:
            suggested.append(remembered[key])
        else:
            suggested.append(field_for_header(kind, column) or "")
    return suggested


def preview(job: ImportJob, rows: int = 3) -> list[list[str]]:
    """The first rows of the file, to help choose the mapping."""
    if not job.stored_file:
        return []
    found: list[list[str]] = []
    try:
        with local_file(job.stored_file) as path:
            table = open_table(path, max_bytes=max_upload_bytes())
            for _line, cells in table.rows:
                found.append([str(cell) for cell in cells[: len(job.header)]])
                if len(found) >= rows:
                    break
            table.rows.close()  # type: ignore[attr-defined]
    except FileProblem:
        return found
    return found


def choose_mapping(job: ImportJob, mapping: list[str]) -> list[str]:
    """Save the mapping and queue the check; the header problems if it is not usable."""
    try:
        check_mapping(job.kind, job.header, mapping)
    except HeaderProblem as problem:
        return problem.errors
    with transaction.atomic():
        changed = ImportJob.objects.filter(
            pk=job.pk, status__in=[Status.MAPPING, Status.CHECKED]
        ).update(mapping=mapping, status=Status.CHECK_QUEUED, **_cleared())
        if changed:
            ImportJobError.objects.filter(job_id=job.pk).delete()
    if not changed:
        return [gettext("Esta importación ya no espera columnas.")]
    return []


def back_to_mapping(job: ImportJob) -> bool:
    with transaction.atomic():
        changed = ImportJob.objects.filter(pk=job.pk, status=Status.CHECKED).update(
            status=Status.MAPPING, **_cleared()
        )
        if changed:
            ImportJobError.objects.filter(job_id=job.pk).delete()
    return bool(changed)


def confirm(job: ImportJob) -> bool:
    """Queue the import of a file whose check found nothing wrong."""
    return bool(
        ImportJob.objects.filter(
            pk=job.pk, status=Status.CHECKED, error_count=0, file_problem=""
        ).update(status=Status.IMPORT_QUEUED, progress_done=0, progress_at=None)
    )


def cancel(job: ImportJob) -> bool:
    with transaction.atomic():
        locked = (
            ImportJob.objects.select_for_update()
            .filter(pk=job.pk, status__in=[Status.MAPPING, Status.CHECKED])
            .first()
        )
        if locked is None:
            return False
        _delete_file(locked)
        locked.status = Status.CANCELLED
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "stored_file", "finished_at"])
    return True


def _cleared() -> dict[str, Any]:
    return {
        "progress_done": 0,
        "progress_total": 0,
        "progress_at": None,
        "rows": 0,
        "error_count": 0,
        "file_problem": "",
        "counts": {},
        "started_at": None,
        "finished_at": None,
    }


# --- The worker's side ---------------------------------------------------------------


def claim_next(worker: str) -> ImportJob | None:
    """The oldest queued job, now running and this worker's; None when nothing waits."""
    now = timezone.now()
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(Q(status__in=ImportJob.QUEUED) | _stale(now))
            .order_by("created_at", "pk")
            .first()
        )
        if job is None:
            return None
        check = job.status in (Status.CHECK_QUEUED, Status.CHECKING)
        job.status = Status.CHECKING if check else Status.IMPORTING
        job.claimed_by = worker
        job.started_at = job.progress_at = now
        job.progress_done, job.progress_total = 0, job.size_bytes
        job.save(
            update_fields=[
                "status",
                "claimed_by",
                "started_at",
                "progress_at",
                "progress_done",
                "progress_total",
            ]
        )
    return job


def _stale(now: Any) -> Q:
    return Q(status__in=ImportJob.RUNNING, progress_at__lt=now - STALE_AFTER)


class ProgressWriter:
    """Writes a running job's progress where the page can read it mid-transaction.

    PostgreSQL: on a connection of its own, in autocommit, at most once a
    second. SQLite: nothing (one writer at a time; the import holds the lock).
    """

    def __init__(self, job: ImportJob, every_seconds: float = 1.0):
        self.job = job
        self.every = every_seconds
        self.last = float("-inf")
        self.connection = (
            connections.create_connection(DEFAULT_DB_ALIAS)
            if connection.vendor == "postgresql"
            else None
        )

    def __call__(self, done: int, total: int) -> None:
        self.job.progress_done, self.job.progress_total = done, total
        if self.connection is None or time.monotonic() - self.last < self.every:
            return
        self.last = time.monotonic()
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} "
                "SET progress_done = %s, progress_total = %s, progress_at = %s WHERE id = %s",
                [done, total, timezone.now(), self.job.pk],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def run(job: ImportJob, progress: Any = None) -> ImportJob:
    """Check or import a claimed job and record the outcome; the file goes when it ends."""
    writer = progress or ProgressWriter(job)
    dry_run = job.status == Status.CHECKING
    started = timezone.now()
    try:
        with translation.override(job.language), local_file(job.stored_file) as path:
            result = import_file(
                job.kind,
                path,
                job.creditor,
                dry_run=dry_run,
                actor=f"import:{job.file_name}",
                on_progress=writer,
                mapping=list(job.mapping),
            )
            unreachable = (
                count_unreachable(job.creditor, started, timezone.now().date())
                if result.written and job.kind == ImportJob.Kind.DEBTS
                else None
            )
    except Exception as error:
        # The import's transaction was rolled back: nothing was written. The job
        # says so rather than staying "running" for ever.
        log.exception("import job %s failed", job.pk)
        with translation.override(job.language):
            problem = gettext(
                "%(file)s: la importación se detuvo por un error interno (%(error)s); "
                "no se importó nada"
            ) % {"file": job.file_name, "error": type(error).__name__}
        return _finish(job, Status.FAILED, file_problem=problem)
    finally:
        if progress is None:
            writer.close()
    job.rows = result.rows
    job.error_count = len(result.outcome.errors)
    _save_errors(job, result.outcome.errors[:KEPT_ERRORS])
    job.counts = dict(sorted(result.outcome.counts.items()))
    job.unreachable = unreachable
    job.probable_company_count = result.probable_companies.count
    job.probable_company_lines = result.probable_companies.lines
    if dry_run:
        return _finish(job, Status.CHECKED, file_problem=result.file_problem or "")
    return _finish(
        job,
        Status.DONE if result.written else Status.FAILED,
        file_problem=result.file_problem or "",
    )


def _save_errors(job: ImportJob, errors: list[Any]) -> None:
    with transaction.atomic():
        ImportJobError.objects.filter(job_id=job.pk).delete()
        for start in range(0, len(errors), 2000):
            ImportJobError.objects.bulk_create(
                ImportJobError(
                    job_id=job.pk,
                    position=position,
                    line=str(error.line)[:20],
                    column=str(error.field)[:300],
                    message=error.message,
                )
                for position, error in enumerate(errors[start : start + 2000], start)
            )


def _finish(job: ImportJob, status: str, *, file_problem: str) -> ImportJob:
    job.status = status
    job.file_problem = file_problem
    job.finished_at = timezone.now()
    job.progress_done = job.progress_total = job.size_bytes
    if status != Status.CHECKED:
        _delete_file(job)
    job.save()
    return job


def run_next(worker: str) -> ImportJob | None:
    """Claim and run the oldest queued job; expire unconfirmed uploads. The worker's loop."""
    expire_unconfirmed()
    job = claim_next(worker)
    if job is None:
        return None
    return run(job)


def expire_unconfirmed() -> int:
    """Uploads left waiting (mapping or checked) for ``IMPORT_UPLOAD_KEEP_HOURS``: cancelled."""
    cutoff = timezone.now() - timedelta(hours=settings.IMPORT_UPLOAD_KEEP_HOURS)
    expired = 0
    for job in ImportJob.objects.filter(
        status__in=[Status.MAPPING, Status.CHECKED], created_at__lt=cutoff
    ).only("pk", "status"):
        expired += cancel(job)
    return expired
