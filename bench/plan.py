"""Benchmark: plan one day for a portfolio of N open debts.

Usage: python bench/plan.py --debts 1000000 [--database sqlite|postgres]
Builds a portfolio (about two open debts per debtor, due dates spread over
90 days, debtors in six countries, phones and emails, WhatsApp consent for
most, the contract's authorisation for nine points in ten) in a fresh
database, then times ``recaudo plan`` for one day. Prints
one JSON line: debts, outreach_created, seconds, peak_rss_mb, limit_seconds
(a single hand-written INSERT ... SELECT that creates the same due rows on
the same data, rolled back), ratio_to_limit, and naive_seconds_estimate (a
per-debt ORM loop timed on a sample and scaled up).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAY = date(2026, 11, 24)
COUNTRIES = [
    ("CO", "America/Bogota", "COP", "+57 3{}"),
    ("MX", "America/Mexico_City", "MXN", "+52 55{}"),
    ("CL", "America/Santiago", "CLP", "+56 9{}"),
    ("PE", "America/Lima", "PEN", "+51 9{}"),
    ("AR", "America/Argentina/Buenos_Aires", "ARS", "+54 9 11{}"),
    ("BR", "America/Sao_Paulo", "BRL", "+55 11 9{}"),
]
BATCH = 50_000


def build(debts: int, seed: int) -> None:
    """Write the portfolio straight through the bulk path (runs in a child process)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from recaudo.bulk import RawJSON, insert_rows, reserve_ids
    from recaudo.portfolio.models import ChannelConsent, ContactPoint, Creditor, Debt, Debtor

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    creditor = Creditor.objects.create(
        name="Bench", country="CO", default_currency="COP", brand_name="Bench"
    )
    now = datetime.now(UTC)
    phone_channels = RawJSON('["whatsapp", "sms", "rcs", "call"]')
    email_channels = RawJSON('["email"]')
    debtors = max(1, debts // 2)
    made = 0
    for first in range(0, debtors, BATCH):
        count = min(BATCH, debtors - first)
        with transaction.atomic():
            ids = reserve_ids(Debtor, count)
            people, points, debt_rows = [], [], []
            for offset, debtor_id in enumerate(ids):
                number = first + offset
                country, zone, currency, phone = COUNTRIES[number % len(COUNTRIES)]
                kind = "company" if rng.random() < 0.15 else "person"
                people.append(
                    (
                        debtor_id,
                        creditor.pk,
                        f"C{number:08d}",
                        f"Cliente {number}",
                        "Cliente",
                        kind,
                        country,
                        zone,
                        "es",
                        "",
                        "",
                        RawJSON("[]"),
                        now,
                        now,
                    )
                )
                points.append((debtor_id, "phone", phone.format(f"{number:08d}"), phone_channels))
                if rng.random() < 0.8:
                    points.append((debtor_id, "email", f"c{number}@correo.example", email_channels))
                # About two debts each; the last debtor takes what is left.
                own = 2 if number < debtors - 1 else debts - made
                for _ in range(own):
                    due = DAY + timedelta(days=rng.randrange(-60, 30))
                    debt_rows.append(
                        (
                            creditor.pk,
                            f"F{made:09d}",
                            debtor_id,
                            "",
                            "Servicio",
                            currency,
                            Decimal(rng.randrange(20, 2_500) * 10),
                            Decimal(0),
                            due,
                            "open",
                            now,
                            now,
                        )
                    )
                    made += 1
            insert_rows(
                Debtor,
                (
                    "id",
                    "creditor_id",
                    "external_id",
                    "full_name",
                    "first_name",
                    "kind",
                    "country",
                    "timezone",
                    "language",
                    "national_id_type",
                    "national_id_number",
                    "tags",
                    "created_at",
                    "updated_at",
                ),
                people,
            )
            point_ids = reserve_ids(ContactPoint, len(points))
            insert_rows(
                ContactPoint,
                (
                    "id",
                    "debtor_id",
                    "kind",
                    "value",
                    "channels",
                    "preferred",
                    "invalid_reason",
                    "created_at",
                ),
                [(pid, *p, False, "", now) for pid, p in zip(point_ids, points, strict=True)],
            )
            insert_rows(
                ChannelConsent,
                ("contact_point_id", "channel", "source", "granted_at"),
                [
                    (pid, channel, source, now)
                    for pid, p in zip(point_ids, points, strict=True)
                    for channel, source in _consents(rng, p[1])
                ],
            )
            insert_rows(
                Debt,
                (
                    "creditor_id",
                    "external_id",
                    "debtor_id",
                    "invoice_number",
                    "description",
                    "currency",
                    "amount",
                    "amount_paid",
                    "due_on",
                    "status",
                    "created_at",
                    "updated_at",
                ),
                debt_rows,
            )
    assert made == debts, (made, debts)
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The steady state of a database a planner runs on each morning:
            # statistics, visibility map and checkpoint done, not mid-load.
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("ANALYZE")


def _consents(rng: random.Random, kind: str) -> list[tuple[str, str]]:
    """WhatsApp opt-in for 70% of phones; the contract authorises 90% of points."""
    given = []
    if kind == "phone" and rng.random() < 0.7:
        given.append(("whatsapp", "bench"))
    if rng.random() < 0.9:
        channels = ("sms", "rcs", "call") if kind == "phone" else ("email",)
        given.extend((channel, "bench: contrato") for channel in channels)
    return given


def limit_sql() -> tuple[str, list[object]]:
    """One INSERT ... SELECT making the day's due rows: the floor for any planner.

    The (step, due date) pairs of the day are computed first, and the debts
    due on them gathered in one scan before the debtors are joined (left to
    itself, PostgreSQL joins every debtor to every step first).
    """
    from recaudo.outreach.models import Outreach
    from recaudo.policies.models import Segment, Step

    segments = {s.debtor_kind: s for s in Segment.objects.filter(creditor=None)}
    person, company = segments["person"], segments["company"]
    steps = list(Step.objects.filter(policy_id__in=[person.policy_id, company.policy_id]))
    pairs = ", ".join(["(%s, %s, %s)"] * len(steps))
    pair_params: list[object] = []
    for step in steps:
        pair_params += [step.id, step.policy_id, DAY - timedelta(days=step.offset_days)]
    now = datetime.now(UTC)
    table = Outreach._meta.db_table
    sql = f"""
        WITH due (step_id, policy_id, due_on) AS (VALUES {pairs}),
        hits AS MATERIALIZED (
            SELECT b.creditor_id, b.debtor_id, b.due_on, b.currency, b.amount, b.amount_paid,
                   due.step_id, due.policy_id
            FROM portfolio_debt b JOIN due ON due.due_on = b.due_on
            WHERE b.status = 'open'
        )
        INSERT INTO {table} (creditor_id, debtor_id, segment_id, step_id, anchor_due_on,
            planned_on, action, channel, fallback_channels, template_key, tone, language,
            currency, amount_due, window_start, window_end, status, status_reason,
            created_at, updated_at)
        SELECT b.creditor_id, b.debtor_id,
               CASE WHEN d.kind = 'company' THEN %s ELSE %s END,
               s.id, b.due_on, %s, s.action, 'sms', '[]', s.template_key, s.tone,
               d.language, b.currency, SUM(b.amount - b.amount_paid), %s, %s, 'planned', '',
               %s, %s
        FROM hits b
        JOIN portfolio_debtor d ON d.id = b.debtor_id
        JOIN policies_step s ON s.id = b.step_id
        WHERE b.policy_id = CASE WHEN d.kind = 'company' THEN %s ELSE %s END
        GROUP BY b.creditor_id, b.debtor_id, d.kind, d.language, s.id, s.action,
                 s.template_key, s.tone, b.due_on, b.currency
    """
    params: list[object] = [
        *pair_params,
        company.id,
        person.id,
        DAY,
        now,
        now + timedelta(hours=10),
        now,
        now,
        company.policy_id,
        person.policy_id,
    ]
    return sql, params


def time_limit() -> float:
    from django.db import connection, transaction

    sql, params = limit_sql()
    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            raise _Rollback
    except _Rollback:
        pass
    return time.perf_counter() - started


class _Rollback(Exception):
    pass


def naive_estimate(sample: int, total_debts: int) -> float:
    """A per-debt ORM loop (segment, steps, contact points, insert) timed on a sample."""
    from django.db import transaction

    from recaudo.outreach.models import Outreach
    from recaudo.policies.models import Segment, Step
    from recaudo.portfolio.models import Debt

    segments = {s.debtor_kind: s for s in Segment.objects.filter(creditor=None)}
    started = time.perf_counter()
    try:
        with transaction.atomic():
            for debt in Debt.objects.select_related("debtor").filter(status="open")[:sample]:
                segment = segments.get(debt.debtor.kind) or segments["person"]
                offset = (DAY - debt.due_on).days
                step = Step.objects.filter(policy_id=segment.policy_id, offset_days=offset).first()
                points = list(debt.debtor.contact_points.filter(opted_out_at=None))
                if step is None or not points:
                    continue
                Outreach.objects.get_or_create(
                    debtor=debt.debtor,
                    step=step,
                    anchor_due_on=debt.due_on,
                    defaults={
                        "creditor_id": debt.creditor_id,
                        "segment": segment,
                        "planned_on": DAY,
                        "action": step.action,
                        "channel": "sms",
                        "contact_point": points[0],
                        "template_key": step.template_key,
                        "tone": step.tone,
                        "language": "es",
                        "currency": debt.currency,
                        "amount_due": debt.amount,
                        "window_start": datetime.now(UTC),
                        "window_end": datetime.now(UTC) + timedelta(hours=1),
                    },
                )
            raise _Rollback
    except _Rollback:
        pass
    return (time.perf_counter() - started) / sample * total_debts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debts", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seed", type=int, default=11)
    arguments = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="recaudo-bench-plan-"))
    if arguments.database == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        import psycopg

        with psycopg.connect(base.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS recaudo_bench_plan")
            conn.execute("CREATE DATABASE recaudo_bench_plan")
        os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/recaudo_bench_plan"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")

    # Build in a child so that the measured process's peak memory is the planner's.
    child = multiprocessing.get_context("fork").Process(
        target=build, args=(arguments.debts, arguments.seed)
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"building the portfolio failed (exit code {child.exitcode})")

    import django

    django.setup()
    from recaudo.outreach.models import Outreach
    from recaudo.outreach.planner import plan

    limit_seconds = time_limit()
    started = time.perf_counter()
    result = plan(DAY, now=datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
    seconds = time.perf_counter() - started
    created = Outreach.objects.count()
    assert created == result.created, (created, result.created)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    naive = naive_estimate(min(2_000, arguments.debts), arguments.debts)
    print(
        json.dumps(
            {
                "bench": "plan",
                "database": arguments.database,
                "debts": arguments.debts,
                "outreach_created": result.created,
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(peak_mb, 1),
                "limit_seconds": round(limit_seconds, 2),
                "ratio_to_limit": round(seconds / limit_seconds, 2),
                "naive_seconds_estimate": round(naive, 1),
                "skipped": dict(result.skipped),
            }
        )
    )
    for path in workdir.iterdir():
        path.unlink()
    workdir.rmdir()


if __name__ == "__main__":
    main()
