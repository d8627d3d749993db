"""The channels by name, and the one HTTP wrapper every HTTP channel uses.

``get_channel(name)`` returns one instance per name per process, built on
first use from ``settings.CHANNELS[name]``; HTTP channels keep one client
(keep-alive, ``PROVIDER_TIMEOUT_SECONDS``), opened on their first request:
``transport.PooledHTTP`` normally, an ``httpx.Client`` over the transport a
test passes in (``httpx.MockTransport``). Both take the same arguments and
fail with httpx's exceptions. Tests that change settings call
``reset_channels()``.

``request`` turns transport failures into a ``ProviderResult`` so that
``send`` never raises for the network:

- nothing reached the provider (connection refused, connect timeout, no free
  pooled connection) -> ``retry``; httpx retries a failed connect once itself;
- the request may have reached it (write/read timeout, connection dropped
  before the answer) -> ``unknown``: never resent blindly.

5xx answers are not retried here: the dispatcher owns retries (with its
lease, backoff and attempt cap), and resending a message inside one attempt
could deliver it twice.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from recaudo.delivery.channels.transport import Answer, PooledHTTP
from recaudo.outreach.contract import Channel, ProviderResult

# Dotted paths, imported on first use: the channel modules import the helpers
# below, so importing them here at module level would be circular. The names
# are those of recaudo.channels, where each channel's facts are.
CHANNEL_CLASSES: dict[str, str] = {
    "whatsapp": "recaudo.delivery.channels.whatsapp.WhatsAppChannel",
    "sms": "recaudo.delivery.channels.sms.TwilioSmsChannel",
    "rcs": "recaudo.delivery.channels.rcs.RbmChannel",
    "email": "recaudo.delivery.channels.email.EmailChannel",
}

_instances: dict[str, Channel] = {}
_lock = threading.Lock()


def channel_class(name: str) -> type[Channel]:
    """The class of channel ``name`` (its module imported on first use)."""
    if name not in CHANNEL_CLASSES:
        raise ImproperlyConfigured(
            f"Unknown channel {name!r}; known channels: {', '.join(sorted(CHANNEL_CLASSES))}"
        )
    return import_string(CHANNEL_CLASSES[name])


def get_channel(name: str) -> Channel:
    """The process-wide instance of channel ``name`` (built on first use)."""
    channel = _instances.get(name)
    if channel is not None:
        return channel
    channel_type = channel_class(name)
    with _lock:
        channel = _instances.get(name)
        if channel is None:
            channel = channel_type()
            _instances[name] = channel
    return channel


def reset_channels() -> None:
    """Forget every instance (and close its HTTP client), e.g. after settings changed.

    The creditors' accounts' instances too (``accounts.forget_accounts``).
    """
    with _lock:
        channels = list(_instances.values())
        _instances.clear()
    for channel in channels:
        close = getattr(channel, "close", None)
        if close is not None:
            close()
    # accounts.py imports this module (its channels are built by channel_class).
    from recaudo.delivery.accounts import forget_accounts

    forget_accounts()


def channel_config(
    name: str, override: dict[str, Any] | None, required: tuple[str, ...]
) -> dict[str, Any]:
    """``settings.CHANNELS[name]`` updated with ``override``; fails clearly if incomplete."""
    config = {**settings.CHANNELS.get(name, {}), **(override or {})}
    missing = [key for key in required if not config.get(key)]
    if missing:
        raise ImproperlyConfigured(
            f"Channel {name!r} is not configured: set {', '.join(missing)} "
            f"in settings.CHANNELS[{name!r}] (see docs/channels.md)"
        )
    return config


class MediaError(Exception):
    """A file the debtor sent could not be fetched (gone, too big, refused)."""


class HttpChannelMixin:
    """One lazily opened HTTP client per channel instance (see the module's docstring)."""

    def _init_http(self, config: dict[str, Any], transport: httpx.BaseTransport | None) -> None:
        self._timeout = float(config.get("timeout_seconds") or settings.PROVIDER_TIMEOUT_SECONDS)
        self._transport = transport
        self._client: PooledHTTP | httpx.Client | None = None
        self._client_lock = threading.Lock()

    @property
    def client(self) -> PooledHTTP | httpx.Client:
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    # retries=1 re-attempts a failed *connect* only: nothing was sent.
                    if self._transport is None:
                        self._client = PooledHTTP(timeout=self._timeout, retries=1)
                    else:
                        self._client = httpx.Client(
                            transport=self._transport,
                            timeout=httpx.Timeout(self._timeout),
                            headers={"User-Agent": "recaudo"},
                        )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def request(
    client: PooledHTTP | httpx.Client, method: str, url: str, **kwargs: Any
) -> Answer | httpx.Response | ProviderResult:
    """Send one request; a transport failure comes back as a ``ProviderResult``."""
    try:
        return client.request(method, url, **kwargs)
    except (httpx.LocalProtocolError, httpx.UnsupportedProtocol) as exc:
        # The request could not even be written (a header or URL refused
        # here): nothing left, and resending it would fail the same way.
        return ProviderResult(
            outcome="fallback", error_code="request_invalid", error_message=_describe(exc)
        )
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        return ProviderResult(
            outcome="retry", error_code="connect_error", error_message=_describe(exc)
        )
    except httpx.TimeoutException as exc:  # read or write timeout: it may have arrived
        return ProviderResult(outcome="unknown", error_code="timeout", error_message=_describe(exc))
    except httpx.TransportError as exc:  # dropped connection, protocol error
        return ProviderResult(
            outcome="unknown", error_code="transport_error", error_message=_describe(exc)
        )


def retry_after_seconds(response: Answer | httpx.Response) -> float | None:
    """The Retry-After header in seconds, when it is a number."""
    raw = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(raw)) if raw else None
    except ValueError:
        return None  # an HTTP date: rare from these providers; the dispatcher's backoff applies


def response_json(response: Answer | httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or {} (with the text kept) when it is not one."""
    try:
        data = response.json()
    except ValueError:
        return {"status_code": response.status_code, "text": response.text[:2000]}
    return data if isinstance(data, dict) else {"status_code": response.status_code, "json": data}


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]
