"""Secrets kept in the database, encrypted (docs/security.md#stored-secrets).

Every column that holds a credential (a creditor's WhatsApp token, Twilio
auth token, SMTP password, payment-provider key, an events-out endpoint's
signing secret) is a ``SecretField``: it is written as a Fernet token
(AES-128-CBC + HMAC-SHA256, from the ``cryptography`` library,
docs/decisions/0025-stored-secrets.md) and read back as the clear text.

Keys come from ``settings.SECRET_KEYS`` (``RECAUDO_SECRET_KEYS``,
comma-separated): the first one encrypts, every one decrypts, so a new key is
put first, ``recaudo secrets rotate`` re-encrypts every stored secret with it,
and only then is the old key removed: no moment where a process cannot read.

An empty secret is stored empty (it means "not set") and needs no key; a
secret that must be stored with no key configured is refused with
``SecretsNotConfigured``.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, router, transaction

ENVIRONMENT_VARIABLE = "RECAUDO_SECRET_KEYS"
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
MIN_KEY_LENGTH = 32
# HKDF's "info": keys derived for another purpose from the same text differ.
KEY_PURPOSE = b"recaudo stored secrets v1"


class SecretsNotConfigured(ImproperlyConfigured):
    """A secret must be stored or read and no key is set."""


class UnreadableSecret(Exception):
    """A stored secret that none of the configured keys opens."""


def parse_keys(raw: Sequence[str]) -> list[bytes]:
    """Each configured key as a Fernet key; a short one is named by its position.

    A configured key is any random text of ``MIN_KEY_LENGTH`` characters or
    more (like SECRET_KEY); HKDF-SHA256 turns it into Fernet's 32 bytes.
    """
    keys = []
    for position, key in enumerate(raw, start=1):
        if len(key) < MIN_KEY_LENGTH:
            raise ImproperlyConfigured(
                f"{ENVIRONMENT_VARIABLE}: key number {position} is shorter than "
                f"{MIN_KEY_LENGTH} characters (make one with {MAKE_A_KEY})"
            )
        derived = HKDF(algorithm=SHA256(), length=32, salt=None, info=KEY_PURPOSE)
        keys.append(base64.urlsafe_b64encode(derived.derive(key.encode())))
    return keys


_boxes: dict[tuple[str, ...], tuple[MultiFernet, Fernet]] = {}
_lock = threading.Lock()


def _box() -> MultiFernet:
    return _boxes_for_settings()[0]


def _boxes_for_settings() -> tuple[MultiFernet, Fernet]:
    configured = tuple(getattr(settings, "SECRET_KEYS", ()) or ())
    if not configured:
        raise SecretsNotConfigured(
            f"Stored secrets are not configured: set {ENVIRONMENT_VARIABLE} "
            f"(one or more random keys, comma-separated; make one with {MAKE_A_KEY}). "
            "See docs/security.md#stored-secrets."
        )
    box = _boxes.get(configured)
    if box is None:
        with _lock:
            fernets = [Fernet(key) for key in parse_keys(configured)]
            box = (MultiFernet(fernets), fernets[0])
            _boxes[configured] = box
    return box


def encrypt(clear: str) -> str:
    """The clear text as a token under the first key ("" stays "": not set)."""
    if not clear:
        return ""
    return _box().encrypt(clear.encode()).decode()


def decrypt(token: str, *, where: str = "a stored secret") -> str:
    if not token:
        return ""
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret(
            f"{where} cannot be decrypted with any key of {ENVIRONMENT_VARIABLE}: "
            "was a key removed before `recaudo secrets rotate` ran?"
        ) from None


def is_current(token: str) -> bool:
    """Whether ``token`` is already encrypted with the first key (rotation skips it)."""
    if not token:
        return True
    first = _boxes_for_settings()[1]
    try:
        first.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotated(token: str) -> str:
    """``token`` encrypted again with the first key (raises UnreadableSecret)."""
    try:
        return _box().rotate(token.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret(
            f"a stored secret cannot be decrypted with any key of {ENVIRONMENT_VARIABLE}"
        ) from None


class SecretField(models.TextField):
    """A text column stored encrypted; the model sees the clear text.

    Never filter on it (each encryption differs). Forms must not show it
    back: ``staff`` pages say "set / not set" and an empty input keeps it.
    """

    description = "Text encrypted at rest (Fernet)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        if not value:
            return ""
        return decrypt(value, where=f"{self.model._meta.label}.{self.name}")

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(str(value))


def secret_columns() -> Iterator[tuple[type[models.Model], SecretField]]:
    """Every model field that is a SecretField, in a stable order."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, SecretField):
                yield model, field


def rotate_all(batch_size: int = 500) -> dict[str, int]:
    """Encrypt every stored secret again with the first key; returns rows changed per column.

    Idempotent: a value already under the first key is left alone. Each batch
    of rows is one transaction, its rows locked, so a secret changed meanwhile
    by a page is not overwritten with its old value.
    """
    _box()  # fail at once, before any row, when no key is set
    changed: dict[str, int] = {}
    for model, field in secret_columns():
        label = f"{model._meta.label}.{field.name}"
        changed[label] = 0
        connection = connections[router.db_for_write(model)]
        quote = connection.ops.quote_name
        table, column, pk = model._meta.db_table, field.column, model._meta.pk.column
        last = None
        while True:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                where = f"{quote(column)} <> ''" + (f" AND {quote(pk)} > %s" if last else "")
                lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
                cursor.execute(
                    f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)} WHERE {where}"
                    f" ORDER BY {quote(pk)} LIMIT %s{lock}",
                    [last, batch_size] if last else [batch_size],
                )
                rows = cursor.fetchall()
                for key, token in rows:
                    if is_current(token):
                        continue
                    cursor.execute(
                        f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(pk)} = %s",
                        [rotated(token), key],
                    )
                    changed[label] += 1
            if len(rows) < batch_size:
                break
            last = rows[-1][0]
    return changed
