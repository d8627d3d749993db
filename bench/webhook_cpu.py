"""Benchmark: CPU and wall time of one stored webhook inside the process (no HTTP).

Usage: python bench/webhook_cpu.py [--requests 3000]

Calls Django's WSGI application directly with signed WhatsApp status
webhooks (WEBHOOK_PROCESSING=deferred: verify, store, answer) against a
fresh PostgreSQL database (BENCH_POSTGRES_URL), in the documented production
environment, and measures CPU (``time.process_time``) and wall time per
request after 50 warm-up requests. It isolates what the web process itself
spends per webhook from HTTP parsing and the client (bench/webhooks.py
measures the whole server). Prints one JSON line: requests, cpu_ms, wall_ms.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Its own database, so it can run beside bench/webhooks.py.
os.environ.setdefault("BENCH_WEBHOOKS_DATABASE", "recaudo_bench_webhook_cpu")

from bench.webhooks import fresh_database, server_environment, whatsapp_body  # noqa: E402

WARM_UP = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    arguments = parser.parse_args()

    environment = server_environment(fresh_database(), Path(tempfile.mkdtemp()), port=8000)
    environment["WEBHOOK_PROCESSING"] = "deferred"
    os.environ.update(environment)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0)
    application = get_wsgi_application()
    secret = environment["WHATSAPP_APP_SECRET"].encode()

    def call(body: bytes) -> None:
        signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/webhooks/whatsapp",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_HUB_SIGNATURE_256": signature,
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        statuses: list[str] = []
        b"".join(application(environ, lambda status, headers, *_: statuses.append(status)))
        if not statuses[0].startswith("200"):
            raise SystemExit(f"the webhook answered {statuses[0]}")

    bodies = [
        whatsapp_body(
            {
                "statuses": [
                    {
                        "id": f"wamid.cpu{n}",
                        "status": "delivered",
                        "timestamp": "1795000000",
                        "recipient_id": "573000000001",
                    }
                ]
            }
        )
        for n in range(arguments.requests + WARM_UP)
    ]
    for body in bodies[:WARM_UP]:
        call(body)
    cpu, wall = time.process_time(), time.perf_counter()
    for body in bodies[WARM_UP:]:
        call(body)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        json.dumps(
            {
                "bench": "webhook_cpu",
                "requests": arguments.requests,
                "cpu_ms": round(1000 * cpu / arguments.requests, 3),
                "wall_ms": round(1000 * wall / arguments.requests, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
