"""Payment providers, registered in a plain dict by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from django.conf import settings

from recaudo.payments.conf import provider_config
from recaudo.payments.providers.base import HttpProvider, ProviderError
from recaudo.payments.providers.mercadopago import MercadoPagoProvider
from recaudo.payments.providers.sandbox import SandboxProvider
from recaudo.payments.providers.stripe import StripeProvider
from recaudo.payments.providers.wompi import WompiProvider

if TYPE_CHECKING:  # the models load after this module (payments/checks.py imports it early)
    from recaudo.payments.models import ProviderAccount

PROVIDERS: dict[str, type[HttpProvider]] = {
    "sandbox": SandboxProvider,
    "stripe": StripeProvider,
    "mercadopago": MercadoPagoProvider,
    "wompi": WompiProvider,
}


def is_available(name: str) -> bool:
    """A known provider; the sandbox only while SANDBOX_PAYMENTS_ENABLED (its keys are public)."""
    if name == "sandbox":
        return bool(getattr(settings, "SANDBOX_PAYMENTS_ENABLED", False))
    return name in PROVIDERS


def get_provider(
    name: str,
    transport: httpx.BaseTransport | None = None,
    *,
    account: ProviderAccount | None = None,
) -> HttpProvider:
    """The provider ``name``; ProviderError (permanent) when it is unknown, unset or off.

    With a creditor's ``account`` (``payments.accounts.account_for``) its key
    and webhook secret replace the global ones.
    """
    if name not in PROVIDERS:
        raise ProviderError(
            f"unknown payment provider {name!r}"
            if name
            else "no payment provider is set (PAYMENTS_DEFAULT_PROVIDER)",
            permanent=True,
        )
    if not is_available(name):
        raise ProviderError(
            f"the {name} payment provider is off (SANDBOX_PAYMENTS_ENABLED is false)",
            permanent=True,
        )
    config = provider_config(name)
    if account is not None:
        config = {**config, **account.settings_override()}
    return PROVIDERS[name](config, transport=transport)
