"""Fast multi-row INSERT for bulk paths (imports, the planner).

Django's ``bulk_create`` builds and compiles SQL for every batch and prepares
every value through its field, which costs more than the database's own work
at a million rows. Here the values are converted once per column type, then
sent with binary ``COPY`` on PostgreSQL and ``executemany`` on SQLite. Callers pass
complete rows (no defaults are applied) and read generated ids back by their
natural keys.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, cast

from django.db import connection, models
from psycopg.types.json import Jsonb


class RawJSON(str):
    """JSON text already serialised; written as is."""


def _json_text(value: Any) -> str:
    if isinstance(value, RawJSON):
        return value
    if not value and isinstance(value, list | dict):
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value, default=_json_default)


def _sqlite_converter(field: models.Field) -> Callable[[Any], Any] | None:
    kind = field.get_internal_type()
    if kind == "DecimalField":
        return lambda value: None if value is None else str(value)
    if kind == "DateTimeField":
        return _datetime_text
    if kind == "DateField":
        return lambda value: None if value is None else value.isoformat()
    if kind == "JSONField":
        return _json_text
    return None


def _postgres_converter(field: models.Field) -> Callable[[Any], Any] | None:
    if field.get_internal_type() == "JSONField":
        return _jsonb
    return None


def _jsonb(value: Any) -> Jsonb:
    if isinstance(value, RawJSON):
        return Jsonb(value, dumps=str)  # already JSON text: sent as it is
    return Jsonb(value, dumps=lambda item: json.dumps(item, default=_json_default))


# Binary COPY needs each column's type; these are the ones the models use.
_BINARY_TYPES = {
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "varchar": "text",
    "text": "text",
    "numeric": "numeric",
    "date": "date",
    "timestamp with time zone": "timestamptz",
    "boolean": "bool",
    "jsonb": "jsonb",
    "uuid": "uuid",
}


def _binary_type(field: models.Field) -> str:
    db_type = field.db_type(connection) or ""
    name = db_type.split("(", 1)[0].strip()
    try:
        return _BINARY_TYPES[name]
    except KeyError:
        raise ValueError(f"insert_rows: no binary COPY type for {field} ({db_type})") from None


@lru_cache(maxsize=64)  # bulk rows mostly share one timestamp
def _datetime_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples ordered as ``columns``, field attnames) into ``model``'s table."""
    if not rows:
        return
    # Attnames name concrete columns, never a reverse relation or a generic foreign key.
    fields = [cast(models.Field, model._meta.get_field(name)) for name in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    pick = _postgres_converter if connection.vendor == "postgresql" else _sqlite_converter
    converters = [
        (index, converter) for index, field in enumerate(fields) if (converter := pick(field))
    ]
    if converters:
        prepared = []
        for row in rows:
            values = list(row)
            for index, converter in converters:
                values[index] = converter(values[index])
            prepared.append(values)
    else:
        prepared = [list(row) for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Binary COPY: psycopg's C dumpers and no text parsing on the
            # server; twice as fast as the text format for a million rows.
            types = [_binary_type(field) for field in fields]
            with cursor.cursor.copy(
                f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(types)
                for values in prepared:
                    copy.write_row(values)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", prepared)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Take ``count`` primary keys for rows the caller is about to insert.

    Knowing the ids up front spares reading them back by natural key, which
    cost as much as the inserts themselves in large imports. On PostgreSQL the
    ids come from the table's sequence, so concurrent writers never collide.
    On SQLite the caller holds the database's write lock (transactions start
    IMMEDIATE, see settings), so nobody else can take the same numbers; the
    sequence is moved past them so that AUTOINCREMENT never reuses one.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids needs a transaction that holds the write lock")
        quoted = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT max(coalesce((SELECT max({connection.ops.quote_name(column)}) "
            f"FROM {quoted}), 0), coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        first = cursor.fetchone()[0] + 1
        last = first + count - 1
        cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last, table])
        if cursor.rowcount == 0:
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last])
        return list(range(first, last + 1))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the length of a bulk operation.

    An import or a planner run keeps millions of small objects alive (ids, seen keys, rows);
    every collection walks them all, which cost a tenth of a large import.
    Rows hold no reference cycles, so nothing is lost by collecting later.
    The forked reader inherits the paused state.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
