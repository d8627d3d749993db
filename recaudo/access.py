"""Who is asking: the client's address behind trusted proxies, and login throttling.

Logins (the admin's, which the inbox uses too) are throttled by django-axes
with its database handler: the failures are rows, shared by every web process
and kept across restarts. See docs/security.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext


def client_address(meta: Mapping[str, Any]) -> str:
    """The client's IP address, from ``request.META``.

    With ``TRUSTED_PROXY_COUNT`` = n, each of the n proxies appended the address
    it was reached from to X-Forwarded-For, so the client is the n-th entry from
    the right; anything left of it was written by the client and is not trusted.
    Without proxies (or with fewer entries than proxies), ``REMOTE_ADDR``.
    """
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if proxies:
        forwarded = [part.strip() for part in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(meta.get("REMOTE_ADDR", ""))


def request_client_address(request: HttpRequest) -> str:
    """``AXES_CLIENT_IP_CALLABLE``: the same address the portal's rate limit counts."""
    return client_address(request.META)


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' check before the password check; a locked-out pair is refused.

    ``authenticate()`` without a request (a script, Django's test client
    ``login()``) has no address to count and is not a web login: it is left to
    the next backend instead of failing, as axes' own backend would.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: 429 with a plain sentence saying how long to wait."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = gettext(
        "Demasiados intentos fallidos: el ingreso con este usuario desde esta dirección "
        "queda bloqueado por %(minutes)d minutos. Espere y vuelva a intentarlo, o pida a "
        "un administrador que lo desbloquee."
    ) % {"minutes": minutes}
    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
