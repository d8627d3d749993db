"""Gunicorn, embedded: ``recaudo serve`` runs it with Recaudo's WSGI application.

See docs/decisions/0016-web-server.md for why gunicorn and which worker class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gunicorn.app.base import BaseApplication


@dataclass(frozen=True)
class ServerOptions:
    host: str
    port: int
    workers: int
    threads: int
    timeout: int
    graceful_timeout: int
    keepalive: int

    def gunicorn_settings(self) -> dict[str, Any]:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return {
            "bind": [f"{host}:{self.port}"],
            "workers": self.workers,
            # One thread: the sync worker; more: gunicorn switches to gthread.
            "worker_class": "gthread" if self.threads > 1 else "sync",
            "threads": self.threads,
            "timeout": self.timeout,
            "graceful_timeout": self.graceful_timeout,
            "keepalive": self.keepalive,
            # Load Django once in the arbiter: workers fork with it in memory.
            "preload_app": True,
            # Django alone decides what is HTTPS (SECURE_PROXY_SSL_HEADER, set only
            # with TRUSTED_PROXY_COUNT): gunicorn must not trust X-Forwarded-Proto itself.
            "secure_scheme_headers": {},
            "forwarded_allow_ips": "",
            # Access lines are the proxy's job; gunicorn's own logger would not
            # redact the tokens in /p/ and /u/ paths (recaudo/logs.py).
            "accesslog": None,
            "errorlog": "-",
            "proc_name": "recaudo-web",
            # gunicorn's run-time control socket (gunicornc) is not used: stop and
            # reload go through signals from the service manager.
            "control_socket_disable": True,
        }


class RecaudoServer(BaseApplication):
    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.gunicorn_settings().items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from recaudo.wsgi import application  # loading it is the server's start (preload)

        return application
