"""Benchmark: one ``/metrics`` scrape over an installation with N outreach rows.

Usage: python bench/metrics.py --rows 1000000   (PostgreSQL; BENCH_POSTGRES_URL)
Builds a fresh database: a portfolio from bench/plan.py's builder (debtors,
contact points, debts), then N outreach rows of 90 days of history written
in SQL (most delivered or read, some sent, failed, cancelled, a few
unknown), 2% of them planned around now, and webhooks, payments and bot
answers in proportion (a third, a tenth and a third of N). Then times the
scrape (``recaudo.metrics.render``): the first one and the median of five
more. Prints one JSON line: rows, first_seconds, median_seconds,
max_seconds, bytes, and the row counts of the windows it read.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.plan import build  # noqa: E402  (after the path is set)

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
HISTORY_DAYS = 90

OUTREACH = """
INSERT INTO outreach_outreach (
    creditor_id, debtor_id, anchor_due_on, planned_on, action, channel, fallback_channels,
    template_key, tone, language, currency, amount_due, window_start, window_end, status,
    status_reason, attempts, claimed_by, notice_key, provider_message_id, sent_at,
    delivered_at, read_at, failed_at, last_error_code, last_error, created_at, updated_at
)
SELECT
    %(creditor)s,
    d.first_id + (g %% d.debtors),
    (%(now)s::timestamptz - make_interval(secs => g * %(spread)s))::date - (g / d.debtors)::int,
    (%(now)s::timestamptz - make_interval(secs => g * %(spread)s))::date,
    'message',
    (ARRAY['whatsapp', 'sms', 'email', 'rcs'])[1 + g %% 4],
    '[]'::jsonb, 'recordatorio', 'late', 'es', 'COP', 1000,
    t.at - interval '30 seconds' * (g %% 7),
    t.at + interval '8 hours',
    s.status, '', 1, '', '', 'p' || g,
    CASE WHEN s.status IN ('sent', 'delivered', 'read', 'unknown') THEN t.at END,
    CASE WHEN s.status IN ('delivered', 'read') THEN t.at + interval '20 seconds' END,
    CASE WHEN s.status = 'read' THEN t.at + interval '15 minutes' END,
    CASE WHEN s.status = 'failed' THEN t.at + interval '5 seconds' END,
    '', '', t.at, t.at
FROM generate_series(1, %(rows)s) AS g
CROSS JOIN (
    SELECT min(id) AS first_id, count(*) AS debtors FROM portfolio_debtor
) AS d
CROSS JOIN LATERAL (
    SELECT %(now)s::timestamptz - make_interval(secs => g * %(spread)s) AS at
) AS t
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN g %% 50 = 0 THEN 'planned'
        WHEN g %% 100 < 55 THEN 'delivered'
        WHEN g %% 100 < 75 THEN 'read'
        WHEN g %% 100 < 85 THEN 'sent'
        WHEN g %% 100 < 92 THEN 'failed'
        WHEN g %% 5000 = 97 THEN 'unknown'
        ELSE 'cancelled'
    END AS status
) AS s
"""

# The planned rows sit around now: due in the last two hours or later today.
PLANNED_NEAR_NOW = """
UPDATE outreach_outreach
SET window_start = %(now)s::timestamptz + interval '1 second' * ((id %% 14400) - 7200),
    window_end = %(now)s::timestamptz + interval '10 hours',
    sent_at = NULL, attempts = 0
WHERE status = 'planned'
"""

WEBHOOKS = """
INSERT INTO outreach_webhookevent (provider, dedupe_key, received_at, headers, body,
                                   processed_at, outcome)
SELECT (ARRAY['whatsapp', 'twilio', 'rbm'])[1 + g %% 3], 'k' || g, t.at, '{}'::jsonb,
       '{"entry": []}', CASE WHEN g %% 200 = 0 THEN NULL ELSE t.at END, 'status: delivered'
FROM generate_series(1, %(rows)s) AS g
CROSS JOIN LATERAL (
    SELECT %(now)s::timestamptz - make_interval(secs => g * %(spread)s) AS at
) AS t
"""

PAYMENTS = """
INSERT INTO portfolio_payment (creditor_id, debtor_id, external_id, amount, currency, paid_at,
                               method, unallocated, status, created_at)
SELECT %(creditor)s, d.first_id + (g %% d.debtors), 'PAY' || g, 5000, 'COP', t.at,
       (ARRAY['stripe', 'mercadopago', 'transferencia', ''])[1 + g %% 4], 0, 'received', t.at
