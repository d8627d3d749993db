"""The pseudonymous reference an erased debtor keeps (docs/privacy.md "Erasure").

An erased debtor's ``external_id`` becomes ``erased-<hmac>``: a keyed hash of
the creditor and the original id. The creditor's systems can still be matched
through the debts' and payments' own ids, which stay; nobody can read the
person's id back. Imports and the API compute the same reference for an id
they do not know: when it names an erased debtor, the row is refused with an
error rather than silently re-creating the person under a new record.

The key derives from ``SECRET_KEY``; after rotating it (without keeping the
old one in ``SECRET_KEY_FALLBACKS``) earlier erasures are no longer
recognised on import.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from django.conf import settings

PREFIX = "erased-"
SALT = "recaudo.portfolio.erased"


def _keys() -> list[bytes]:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [hashlib.sha256((SALT + secret).encode()).digest() for secret in secrets]


def _reference(key: bytes, creditor_id: int, external_id: str) -> str:
    digest = hmac.new(key, f"{creditor_id}:{external_id}".encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:32]


def erased_reference(creditor_id: int, external_id: str) -> str:
    """The reference an erased debtor with this id keeps (current key)."""
    return _reference(_keys()[0], creditor_id, external_id)


def erased_matches(creditor_id: int, external_ids: Iterable[str]) -> dict[str, str]:
    """Every possible erased reference (current and fallback keys) -> the id it stands for."""
    keys = _keys()
    return {
        _reference(key, creditor_id, external_id): external_id
        for external_id in external_ids
        for key in keys
    }
