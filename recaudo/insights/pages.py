"""What the dashboards and the API share: the pages, their tables, reading the filters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from recaudo.insights import figures, people
from recaudo.insights.figures import Filters, Scope, Table

PAGES: dict[str, tuple[object, tuple[Callable[[Filters], Table], ...]]] = {
    "cartera": (_("Cartera"), figures.PORTFOLIO),
    "canales": (_("Canales y mensajes"), figures.CHANNELS),
    "acuerdos": (_("Acuerdos"), people.AGREEMENTS),
    "agentes": (_("Agentes"), people.AGENTS),
    "cumplimiento": (_("Cumplimiento"), figures.COMPLIANCE),
}
# The API's names for the same pages.
API_PAGES = {
    "portfolio": "cartera",
    "channels": "canales",
    "agreements": "acuerdos",
    "agents": "agentes",
    "compliance": "cumplimiento",
}
# The roll rates' period (``periodo`` in the pages' URLs, ``period`` in the API's).
PERIODS = {"": "month", "mes": "month", "month": "month", "semana": "week", "week": "week"}
DEFAULT_DAYS = 30
MAX_DAYS = 800


class BadFilter(ValueError):
    """A filter in the URL that cannot be read: ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Query:
    """The URL's filters, as read (the form shows them back)."""

    creditor: str = ""
    segment: str = ""
    country: str = ""
    channel: str = ""
    start: str = ""
    end: str = ""
    period: str = ""


def _day(name: str, text: str, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        message = gettext("«%(value)s» no es una fecha AAAA-MM-DD") % {"value": text}
        raise BadFilter(name, message) from None


def _number(name: str, text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise BadFilter(name, gettext("«%(value)s» no es un número") % {"value": text})
    return int(text)


def read_filters(params: Mapping[str, str], scope: Scope, today: date) -> Filters:
    """``Filters`` from a URL's query (``desde``/``hasta`` or ``start``/``end``)."""
    end = _day("hasta", params.get("hasta") or params.get("end", ""), today)
    start = _day(
        "desde",
        params.get("desde") or params.get("start", ""),
        end - timedelta(days=DEFAULT_DAYS - 1),
    )
    if start > end:
        raise BadFilter("desde", gettext("la fecha inicial es posterior a la final"))
    if (end - start).days > MAX_DAYS:
        raise BadFilter("desde", gettext("el período supera %(days)s días") % {"days": MAX_DAYS})
    country = (params.get("pais") or params.get("country", "")).strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise BadFilter("pais", gettext("«%(value)s» no es un código de país") % {"value": country})
    period = PERIODS.get((params.get("periodo") or params.get("period", "")).strip().lower())
    if period is None:
        raise BadFilter(
            "periodo",
            gettext("«%(value)s» no es un período: semana o mes")
            % {"value": params.get("periodo") or params.get("period")},
        )
    return Filters(
        scope=scope,
        period=period,
        start=start,
        end=end,
        creditor=_number("acreedor", params.get("acreedor") or params.get("creditor", "")),
        segment=_number("segmento", params.get("segmento") or params.get("segment", "")),
        country=country,
        channel=(params.get("canal") or params.get("channel", "")).strip().lower()[:10],
    )


def tables(page: str, filters: Filters) -> list[Table]:
    _title, makers = PAGES[page]
    return [make(filters) for make in makers]
