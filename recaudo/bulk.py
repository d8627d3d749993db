"""Fast multi-row INSERT for bulk paths (imports, the planner).

Django's ``bulk_create`` builds and compiles SQL for every batch and prepares
every value through its field, which costs more than the database's own work
at a million rows. Here the values are converted once per column type, then
sent with ``COPY`` on PostgreSQL and ``executemany`` on SQLite. Callers pass
complete rows (no defaults are applied) and read generated ids back by their
natural keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import connection, models


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
        return _json_text
    return None


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
    fields = [model._meta.get_field(name) for name in columns]
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
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for values in prepared:
                    copy.write_row(values)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", prepared)
