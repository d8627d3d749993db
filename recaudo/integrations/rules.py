"""Pure decisions of the outgoing webhooks: the signature, the next attempt, when to give up."""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

SIGNATURE_HEADER = "Recaudo-Signature"
EVENT_ID_HEADER = "Recaudo-Event-Id"
EVENT_TYPE_HEADER = "Recaudo-Event-Type"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Recaudo-Signature`` header: ``t=<ts>,v1=<hex HMAC-SHA256 of "ts.body">``."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def backoff(attempts: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before the next try after ``attempts`` failed ones: exponential, full jitter.

    The ceiling doubles from ``base`` (base, 2 base, 4 base...) up to ``cap``; the
    wait is drawn between half the ceiling and the ceiling, so a receiver that
    came back is not hit by every queued delivery at the same instant.
    """
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    draw = (rng or random).random()
    return ceiling / 2 + draw * ceiling / 2


def should_disable(
    failure_count: int,
    failing_since: datetime | None,
    now: datetime,
    *,
    max_failures: int,
    over: timedelta,
) -> bool:
    """An endpoint is disabled after ``max_failures`` failures in a row lasting ``over``."""
    return (
        failure_count >= max_failures and failing_since is not None and now - failing_since >= over
    )


def url_problem(url: str, *, allow_http: bool) -> str:
    """Why ``url`` cannot receive events, or "" when it can."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "give a full URL, e.g. https://example.com/recaudo/events"
    if parts.scheme == "http" and not allow_http:
        return "use https (plain http only where WEBHOOKS_OUT_ALLOW_HTTP is on)"
    if parts.username or parts.password:
        return "leave credentials out of the URL; the signature authenticates each request"
    return ""
