"""An export as an HTTP response: CSV and JSON streamed, XLSX from its temporary file."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.utils.text import slugify
from django.utils.translation import get_language

from recaudo.conversations.scope import Scope
from recaudo.exports import XLSX_CONTENT_TYPE
from recaudo.reports.copy import copy_chunks, copy_statement
from recaudo.reports.datasets import Dataset
from recaudo.reports.streaming import csv_chunks, csv_header, json_chunks, xlsx_file

FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": XLSX_CONTENT_TYPE,
    "json": "application/json",
}


def file_name(
    data: Dataset, file_format: str, who: str, period_from: date | None, period_to: date | None
) -> str:
    parts = [data.key, slugify(who) or "todos"]
    if period_from:
        parts.append(period_from.isoformat())
    if period_to:
        parts.append(period_to.isoformat())
    return "-".join(parts) + "." + file_format


def export_response(
    data: Dataset,
    file_format: str,
    scope: Scope,
    *,
    name: str,
    period_from: date | None = None,
    period_to: date | None = None,
    byte_order_mark: bool = False,
) -> StreamingHttpResponse | FileResponse:
    """The response for ``data`` in ``file_format``; the rows are read as it is sent
    (an XLSX is written to disk first: a workbook is a zip whose index comes last)."""
    rows = data.rows(scope, period_from, period_to)
    if file_format == "xlsx":
        handle = xlsx_file(data.headers(), rows, str(data.title))
        return FileResponse(
            handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES["xlsx"]
        )
    if file_format == "json":
        response = StreamingHttpResponse(
            json_chunks(data.keys(), rows), content_type=CONTENT_TYPES["json"]
        )
    elif connection.vendor == "postgresql":
        header = csv_header(data.headers(), byte_order_mark=byte_order_mark).encode()
        try:
            statement, params = copy_statement(data, scope, period_from, period_to)
        except EmptyResultSet:  # a scope of no creditor: the header alone
            body: Iterable[bytes] = [header]
        else:
            body = itertools.chain([header], copy_chunks(statement, params))
        response = StreamingHttpResponse(body, content_type=CONTENT_TYPES["csv"])
    else:
        response = StreamingHttpResponse(
            csv_chunks(data.headers(), rows, byte_order_mark=byte_order_mark),
            content_type=CONTENT_TYPES["csv"],
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Export-Timezone"] = "UTC"
    response["Content-Language"] = get_language() or "es"
    return response
