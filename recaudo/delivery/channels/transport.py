"""The channels' HTTP client: keep-alive connections over ``http.client``.

Sending is the dispatcher's hot path. httpx (with httpcore) costs about
1.4-1.7 ms of CPU per request when the dispatcher's 16 threads share a
client, and 0.7 ms even with a lighter transport under it; the same request
over the standard library's ``http.client`` costs about 0.25 ms. On a 2-core
machine that difference decides whether one worker reaches 1,000 messages
per second. Measurements and the alternatives weighed (urllib3, aiohttp):
docs/decisions/0010-channel-http-client-and-lanes.md.

``PooledHTTP.request`` takes the subset of httpx's arguments the channels
use (``json``, ``data``, ``params``, ``headers``, ``auth``) and returns an
``Answer`` with httpx's reading interface (``status_code``, ``headers``,
``json()``, ``text``). Failures raise httpx's exception classes, chosen by
what may have reached the provider, so ``registry.request`` maps both
clients' failures the same way:

- nothing was sent (connection refused, connect timeout): ``ConnectError``,
  ``ConnectTimeout``; one connect retry is made first, which is safe;
- the request was (or may have been) written: ``WriteTimeout``,
  ``WriteError``, ``ReadTimeout``, ``RemoteProtocolError``: callers treat
  these as "may have arrived" and never resend blindly.

A pooled connection is reused only if the server has not closed it while it
sat idle (an idle keep-alive socket that is readable is at EOF); if the
server closes it just as the request is written, the write fails (a closed
peer reads nothing) and the request is written once more on a new
connection. A failure after the request was written is never retried.

Not supported, because no channel needs them: proxies, HTTP/2, streaming
bodies, client certificates.
"""

from __future__ import annotations

import base64
import http.client
import json as jsonlib
import select
import socket
import ssl
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

_Key = tuple[str, str, int]


class Answer:
    """A provider's answer, read in full; the part of ``httpx.Response`` channels use."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: http.client.HTTPMessage, content: bytes):
        self.status_code = status_code
        self.headers = headers  # case-insensitive .get(), like httpx.Headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class PooledHTTP:
    """Per-origin pools of idle keep-alive connections, shared by the sending threads."""

    def __init__(
        self,
        *,
        timeout: float,
        retries: int = 1,
        max_idle_per_origin: int = 64,
        keepalive_expiry: float = 5.0,
        user_agent: str = "recaudo",
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.timeout = timeout
        self.retries = retries
        self.max_idle = max_idle_per_origin
        # Like httpx: a connection idle longer than this is not reused. A NAT
        # or load balancer may have dropped it without a word, and a request
        # written into it would end "unknown" rather than sent.
        self.keepalive_expiry = keepalive_expiry
        self.user_agent = user_agent
        self._ssl = ssl_context
        self._idle: defaultdict[_Key, list[tuple[float, http.client.HTTPConnection]]] = defaultdict(
            list
        )
        self._lock = threading.Lock()
        self.is_closed = False

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> Answer:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise httpx.UnsupportedProtocol(f"not an http(s) URL: {url!r}")
        key = (parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        target = parts.path or "/"
        query = "&".join(q for q in (parts.query, urlencode(params or {}, doseq=True)) if q)
        if query:
            target = f"{target}?{query}"
        sent_headers = {"User-Agent": self.user_agent, "Accept": "*/*"}
        body = b""
        if content is not None:
            # Bytes sent as given (a signed webhook: the signature covers these exact bytes).
            body = content
        elif json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":")).encode()
            sent_headers["Content-Type"] = "application/json"
        elif data is not None:
            body = urlencode(data, doseq=True).encode()
            sent_headers["Content-Type"] = "application/x-www-form-urlencoded"
        if auth is not None:
            pair = f"{auth[0]}:{auth[1]}".encode()
            sent_headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        sent_headers.update(headers or {})
        name = f"[{key[1]}]" if ":" in key[1] else key[1]  # an IPv6 address
        host = name if parts.port is None else f"{name}:{key[2]}"
        connection = self._checkout(key)
        reused = connection is not None
        while True:
            if connection is None:
                connection = self._connect(key, url)
            try:
                connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                connection.putheader("Host", host)
                for name, value in sent_headers.items():
                    connection.putheader(name, value)
                connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body or None)
                break
            except TimeoutError as exc:
                connection.close()
                raise httpx.WriteTimeout(f"writing the request to {url} timed out: {exc}") from exc
            except (ValueError, http.client.HTTPException) as exc:
                # A header or URL http.client refuses: nothing left this process.
                connection.close()
                raise httpx.LocalProtocolError(f"cannot write the request to {url}: {exc}") from exc
            except OSError as exc:
                connection.close()
                if reused:
                    # The server closed this kept-alive connection as we wrote:
                    # a closed peer reads nothing, so a fresh connection is safe.
                    connection, reused = None, False
                    continue
                raise httpx.WriteError(f"writing the request to {url} failed: {exc}") from exc
        try:
            response = connection.getresponse()
            content = response.read()
        except TimeoutError as exc:
            connection.close()
            raise httpx.ReadTimeout(f"no answer from {url} in {self.timeout:g} s") from exc
        except (http.client.HTTPException, OSError) as exc:
            connection.close()
            raise httpx.RemoteProtocolError(
                f"the connection to {url} broke before a full answer: {type(exc).__name__}: {exc}"
            ) from exc
        if response.will_close:
            connection.close()
        else:
            self._checkin(key, connection)
        return Answer(response.status, response.msg, content)

    def close(self) -> None:
        with self._lock:
            self.is_closed = True
            pools = list(self._idle.values())
            self._idle.clear()
        for pool in pools:
            for _, connection in pool:
                connection.close()

    # -- the pool ------------------------------------------------------------

    def _checkout(self, key: _Key) -> http.client.HTTPConnection | None:
        while True:
            with self._lock:
                pool = self._idle.get(key)
                if not pool:
                    return None
                idle_since, connection = pool.pop()
            fresh = time.monotonic() - idle_since <= self.keepalive_expiry
            if fresh and _still_open(connection):
                return connection
            connection.close()  # idle too long, or the server closed it

    def _checkin(self, key: _Key, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            pool = self._idle[key]
            if not self.is_closed and len(pool) < self.max_idle:
                pool.append((time.monotonic(), connection))
                return
        connection.close()

    def _connect(self, key: _Key, url: str) -> http.client.HTTPConnection:
        scheme, host, port = key
        for attempt in range(self.retries + 1):
            if scheme == "https":
                if self._ssl is None:
                    self._ssl = ssl.create_default_context()
                context = self._ssl
                connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                    host, port, timeout=self.timeout, context=context
                )
            else:
                connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
            try:
                connection.connect()
            except TimeoutError as exc:
                connection.close()
                if attempt == self.retries:
                    raise httpx.ConnectTimeout(f"connecting to {url} timed out: {exc}") from exc
            except OSError as exc:
                connection.close()
                if attempt == self.retries:
                    raise httpx.ConnectError(f"could not connect to {url}: {exc}") from exc
            else:
                connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return connection
        raise AssertionError("unreachable")  # pragma: no cover


def _still_open(connection: http.client.HTTPConnection) -> bool:
    """An idle keep-alive connection is usable if the server has not closed it.

    Nothing should arrive on an idle connection; a readable socket means EOF
    (closed) or stray bytes, and either way it must not carry a request.
    """
    sock = connection.sock
    if sock is None:
        return False
    poller = select.poll()
    try:
        poller.register(sock, select.POLLIN)
        return not poller.poll(0)
    except (OSError, ValueError):
        return False
