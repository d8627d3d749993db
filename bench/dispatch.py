"""Benchmark: send N planned WhatsApp messages through the sandbox with one worker.

Usage: python bench/dispatch.py --messages 20000 [--database postgres|sqlite]
Builds N debtors (Mexico City, a phone with WhatsApp opt-in, one debt due in a
week) in a fresh database, plans them with the default policy, starts the
provider sandbox (its per-number limit raised, pair limit and webhooks off),
measures the raw HTTP rate of the sandbox's WhatsApp endpoint from this
process (same client, same concurrency, no Recaudo logic; before and after
the dispatch, the higher of the two counts), then runs one
worker's dispatch lanes (recaudo.delivery.lanes) until nothing is due.
Prints one JSON line: messages, seconds,
per_second, raw_http_per_second, ratio_to_raw, duplicates (messages the
sandbox received beyond one per contact), rule_violations (sends the
country's rules would refuse, re-checked afterwards).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAY = date(2026, 11, 24)  # a Tuesday
PLANNED_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
SEND_AT = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 10:00 in Mexico City


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(database: str) -> None:
    if database == "sqlite":
        workdir = Path(os.environ.get("TMPDIR", "/tmp")) / "recaudo-bench-dispatch.sqlite3"
        workdir.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir}"
        return
    import psycopg

    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(base.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS recaudo_bench_dispatch")
        conn.execute("CREATE DATABASE recaudo_bench_dispatch")
    os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/recaudo_bench_dispatch"


def build(messages: int) -> None:
    from django.core.management import call_command
    from django.db import transaction

    from recaudo.bulk import RawJSON, insert_rows, reserve_ids
    from recaudo.outreach.planner import plan
    from recaudo.portfolio.models import ChannelConsent, ContactPoint, Creditor, Debt, Debtor

    call_command("migrate", verbosity=0)
    creditor = Creditor.objects.create(
        name="Bench", country="MX", default_currency="MXN", brand_name="Bench"
    )
    with transaction.atomic():
        ids = reserve_ids(Debtor, messages)
        insert_rows(
            Debtor,
            ("id", "creditor_id", "external_id", "full_name", "first_name", "kind", "country",
             "timezone", "language", "national_id_type", "national_id_number", "tags",
             "created_at", "updated_at"),
            [
                (debtor_id, creditor.pk, f"C{n:08d}", f"Cliente {n}", "Cliente", "person", "MX",
                 "America/Mexico_City", "es", "", "", RawJSON("[]"), PLANNED_AT, PLANNED_AT)
                for n, debtor_id in enumerate(ids)
            ],
        )  # fmt: skip
        point_ids = reserve_ids(ContactPoint, messages)
        insert_rows(
            ContactPoint,
            ("id", "debtor_id", "kind", "value", "channels", "preferred", "invalid_reason",
             "created_at"),
            [
                (point_id, debtor_id, "phone", f"+5255{n:08d}",
                 RawJSON('["whatsapp", "sms", "rcs", "call"]'), True, "", PLANNED_AT)
                for n, (point_id, debtor_id) in enumerate(zip(point_ids, ids, strict=True))
            ],
        )  # fmt: skip
        insert_rows(
            ChannelConsent,
            ("contact_point_id", "channel", "source", "granted_at"),
            [(point_id, "whatsapp", "bench", PLANNED_AT) for point_id in point_ids],
        )
        insert_rows(
            Debt,
            ("creditor_id", "external_id", "debtor_id", "invoice_number", "description",
             "currency", "amount", "amount_paid", "due_on", "status", "created_at",
             "updated_at"),
            [
                (creditor.pk, f"F{n:08d}", debtor_id, f"A-{n}", "Servicio", "MXN",
                 Decimal("1250.50"), Decimal(0), DAY + timedelta(days=7), "open", PLANNED_AT,
                 PLANNED_AT)
                for n, debtor_id in enumerate(ids)
            ],
        )  # fmt: skip
    result = plan(DAY, now=PLANNED_AT)
    assert result.created == messages, result.summary_lines()


def raw_rate(base_url: str, requests: int, threads: int) -> float:
    """Plain template sends to the sandbox, with the dispatcher's client and concurrency."""
    from django.conf import settings

    from recaudo.delivery.channels.registry import get_channel

    config = settings.CHANNELS["whatsapp"]
    url = f"{config['base_url']}/{config['phone_number_id']}/messages"
    headers = {"Authorization": f"Bearer {config['access_token']}"}
    client = get_channel("whatsapp").client  # type: ignore[attr-defined]  # WhatsAppChannel has one
    values = ["Cliente", "Bench", "$1,250.50", "1 de diciembre", "https://r.example/p/abc"]

    def one(n: int) -> int:
        body = {
            "messaging_product": "whatsapp",
            "to": f"+5255{90000000 + n:08d}",
            "type": "template",
            "template": {
                "name": "recaudo_reminder_before",
                "language": {"code": "es"},
                "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": v} for v in values]}
                ],
            },
        }
        return client.request("POST", url, json=body, headers=headers).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        codes = list(pool.map(one, range(requests)))
    seconds = time.perf_counter() - started
    refused = len(codes) - codes.count(200)
    if refused:  # a raw rate of refusals would flatter the sandbox
        raise SystemExit(f"the sandbox refused {refused} of {len(codes)} raw sends")
    return requests / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--lanes", type=int, help="dispatch lanes (default: DISPATCH_LANES)")
    arguments = parser.parse_args()

    prepare_database(arguments.database)
    port, smtp_port = free_port(), free_port()
    os.environ["SANDBOX_URL"] = f"http://127.0.0.1:{port}"
    os.environ["SMTP_PORT"] = str(smtp_port)
    os.environ["WHATSAPP_RATE_PER_SECOND"] = "1000000"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    build(arguments.messages)
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "recaudo.cli", "sandbox", "--port", str(port), "--smtp-port",
         str(smtp_port), "--no-webhooks", "--no-pair-limit", "--whatsapp-mps", "1000000",
         "--max-messages", str(arguments.messages * 3)],
        cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        import httpx

        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        from django.conf import settings

        from recaudo.outreach.models import Outreach

        def measure_raw() -> float:
            rate = raw_rate(
                os.environ["SANDBOX_URL"],
                min(arguments.messages, 10_000),
                settings.DISPATCH_SEND_THREADS,
            )
            httpx.post(f"http://127.0.0.1:{port}/_sandbox/reset", timeout=5)
            return rate

        raw_before = measure_raw()

        import threading

        from recaudo.delivery.lanes import lane_count, run_lanes

        lanes = lane_count(arguments.lanes)
        started = time.perf_counter()
        run_lanes(
            clock=lambda: SEND_AT + timedelta(seconds=time.perf_counter() - started),
            stop=threading.Event(),
            lanes=lanes,
            until_idle=True,
            batch_size=arguments.batch_size,
            name="bench",
        )
        seconds = time.perf_counter() - started
        sent = Outreach.objects.filter(status="sent").count()
        received = httpx.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=5).json()[
            "messages"
        ]
        # Raw HTTP is measured before and after the dispatch and the higher
        # rate is the reference: a machine busier during one of them does not
        # flatter the ratio.
        raw = max(raw_before, measure_raw())
        print(
            json.dumps(
                {
                    "bench": "dispatch",
                    "database": arguments.database,
                    "messages": arguments.messages,
                    "lanes": lanes,
                    "sent": sent,
                    "seconds": round(seconds, 2),
                    "per_second": round(sent / seconds, 1),
                    "raw_http_per_second": round(raw, 1),
                    "ratio_to_raw": round(sent / seconds / raw, 2),
                    "duplicates": max(0, received - sent),
                    "rule_violations": rule_violations(),
                }
            )
        )
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)


def rule_violations() -> int:
    """Sent contacts the country's rules refuse at the moment they were sent."""
    from collections import defaultdict

    from recaudo.compliance.rules import PastContact, check_contact
    from recaudo.compliance.store import pack_for
    from recaudo.outreach.models import Outreach

    rows = list(
        Outreach.objects.filter(status="sent").values_list(
            "debtor_id", "channel", "sent_at", "creditor_id", "debtor__country", "debtor__timezone"
        )
    )
    by_debtor: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for debtor_id, channel, sent_at, *_ in rows:
        by_debtor[debtor_id].append((channel, sent_at))
    violations = 0
    for debtor_id, channel, sent_at, creditor_id, country, zone in rows:
        history = [
            PastContact(c, at) for c, at in by_debtor[debtor_id] if (c, at) != (channel, sent_at)
        ]
        pack = pack_for(creditor_id, country)
        if not check_contact(
            pack, timezone=zone, channel=channel, at=sent_at, history=history
        ).allowed:
            violations += 1
    return violations


if __name__ == "__main__":
    main()
