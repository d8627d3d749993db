"""Setting a creditor's own channel and payment-provider accounts (the page /equipo/cuentas/).

Each change is one transaction with its audit event (``AuditEvent.Kind.ACCOUNT_CHANGED``,
naming what changed, never a secret's value). A secret left empty keeps the
stored one: secrets are written, never read back (docs/security.md#stored-secrets).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from recaudo.delivery.models import ChannelAccount
from recaudo.payments.models import ProviderAccount
from recaudo.portfolio.models import AuditEvent, Creditor

# The public details each channel's account keeps (ChannelAccount.details).
CHANNEL_DETAILS: dict[str, tuple[str, ...]] = {
    "whatsapp": ("display_number", "waba_id", "verify_token"),
    "sms": ("account_sid",),
    "rcs": (),
    "email": ("from_name", "host", "port", "username", "use_tls"),
}
ALL_CHANNEL_DETAILS = frozenset(name for names in CHANNEL_DETAILS.values() for name in names)
SECRETS = ("secret", "signing_secret")
# What a channel's account cannot work without (the rest falls back to the settings).
REQUIRED_DETAILS: dict[str, tuple[str, ...]] = {"sms": ("account_sid",)}
REQUIRED_SECRETS: dict[str, tuple[str, ...]] = {
    "whatsapp": ("secret", "signing_secret"),
    "sms": ("secret",),
    "rcs": ("secret", "signing_secret"),
    "email": (),
}
PROVIDER_SECRETS = ("api_key", "webhook_secret", "signing_secret")


class AccountError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def save_channel_account(
    creditor: Creditor,
    channel: str,
    *,
    routing_key: str,
    details: dict[str, Any],
    secrets: dict[str, str],
    active: bool,
    actor: str,
) -> ChannelAccount:
    """Create or change the creditor's account on ``channel``; empty secrets keep the stored."""
    routing_key = routing_key.strip()
    if channel == "email":
        routing_key = routing_key.lower()  # as the model keeps it: matched to the mail's To
    if not routing_key:
        raise AccountError("routing_key", _("Falta el identificador de la cuenta."))
    taken = ChannelAccount.objects.filter(channel=channel, routing_key=routing_key).exclude(
        creditor=creditor
    )
    if taken.exists():
        raise AccountError("routing_key", _("Otro acreedor ya usa ese identificador."))
    kept = {name: details.get(name) for name in CHANNEL_DETAILS[channel]}
    kept = {name: value for name, value in kept.items() if value not in (None, "")}
    for name in REQUIRED_DETAILS.get(channel, ()):
        if name not in kept:
            raise AccountError(name, _("Este canal necesita %(field)s.") % {"field": name})
    try:
        with transaction.atomic():
            account = (
                ChannelAccount.objects.select_for_update()
                .filter(creditor=creditor, channel=channel)
                .first()
            )
            created = account is None
            if account is None:
                account = ChannelAccount(creditor=creditor, channel=channel)
            for name in REQUIRED_SECRETS[channel]:
                if not secrets.get(name) and not getattr(account, name):
                    raise AccountError(name, _("Falta un secreto que este canal necesita."))
            changed = [
                name
                for name, before, after in (
                    ("routing_key", account.routing_key, routing_key),
                    ("details", account.details, kept),
                    ("active", account.active, active),
                )
                if created or before != after
            ]
            account.routing_key, account.details, account.active = routing_key, kept, active
            for name in SECRETS:
                if secrets.get(name):
                    setattr(account, name, secrets[name])
                    changed.append(name)
            if not changed:
                return account
            account.save()
            _audit(creditor, actor, {"channel": channel, "routing_key": routing_key}, changed)
    except IntegrityError:  # the same number claimed at the same moment by another creditor
        raise AccountError("routing_key", _("Otro acreedor ya usa ese identificador.")) from None
    return account


def save_provider_account(
    creditor: Creditor,
    provider: str,
    *,
    account_id: str,
    secrets: dict[str, str],
    active: bool,
    actor: str,
) -> ProviderAccount:
    """Create or change the creditor's account at ``provider``; empty secrets keep the stored."""
    with transaction.atomic():
        account = (
            ProviderAccount.objects.select_for_update()
            .filter(creditor=creditor, provider=provider)
            .first()
        )
        created = account is None
        if account is None:
            account = ProviderAccount(creditor=creditor, provider=provider)
        if created and not secrets.get("api_key"):
            raise AccountError("api_key", _("Una cuenta nueva necesita su clave de la API."))
        changed = [
            name
            for name, before, after in (
                ("account_id", account.account_id, account_id.strip()),
                ("active", account.active, active),
            )
            if created or before != after
        ]
        account.account_id, account.active = account_id.strip(), active
        for name in PROVIDER_SECRETS:
            if secrets.get(name):
                setattr(account, name, secrets[name])
                changed.append(name)
        if not changed:
            return account
        account.save()
        _audit(creditor, actor, {"provider": provider, "account_id": account.account_id}, changed)
    return account


def _audit(creditor: Creditor, actor: str, what: dict[str, str], changed: list[str]) -> None:
    AuditEvent.objects.create(
        creditor=creditor,
        kind=AuditEvent.Kind.ACCOUNT_CHANGED,
        actor=actor,
        data={**what, "changed": changed},  # names only: never a secret's value
    )
