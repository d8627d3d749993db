"""``check --deploy``: payments go through a real provider with all its credentials.

The sandbox provider's key and webhook secret are published in the source, so
while SANDBOX_PAYMENTS_ENABLED anyone can post "paid" webhooks to
``/webhooks/payments/sandbox``. A provider in use (the default one, or one with
any credential set) needs every credential: without its webhook secret no
payment is ever confirmed. See docs/security.md and recaudo/checks.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from recaudo.checks import SECRETS, is_placeholder
from recaudo.payments.conf import payments_settings
from recaudo.payments.providers import PROVIDERS, is_available


def payment_errors(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[checks.Error]:
    errors = []
    if getattr(settings, "SANDBOX_PAYMENTS_ENABLED", False):
        errors.append(
            checks.Error(
                "SANDBOX_PAYMENTS_ENABLED is on: the sandbox payment provider's secrets are "
                "public, so anyone can record payments through /webhooks/payments/sandbox.",
                hint="Set SANDBOX_PAYMENTS_ENABLED=false (its default when DEBUG is off).",
                id="recaudo.E020",
            )
        )
    configured = payments_settings()
    default = str(configured["default_provider"] or "")
    real = sorted(name for name in PROVIDERS if name != "sandbox")
    if not default:
        errors.append(
            checks.Error(
                "PAYMENTS_DEFAULT_PROVIDER is not set: debtors cannot pay from the portal.",
                hint=f"Set it to one of {', '.join(real)}, with that provider's credentials.",
                id="recaudo.E021",
            )
        )
    elif not is_available(default):
        sandbox_off = (
            " (the sandbox is off: SANDBOX_PAYMENTS_ENABLED)" if default == "sandbox" else ""
        )
        errors.append(
            checks.Error(
                f"PAYMENTS_DEFAULT_PROVIDER is {default!r}, which is not an available "
                f"provider{sandbox_off}.",
                hint=f"Set it to one of {', '.join(real)}.",
                id="recaudo.E021",
            )
        )
    for name in real:
        variables = PROVIDERS[name].variables
        config = configured["providers"].get(name, {})
        credentials = {
            key: str(config.get(key) or "") for key in variables if not key.endswith("_url")
        }
        if name != default and not any(credentials.values()):
            continue  # not used
        use = "the default provider" if name == default else "partly configured"
        for key, value in credentials.items():
            if not value:
                problem = f"{variables[key]} is empty while {name} is {use}"
            elif is_placeholder(value):
                problem = f"{variables[key]} is still the documentation's placeholder {value}"
            else:
                continue
            errors.append(
                checks.Error(
                    f"{problem}: {name} checkouts or webhooks will be refused.",
                    hint=f"Set {variables[key]} in the environment to the value from {name}'s "
                    "dashboard.",
                    id="recaudo.E022",
                )
            )
    errors.extend(wompi_environment_errors(configured["providers"].get("wompi", {})))
    return errors


def wompi_environment_errors(config: dict[str, Any]) -> list[checks.Error]:
    """Wompi's sandbox and production are separate (keys, transactions): a ``pub_test_`` key
    with the production API, or a ``pub_prod_`` key with the sandbox's, never finds a payment."""
    public_key = str(config.get("public_key") or "")
    host = urlsplit(str(config.get("base_url") or "")).hostname or ""
    wanted = {"production.wompi.co": "pub_prod_", "sandbox.wompi.co": "pub_test_"}.get(host)
    if not public_key or wanted is None or public_key.startswith(wanted):
        return []
    return [
        checks.Error(
            f"WOMPI_PUBLIC_KEY is not a {wanted}… key while WOMPI_BASE_URL is {host}: "
            "Wompi's checkouts and lookups would be in different environments and no "
            "payment would ever be recorded.",
            hint="Use the keys and the API of the same Wompi environment (docs/payments.md#wompi).",
            id="recaudo.E023",
        )
    ]


def register() -> None:
    checks.register(payment_errors, checks.Tags.security, SECRETS, deploy=True)
