"""The channels' HTTP client against a real local HTTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from recaudo.delivery.channels import transport
from recaudo.delivery.channels.transport import PooledHTTP


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    seen: list[dict] = []
    connections: set[tuple[str, int]] = set()
    delay = 0.0
    close_after_answer = False  # closes the connection after answering
    say_close = False  # ... and says so with "Connection: close"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        type(self).connections.add(self.client_address)
        type(self).seen.append(
            {"path": self.path, "headers": dict(self.headers), "body": body.decode()}
        )
        time.sleep(type(self).delay)
        payload = json.dumps({"ok": True, "echo": body.decode()}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Retry-After", "7")
        if type(self).say_close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        if type(self).close_after_answer:
            self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: forty threads connecting at once on a busy
    # machine overflow it and the kernel resets connections the client never got to use.
    request_queue_size = 128


@pytest.fixture
def server():
    handler = type("Handler", (Recorder,), {"seen": [], "connections": set()})
    httpd = Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, handler, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_json_post_arrives_with_its_headers_and_the_answer_reads_like_httpx(server):
    _, handler, base = server
    client = PooledHTTP(timeout=5)

    answer = client.request(
        "POST", f"{base}/v1/messages?x=1", json={"texto": "¡Hola, María!"},
        params={"agentId": "a b"}, headers={"Authorization": "Bearer t"},
    )  # fmt: skip

    assert answer.status_code == 201
    assert answer.json()["ok"] is True
    assert answer.headers.get("retry-after") == "7"  # case-insensitive, like httpx
    request = handler.seen[0]
    assert request["path"] == "/v1/messages?x=1&agentId=a+b"
    assert json.loads(request["body"]) == {"texto": "¡Hola, María!"}
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Authorization"] == "Bearer t"
    assert request["headers"]["Host"] == base.removeprefix("http://")


def test_a_form_post_with_basic_auth_is_encoded_as_twilio_expects(server):
    _, handler, base = server

    PooledHTTP(timeout=5).request(
        "POST", f"{base}/Messages.json", data={"To": "+5215512345678", "Body": "Hola ñ"},
        auth=("AC123", "secret"),
    )  # fmt: skip

    request = handler.seen[0]
    assert request["body"] == "To=%2B5215512345678&Body=Hola+%C3%B1"
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert request["headers"]["Authorization"] == "Basic QUMxMjM6c2VjcmV0"


def test_sequential_requests_reuse_one_kept_alive_connection(server):
    _, handler, base = server
    client = PooledHTTP(timeout=5)

    for _ in range(5):
        client.request("POST", f"{base}/m", json={})

    assert len(handler.seen) == 5
    assert len(handler.connections) == 1


def test_an_answer_that_says_connection_close_does_not_leave_its_connection_pooled(server):
    _, handler, base = server
    handler.close_after_answer = handler.say_close = True
    client = PooledHTTP(timeout=5)

    for _ in range(3):
        assert client.request("POST", f"{base}/m", json={}).status_code == 201

    assert len(handler.seen) == 3
    assert len(handler.connections) == 3


def test_a_connection_the_server_closed_while_idle_is_not_used_again(server):
    _, handler, base = server
    handler.close_after_answer = True  # closes without saying so
    client = PooledHTTP(timeout=5)

    for _ in range(3):
        assert client.request("POST", f"{base}/m", json={}).status_code == 201
        time.sleep(0.3)  # idle: the server's close arrives

    # Every request arrived once, each on a fresh connection.
    assert len(handler.seen) == 3
    assert len(handler.connections) == 3


def test_threads_share_the_pool_without_losing_or_doubling_a_request(server):
    _, handler, base = server
    client = PooledHTTP(timeout=5)

    def send(n: int) -> None:
        client.request("POST", f"{base}/m", json={"n": n})

    threads = [threading.Thread(target=send, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    numbers = sorted(json.loads(seen["body"])["n"] for seen in handler.seen)
    assert numbers == list(range(40))


def test_nothing_listening_is_a_connect_error_nothing_was_sent():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(httpx.ConnectError, match=f"127.0.0.1:{port}"):
        PooledHTTP(timeout=2).request("POST", f"http://127.0.0.1:{port}/m", json={})


def test_a_slow_answer_is_a_read_timeout_the_request_may_have_arrived(server):
    _, handler, base = server
    handler.delay = 1.0

    with pytest.raises(httpx.ReadTimeout):
        PooledHTTP(timeout=0.2).request("POST", f"{base}/m", json={})
    assert len(handler.seen) == 1  # it did arrive: callers must not resend


def test_a_url_that_is_not_http_is_refused_clearly():
    with pytest.raises(httpx.UnsupportedProtocol, match="ftp://x"):
        PooledHTTP(timeout=1).request("POST", "ftp://x/m", json={})


def test_a_closed_client_keeps_no_connection(server):
    _, _, base = server
    client = PooledHTTP(timeout=5)
    client.request("POST", f"{base}/m", json={})

    client.close()

    assert client.is_closed
    assert not client._idle


def test_a_connection_idle_longer_than_the_keepalive_expiry_is_not_reused(server):
    _, handler, base = server
    client = PooledHTTP(timeout=5, keepalive_expiry=0.2)

    client.request("POST", f"{base}/m", json={})
    client.request("POST", f"{base}/m", json={})  # at once: the same connection
    time.sleep(0.4)
    client.request("POST", f"{base}/m", json={})  # idle too long: a new one

    assert len(handler.seen) == 3
    assert len(handler.connections) == 2


def test_a_write_that_fails_on_a_reused_connection_is_made_once_on_a_new_one(server, monkeypatch):
    _, handler, base = server
    # The idle check cannot see it coming (as when the close crosses the write).
    monkeypatch.setattr(transport, "_still_open", lambda connection: True)
    client = PooledHTTP(timeout=5)
    client.request("POST", f"{base}/m", json={"n": 1})
    # The server's end of the kept-alive connection goes away unseen: the
    # pooled socket is shut for writing, so the next write fails at once.
    ((_, pooled),) = client._idle[("http", "127.0.0.1", int(base.rsplit(":", 1)[1]))]
    pooled.sock.shutdown(socket.SHUT_WR)

    answer = client.request("POST", f"{base}/m", json={"n": 2})

    assert answer.status_code == 201
    assert [json.loads(seen["body"])["n"] for seen in handler.seen] == [1, 2]  # each once


def test_a_header_http_client_refuses_is_a_local_error_nothing_was_sent(server):
    _, handler, base = server

    with pytest.raises(httpx.LocalProtocolError, match="cannot write the request"):
        PooledHTTP(timeout=5).request("POST", f"{base}/m", json={}, headers={"X-Bad": "a\nb"})
    assert handler.seen == []
