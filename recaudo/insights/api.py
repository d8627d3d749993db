"""The dashboards' figures for BI tools: ``GET /api/v1/insights/{page}`` (JSON).

The API key's creditor is the scope: the same tables as the pages under
/equipo/resultados/ (``pages.tables``), over that creditor only, with the same
filters (``start``, ``end``, ``segment``, ``country``, ``channel``). Numbers
are plain (money as strings with two decimals, shares 0..1 as strings with
four); definitions in docs/insights.md.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from recaudo.api import Problem, ProblemOut, creditor_of, field_error, invalid
from recaudo.insights.pages import API_PAGES, BadFilter, read_filters, tables

router = Router(tags=["insights"])


class InsightsFilters(Schema):
    start: str = ""
    end: str = ""
    segment: str = ""
    country: str = ""
    channel: str = ""
    # The roll rates' period: "month" (default) or "week".
    period: str = ""


class TableOut(Schema):
    name: str
    title: str
    # False: the figure is not kept per segment; the segment filter does not apply to it.
    segment_applies: bool
    columns: list[str]
    rows: list[dict[str, Any]]


class PageOut(Schema):
    page: str
    creditor: str
    start: str
    end: str
    tables: list[TableOut]


@router.get(
    "/insights/{page}",
    response={200: PageOut, 401: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="One results dashboard's figures",
)
def insights_page(
    request: HttpRequest, page: str, filters: Query[InsightsFilters]
) -> dict[str, Any]:
    """``page``: portfolio, channels, agreements, agents or compliance."""
    if page not in API_PAGES:
        raise Problem(
            404, "Not found", f"no page '{page}': one of {', '.join(API_PAGES)}", kind="not-found"
        )
    creditor = creditor_of(request)
    params = {key: value for key, value in filters.dict().items() if value}
    try:
        found = read_filters(params, frozenset({creditor.pk}), timezone.now().date())
    except BadFilter as error:
        field = _API_NAMES.get(error.field, error.field)
        raise invalid([field_error([field], error.message)]) from None
    return {
        "page": page,
        "creditor": creditor.name,
        "start": found.start.isoformat(),
        "end": found.end.isoformat(),
        "tables": [table.as_data() for table in tables(API_PAGES[page], found)],
    }


_API_NAMES = {
    "desde": "start",
    "hasta": "end",
    "pais": "country",
    "segmento": "segment",
    "periodo": "period",
}
