"""The dashboards' figures, read from the daily tables (and small indexed queries).

Every function takes ``Filters`` and returns ``Table``s: the same tables feed
the pages (with their charts), their CSV downloads and the API. Definitions:
docs/insights.md.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Max, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from recaudo.insights.conf import message_cost
from recaudo.insights.models import (
    BalanceDay,
    CohortMonth,
    OutreachDay,
    RefusalDay,
    ResponseDay,
    RollMonth,
    RollWeek,
)
from recaudo.insights.rules import BUCKET_CODES, CLOSED, ratio
from recaudo.insights.snapshots import debtor_segment

Scope = frozenset[int] | None
LIQUIDATION_MONTHS = 6


@dataclass(frozen=True)
class Filters:
    """What a page shows: the reader's creditors, and the filters from the URL."""

    scope: Scope  # the creditors the reader may see; None: every creditor
    start: date
    end: date
    creditor: int | None = None
    segment: int | None = None
    country: str = ""
    channel: str = ""
    period: str = "month"  # the roll rates' period: "month" or "week"

    def creditors(self) -> Scope:
        """The creditors to count: the one chosen (within the scope) or the whole scope."""
        if self.creditor is None:
            return self.scope
        if self.scope is not None and self.creditor not in self.scope:
            return frozenset()
        return frozenset({self.creditor})

    def cut(
        self,
        rows: QuerySet[Any],
        *,
        creditor: str = "creditor_id",
        country: str | None = "country",
        segment: str | None = None,
        channel: str | None = None,
        debtor: str | None = None,
    ) -> QuerySet[Any]:
        """``rows`` within the filters. ``segment`` names a segment column; rows without one
        name their ``debtor`` instead, whose segment is the planner's last for them."""
        creditors = self.creditors()
        if creditors is not None:
            rows = rows.filter(**{f"{creditor}__in": sorted(creditors)})
        if country and self.country:
            rows = rows.filter(**{country: self.country})
        if segment and self.segment is not None:
            rows = rows.filter(**{segment: self.segment})
        elif debtor and self.segment is not None:
            rows = rows.annotate(debtor_segment=debtor_segment(debtor)).filter(
                debtor_segment=self.segment
            )
        if channel and self.channel:
            rows = rows.filter(**{channel: self.channel})
        return rows


@dataclass
class Table:
    """One figure: its rows, the columns shown, and the chart drawn from it."""

    name: str
    title: Any  # a lazy translation
    columns: list[tuple[str, Any]]  # (key, label)
    rows: list[dict[str, Any]] = field(default_factory=list)
    money: frozenset[str] = frozenset()  # columns in the row's "currency"
    rates: frozenset[str] = frozenset()  # columns that are shares (0..1)
    chart: tuple[str, str, tuple[str, ...]] | None = None  # (bar|line, label key, values)
    # False: the figure is not kept per segment and the segment filter does not apply to it
    # (the page and the API say so).
    by_segment: bool = True

    def value(self, key: str, row: dict[str, Any]) -> Any:
        """A cell's value: money to two places (SQLite's sums drop the scale)."""
        value = row.get(key)
        if key in self.money and isinstance(value, Decimal):
            return value.quantize(Decimal("0.01"))
        return value

    def as_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": str(self.title),
            "segment_applies": self.by_segment,
            "columns": [key for key, _label in self.columns],
            "rows": [
                {key: _plain(self.value(key, row)) for key, _label in self.columns}
                for row in self.rows
            ],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sum(rows: QuerySet[Any], keys: tuple[str, ...], sums: tuple[str, ...]) -> list[dict[str, Any]]:
    return list(rows.values(*keys).annotate(**{s: Sum(s) for s in sums}).order_by(*keys))


