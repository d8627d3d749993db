"""Benchmark: outgoing webhooks delivered to a local receiver, on PostgreSQL.

Usage: python bench/events.py --events 20000 [--debtors 2000] [--workers 2]
                              [--fail-every 0]

Makes a fresh PostgreSQL database (BENCH_POSTGRES_URL's server,
BENCH_EVENTS_DATABASE), one creditor with ``--debtors`` debtors and an
endpoint pointing at a real HTTP/1.1 receiver running in this process
(``recaudo/sandbox/receiver.py``: threads, keep-alive, checks every
signature). It emits ``--events`` events through the apps' own function
(``portfolio.outbound.emit_many``, in transactions of 1,000), then starts
``--workers`` processes of ``recaudo events deliver --until-idle`` and waits
until they end.

With ``--fail-every K`` the receiver answers 500 to every K-th request: those
events are retried (backoff base 1 s here) and must still arrive in order.

Prints one JSON line: events, per_second (accepted events per second from
the first request to the last), lost (events never accepted), out_of_order
(a debtor's event accepted before an earlier one of theirs), duplicates
(events accepted more than once), bad_signatures, failures_injected,
emit_per_second, seconds, load (1-minute load average before and after).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = os.environ.get("BENCH_EVENTS_DATABASE", "recaudo_bench_events")


def fresh_database() -> str:
    import psycopg

    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(base.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    return base.rsplit("/", 1)[0] + "/" + DATABASE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--debtors", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fail-every", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=600)
    options = parser.parse_args()
    load_before = os.getloadavg()[0]

    database_url = fresh_database()
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    os.environ["WEBHOOKS_OUT_ALLOW_HTTP"] = "true"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from recaudo.integrations.actions import create_endpoint
    from recaudo.portfolio.models import Creditor, Debtor
    from recaudo.portfolio.outbound import EventType, OutboundEvent, emit_many
    from recaudo.sandbox.receiver import Receiver

    call_command("migrate", verbosity=0)
    creditor = Creditor.objects.create(
        name="Bench", legal_name="Bench S.A.S.", tax_id="900000001", country="CO",
        default_currency="COP", brand_name="Bench", support_email="bench@example.com",
    )  # fmt: skip
    Debtor.objects.bulk_create(
        Debtor(
            creditor=creditor,
            external_id=f"D{number:07d}",
            full_name=f"Deudor {number}",
            first_name="Deudor",
            country="CO",
            timezone="America/Bogota",
            language="es",
        )
        for number in range(options.debtors)
    )
    debtor_ids = list(Debtor.objects.order_by("pk").values_list("pk", flat=True))

    counter = iter(range(10**12))
    counter_lock = threading.Lock()
    failures = 0

    def answer(body: dict) -> int:
        nonlocal failures
        with counter_lock:
            number = next(counter)
        if options.fail_every and number % options.fail_every == options.fail_every - 1:
            failures += 1
            return 500
        return 204

    with Receiver(keep_bodies=False, answer=answer) as receiver:
        endpoint, receiver.secret = create_endpoint(creditor, name="bench", url=receiver.url)
        started = time.perf_counter()
        chunk: list[OutboundEvent] = []
        for number in range(options.events):
            debtor = debtor_ids[number % len(debtor_ids)]
            chunk.append(OutboundEvent(EventType.CONTACT_SENT, creditor.pk, debtor, {"n": number}))
            if len(chunk) == 1000:
                with transaction.atomic():
                    emit_many(chunk)
                chunk = []
        if chunk:
            with transaction.atomic():
                emit_many(chunk)
        emit_seconds = time.perf_counter() - started

        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DATABASE_CONN_MAX_AGE": "600",
            "WEBHOOKS_OUT_RETRY_BASE_SECONDS": "1",
            "LOG_LEVEL": "WARNING",
        }
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "recaudo.cli",
                    "events",
                    "deliver",
                    "--until-idle",
                    "--name",
                    f"bench-{number}",
                ],
                cwd=ROOT,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for number in range(options.workers)
        ]
        deadline = time.monotonic() + options.timeout
        while time.monotonic() < deadline:
            if len({item.event_id for item in receiver.accepted()}) >= options.events:
                break
            if all(worker.poll() is not None for worker in workers):
                # Idle workers stop; retries due later need another pass.
                from recaudo.integrations.models import Delivery

                if not Delivery.objects.exclude(status="delivered").exists():
                    break
                workers = [
                    subprocess.Popen(
                        [sys.executable, "-m", "recaudo.cli", "events", "deliver", "--until-idle"],
                        cwd=ROOT,
                        env=environment,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        text=True,
                    )
                ]
            time.sleep(0.2)
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
            worker.communicate(timeout=60)
        received = list(receiver.received)
    _ = endpoint

    arrivals = [item for item in received if 200 <= item.status < 300]
    first_seen: dict[str, int] = {}
    duplicates = 0
    by_debtor: dict[str, list[int]] = {}
    for item in arrivals:
        if item.event_id in first_seen:
            duplicates += 1
            continue
        first_seen[item.event_id] = item.sequence
        by_debtor.setdefault(item.debtor, []).append(item.sequence)
    out_of_order = sum(
        1
        for sequences in by_debtor.values()
        for before, after in itertools.pairwise(sequences)
        if after != before + 1
    ) + sum(1 for sequences in by_debtor.values() if sequences and sequences[0] != 1)
    timings = (arrivals[-1].at - arrivals[0].at) if len(arrivals) > 1 else 0.0
    print(
        json.dumps(
            {
                "events": options.events,
                "debtors": options.debtors,
                "workers": options.workers,
                "per_second": round(len(first_seen) / timings, 1) if timings else None,
                "lost": options.events - len(first_seen),
                "out_of_order": out_of_order,
                "duplicates": duplicates,
                "bad_signatures": sum(1 for item in received if not item.signed),
                "failures_injected": failures,
                "emit_per_second": round(options.events / emit_seconds, 1),
                "seconds": round(timings, 2),
                "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
