"""Benchmark: signed WhatsApp webhooks against `recaudo serve` on PostgreSQL.

Usage: python bench/webhooks.py --requests 20000 [--concurrency 32] [--threads 1]
                                [--processing inline|deferred]

Makes a fresh PostgreSQL database (BENCH_POSTGRES_URL, default the local
server), a portfolio with one sent WhatsApp message per debtor, then starts
``recaudo serve --workers 2`` with DEBUG off and sends N webhooks signed with
X-Hub-Signature-256 as Meta signs them: half status updates ("delivered") for
those messages, half inbound text messages from the debtors' phones. One in
twenty requests repeats an earlier one (providers deliver at least once):
each event must be stored once. The client is asyncio + aiohttp with a fixed
pool of ``--concurrency`` connections.

With ``--processing deferred`` (WEBHOOK_PROCESSING) the requests only store;
the bench then applies them as ``recaudo worker`` does (``process_pending``)
in this process and reports that rate too (processed_per_second).

Prints one JSON line: requests, per_second, p50_ms, p99_ms, errors, stored,
duplicates, and the server's worker class.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = os.environ.get("BENCH_WEBHOOKS_DATABASE", "recaudo_bench_webhooks")
DUPLICATE_EVERY = 20
INBOUND_TEXTS = ["hola", "ya pagué ayer", "cuánto debo?", "me pueden llamar mañana", "gracias"]


def server_environment(database_url: str, var_dir: Path, port: int) -> dict[str, str]:
    """The documented production environment (docs/security.md), served on 127.0.0.1."""
    from tests.security.support import documented_environment

    environment = {
        **os.environ,
        **documented_environment(),
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "600",
        "RECAUDO_VAR_DIR": str(var_dir),
        "ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": "",
        "TRUSTED_PROXY_COUNT": "0",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "WEB_PORT": str(port),
        # No worker runs during the bench: /readyz checks the rest.
        "READY_WORKER_STALE_SECONDS": "0",
    }
    environment.pop("PGPASSWORD", None)
    return environment


def fresh_database() -> str:
    import psycopg

    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(base.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    return base.rsplit("/", 1)[0] + "/" + DATABASE


def build(debtors: int) -> list[tuple[str, str]]:
    """One sent WhatsApp message per debtor; returns (wamid, phone) pairs."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from recaudo.outreach.models import Outreach
    from recaudo.portfolio.models import ChannelConsent, ContactPoint, Creditor, Debt, Debtor

    call_command("migrate", verbosity=0)
    creditor = Creditor.objects.create(
        name="Bench", country="CO", default_currency="COP", brand_name="Bench"
    )
    now = datetime.now(UTC)
    day = now.date()
    people = Debtor.objects.bulk_create(
        Debtor(
            creditor=creditor,
            external_id=f"C{number:07d}",
            full_name=f"Cliente {number}",
            first_name="Cliente",
            country="CO",
            timezone="America/Bogota",
            language="es",
        )
        for number in range(debtors)
    )
    phones = [f"+5730{number:08d}" for number in range(debtors)]
    points = ContactPoint.objects.bulk_create(
        ContactPoint(debtor=debtor, kind="phone", value=phone, channels=["whatsapp", "sms"])
        for debtor, phone in zip(people, phones, strict=True)
    )
    ChannelConsent.objects.bulk_create(
        ChannelConsent(contact_point=point, channel="whatsapp", source="bench", granted_at=now)
        for point in points
    )
    Debt.objects.bulk_create(
        Debt(
            creditor=creditor,
            debtor=debtor,
            external_id=f"F{number:07d}",
            currency="COP",
            amount=Decimal("120000"),
            issued_on=date(2026, 10, 1),
            due_on=day - timedelta(days=5),
        )
        for number, debtor in enumerate(people)
    )
    wamids = [f"wamid.bench{number:07d}" for number in range(debtors)]
    Outreach.objects.bulk_create(
        Outreach(
            creditor=creditor,
            debtor=debtor,
            contact_point=point,
            anchor_due_on=day - timedelta(days=5),
            planned_on=day,
            action=Outreach.Action.NOTICE,
            channel="whatsapp",
            template_key="recordatorio",
            tone="amable",
            language="es",
            currency="COP",
            amount_due=Decimal("120000"),
            window_start=now - timedelta(hours=1),
            window_end=now + timedelta(hours=8),
            status=Outreach.Status.SENT,
            attempts=1,
            provider_message_id=wamid,
            sent_at=now - timedelta(minutes=30),
            notice_key=f"bench:{debtor.pk}",
        )
        for debtor, point, wamid in zip(people, points, wamids, strict=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()
    return list(zip(wamids, phones, strict=True))


def whatsapp_body(value: dict[str, object]) -> bytes:
    change = {"field": "messages", "value": {"messaging_product": "whatsapp", **value}}
    body = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [change]}]}
    return json.dumps(body).encode()