def _months(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


# --- Portfolio -----------------------------------------------------------------------


def aging(f: Filters) -> Table:
    table = Table(
        "aging",
        _("Saldo abierto por antigüedad"),
        [
            ("currency", _("Moneda")),
            ("bucket", _("Tramo")),
            ("debts", _("Deudas")),
            ("balance", _("Saldo")),
        ],
        money=frozenset({"balance"}),
        chart=("bar", "bucket", ("balance",)),
    )
    rows = f.cut(BalanceDay.objects.filter(day__lte=f.end), segment="segment_id")
    day = rows.aggregate(day=Max("day"))["day"]
    if day is None:
        return table
    found = {
        (r["currency"], r["bucket"]): r
        for r in _sum(rows.filter(day=day), ("currency", "bucket"), ("debts", "balance"))
    }
    for currency in sorted({currency for currency, _bucket in found}):
        for bucket in BUCKET_CODES:
            row = found.get((currency, bucket), {"debts": 0, "balance": Decimal(0)})
            table.rows.append(
                {
                    "currency": currency,
                    "bucket": bucket,
                    "debts": row["debts"],
                    "balance": row["balance"],
                    "day": day,
                }
            )
    return table


def rolls(f: Filters) -> Table:
    """Roll and cure rates month to month, or week to week (``f.period``)."""
    weekly = f.period == "week"
    field = "week" if weekly else "month"
    table = Table(
        "rolls",
        _("Tasas de rodamiento y de cura (semana a semana)")
        if weekly
        else _("Tasas de rodamiento y de cura (mes a mes)"),
        [
            ("week", _("Semana")) if weekly else ("month", _("Mes")),
            ("currency", _("Moneda")),
            ("from_bucket", _("Tramo inicial")),
            ("debts", _("Deudas")),
            ("balance", _("Saldo inicial")),
            ("roll_rate", _("Rodamiento")),
            ("cure_rate", _("Cura")),
        ],
        money=frozenset({"balance"}),
        rates=frozenset({"roll_rate", "cure_rate"}),
        chart=("bar", "from_bucket", ("roll_rate", "cure_rate")),
    )
    if weekly:
        first = f.start - timedelta(days=f.start.weekday())  # the range's first Monday
        found: QuerySet[Any] = RollWeek.objects.filter(week__gte=first, week__lte=f.end)
    else:
        found = RollMonth.objects.filter(month__gte=f.start.replace(day=1), month__lte=f.end)
    rows = f.cut(found, segment="segment_id")
    grouped: defaultdict[tuple[Any, ...], dict[str, Any]] = defaultdict(
        lambda: {"debts": 0, "balance": Decimal(0), "rolled": Decimal(0), "cured": Decimal(0)}
    )
    for r in _sum(rows, (field, "currency", "from_bucket", "to_bucket"), ("debts", "balance")):
        row = grouped[(r[field], r["currency"], r["from_bucket"])]
        row["debts"] += r["debts"]
        row["balance"] += r["balance"]
        if r["to_bucket"] != CLOSED and BUCKET_CODES.index(r["to_bucket"]) > BUCKET_CODES.index(
            r["from_bucket"]
        ):
            row["rolled"] += r["balance"]
        elif r["from_bucket"] != "current" and r["to_bucket"] in ("current", CLOSED):
            row["cured"] += r["balance"]
    for (start, currency, bucket), row in sorted(
        grouped.items(), key=lambda item: (item[0][0], item[0][1], BUCKET_CODES.index(item[0][2]))
    ):
        table.rows.append(
            {
                field: start,
                "currency": currency,
                "from_bucket": bucket,
                "debts": row["debts"],
                "balance": row["balance"],
                "roll_rate": ratio(row["rolled"], row["balance"]),
                "cure_rate": None if bucket == "current" else ratio(row["cured"], row["balance"]),
            }
        )
    return table


def recovery(f: Filters) -> Table:
    table = Table(
        "recovery",
        _("Recupero por mes, tasa de recupero y DSO"),
        [
            ("month", _("Mes")),
            ("currency", _("Moneda")),
            ("recovered", _("Recuperado")),
            ("opening_balance", _("Saldo al inicio")),
            ("recovery_rate", _("Tasa de recupero")),
            ("placed", _("Asignado")),
            ("closing_balance", _("Saldo al cierre")),
            ("dso", _("DSO (días)")),
        ],
        money=frozenset({"recovered", "opening_balance", "placed", "closing_balance"}),
        rates=frozenset({"recovery_rate"}),
        chart=("bar", "month", ("recovered",)),
        # Money recovered and placed is kept per placement month, not per segment (a debt
        # is placed before the planner puts its debtor in one): the balances are not cut
        # either, so the rate stays the same whole.
        by_segment=False,
    )
    cohorts = f.cut(CohortMonth.objects.all())
    balances = f.cut(BalanceDay.objects.filter(day__gte=f.start.replace(day=1), day__lte=f.end))
    recovered: defaultdict[tuple[date, str], Decimal] = defaultdict(Decimal)
    placed: defaultdict[tuple[date, str], Decimal] = defaultdict(Decimal)
    first = f.start.replace(day=1)
    for r in _sum(
        cohorts.filter(cohort__lte=f.end),
        ("cohort", "currency", "months_after"),
        ("placed", "recovered"),
    ):
        if r["months_after"] < 0:
            if r["cohort"] >= first:
                placed[(r["cohort"], r["currency"])] += r["placed"]
            continue
        month = _add_months(r["cohort"], r["months_after"])
        if first <= month <= f.end:
            recovered[(month, r["currency"])] += r["recovered"]
    days = balances.values("day").annotate(n=Sum("debts")).order_by("day")
    edges = _month_edges([row["day"] for row in days])
    totals = {
        (r["day"], r["currency"]): r["balance"]
        for r in _sum(balances, ("day", "currency"), ("balance",))
    }
    currencies = sorted(
        {c for _m, c in recovered} | {c for _m, c in placed} | {c for _d, c in totals}
    )
    for month in _months(f.start, f.end):
        opening_day, closing_day = edges.get(month, (None, None))
        for currency in currencies:
            opening = totals.get((opening_day, currency)) if opening_day else None
            closing = totals.get((closing_day, currency)) if closing_day else None
            got, put = recovered.get((month, currency), Decimal(0)), placed.get((month, currency))
            days_in = calendar.monthrange(month.year, month.month)[1]
            table.rows.append(
                {
                    "month": month,
                    "currency": currency,
                    "recovered": got,
                    "opening_balance": opening,
                    "recovery_rate": ratio(got, opening or 0),
                    "placed": put or Decimal(0),
                    "closing_balance": closing,
                    "dso": None
                    if not put or closing is None
                    else (closing / put * days_in).quantize(Decimal("0.1")),
                }
            )
    return table


def _add_months(month: date, count: int) -> date:
    total = month.year * 12 + month.month - 1 + count
    return date(total // 12, total % 12 + 1, 1)


def _month_edges(days: list[date]) -> dict[date, tuple[date, date]]:
    edges: dict[date, tuple[date, date]] = {}
    for day in days:
        month = day.replace(day=1)
        first, _last = edges.get(month, (day, day))
        edges[month] = (min(first, day), day)
    return edges


def liquidation(f: Filters) -> Table:
    columns: list[tuple[str, Any]] = [
        ("cohort", _("Mes de asignación")),
        ("currency", _("Moneda")),
        ("placed", _("Asignado")),
    ]
    columns += [(f"m{n}", _("Mes %(n)s") % {"n": n}) for n in range(LIQUIDATION_MONTHS)]
    table = Table(
        "liquidation",
        _("Curvas de liquidación por mes de asignación (recuperado acumulado)"),
        columns,
        money=frozenset({"placed"}),
        rates=frozenset(f"m{n}" for n in range(LIQUIDATION_MONTHS)),
        chart=("line", "cohort", tuple(f"m{n}" for n in range(LIQUIDATION_MONTHS))),
        by_segment=False,  # placement cohorts: a debt is placed before it has a segment
    )
    rows = f.cut(CohortMonth.objects.filter(cohort__gte=f.start.replace(day=1), cohort__lte=f.end))
    grouped: defaultdict[tuple[date, str], dict[int, Decimal]] = defaultdict(dict)
    for r in _sum(rows, ("cohort", "currency", "months_after"), ("placed", "recovered")):
        grouped[(r["cohort"], r["currency"])][r["months_after"]] = (
            r["placed"] if r["months_after"] < 0 else r["recovered"]
        )
    for (cohort, currency), values in sorted(grouped.items()):
        placed = values.get(-1, Decimal(0))
        row: dict[str, Any] = {"cohort": cohort, "currency": currency, "placed": placed}
        total = Decimal(0)
        for n in range(LIQUIDATION_MONTHS):
            total += values.get(n, Decimal(0))
            row[f"m{n}"] = ratio(total, placed) if _add_months(cohort, n) <= f.end else None
        table.rows.append(row)
    return table


# --- Channels and messages -----------------------------------------------------------------

FUNNEL_KEY = ("channel", "step_id", "template_key", "currency")
FUNNEL_COUNTS = ("planned", "sent", "delivered", "read")
FUNNEL_RESPONSES = (
    "opened",
    "opted_out",
    "complaints",
    "paid_7",
    "paid_30",
    "credited",
    "amount_credited",
)


def funnel(f: Filters) -> Table:
    table = Table(
        "funnel",
        _("Embudo por canal, paso y plantilla"),
        [
            ("channel", _("Canal")),
            ("step_id", _("Paso")),
            ("template_key", _("Plantilla")),
            ("currency", _("Moneda")),
            ("planned", _("Planificados")),
            ("sent", _("Enviados")),
            ("delivered", _("Entregados")),
            ("read", _("Leídos")),
            ("opened", _("Enlace abierto")),
            ("paid_7", _("Pagó en 7 días")),
            ("paid_30", _("Pagó en 30 días")),
            ("amount_credited", _("Recuperado atribuido")),
            ("cost", _("Costo")),
            ("cost_per_recovered", _("Costo por unidad recuperada")),
            ("opt_out_rate", _("Tasa de bajas")),
            ("complaint_rate", _("Tasa de quejas")),
        ],
        money=frozenset({"amount_credited", "cost"}),
        rates=frozenset({"cost_per_recovered", "opt_out_rate", "complaint_rate"}),
        chart=("bar", "template_key", ("sent", "delivered", "read", "opened", "paid_7")),
    )
    window = {"day__gte": f.start, "day__lte": f.end}
    cut = {"segment": "segment_id", "channel": "channel"}
    counts = _sum(f.cut(OutreachDay.objects.filter(**window), **cut), FUNNEL_KEY, FUNNEL_COUNTS)
    answers = _sum(f.cut(ResponseDay.objects.filter(**window), **cut), FUNNEL_KEY, FUNNEL_RESPONSES)
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in counts + answers:
        key = tuple(r[k] for k in FUNNEL_KEY)
        row = merged.setdefault(
            key,
            {
                **dict(zip(FUNNEL_KEY, key, strict=True)),
                **dict.fromkeys(FUNNEL_COUNTS + FUNNEL_RESPONSES, 0),
            },
        )
        for name in FUNNEL_COUNTS + FUNNEL_RESPONSES:
            if name in r:
                row[name] += r[name] or 0
    for key in sorted(merged, key=lambda k: (k[0], k[1], k[2], k[3])):
        row = merged[key]
        row["cost"] = message_cost(row["currency"], row["channel"]) * row["sent"]
        row["cost_per_recovered"] = ratio(row["cost"], row["amount_credited"])
        row["opt_out_rate"] = ratio(row["opted_out"], row["sent"])
        row["complaint_rate"] = ratio(row["complaints"], row["sent"])
        row["step_id"] = row["step_id"] or None
        table.rows.append(row)
    return table


# --- Compliance ------------------------------------------------------------------------------


def refusals(f: Filters) -> Table:
    table = Table(
        "refusals",
        _("Contactos rechazados o aplazados por regla y país"),
        [
            ("country", _("País")),
            ("outcome", _("Resultado")),
            ("reason", _("Regla o motivo")),
            ("contacts", _("Contactos")),
        ],
        chart=("bar", "reason", ("contacts",)),
    )
    rows = f.cut(
        RefusalDay.objects.filter(day__gte=f.start, day__lte=f.end),
        segment="segment_id",
        channel="channel",
    )
    table.rows = _sum(rows, ("country", "outcome", "reason"), ("contacts",))
    return table


def opt_outs(f: Filters) -> Table:
    table = Table(
        "opt_outs",
        _("Bajas y quejas por canal"),
        [
            ("channel", _("Canal")),
            ("sent", _("Enviados")),
            ("opted_out", _("Bajas")),
            ("complaints", _("Quejas")),
            ("opt_out_rate", _("Tasa de bajas")),
        ],
        rates=frozenset({"opt_out_rate"}),
        chart=("bar", "channel", ("opted_out", "complaints")),
    )
    window = {"day__gte": f.start, "day__lte": f.end}
    sent = {
        r["channel"]: r["sent"]
        for r in _sum(
            f.cut(OutreachDay.objects.filter(**window), segment="segment_id", channel="channel"),
            ("channel",),
            ("sent",),
        )
    }
    answers = {
        r["channel"]: r
        for r in _sum(
            f.cut(ResponseDay.objects.filter(**window), segment="segment_id", channel="channel"),
            ("channel",),
            ("opted_out", "complaints"),
        )
    }
    for channel in sorted(set(sent) | set(answers)):
        row = answers.get(channel, {"opted_out": 0, "complaints": 0})
        table.rows.append(
            {
                "channel": channel,
                "sent": sent.get(channel, 0),
                "opted_out": row["opted_out"],
                "complaints": row["complaints"],
                "opt_out_rate": ratio(row["opted_out"], sent.get(channel, 0)),
            }
        )
    return table


PORTFOLIO: tuple[Callable[[Filters], Table], ...] = (aging, rolls, recovery, liquidation)
CHANNELS: tuple[Callable[[Filters], Table], ...] = (funnel,)
COMPLIANCE: tuple[Callable[[Filters], Table], ...] = (refusals, opt_outs)