FROM generate_series(1, %(rows)s) AS g
CROSS JOIN (SELECT min(id) AS first_id, count(*) AS debtors FROM portfolio_debtor) AS d
CROSS JOIN LATERAL (
    SELECT %(now)s::timestamptz - make_interval(secs => g * %(spread)s) AS at
) AS t
"""

THREADS = """
INSERT INTO conversations_thread (creditor_id, debtor_id, state, handoff_reason, urgency,
    balance_at_handoff, needs_attention, unread, created_at {extra_columns})
SELECT %(creditor)s, id, 'bot', '', 9, 0, false, false, %(now)s {extra_values}
FROM portfolio_debtor
"""

MESSAGES = """
INSERT INTO conversations_message (thread_id, direction, kind, author, channel, address, text,
    intent, slots, provider_event_id, in_reply_to, occurred_at, created_at, media_type)
SELECT th.first_id + (g %% th.threads), CASE WHEN g %% 3 = 0 THEN 'in' ELSE 'out' END,
       'message', (ARRAY['debtor', 'bot', 'bot', 'agent'])[1 + g %% 4], 'whatsapp', '', 'hola',
       '', '{}'::jsonb, '', '', t.at, t.at, ''
FROM generate_series(1, %(rows)s) AS g
CROSS JOIN (SELECT min(id) AS first_id, count(*) AS threads FROM conversations_thread) AS th
CROSS JOIN LATERAL (
    SELECT %(now)s::timestamptz - make_interval(secs => g * %(spread)s) AS at
) AS t
"""


def _thread_extras(cursor) -> tuple[str, str]:
    """Columns of the thread table this builder does not know, with their defaults."""
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'conversations_thread' AND is_nullable = 'NO' "
        "AND column_default IS NULL AND column_name NOT IN ("
        "'id', 'creditor_id', 'debtor_id', 'state', 'handoff_reason', 'urgency', "
        "'balance_at_handoff', 'needs_attention', 'unread', 'created_at')"
    )
    defaults = {
        "boolean": "false",
        "jsonb": "'{}'::jsonb",
        "integer": "0",
        "smallint": "0",
        "timestamp with time zone": "%(now)s",
    }
    extra = cursor.fetchall()
    columns = "".join(f", {name}" for name, _type in extra)
    values = "".join(f", {defaults.get(kind, chr(39) * 2)}" for _name, kind in extra)
    return columns, values


def fill(rows: int) -> dict[str, int]:
    """The history: outreach, webhooks, payments and bot answers over 90 days."""
    from django.db import connection, transaction

    from recaudo.portfolio.models import Creditor

    creditor = Creditor.objects.get().pk
    spread = HISTORY_DAYS * 86400 / rows
    with transaction.atomic(), connection.cursor() as cursor:
        base = {"creditor": creditor, "now": NOW}
        cursor.execute(OUTREACH, {**base, "rows": rows, "spread": spread})
        cursor.execute(PLANNED_NEAR_NOW, base)
        cursor.execute(WEBHOOKS, {**base, "rows": rows // 3, "spread": spread * 3})
        cursor.execute(PAYMENTS, {**base, "rows": rows // 10, "spread": spread * 10})
        columns, values = _thread_extras(cursor)
        cursor.execute(THREADS.format(extra_columns=columns, extra_values=values), base)
        cursor.execute(MESSAGES, {**base, "rows": rows // 3, "spread": spread * 3})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        counts = {}
        for table in (
            "outreach_outreach",
            "outreach_webhookevent",
            "portfolio_payment",
            "conversations_message",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--debts", type=int, default=100_000)
    arguments = parser.parse_args()

    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    import psycopg

    with psycopg.connect(base.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS recaudo_bench_metrics")
        conn.execute("CREATE DATABASE recaudo_bench_metrics")
    os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/recaudo_bench_metrics"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")

    child = multiprocessing.get_context("fork").Process(target=build, args=(arguments.debts, 11))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"building the portfolio failed (exit code {child.exitcode})")

    import django

    django.setup()
    from django.db import connection

    from recaudo.metrics import render

    started = time.perf_counter()
    counts = fill(arguments.rows)
    fill_seconds = time.perf_counter() - started

    timings = []
    size = 0
    for _ in range(6):
        connection.close()  # each scrape on a new connection, as a web process would
        started = time.perf_counter()
        size = len(render(NOW))
        timings.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "bench": "metrics",
                "database": "postgres",
                "rows": counts["outreach_outreach"],
                "webhooks": counts["outreach_webhookevent"],
                "payments": counts["portfolio_payment"],
                "messages": counts["conversations_message"],
                "fill_seconds": round(fill_seconds, 1),
                "first_seconds": round(timings[0], 3),
                "median_seconds": round(statistics.median(timings[1:]), 3),
                "max_seconds": round(max(timings[1:]), 3),
                "bytes": size,
            }
        )
    )


if __name__ == "__main__":
    main()
