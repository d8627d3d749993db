"""Payment providers, registered in a plain dict by name."""

from __future__ import annotations

import httpx

from recaudo.payments.conf import provider_config
from recaudo.payments.providers.base import HttpProvider
from recaudo.payments.providers.mercadopago import MercadoPagoProvider
from recaudo.payments.providers.sandbox import SandboxProvider
from recaudo.payments.providers.stripe import StripeProvider

PROVIDERS: dict[str, type[HttpProvider]] = {
    "sandbox": SandboxProvider,
    "stripe": StripeProvider,
    "mercadopago": MercadoPagoProvider,
}


def get_provider(name: str, transport: httpx.BaseTransport | None = None) -> HttpProvider:
    try:
        provider_class = PROVIDERS[name]
    except KeyError:
        raise LookupError(f"unknown payment provider '{name}'") from None
    return provider_class(provider_config(name), transport=transport)
