"""A company's webhook receiver, for tests, the benchmark and local trials.

A real HTTP/1.1 server (keep-alive, one thread per connection) that checks
each request's ``Recaudo-Signature`` with the endpoint's secret, keeps what
arrived, and answers 204, or what ``answer`` says (a status, or an exception
to drop the connection): that is how tests make it fail, then recover.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def verify(secret: str, header: str, body: bytes, *, tolerance: float = 300) -> bool:
    """The check a receiver makes (docs/integrations.md shows the same steps)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts.get("v1", ""))


@dataclass
class Received:
    event_id: str
    type: str
    debtor: str
    sequence: int
    body: dict[str, Any]
    raw: bytes
    headers: dict[str, str]
    signed: bool
    status: int
    at: float = 0.0  # time.monotonic() on arrival


@dataclass
class Receiver:
    secret: str = ""
    answer: Callable[[dict[str, Any]], int] | None = None
    keep_bodies: bool = True
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/events"

    def accepted(self) -> list[Received]:
        with self.lock:
            return [item for item in self.received if 200 <= item.status < 300]

    def __enter__(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                body = json.loads(raw)
                signed = verify(receiver.secret, self.headers.get("Recaudo-Signature", ""), raw)
                status = 204 if signed else 400
                if signed and receiver.answer is not None:
                    status = receiver.answer(body)
                with receiver.lock:
                    receiver.received.append(
                        Received(
                            event_id=self.headers.get("Recaudo-Event-Id", ""),
                            type=body["type"],
                            debtor=body["debtor"]["external_id"],
                            sequence=body["sequence"],
                            body=body if receiver.keep_bodies else {},
                            raw=raw if receiver.keep_bodies else b"",
                            headers=dict(self.headers) if receiver.keep_bodies else {},
                            signed=signed,
                            status=status,
                            at=time.monotonic(),
                        )
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()
