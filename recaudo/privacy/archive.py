"""The archive job: finished rows out of the live tables, and expired ones out of the archive.

``run`` moves, source by source, rows older than the cut-off into
``ArchivedRecord`` in batches. Each batch is one transaction that copies and
then deletes: a batch killed half-way rolls back whole, so nothing is lost
or copied twice, and a re-run simply carries on (the copy also ignores a row
already archived, by the ``archived_once_per_source`` constraint). Then
``purge`` deletes archived rows past their retention: the rule pack of the
row's country for contact and accounting records, ``ARCHIVE_WEBHOOK_RETENTION_DAYS``
for providers' raw payloads. On PostgreSQL the table is partitioned by
month; a month's partition is created just before its first row is copied
and dropped once it is past and empty.

What is archived, and why the default cut-off (``ARCHIVE_AFTER_MONTHS``, 6)
is safe, is in docs/privacy.md.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q

from recaudo.compliance.packs import get_pack, retention_years
from recaudo.outreach import privacy as outbox
from recaudo.outreach.models import Outreach, WebhookEvent
from recaudo.payments.models import MessageLink, PaymentWebhookEvent
from recaudo.portfolio.models import AuditEvent, Creditor, Debtor
from recaudo.privacy.hooks import archive_steps
from recaudo.privacy.models import ArchivedRecord

Kind = ArchivedRecord.Kind
RecordClass = ArchivedRecord.RecordClass
TABLE = ArchivedRecord._meta.db_table
# pg_try_advisory_lock key: one archive job at a time (partitions are created and dropped).
LOCK_KEY = 0x7265636175646F
# Audit events about money stay as long as the books; the rest are contact records.
ACCOUNTING_EVENTS = frozenset(
    {
        AuditEvent.Kind.DEBT_CREATED,
        AuditEvent.Kind.DEBTS_CREATED,
        AuditEvent.Kind.DEBT_UPDATED,
        AuditEvent.Kind.DEBT_STATUS_CHANGED,
        AuditEvent.Kind.PAYMENT_RECORDED,
        AuditEvent.Kind.PAYMENT_REVERSED,
        AuditEvent.Kind.DEBTOR_EXPORTED,
        AuditEvent.Kind.DEBTOR_ERASED,
    }
)


class ArchiveBusy(RuntimeError):
    """Another archive job holds the lock."""


def months_before(moment: datetime, months: int) -> datetime:
    """``moment`` moved back ``months`` calendar months (the day clipped to the month's end)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def years_before(moment: datetime, years: int) -> datetime:
    return months_before(moment, years * 12)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return None
    if isinstance(value, int | float | str | bool | list | dict) or value is None:
        return value
    return str(value)


def row_data(row: models.Model) -> dict[str, Any]:
    return {f.attname: _jsonable(getattr(row, f.attname)) for f in row._meta.concrete_fields}


# --- Sources -------------------------------------------------------------------


class Source(Protocol):
    @property
    def kind(self) -> str: ...

    def pick(self, cutoff: datetime, limit: int) -> Sequence[models.Model]: ...

    def count(self, cutoff: datetime) -> int: ...

    def records(self, rows: Sequence[Any], now: datetime) -> list[ArchivedRecord]: ...

    def delete(self, ids: list[int]) -> None: ...


def _countries(model: type[models.Model], ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    return dict(model._default_manager.filter(pk__in=wanted).values_list("pk", "country"))


class OutreachSource:
    """The outbox's finished rows (contact records, the debtor's country)."""

    kind = Kind.OUTREACH

    def pick(self, cutoff: datetime, limit: int) -> Sequence[Outreach]:
        return outbox.archivable(cutoff, limit)

    def count(self, cutoff: datetime) -> int:
        return outbox.count_archivable(cutoff)

    def records(self, rows: Sequence[Any], now: datetime) -> list[ArchivedRecord]:
        countries = _countries(Debtor, (row.debtor_id for row in rows))
        return [
            ArchivedRecord(
                kind=self.kind,
                source_id=row.pk,
                creditor_id=row.creditor_id,
                debtor_id=row.debtor_id,
                country=countries.get(row.debtor_id, ""),
                record_class=RecordClass.CONTACT,
                occurred_at=row.created_at,
                archived_at=now,
                data=outbox.archived_form(row),
            )
            for row in rows
        ]

    def delete(self, ids: list[int]) -> None:
        outbox.delete_archived(ids)


@dataclass(frozen=True)
class WebhookSource:
    """Processed webhooks (raw provider payloads: their own retention setting)."""

    kind: str
    model: type[WebhookEvent] | type[PaymentWebhookEvent]

    def _due(self, cutoff: datetime) -> models.QuerySet[Any]:
        return self.model._default_manager.filter(
            processed_at__isnull=False, processed_at__lt=cutoff, received_at__lt=cutoff
        )

    def pick(self, cutoff: datetime, limit: int) -> Sequence[models.Model]:
        rows = self._due(cutoff).order_by("id")
        if connection.vendor == "postgresql":
            rows = rows.select_for_update(skip_locked=True)
        return list(rows[:limit])

    def count(self, cutoff: datetime) -> int:
        return self._due(cutoff).count()

    def records(self, rows: Sequence[Any], now: datetime) -> list[ArchivedRecord]:
        records = []
        for row in rows:
            data = row_data(row)
            body = data.pop("body")
            records.append(
                ArchivedRecord(
                    kind=self.kind,
                    source_id=row.pk,
                    record_class=RecordClass.TRANSPORT,
                    occurred_at=row.received_at,
                    archived_at=now,
                    data=data,
                    text=body,
                )
            )
        return records

    def delete(self, ids: list[int]) -> None:
        self.model._default_manager.filter(pk__in=ids).delete()


class AuditSource:
    """Audit events: accounting records (creditor's country) or contact records (debtor's)."""

    kind = Kind.AUDIT

    def _due(self, cutoff: datetime) -> models.QuerySet[AuditEvent]:
        return AuditEvent.objects.filter(created_at__lt=cutoff)

    def pick(self, cutoff: datetime, limit: int) -> Sequence[AuditEvent]:
        rows = self._due(cutoff).order_by("id")
        if connection.vendor == "postgresql":
            rows = rows.select_for_update(skip_locked=True)
        return list(rows[:limit])

    def count(self, cutoff: datetime) -> int:
        return self._due(cutoff).count()

    def records(self, rows: Sequence[Any], now: datetime) -> list[ArchivedRecord]:
        debtors = _countries(Debtor, (row.debtor_id for row in rows))
        creditors = _countries(Creditor, (row.creditor_id for row in rows))
        records = []
        for row in rows:
            creditor_country = creditors.get(row.creditor_id, "")
            if row.kind in ACCOUNTING_EVENTS:
                record_class, country = RecordClass.ACCOUNTING, creditor_country
            else:
                record_class = RecordClass.CONTACT
                country = debtors.get(row.debtor_id or 0, creditor_country)
            records.append(
                ArchivedRecord(
                    kind=self.kind,
                    source_id=row.pk,
                    creditor_id=row.creditor_id,
                    debtor_id=row.debtor_id,
                    country=country,
                    record_class=record_class,
                    occurred_at=row.created_at,
                    archived_at=now,
                    data=row_data(row),
                )
            )
        return records

    def delete(self, ids: list[int]) -> None:
        # Append-only for everyone else; the archive is where old events go.
        AuditEvent.objects.filter(pk__in=ids).delete()


SOURCES: tuple[Source, ...] = (
    OutreachSource(),
    WebhookSource(Kind.WEBHOOK, WebhookEvent),
    WebhookSource(Kind.PAYMENT_WEBHOOK, PaymentWebhookEvent),
    AuditSource(),
)


# --- Partitions (PostgreSQL) -------------------------------------------------------


def _month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def _next_month(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def partition_name(month: datetime) -> str:
    return f"{TABLE}_p{month:%Y%m}"


def ensure_partitions(moments: Iterable[datetime]) -> list[str]:
    """Create the month partitions these moments fall in (PostgreSQL); the names created."""
    if connection.vendor != "postgresql":
        return []
    existing = set(partitions())
    created = []
    for month in sorted({_month_start(moment) for moment in moments}):
        name = partition_name(month)
        if name in existing:
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF "{TABLE}" '
                "FOR VALUES FROM (%s) TO (%s)",
                [month, _next_month(month)],
            )
        created.append(name)
    return created


def partitions() -> list[str]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [TABLE],
        )
        return [name for (name,) in cursor.fetchall()]


def drop_empty_partitions(now: datetime) -> list[str]:
    """Drop past months' partitions that hold nothing any more; the names dropped."""
    dropped = []
    this_month = f"{TABLE}_p{_month_start(now):%Y%m}"
    for name in partitions():
        if name >= this_month:
            continue
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{name}")')
            (has_rows,) = cursor.fetchone()
            if not has_rows:
                cursor.execute(f'DROP TABLE "{name}"')
                dropped.append(name)
    return dropped


# --- The job ----------------------------------------------------------------------


@dataclass
class Report:
    cutoff: datetime
    dry_run: bool
    moved: Counter[str] = field(default_factory=Counter)
    purged: Counter[str] = field(default_factory=Counter)
    partitions_created: list[str] = field(default_factory=list)
    partitions_dropped: list[str] = field(default_factory=list)


def move_batch(
    source: Source,
    cutoff: datetime,
    batch_size: int,
    now: datetime,
    *,
    after_copy: Callable[[], None] | None = None,
) -> tuple[int, list[str]]:
    """Copy then delete one batch, in one transaction; (rows moved, partitions created).

    ``after_copy`` runs between the copy and the delete (tests use it to kill
    a batch half-way).
    """
    with transaction.atomic():
        rows = source.pick(cutoff, batch_size)
        if not rows:
            return 0, []
        records = source.records(rows, now)
        created = ensure_partitions(record.occurred_at for record in records)
        ArchivedRecord.objects.bulk_create(records, ignore_conflicts=True)
        if after_copy is not None:
            after_copy()
        source.delete([row.pk for row in rows])
    return len(rows), created


def dead_message_links(cutoff: datetime, *, dry_run: bool = False) -> models.QuerySet[Any]:
    """Messages' own tokens (``MessageLink``) whose message has been archived (in a dry
    run: is gone or would be) and whose debtor's link expired or was revoked before
    ``cutoff``: nothing opens through them any more."""
    kept = Outreach.objects.filter(pk=OuterRef("outreach_id"))
    if dry_run:
        kept = kept.exclude(outbox.finished_before(cutoff))
    return MessageLink.objects.filter(
        Q(link__expires_at__lt=cutoff) | Q(link__revoked_at__lt=cutoff)
    ).filter(~Exists(kept))


def purge_message_links(cutoff: datetime, batch_size: int, report: Report) -> None:
    """Delete the dead tokens of archived messages, a batch per transaction."""
    dead = dead_message_links(cutoff, dry_run=report.dry_run)
    if report.dry_run:
        report.purged["message_link"] += dead.count()
        return
    while True:
        with transaction.atomic():
            ids = list(dead.order_by("id").values_list("id", flat=True)[:batch_size])
            if not ids:
                break
            MessageLink.objects.filter(id__in=ids).delete()
        report.purged["message_link"] += len(ids)


def retention_cutoff(country: str, record_class: str, now: datetime) -> datetime:
    """Archived records of this country and class from before this moment are past retention."""
    if record_class == RecordClass.TRANSPORT:
        return now - timedelta(days=settings.ARCHIVE_WEBHOOK_RETENTION_DAYS)
    # No country (or one without a pack): the generic pack, the longest of all.
    return years_before(now, retention_years(get_pack(country or "ZZ"), record_class))


def _expired(now: datetime) -> list[models.QuerySet[ArchivedRecord]]:
    groups = ArchivedRecord.objects.values_list("country", "record_class").distinct().order_by()
    return [
        ArchivedRecord.objects.filter(
            country=country,
            record_class=record_class,
            occurred_at__lt=retention_cutoff(country, record_class, now),
        )
        for country, record_class in groups
    ]


def purge(now: datetime, batch_size: int, report: Report) -> None:
    """Delete archived rows past their retention, in batches; then empty past partitions."""
    for expired in _expired(now):
        if report.dry_run:
            for kind, count in expired.values_list("kind").annotate(n=models.Count("id")):
                report.purged[kind] += count
            continue
        while True:
            with transaction.atomic():
                batch = list(expired.order_by("occurred_at").values_list("id", "kind")[:batch_size])
                if not batch:
                    break
                expired.filter(id__in=[row_id for row_id, _ in batch]).delete()
            report.purged.update(kind for _, kind in batch)
    if not report.dry_run:
        report.partitions_dropped = drop_empty_partitions(now)


def run(
    *,
    now: datetime,
    months: int,
    batch_size: int,
    dry_run: bool = False,
    sources: Sequence[Source] = SOURCES,
) -> Report:
    """Archive what is older than ``months`` and purge what is past retention."""
    cutoff = months_before(now, months)
    report = Report(cutoff=cutoff, dry_run=dry_run)
    with _job_lock():
        for source in sources:
            if dry_run:
                report.moved[source.kind] += source.count(cutoff)
                continue
            while True:
                moved, created = move_batch(source, cutoff, batch_size, now)
                if not moved:
                    break
                report.moved[source.kind] += moved
                report.partitions_created.extend(created)
        purge_message_links(cutoff, batch_size, report)
        purge(now, batch_size, report)
        # Rows of apps above this one with their own retention (integrations: delivered events).
        for step in archive_steps():
            report.purged.update(step(now, batch_size, dry_run))
    return report


class _job_lock:
    def __enter__(self) -> None:
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            (locked,) = cursor.fetchone()
        if not locked:
            raise ArchiveBusy("another archive job is running")

    def __exit__(self, *exc: object) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
