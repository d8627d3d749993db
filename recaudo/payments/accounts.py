"""Which payment-provider account a creditor's checkouts use (docs/payments.md)."""

from __future__ import annotations

from recaudo.payments.models import ProviderAccount
from recaudo.payments.providers import get_provider
from recaudo.payments.providers.base import HttpProvider


def account_for(creditor_id: int, provider: str) -> ProviderAccount | None:
    """The creditor's active account at ``provider``; None: the global settings serve it."""
    return ProviderAccount.objects.filter(
        creditor_id=creditor_id, provider=provider, active=True
    ).first()


def provider_for(creditor_id: int, provider: str) -> HttpProvider:
    """The provider with the creditor's own account where it has one."""
    return get_provider(provider, account=account_for(creditor_id, provider))


def notification_path(creditor_id: int, provider: str) -> str:
    """Where the provider posts this creditor's webhooks (its account's own route, if any)."""
    account = account_for(creditor_id, provider)
    if account is None:
        return f"/webhooks/payments/{provider}"
    return f"/webhooks/payments/{provider}/{account.webhook_token}"
