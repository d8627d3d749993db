"""Deployment checks for secrets, and the refusal to start with public ones.

Every check tagged ``SECRETS`` is a deployment check: ``recaudo check --deploy``
runs it (this module's ``SECRET_KEY`` check, ``delivery/checks.py`` for the
channels, ``payments/checks.py`` for the payment providers). With DEBUG off, the
web app (``recaudo/wsgi.py``: any WSGI server, and ``runserver``) and
``recaudo worker`` run them when they start and refuse to start on an error.
Test runs and the other commands are not stopped. See docs/security.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

SECRETS = "secrets"
# Django's own rule for a SECRET_KEY it does not warn about (security.W009).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def is_placeholder(value: str) -> bool:
    """A value copied from the documentation's examples: ``<...>``."""
    return value.startswith("<") and value.endswith(">")


def secret_key_errors(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[checks.Error]:
    key = str(settings.SECRET_KEY)
    generated_file = getattr(settings, "SECRET_KEY_FILE", None)
    if generated_file is not None and _file_holds(Path(generated_file), key):
        return [
            checks.Error(
                f"SECRET_KEY is not set: the key in use was generated in {generated_file} on "
                "this machine, so each machine signs sessions and unsubscribe links with its "
                "own key.",
                hint="Set SECRET_KEY in the environment of every web and worker process to the "
                f"same random value ({MAKE_A_KEY}).",
                id="recaudo.E001",
            )
        ]
    if (
        len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or key.startswith("django-insecure-")
        or is_placeholder(key)
    ):
        return [
            checks.Error(
                "SECRET_KEY is too easy to guess: it signs sessions and unsubscribe links.",
                hint=f"Use at least {SECRET_KEY_MIN_LENGTH} random characters ({MAKE_A_KEY}).",
                id="recaudo.E002",
            )
        ]
    return []


def secret_keys_errors(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[checks.Error]:
    """The keys of the stored secrets (recaudo/vault.py): set, long, not the generated one."""
    keys = list(getattr(settings, "SECRET_KEYS", []) or [])
    generated_file = getattr(settings, "SECRET_KEYS_FILE", None)
    if not keys or (generated_file is not None and _file_holds(Path(generated_file), keys[0])):
        return [
            checks.Error(
                "RECAUDO_SECRET_KEYS is not set: the key that encrypts the stored secrets "
                "(creditors' channel and payment accounts, webhook signing secrets) was "
                f"generated in {generated_file} on this machine; another machine cannot read them.",
                hint="Set RECAUDO_SECRET_KEYS in the environment of every web and worker process "
                f"to the same random value ({MAKE_A_KEY}); see docs/security.md#stored-secrets.",
                id="recaudo.E030",
            )
        ]
    for position, key in enumerate(keys, start=1):
        if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
            return [
                checks.Error(
                    f"RECAUDO_SECRET_KEYS: key number {position} is too easy to guess.",
                    hint=f"Use at least {SECRET_KEY_MIN_LENGTH} random characters ({MAKE_A_KEY}).",
                    id="recaudo.E031",
                )
            ]
    return []


def _file_holds(path: Path, key: str) -> bool:
    try:
        return path.read_text().strip() == key
    except OSError:
        return False


def register() -> None:
    checks.register(secret_key_errors, checks.Tags.security, SECRETS, deploy=True)
    checks.register(secret_keys_errors, checks.Tags.security, SECRETS, deploy=True)


def refuse_unsafe_start() -> None:
    """With DEBUG off, stop this process while a ``SECRETS`` check fails, naming each variable."""
    if settings.DEBUG:
        return
    errors = [
        issue
        for issue in checks.run_checks(tags=[SECRETS], include_deployment_checks=True)
        if issue.is_serious() and not issue.is_silenced()
    ]
    if errors:
        raise ImproperlyConfigured(
            "Recaudo does not start with DEBUG off while these secrets are unsafe "
            "(recaudo check --deploy lists them):\n" + "\n".join(str(issue) for issue in errors)
        )
