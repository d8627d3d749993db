"""Agreements and agents: figures read straight from their tables (small, indexed by
creditor and date) rather than from daily aggregates (docs/insights.md)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, F, Min, Q, Sum
from django.utils.translation import gettext_lazy as _

from recaudo.conversations.models import CallAssignment, Message, Thread
from recaudo.insights.figures import Filters, Table, ratio
from recaudo.insights.models import AgentDay
from recaudo.outreach.models import Outreach
from recaudo.payments.models import DebtorRequest, InstalmentPlan, Promise

# A request granted: approved, or approved and since paid.
GRANTED = (DebtorRequest.Status.APPROVED, DebtorRequest.Status.SETTLED)


def _span(f: Filters) -> tuple[datetime, datetime]:
    """The date range as UTC moments: from the start day's midnight to the end day's last."""
    return (
        datetime.combine(f.start, time.min, tzinfo=UTC),
        datetime.combine(f.end + timedelta(days=1), time.min, tzinfo=UTC),
    )


def promises(f: Filters) -> Table:
    table = Table(
        "promises",
        _("Promesas de pago hechas en el período"),
        [
            ("currency", _("Moneda")),
            ("status", _("Estado")),
            ("count", _("Promesas")),
            ("amount", _("Monto")),
        ],
        money=frozenset({"amount"}),
        chart=("bar", "status", ("count",)),
    )
    start, end = _span(f)
    rows = f.cut(
        Promise.objects.filter(created_at__gte=start, created_at__lt=end),
        country="debtor__country",
        debtor="debtor_id",
    )
    found = {
        (r["currency"], r["status"]): r
        for r in rows.values("currency", "status").annotate(count=Count("id"), amount=Sum("amount"))
    }
    for currency in sorted({c for c, _status in found}):
        made = {"currency": currency, "status": "made", "count": 0, "amount": Decimal(0)}
        for status in Promise.Status.values:
            row = found.get((currency, status), {"count": 0, "amount": Decimal(0)})
            made["count"] += row["count"]
            made["amount"] += row["amount"] or 0
        table.rows.append(made)
        for status in Promise.Status.values:
            row = found.get((currency, status), {"count": 0, "amount": Decimal(0)})
            table.rows.append(
                {
                    "currency": currency,
                    "status": status,
                    "count": row["count"],
                    "amount": row["amount"] or Decimal(0),
                }
            )
    return table


def plans(f: Filters) -> Table:
    table = Table(
        "plans",
        _("Planes de cuotas acordados en el período"),
        [
            ("currency", _("Moneda")),
            ("status", _("Estado")),
            ("count", _("Planes")),
            ("total", _("Total")),
        ],
        money=frozenset({"total"}),
        chart=("bar", "status", ("count",)),
    )
    start, end = _span(f)
    rows = f.cut(
        InstalmentPlan.objects.filter(created_at__gte=start, created_at__lt=end),
        country="debtor__country",
        debtor="debtor_id",
    )
    table.rows = [
        {**r, "total": r["total"] or Decimal(0)}
        for r in rows.values("currency", "status")
        .annotate(count=Count("id"), total=Sum("total"))
        .order_by("currency", "status")
    ]
    return table


def requests(f: Filters) -> Table:
    table = Table(
        "requests",
        _("Pedidos de descuento y de nueva fecha"),
        [
            ("kind", _("Tipo")),
            ("currency", _("Moneda")),
            ("waiting", _("En espera hoy")),
            ("decided", _("Decididos en el período")),
            ("granted", _("Otorgados")),
            ("discount_cost", _("Costo de los descuentos")),
            ("hours_to_decision", _("Horas hasta decidir (promedio)")),
        ],
        money=frozenset({"discount_cost"}),
        chart=("bar", "kind", ("waiting", "decided", "granted")),
    )
    start, end = _span(f)
    every = f.cut(DebtorRequest.objects.all(), country="debtor__country", debtor="debtor_id")
    rows: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"waiting": 0, "decided": 0, "granted": 0, "discount_cost": Decimal(0), "hours": []}
    )
    for r in (
        every.filter(status=DebtorRequest.Status.PENDING)
        .values("kind", "currency")
        .annotate(n=Count("id"))
    ):
        rows[(r["kind"], r["currency"])]["waiting"] = r["n"]
    decided = every.filter(decided_at__gte=start, decided_at__lt=end)
    for kind, currency, status, owed, amount, asked, answered in decided.values_list(
        "kind", "currency", "status", "owed", "amount", "created_at", "decided_at"
    ):
        row = rows[(kind, currency)]
        row["decided"] += 1
        row["hours"].append((answered - asked).total_seconds() / 3600)
        if status in GRANTED:
            row["granted"] += 1
            if kind == DebtorRequest.Kind.DISCOUNT and owed is not None and amount is not None:
                row["discount_cost"] += owed - amount
    for (kind, currency), row in sorted(rows.items()):
        hours = row.pop("hours")
        table.rows.append(
            {
                "kind": kind,
                "currency": currency,
                **row,
                "hours_to_decision": round(sum(hours) / len(hours), 1) if hours else None,
            }
        )
    return table


def agents(f: Filters) -> Table:
    table = Table(
        "agents",
        _("Agentes: conversaciones, tiempos y llamadas"),
        [
            ("agent", _("Agente")),
            ("threads", _("Conversaciones atendidas")),
            ("first_response_minutes", _("Primera respuesta (min, promedio)")),
            ("resolution_hours", _("Resolución (h, promedio)")),
            ("calls", _("Llamadas hechas")),
            ("promises", _("Promesas obtenidas en llamada")),
        ],
        chart=("bar", "agent", ("threads", "calls")),
        by_segment=False,
    )
    start, end = _span(f)
    creditors = f.creditors()
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"threads": 0, "first": [], "resolution": [], "calls": 0, "promises": 0}
    )
    # Conversations each agent took up (first wrote in) in the range: the folded daily table.
    taken = f.cut(AgentDay.objects.filter(day__gte=f.start, day__lte=f.end))
    names = dict(User.objects.filter(id__in=taken.values("agent_id")).values_list("id", "username"))
    for r in taken.values("agent_id").annotate(n=Sum("threads")).order_by():
        rows[names.get(r["agent_id"], str(r["agent_id"]))]["threads"] = r["n"]
    handed = Thread.objects.filter(
        handed_off_at__gte=start, handed_off_at__lt=end, assigned_to__isnull=False
    )
    handed = f.cut(handed, country="debtor__country")
    for username, handed_at, state, updated, answered in handed.annotate(
        answered=Min(
            "messages__occurred_at",
            filter=Q(
                messages__author=Message.Author.AGENT, messages__occurred_at__gte=F("handed_off_at")
            ),
        )
    ).values_list("assigned_to__username", "handed_off_at", "state", "updated_at", "answered"):
        if answered is not None and handed_at is not None:
            rows[username]["first"].append((answered - handed_at).total_seconds() / 60)
        if state == Thread.State.CLOSED and handed_at is not None:
            rows[username]["resolution"].append((updated - handed_at).total_seconds() / 3600)
    calls = CallAssignment.objects.filter(
        outreach__sent_at__gte=start,
        outreach__sent_at__lt=end,
        outreach__status=Outreach.Status.SENT,
    )
    if creditors is not None:
        calls = calls.filter(outreach__creditor_id__in=sorted(creditors))
    for r in calls.values("agent__username", "outreach__status_reason").annotate(n=Count("id")):
        rows[r["agent__username"]]["calls"] += r["n"]
        if r["outreach__status_reason"] == "promise":
            rows[r["agent__username"]]["promises"] += r["n"]
    for agent, row in sorted(rows.items()):
        first, resolution = row.pop("first"), row.pop("resolution")
        table.rows.append(
            {
                "agent": agent,
                **row,
                "first_response_minutes": round(sum(first) / len(first), 1) if first else None,
                "resolution_hours": round(sum(resolution) / len(resolution), 1)
                if resolution
                else None,
            }
        )
    return table


def call_outcomes(f: Filters) -> Table:
    table = Table(
        "call_outcomes",
        _("Resultados de las llamadas"),
        [("outcome", _("Resultado")), ("calls", _("Llamadas"))],
        chart=("bar", "outcome", ("calls",)),
        by_segment=False,
    )
    start, end = _span(f)
    # From the calls agents took (a small table), not by scanning the outbox.
    calls = CallAssignment.objects.filter(
        outreach__sent_at__gte=start,
        outreach__sent_at__lt=end,
        outreach__status=Outreach.Status.SENT,
    )
    calls = f.cut(calls, creditor="outreach__creditor_id", country="outreach__debtor__country")
    table.rows = [
        {"outcome": r["outreach__status_reason"] or "-", "calls": r["n"]}
        for r in calls.values("outreach__status_reason")
        .annotate(n=Count("id"))
        .order_by("outreach__status_reason")
    ]
    return table


def agent_promises(f: Filters) -> Table:
    table = Table(
        "agent_promises",
        _("Promesas obtenidas por agentes y cumplidas"),
        [
            ("currency", _("Moneda")),
            ("made", _("Obtenidas")),
            ("kept", _("Cumplidas")),
            ("kept_rate", _("Tasa de cumplimiento")),
            ("amount", _("Monto prometido")),
        ],
        money=frozenset({"amount"}),
        rates=frozenset({"kept_rate"}),
        by_segment=False,
    )
    start, end = _span(f)
    rows = f.cut(
        Promise.objects.filter(source="agent", created_at__gte=start, created_at__lt=end),
        country="debtor__country",
    )
    for r in (
        rows.values("currency")
        .annotate(
            made=Count("id"),
            kept=Count("id", filter=Q(status=Promise.Status.KEPT)),
            amount=Sum("amount"),
        )
        .order_by("currency")
    ):
        table.rows.append({**r, "kept_rate": ratio(r["kept"], r["made"])})
    return table


AGREEMENTS = (promises, plans, requests)
AGENTS = (agents, call_outcomes, agent_promises)
