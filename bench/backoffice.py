"""Benchmark: the server time of each staff page over a portfolio of N debts.

Usage: python bench/backoffice.py --debts 1000000 --rows 1000000   (PostgreSQL; BENCH_POSTGRES_URL)
Builds a fresh database (``recaudo_office_bench``, or ``BENCH_DATABASE``): bench/plan.py's portfolio
(about two debts per debtor, one creditor) and bench/metrics.py's history
(N outreach rows over 90 days, payments, a thread per debtor, messages),
plus a supervisor tied to the creditor. Then requests each staff page
``--repeat`` times through Django's test client (the whole server side:
middleware, scope, queries, templates; no network) and prints one JSON line
with the p50 and p95 milliseconds per page.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.metrics import fill  # noqa: E402  (after the path is set)
from bench.plan import build_postgres  # noqa: E402

DATABASE = os.environ.get("BENCH_DATABASE", "recaudo_office_bench")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debts", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=1_000_000, help="outreach rows of history")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--reuse", action="store_true", help="measure again on the database a full run built"
    )
    arguments = parser.parse_args()

    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    import psycopg

    os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + f"/{DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    if not arguments.reuse:
        with psycopg.connect(base.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
            conn.execute(f"CREATE DATABASE {DATABASE}")
        child = multiprocessing.get_context("fork").Process(
            target=build_postgres, args=(arguments.debts, 11)
        )
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"building the portfolio failed (exit code {child.exitcode})")

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.utils import timezone

    from recaudo.conversations.models import AgentProfile, Thread
    from recaudo.payments.models import DebtorReport
    from recaudo.portfolio.models import Creditor, Debt
    from recaudo.roles import SUPERVISOR, set_role

    settings.ALLOWED_HOSTS = ["*"]
    creditor = Creditor.objects.get()
    if arguments.reuse:
        _measure(arguments, creditor, User.objects.get(username="bench"), _counts())
        return
    counts = fill(arguments.rows)
    supervisor = User.objects.create_user("bench", password="x", is_staff=True)
    set_role(supervisor, SUPERVISOR)
    AgentProfile.objects.create(user=supervisor, creditor=creditor)
    # A few conversations waiting for a person, as a working day has, some held by the
    # supervisor, and a few hundred closed ones.
    Thread.objects.filter(pk__in=Thread.objects.values("pk")[:50]).update(
        state="waiting_agent", urgency=0, handoff_reason="human", handed_off_at=timezone.now()
    )
    Thread.objects.filter(pk__in=Thread.objects.values("pk")[50:60]).update(
        state="with_agent", assigned_to=supervisor, handoff_reason="dispute",
        handed_off_at=timezone.now(),
    )  # fmt: skip
    Thread.objects.filter(pk__in=Thread.objects.values("pk")[60:560]).update(state="closed")
    # "Ya pagué" reports waiting for review, as the portal and the bot leave them.
    waiting_debts = Debt.objects.filter(status="open").order_by("pk")[:30]
    DebtorReport.objects.bulk_create(
        DebtorReport(
            creditor_id=debt.creditor_id, debtor_id=debt.debtor_id, debt=debt,
            kind="already_paid", reason="pagué", status_before="open",
        )
        for debt in waiting_debts
    )  # fmt: skip
    _measure(arguments, creditor, supervisor, counts)


def _counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        found = {}
        for table in ("outreach_outreach", "portfolio_payment", "conversations_message"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            found[table] = cursor.fetchone()[0]
    return found


def _measure(arguments: argparse.Namespace, creditor, supervisor, counts: dict[str, int]) -> None:
    from django.test import Client

    from recaudo.conversations.models import Thread
    from recaudo.portfolio.models import Debtor

    thread_id = Thread.objects.filter(state="waiting_agent").values_list("pk", flat=True)[0]
    middle = Debtor.objects.order_by("pk").values_list("pk", "external_id")[
        Debtor.objects.count() // 2
    ]
    pages = {
        "home": "/equipo/",
        "debtor_search": f"/equipo/deudores/?q={middle[1]}",
        "debtor_360": f"/equipo/deudores/{middle[0]}/",
        "approvals": "/equipo/pedidos/",
        "reviews": "/equipo/revisiones/",
        "inbox_queue": "/bandeja/",
        "inbox_filtered": f"/bandeja/?acreedor={creditor.pk}&quien=unassigned&idioma=es&q=a",
        "inbox_closed": "/bandeja/?estado=closed",
        "inbox_thread_panel": f"/bandeja/{thread_id}/",
        "agents_load": "/bandeja/agentes/",
    }
    client = Client()
    client.force_login(supervisor)
    results: dict[str, dict[str, float]] = {}
    for name, url in pages.items():
        timings = []
        for _ in range(arguments.repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
        results[name] = {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(_percentile(timings, 0.95), 1),
        }
    print(
        json.dumps(
            {
                "bench": "backoffice",
                "database": "postgres",
                "debts": arguments.debts,
                "outreach": counts["outreach_outreach"],
                "payments": counts["portfolio_payment"],
                "messages": counts["conversations_message"],
                "repeat": arguments.repeat,
                "pages": results,
            }
        )
    )


if __name__ == "__main__":
    main()
