"""The exports and the summary figures through the REST API, for BI tools.

``GET /api/v1/exports/{kind}`` streams one creditor's (the API key's) rows as
CSV or JSON; ``GET /api/v1/reports/summary`` answers the weekly e-mail's
figures for any period. Each export is recorded like a staff one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import Query, Router, Schema

from recaudo.api import Problem, ProblemOut, actor_of, creditor_of, field_error, invalid
from recaudo.reports.actions import record_export
from recaudo.reports.datasets import DATASETS, ExportError
from recaudo.reports.figures import summary
from recaudo.reports.responses import export_response, file_name

router = Router(tags=["exports"])


class ExportQuery(Schema):
    period_from: date | None = None
    period_to: date | None = None
    format: Literal["csv", "json"] = "csv"
    # The CSV headers' language (JSON keys are stable names whatever the language).
    language: Literal["es", "pt-br", "en"] = "es"


class PeriodQuery(Schema):
    period_from: date
    period_to: date


def _check_period(start: date | None, end: date | None) -> None:
    if start and end and start > end:
        raise invalid([field_error(["query", "period_to"], "the period ends before it starts")])


@router.get(
    "/exports/{kind}",
    response={401: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    description=(
        "One creditor's rows, streamed: `kind` is one of "
        + ", ".join(f"`{key}`" for key in DATASETS)
        + ". Moments are ISO 8601 in UTC; amounts are decimal numbers with a currency column."
    ),
)
def export(request: HttpRequest, kind: str, query: Query[ExportQuery]) -> Any:
    data = DATASETS.get(kind)
    if data is None:
        raise Problem(404, "Not Found", f"no export '{kind}': use one of {', '.join(DATASETS)}")
    _check_period(query.period_from, query.period_to)
    creditor = creditor_of(request)
    scope = frozenset({creditor.pk})
    record_export(
        actor=actor_of(request),
        api_key=request.auth,  # type: ignore[attr-defined]  # ninja sets it (API_KEY_AUTH)
        kind=data.key,
        file_format=query.format,
        scope=scope,
        creditor=creditor,
        period_from=query.period_from,
        period_to=query.period_to,
    )
    with translation.override(query.language):
        try:
            return export_response(
                data,
                query.format,
                scope,
                name=file_name(
                    data, query.format, creditor.name, query.period_from, query.period_to
                ),
                period_from=query.period_from,
                period_to=query.period_to,
            )
        except ExportError as error:  # checked above; kept for a clear answer
            raise invalid([field_error(["query"], str(error))]) from error


@router.get(
    "/reports/summary",
    response={200: dict[str, Any], 401: ProblemOut, 422: ProblemOut},
    description=(
        "The weekly summary's figures for any period (inclusive days, UTC): recovered and "
        "open balance per currency, payments, promises made and kept, contacts sent, reasons."
    ),
)
def report_summary(request: HttpRequest, query: Query[PeriodQuery]) -> HttpResponse | Any:
    _check_period(query.period_from, query.period_to)
    start = datetime.combine(query.period_from, time(0), tzinfo=UTC)
    end = datetime.combine(query.period_to + timedelta(days=1), time(0), tzinfo=UTC)
    return summary(frozenset({creditor_of(request).pk}), start, end).as_json()
