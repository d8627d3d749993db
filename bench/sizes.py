"""Benchmark: table and index sizes, and WAL per message, of a PostgreSQL database.

Usage: python bench/sizes.py [--database-url URL] [--sample 20000]
Reads a database that already holds a portfolio and a day's plan (for
instance the one `bench/plan.py --database postgres` leaves behind) and
prints one JSON line: each table's rows, table, index and total bytes and
bytes per row; each large index's bytes; the bytes per row of an outreach
row after sending, of a WhatsApp status webhook event and of a payment's
audit event (measured on scratch copies); and the WAL each step of a
message writes (``EXPLAIN (ANALYZE, WAL)`` on the scratch copies). The
scratch tables (``bench_sizes_*``) are dropped at the end. docs/operations.md
("Scale-out on paper") uses these figures.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import psycopg

SCRATCH = ("bench_sizes_outreach", "bench_sizes_sent", "bench_sizes_webhook", "bench_sizes_audit")

WEBHOOK_HEADERS = json.dumps(
    {
        "Content-Type": "application/json",
        "User-Agent": "facebookexternalua",
        "Host": "cobranza.example",
        "X-Forwarded-Proto": "https",
        "X-Hub-Signature-256": "sha256=" + "4f3c2a1b0e9d8c7b" * 4,
        ":path": "/webhooks/whatsapp",
    }
)
# Meta's status webhook as the sandbox sends it (recaudo/sandbox/whatsapp.py).
WEBHOOK_BODY = (
    '{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":'
    '[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":'
    '"15550783881","phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.HBgM'
    '\' || upper(md5(g::text)) || \'AA","status":"delivered","timestamp":"1764000000",'
    '"recipient_id":"5215512345678","biz_opaque_callback_data":"outreach:\' || g || \'",'
    '"pricing":{"billable":true,"pricing_model":"PMP","type":"regular","category":"utility"}}]},'
    '"field":"messages"}]}]}'
)


# A reminder as it leaves: about the length of the shipped templates, with its link.
SENT_TEXT = (
    "Hola Ana, te recordamos que tu factura F000123 de Comercial Andina por $1.234,50 "
    "vence el 1 de diciembre. Puedes pagarla o proponer un plan aquí: "
    "https://cobranza.example/p/Jx7kQ2mN9vB4cT6yR1wE8uI3oP5aS0dF7gH2jK4lZ9x "
    "Si ya pagaste, ignora este mensaje."
)


def table_sizes(conn: psycopg.Connection) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        "SELECT c.relname, c.reltuples::bigint, pg_relation_size(c.oid), "
        "pg_indexes_size(c.oid), pg_total_relation_size(c.oid) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT LIKE 'bench_sizes_%' "
        "AND pg_total_relation_size(c.oid) > 1000000 ORDER BY 5 DESC"
    ).fetchall()
    return {
        name: {
            "rows": count,
            "table_bytes": table,
            "index_bytes": indexes,
            "total_bytes": total,
            "bytes_per_row": round(total / count) if count > 0 else None,
        }
        for name, count, table, indexes, total in rows
    }


def index_sizes(conn: psycopg.Connection) -> dict[str, int]:
    rows = conn.execute(
        "SELECT i.relname, pg_relation_size(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE n.nspname = 'public' AND t.relname NOT LIKE 'bench_sizes_%' "
        "AND pg_relation_size(i.oid) > 1000000 ORDER BY 2 DESC"
    ).fetchall()
    return dict(rows)


def wal_bytes(conn: psycopg.Connection, statement: str) -> int:
    """WAL written by one statement, as EXPLAIN (ANALYZE, WAL) reports it."""
    plan = conn.execute(f"EXPLAIN (ANALYZE, WAL, FORMAT JSON) {statement}").fetchone()[0]
    return int(plan[0]["Plan"]["WAL Bytes"])


def per_row(conn: psycopg.Connection, table: str) -> dict[str, Any]:
    count, heap, indexes, total = conn.execute(
        f"SELECT count(*), pg_relation_size('{table}'), pg_indexes_size('{table}'), "
        f"pg_total_relation_size('{table}') FROM {table}"
    ).fetchone()
    return {
        "rows": count,
        "table_bytes_per_row": round(heap / count),
        "index_bytes_per_row": round(indexes / count),
        "bytes_per_row": round(total / count),
    }


def measure_rows(conn: psycopg.Connection, sample: int) -> tuple[dict[str, Any], dict[str, int]]:
    rows: dict[str, Any] = {}
    wal: dict[str, int] = {}
    conn.execute("CREATE TABLE bench_sizes_outreach (LIKE outreach_outreach INCLUDING ALL)")
    planned = conn.execute(
        "SELECT count(*) FROM outreach_outreach WHERE status = 'planned'"
    ).fetchone()[0]
    count = min(sample, planned // 2)
    if count == 0:
        raise SystemExit("the database holds no planned outreach: run `recaudo plan` first")
    source = "SELECT * FROM outreach_outreach WHERE status = 'planned' ORDER BY id"
    wal["planner_insert"] = wal_bytes(
        conn, f"INSERT INTO bench_sizes_outreach {source} LIMIT {count}"
    )
    conn.execute("CHECKPOINT")  # the claim pays the page images, as the first write after one
    steps = {
        "claim": "status = 'sending', lease_until = now() + interval '120 s', "
        "claimed_by = 'worker-01:12345/1', attempts = attempts + 1, next_attempt_at = NULL",
        # The mark keeps what leaves (recaudo/outreach/sending.py, start_send).
        "send_started": "send_started_at = clock_timestamp(), template_version = 'v2', "
        f"sent_text = '{SENT_TEXT}'",
        "sent": "status = 'sent', sent_at = now(), lease_until = NULL, "
        "provider_message_id = 'wamid.HBgM' || upper(md5(id::text)) || 'AA'",
        "status_update": "status = 'delivered', delivered_at = now()",
    }
    for name, assignments in steps.items():
        wal[name] = wal_bytes(conn, f"UPDATE bench_sizes_outreach SET {assignments}")
    conn.execute("UPDATE bench_sizes_outreach SET status = 'read', read_at = now()")
    # A fresh copy: the updated table holds dead versions other sessions may still see.
    conn.execute("CREATE TABLE bench_sizes_sent (LIKE outreach_outreach INCLUDING ALL)")
    conn.execute("INSERT INTO bench_sizes_sent SELECT * FROM bench_sizes_outreach")
    rows["outreach_after_sending"] = per_row(conn, "bench_sizes_sent")

    conn.execute("CREATE TABLE bench_sizes_webhook (LIKE outreach_webhookevent INCLUDING ALL)")
    wal["webhook_insert"] = wal_bytes(
        conn,
        "INSERT INTO bench_sizes_webhook (provider, dedupe_key, received_at, headers, body, "
        "processed_at, outcome) SELECT 'whatsapp', encode(sha256(g::text::bytea), 'hex'), now(), "
        f"'{WEBHOOK_HEADERS}'::jsonb, '{WEBHOOK_BODY}', NULL, '' "
        f"FROM generate_series(1, {count}) g",
    )
    wal["webhook_processed"] = wal_bytes(
        conn,
        "UPDATE bench_sizes_webhook SET processed_at = now(), outcome = 'status delivered'",
    )
    conn.execute("CREATE TABLE bench_sizes_audit (LIKE bench_sizes_webhook INCLUDING ALL)")
    conn.execute("INSERT INTO bench_sizes_audit SELECT * FROM bench_sizes_webhook")
    rows["webhook_event"] = per_row(conn, "bench_sizes_audit")
    conn.execute("DROP TABLE bench_sizes_audit")

    conn.execute("CREATE TABLE bench_sizes_audit (LIKE portfolio_auditevent INCLUDING ALL)")
    conn.execute(
        "INSERT INTO bench_sizes_audit (kind, actor, data, created_at, creditor_id, debt_id, "
        "debtor_id, payment_id) SELECT 'payment_recorded', 'webhook:mercadopago', "
        "jsonb_build_object('amount', '1200.0000', 'currency', 'MXN', 'external_id', 'mp-' || g, "
        "'allocated', jsonb_build_array(jsonb_build_object('debt', g, 'amount', '1200.0000'))), "
        f"now(), 1, g, g, g FROM generate_series(1, {count}) g"
    )
    rows["audit_event"] = per_row(conn, "bench_sizes_audit")
    return rows, {name: round(value / count) for name, value in wal.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database-url", default=base.rsplit("/", 1)[0] + "/recaudo_bench_plan")
    parser.add_argument("--sample", type=int, default=20_000, help="rows per scratch table")
    arguments = parser.parse_args()

    url = arguments.database_url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        for table in SCRATCH:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute("VACUUM ANALYZE")
        try:
            tables = table_sizes(conn)
            indexes = index_sizes(conn)
            rows, wal = measure_rows(conn, arguments.sample)
        finally:
            for table in SCRATCH:
                conn.execute(f"DROP TABLE IF EXISTS {table}")
        version = conn.execute("SHOW server_version").fetchone()[0]
    print(
        json.dumps(
            {
                "bench": "sizes",
                "server_version": version,
                "tables": tables,
                "indexes": indexes,
                "rows": rows,
                "wal_bytes_per_row": wal,
            }
        )
    )


if __name__ == "__main__":
    main()
