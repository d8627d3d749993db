"""Helpers for tests that start other processes against the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """A DATABASE_URL for the database this test run is using."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{settings['NAME']}"


def run_recaudo(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the `recaudo` console script against the test database."""
    environment = {**os.environ, "DATABASE_URL": database_url()}
    return subprocess.run(
        [sys.executable, "-m", "recaudo.cli", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def own_token(message, debtor) -> str:
    """The token a sent message carries: its own, over the debtor's live payment link."""
    from recaudo.payments.links import live_link
    from recaudo.payments.models import MessageLink

    link = MessageLink.objects.get(outreach_id=message.outreach_id)
    assert link.link_id == live_link(debtor.pk).pk
    return link.token
