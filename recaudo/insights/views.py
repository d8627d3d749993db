"""The results dashboards under /equipo/resultados/: thin views over ``pages`` and
``figures`` (docs/insights.md). Every page is scoped to the reader's creditors: a creditor
outside them is a 404; creditor viewers see only their clients."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import format_percent
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext

from recaudo.conversations.scope import AgentRequest, creditor_scope, scoped
from recaudo.conversations.views import staff_only
from recaudo.exports import XLSX_CONTENT_TYPE, csv_writer, xlsx_writer
from recaudo.insights.charts import chart
from recaudo.insights.figures import Table
from recaudo.insights.models import OutreachDay
from recaudo.insights.pages import PAGES, BadFilter, read_filters, tables
from recaudo.languages import FALLBACK, locale_for, staff_money
from recaudo.policies.models import Segment
from recaudo.portfolio.models import ContactPoint, Creditor


@staff_only
def index(request: AgentRequest) -> HttpResponse:
    return redirect("insights:page", page="cartera")


def _filters(request: AgentRequest) -> Any:
    scope = creditor_scope(request.user)
    # The figures are kept by UTC day (insights/actions.py), so "today" is the UTC date:
    # in a zone behind UTC the local date would miss the day's balance snapshot.
    filters = read_filters(request.GET, scope, timezone.now().date())
    if filters.creditor is not None and not filters.creditors():
        raise Http404
    return filters


@staff_only
def page(request: AgentRequest, page: str) -> HttpResponse:
    if page not in PAGES:
        raise Http404
    scope = creditor_scope(request.user)
    context: dict[str, Any] = {
        "pages": [(slug, title) for slug, (title, _) in PAGES.items()],
        "page": page,
        "title": PAGES[page][0],
        "query": request.GET.urlencode(),
        "values": {
            name: request.GET.get(name, "")
            for name in ("acreedor", "segmento", "pais", "canal", "desde", "hasta", "periodo")
        },
        "creditors": scoped(Creditor.objects.order_by("name"), scope, "id"),
        "segments": scoped(Segment.objects.order_by("name"), scope),
        "countries": sorted(
            set(
                scoped(OutreachDay.objects.all(), scope)
                .values_list("country", flat=True)
                .distinct()
            )
        ),
        "channels": ContactPoint.Channel.choices,
    }
    try:
        filters = _filters(request)
    except BadFilter as error:
        context["error"] = error
        return render(request, "insights/page.html", context, status=400)
    context["filters"] = filters
    made = tables(page, filters)
    # Figures the segment filter does not split: named next to the filter, always.
    context["unsplit"] = ", ".join(str(table.title) for table in made if not table.by_segment)
    context["tables"] = [_shown(table) for table in made]
    return render(request, "insights/page.html", context)


@staff_only
def table_csv(request: AgentRequest, page: str, table: str) -> HttpResponse:
    return _download(request, page, table, "csv")


@staff_only
def table_xlsx(request: AgentRequest, page: str, table: str) -> HttpResponse:
    return _download(request, page, table, "xlsx")


def _download(request: AgentRequest, page: str, table: str, file_format: str) -> HttpResponse:
    """One table of a dashboard page as the reader filtered it, as CSV or XLSX."""
    if page not in PAGES:
        raise Http404
    try:
        filters = _filters(request)
    except BadFilter as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    found = [t for t in tables(page, filters) if t.name == table]
    if not found:
        raise Http404
    data = found[0].as_data()
    header = [str(label) for _key, label in found[0].columns]
    rows = (
        ["" if row[key] is None else row[key] for key in data["columns"]] for row in data["rows"]
    )
    name = f"{page}-{table}-{filters.start}-{filters.end}.{file_format}"
    # Cells a spreadsheet would run as a formula (a rule's reason, a template key) are
    # quoted by both writers.
    if file_format == "xlsx":
        workbook = xlsx_writer(table)
        content = io.BytesIO()
        try:
            workbook.writerow(header)
            for row in rows:
                workbook.writerow(row)
            workbook.save(content)
        finally:
            workbook.close()
        response = HttpResponse(content.getvalue(), content_type=XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv_writer(response)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _cell(table: Table, key: str, row: dict[str, Any]) -> str:
    value = row.get(key)
    if value is None:
        return "-"
    if key in table.money:
        return staff_money(value, row.get("currency", ""))
    if key in table.rates:
        locale = locale_for(get_language() or FALLBACK, "")
        return format_percent(Decimal(value), "#,##0.##%", locale=locale)
    if isinstance(value, date):
        if value.day == 1 and key in ("month", "cohort"):
            return formats.date_format(value, "YEAR_MONTH_FORMAT")
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, int | Decimal | float):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return str(value)


def _shown(table: Table) -> dict[str, Any]:
    """A table as the page shows it: formatted cells, and its chart."""
    svg = ""
    if table.chart and table.rows:
        kind, label_key, keys = table.chart
        several = len({r.get("currency") for r in table.rows}) > 1
        labels = [
            _cell(table, label_key, row) + (f" {row.get('currency')}" if several else "")
            for row in table.rows
        ]
        names = dict(table.columns)
        if kind == "line":
            # One line per row (a cohort), over the columns (months after placement).
            labels = [str(names[key]) for key in keys]
            series = [
                (_cell(table, label_key, row), [row.get(key) for key in keys]) for row in table.rows
            ]
        else:
            series = [(str(names[key]), [r.get(key) for r in table.rows]) for key in keys]
        svg = chart(kind, str(table.title), labels, series)
    return {
        "name": table.name,
        "title": table.title,
        "columns": [
            (key, label, key in table.money or key in table.rates) for key, label in table.columns
        ],
        "rows": [[_cell(table, key, row) for key, _label in table.columns] for row in table.rows],
        "chart": svg,
        "by_segment": table.by_segment,
        "empty": gettext("Sin datos en este período."),
    }