def make_requests(pairs: list[tuple[str, str]], count: int, seed: int) -> tuple[list[bytes], int]:
    """``count`` bodies: half statuses, half inbound texts; every 20th repeats an earlier one."""
    rng = random.Random(seed)
    epoch = int(time.time()) - 60
    bodies: list[bytes] = []
    duplicates = 0
    for number in range(count):
        if number % DUPLICATE_EVERY == DUPLICATE_EVERY - 1 and bodies:
            bodies.append(bodies[rng.randrange(len(bodies))])
            duplicates += 1
            continue
        wamid, phone = pairs[(number // 2) % len(pairs)]
        if number % 2 == 0:
            status = {"id": wamid, "status": "delivered", "timestamp": str(epoch)}
            bodies.append(whatsapp_body({"statuses": [{**status, "recipient_id": phone[1:]}]}))
        else:
            message = {
                "from": phone[1:],
                "id": f"wamid.in{number:08d}",
                "timestamp": str(epoch),
                "type": "text",
                "text": {"body": rng.choice(INBOUND_TEXTS)},
            }
            bodies.append(whatsapp_body({"messages": [message]}))
    return bodies, duplicates


async def send_all(
    url: str, bodies: list[bytes], secret: bytes, concurrency: int
) -> tuple[float, list[float], int, list[float]]:
    import aiohttp

    signed = [
        (body, "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()) for body in bodies
    ]
    latencies: list[float] = []
    ready_latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[tuple[bytes, str]] = asyncio.Queue()
    for item in signed:
        queue.put_nowait(item)

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # /readyz, one at a time: what a load balancer's probe costs (three queries
        # once the first probe of each worker has checked the migrations).
        probe = url.replace("/webhooks/whatsapp", "/readyz")
        for _ in range(20):
            async with session.get(probe) as response:
                await response.read()
        for _ in range(200):
            started = time.perf_counter()
            async with session.get(probe) as response:
                await response.read()
                if response.status != 200:
                    raise SystemExit(f"/readyz answered {response.status}")
            ready_latencies.append(time.perf_counter() - started)
        # Warm each worker (URL resolver, channels, the NLU) before the clock starts.
        for _ in range(20):
            async with session.get(url, params={"hub.mode": "subscribe"}) as response:
                await response.read()

        async def client() -> None:
            nonlocal errors
            while not queue.empty():
                body, signature = queue.get_nowait()
                started = time.perf_counter()
                try:
                    async with session.post(
                        url,
                        data=body,
                        headers={
                            "Content-Type": "application/json",
                            "X-Hub-Signature-256": signature,
                        },
                    ) as response:
                        await response.read()
                        if response.status != 200:
                            errors += 1
                except (aiohttp.ClientError, TimeoutError):
                    errors += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, errors, ready_latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"recaudo serve exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("recaudo serve did not answer within 120 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=4, help="per worker; 1: the sync worker; more: gthread"
    )
    parser.add_argument("--processing", choices=["inline", "deferred"], default="inline")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--skip-processing",
        action="store_true",
        help="deferred: do not apply the stored rows afterwards (no processed_per_second)",
    )
    arguments = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="recaudo-bench-webhooks-"))
    database_url = fresh_database()
    port = 8790 + os.getpid() % 100
    environment = server_environment(database_url, workdir, port)
    environment["WEBHOOK_PROCESSING"] = arguments.processing
    os.environ.update(environment)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")

    pairs = build(max(1, arguments.requests // 2))
    bodies, duplicates = make_requests(pairs, arguments.requests, arguments.seed)

    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "recaudo.cli", "serve", "--no-collectstatic"),
            *("--workers", str(arguments.workers), "--threads", str(arguments.threads)),
        ],
        cwd=ROOT,
        env=environment,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
        elapsed, latencies, errors, ready_latencies = asyncio.run(
            send_all(
                f"http://127.0.0.1:{port}/webhooks/whatsapp",
                bodies,
                environment["WHATSAPP_APP_SECRET"].encode(),
                arguments.concurrency,
            )
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)

    from recaudo.delivery.provider_events import process_pending
    from recaudo.outreach.models import Outreach, WebhookEvent

    processed_per_second = None
    if arguments.processing == "deferred" and not arguments.skip_processing:
        started = time.perf_counter()
        processed = 0
        while tried := process_pending():
            processed += tried
        processed_per_second = round(processed / (time.perf_counter() - started), 1)
    stored = WebhookEvent.objects.count()
    unique = len(set(bodies))
    print(
        json.dumps(
            {
                "bench": "webhooks",
                "requests": arguments.requests,
                "concurrency": arguments.concurrency,
                "workers": arguments.workers,
                "worker_class": "gthread" if arguments.threads > 1 else "sync",
                "threads": arguments.threads,
                "processing": arguments.processing,
                "per_second": round(arguments.requests / elapsed, 1),
                "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
                "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
                "errors": errors,
                "readyz_p50_ms": round(percentile(ready_latencies, 0.50) * 1000, 2),
                "readyz_p99_ms": round(percentile(ready_latencies, 0.99) * 1000, 2),
                "stored": stored,
                "duplicates": duplicates,
                "each_event_stored_once": stored == unique,
                "processed_per_second": processed_per_second,
                "unprocessed": WebhookEvent.objects.filter(processed_at__isnull=True).count(),
                "delivered": Outreach.objects.filter(status=Outreach.Status.DELIVERED).count(),
            }
        )
    )


if __name__ == "__main__":
    main()
