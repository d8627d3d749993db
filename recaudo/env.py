"""Strict helpers that read settings from the environment.

A malformed value stops the process with a message naming the variable, instead
of silently falling back to a default.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigurationError(Exception):
    pass


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name}={raw!r} is not a boolean (use true/false, 1/0, yes/no)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ConfigurationError(f"{name}={value} is below the minimum of {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, *, fallback_file: Path | None = None) -> str:
    """Read a secret; in development, generate one and keep it in ``fallback_file``.

    Production sets the variable; without it and without a fallback file the
    process refuses to start.
    """
    value = os.environ.get(name)
    if value:
        return value
    if fallback_file is None:
        raise ConfigurationError(f"{name} is not set")
    if fallback_file.exists():
        return fallback_file.read_text().strip()
    fallback_file.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(50)
    fallback_file.write_text(value + "\n")
    fallback_file.chmod(0o600)
    return value


def env_secret_list(name: str, *, fallback_file: Path) -> list[str]:
    """Comma-separated secrets; in development, one generated and kept in ``fallback_file``.

    The same way as ``env_secret`` (production sets the variable; ``check
    --deploy`` refuses the generated one, recaudo/checks.py).
    """
    return env_list(name, []) or [env_secret(name, fallback_file=fallback_file)]
