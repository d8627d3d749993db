"""The documented production environment (docs/security.md) and the settings it makes."""

from __future__ import annotations

import os
import re
import runpy
import secrets
from pathlib import Path
from typing import Any
from unittest import mock

from tests.helpers import ROOT

SECURITY_DOC = ROOT / "docs" / "security.md"
SETTINGS_FILE = ROOT / "recaudo" / "settings.py"
# Settings that would point the test process at the documented servers.
KEPT_FROM_THE_TEST_RUN = {"DATABASES", "CACHES"}


def documented_environment() -> dict[str, str]:
    """The ```sh block under "## Production settings", each ``<…>`` replaced by a random value."""
    section = SECURITY_DOC.read_text(encoding="utf-8").split("## Production settings", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "docs/security.md has no ```sh block under Production settings"
    environment = {}
    for line in block.group(1).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        if value.startswith("<") and value.endswith(">"):
            value = secrets.token_urlsafe(50)
        environment[name] = value
    return environment


def settings_from(environment: dict[str, str], var_dir: Path) -> dict[str, Any]:
    """What recaudo/settings.py makes of exactly this environment (nothing else set)."""
    with mock.patch.dict(os.environ, {**environment, "RECAUDO_VAR_DIR": str(var_dir)}, clear=True):
        namespace = runpy.run_path(str(SETTINGS_FILE))
    return {name: value for name, value in namespace.items() if name.isupper()}


def apply(settings: Any, values: dict[str, Any]) -> None:
    """Put ``values`` on pytest-django's ``settings`` fixture, keeping the test database.

    Only what differs is set (overriding INSTALLED_APPS would reload the app registry).
    """
    for name, value in values.items():
        if name in KEPT_FROM_THE_TEST_RUN:
            continue
        if getattr(settings, name, object()) != value:
            setattr(settings, name, value)
