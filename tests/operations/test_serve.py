"""``recaudo serve`` as a real process: pages, static files, probes, and a graceful SIGTERM.

It runs with DEBUG off and the documented production environment (docs/security.md),
reached over plain http on 127.0.0.1 (no proxy in front).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from recaudo.outreach.models import WebhookEvent
from tests.delivery.test_webhooks import wa_status, whatsapp_body
from tests.helpers import ROOT, database_url, free_port
from tests.security.support import documented_environment

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

HTMX = ROOT / "recaudo/conversations/static/conversations/htmx.min.js"


class Server:
    def __init__(self, process: subprocess.Popen[str], port: int, environment: dict[str, str]):
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.port = port
        self.environment = environment


def start(tmp_path: Path, *options: str) -> Iterator[Server]:
    port = free_port()
    environment = {
        **os.environ,
        **documented_environment(),
        "DATABASE_URL": database_url(),
        "RECAUDO_VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": "",
        "TRUSTED_PROXY_COUNT": "0",
        "SECURE_SSL_REDIRECT": "false",
        "READY_WORKER_STALE_SECONDS": "0",
        "WEB_GRACEFUL_TIMEOUT": "20",
        "LOG_LEVEL": "WARNING",
    }
    environment.pop("PGPASSWORD", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "recaudo.cli", "serve", "--port", str(port), *options],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output, errors = process.communicate()
            pytest.fail(f"recaudo serve did not start:\n{output}\n{errors}")
        time.sleep(0.2)
    try:
        yield Server(process, port, environment)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """Two workers (gthread, the default), static files collected first."""
    yield from start(tmp_path, "--workers", "2")


@pytest.fixture
def sync_server(tmp_path: Path) -> Iterator[Server]:
    """One sync worker, so the request in flight is on the only worker; no static files."""
    yield from start(tmp_path, "--workers", "1", "--threads", "1", "--no-collectstatic")


def test_it_serves_pages_static_files_and_the_probes(server: Server):
    with httpx.Client(base_url=server.url, timeout=60) as client:
        page = client.get("/admin/login/")
        script = client.get("/static/conversations/htmx.min.js")
        compressed = client.get(
            "/static/conversations/htmx.min.js", headers={"Accept-Encoding": "gzip"}
        )
        health = client.get("/healthz")
        ready = client.get("/readyz", headers={"Host": "10.0.3.17"})

    assert page.status_code == 200
    assert 'name="username"' in page.text
    assert script.status_code == 200
    assert script.content == HTMX.read_bytes()
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert compressed.content == HTMX.read_bytes()  # as httpx decoded it
    assert (health.status_code, health.text) == (200, "ok")
    assert (ready.status_code, ready.json()) == (200, {"ready": True})
    assert "set-cookie" not in ready.headers


@pytest.mark.parametrize("which", ["server", "sync_server"])
def test_sigterm_lets_a_request_in_flight_finish_then_exits_zero(which: str, request):
    server: Server = request.getfixturevalue(which)
    body = whatsapp_body(wa_status("delivered", "wamid.in-flight"))
    secret = server.environment["WHATSAPP_APP_SECRET"].encode()
    signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
    head = (
        "POST /webhooks/whatsapp HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        "Content-Type: application/json\r\n"
        f"X-Hub-Signature-256: sha256={signature}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        # A slow client: the worker has taken the request and waits for the rest of the body.
        sock.sendall(head + body[:20])
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(1.5)
        assert server.process.poll() is None  # still finishing the request in flight
        sock.sendall(body[20:])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk

    _output, errors = server.process.communicate(timeout=30)

    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert server.process.returncode == 0, errors
    assert "Handling signal: term" in errors
    stored = WebhookEvent.objects.get()
    assert stored.provider == "whatsapp" and stored.processed_at is not None
