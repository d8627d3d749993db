"""API keys: one creditor's credentials for the REST API.

A key reads ``rk_<prefix>_<secret>``. The prefix is stored in clear so a key
can be found (and named in logs and audit events) without its secret; only a
SHA-256 hash of the whole key is stored, and it is compared in constant time.
The key itself is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader, HttpBearer

from recaudo.portfolio.models import ApiKey, Creditor

KEY_SCHEME = "rk"
# Writing last_used_at on every request would turn each read into a write;
# knowing the last use to the minute is enough to spot unused keys.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewKey:
    api_key: ApiKey
    key: str  # the only time the full key exists outside its owner's hands


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(creditor: Creditor, name: str) -> NewKey:
    prefix = secrets.token_hex(6)
    key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        creditor=creditor, name=name, prefix=prefix, key_hash=hash_key(key)
    )
    return NewKey(api_key, key)


def revoke_key(prefix: str, *, now: datetime | None = None) -> ApiKey:
    """Revoke the key with ``prefix``; revoking twice keeps the first date."""
    api_key = ApiKey.objects.select_related("creditor").get(prefix=prefix)
    if api_key.revoked_at is None:
        api_key.revoked_at = now or timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def split_key(key: str) -> str | None:
    """The prefix of a well-formed key, else None."""
    scheme, _, rest = key.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != KEY_SCHEME or not prefix or not secret or len(prefix) > 16:
        return None
    return prefix


def find_active_key(key: str | None, *, now: datetime | None = None) -> ApiKey | None:
    """The live key matching ``key`` (with its creditor), or None if unknown or revoked."""
    text = (key or "").strip()
    prefix = split_key(text)
    if prefix is None:
        return None
    api_key = ApiKey.objects.select_related("creditor").filter(prefix=prefix).first()
    if api_key is None or api_key.revoked_at is not None:
        return None
    if not hmac.compare_digest(api_key.key_hash, hash_key(text)):
        return None
    now = now or timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


class BearerKey(HttpBearer):
    """``Authorization: Bearer rk_...``"""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return find_active_key(token)


class HeaderKey(APIKeyHeader):
    """``X-API-Key: rk_...``, for clients that cannot set Authorization."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        return find_active_key(key)


API_KEY_AUTH = [BearerKey(), HeaderKey()]
