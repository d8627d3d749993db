"""Benchmark: the server time of each staff page over a portfolio of N debts.

Usage: python bench/backoffice.py --debts 1000000 --rows 1000000   (PostgreSQL; BENCH_POSTGRES_URL)
Builds a fresh database (``recaudo_office_bench``): bench/plan.py's portfolio
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

# BENCH_DATABASE names another database (one per person sharing a server).
DATABASE = os.environ.get("BENCH_DATABASE", "recaudo_office_bench")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _import_jobs(creditor, supervisor) -> dict[str, int]:
    """Past imports (300) and one job in each state the import page shows.

    The check holds 10,000 errors (as many as a job keeps), read a page at a time.
    """
    import tempfile

    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from recaudo.portfolio import import_jobs
    from recaudo.portfolio.models import ImportJob, ImportJobError

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="recaudo-bench-media-")
    header = "Código,Cliente,Nombre,Saldo,Fecha de vencimiento\n"
    body = "".join(f"F-{n},C-{n},Cliente {n},$ 150.000,2026-11-01\n" for n in range(5000))
    mapping = import_jobs.upload(
        creditor,
        "debts",
        SimpleUploadedFile("cartera.csv", (header + body).encode()),
        user=supervisor,
        language="es",
    )
    now = timezone.now()
    common = {
        "creditor": creditor,
        "kind": "debts",
        "created_by": supervisor,
        "file_name": "cartera.csv",
        "header": mapping.header,
        "mapping": ["external_id", "debtor_external_id", "full_name", "amount", "due_on"],
        "size_bytes": 250_000,
    }
    counts = {"debtors_created": 4000, "debts_created": 5000, "debts_updated": 20}
    ImportJob.objects.bulk_create(
        ImportJob(**common, status="done", rows=5000, counts=counts, unreachable=3,
                  started_at=now, finished_at=now)
        for _ in range(300)
    )  # fmt: skip
    checked = ImportJob.objects.create(**common, status="checked", rows=20_000, error_count=20_000)
    ImportJobError.objects.bulk_create(
        ImportJobError(
            job=checked,
            position=line,
            line=str(line + 2),
            column="Saldo",
            message=f"'1,234.{line % 100}' no está escrito como se escriben los importes",
        )
        for line in range(import_jobs.KEPT_ERRORS)
    )
    importing = ImportJob.objects.create(
        **common, status="importing", progress_done=100_000, progress_total=250_000
    )
    done = ImportJob.objects.filter(status="done").order_by("-pk").first()
    assert done is not None
    return {
        "mapping": mapping.pk,
        "checked": checked.pk,
        "importing": importing.pk,
        "done": done.pk,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debts", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=1_000_000, help="outreach rows of history")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database", default=DATABASE, help="the database to (re)build")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the pages of a database built before"
    )
    arguments = parser.parse_args()
    database = arguments.database
    os.environ["DATABASE_URL"] = (
        os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    ).rsplit("/", 1)[0] + f"/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    if not arguments.reuse:
        _build(arguments, database)

    _measure(arguments)


def _build(arguments: argparse.Namespace, database: str) -> None:
    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    import psycopg

    with psycopg.connect(base.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database}")
        conn.execute(f"CREATE DATABASE {database}")
    child = multiprocessing.get_context("fork").Process(
        target=build_postgres, args=(arguments.debts, 11)
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"building the portfolio failed (exit code {child.exitcode})")


def _measure(arguments: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.test import Client
    from django.utils import timezone

    from recaudo.conversations.models import AgentProfile, Thread
    from recaudo.payments.models import DebtorReport
    from recaudo.policies.models import Segment, Template
    from recaudo.portfolio.models import Creditor, Debt, Debtor
    from recaudo.roles import SUPERVISOR, set_role

    settings.ALLOWED_HOSTS = ["*"]
    creditor = Creditor.objects.get()
    if arguments.reuse:
        from django.db import connection

        counts = {}
        with connection.cursor() as cursor:
            for table in ("outreach_outreach", "portfolio_payment", "conversations_message"):
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                counts[table] = cursor.fetchone()[0]
        supervisor = User.objects.get(username="bench")
    else:
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
    if not DebtorReport.objects.filter(status="pending").exists():
        waiting_debts = Debt.objects.filter(status="open").order_by("pk")[:30]
        DebtorReport.objects.bulk_create(
            DebtorReport(
                creditor_id=debt.creditor_id, debtor_id=debt.debtor_id, debt=debt,
                kind="already_paid", reason="pagué", status_before="open",
            )
            for debt in waiting_debts
        )  # fmt: skip
    thread_id = Thread.objects.filter(state="waiting_agent").values_list("pk", flat=True)[0]
    middle = Debtor.objects.order_by("pk").values_list("pk", "external_id")[
        Debtor.objects.count() // 2
    ]
    jobs = _import_jobs(creditor, supervisor)
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
        "imports": f"/equipo/importar/?creditor={creditor.pk}",
        "import_mapping": f"/equipo/importar/{jobs['mapping']}/",
        "import_progress": f"/equipo/importar/{jobs['importing']}/",
        "import_check_10k_errors": f"/equipo/importar/{jobs['checked']}/?page=50",
        "import_summary": f"/equipo/importar/{jobs['done']}/",
        "strategy": f"/equipo/estrategia/?acreedor={creditor.pk}",
        "segment_preview": f"/equipo/estrategia/vista-previa?acreedor={creditor.pk}",
        "policy": f"/equipo/estrategia/politicas/{Segment.objects.first().policy_id}/",
        "templates": f"/equipo/plantillas/?acreedor={creditor.pk}",
        "template": f"/equipo/plantillas/{Template.objects.filter(channel='sms').first().pk}/",
        "campaigns": f"/equipo/campanas/?acreedor={creditor.pk}",
        # The preview counts every open debt once, then keeps the counts five minutes:
        # measured here with the cache emptied before each request.
        "segment_preview_uncached": f"/equipo/estrategia/vista-previa?acreedor={creditor.pk}",
    }
    client = Client()
    client.force_login(supervisor)
    results: dict[str, dict[str, float]] = {}
    for name, url in pages.items():
        timings = []
        for _ in range(arguments.repeat):
            if name.endswith("_uncached"):
                cache.clear()
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
