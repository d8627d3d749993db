"""``check --deploy``: no channel secret keeps the sandbox's public value.

The sandbox's values are published in the source; a channel still using one
accepts webhooks (statuses, debtors' messages, opt-outs) that anyone can sign.
A channel that is not used gets empty secrets: it then refuses to send and its
webhooks are never trusted. See docs/security.md and recaudo/checks.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from recaudo.checks import SECRETS, is_placeholder


@dataclass(frozen=True)
class ChannelSecret:
    variable: str
    channel: str  # settings.CHANNELS key
    key: str
    sandbox_value: str  # recaudo/settings.py's default, accepted by `recaudo sandbox`
    check_id: str
    guards: str  # what a forger could do with it


CHANNEL_SECRETS = (
    ChannelSecret(
        "WHATSAPP_ACCESS_TOKEN", "whatsapp", "access_token", "sandbox-whatsapp-token",
        "recaudo.E011", "the Graph API refuses the sends",
    ),
    ChannelSecret(
        "WHATSAPP_APP_SECRET", "whatsapp", "app_secret", "sandbox-whatsapp-app-secret",
        "recaudo.E012", "anyone can sign WhatsApp webhooks: debtors' messages, opt-outs, statuses",
    ),
    ChannelSecret(
        "WHATSAPP_VERIFY_TOKEN", "whatsapp", "verify_token", "sandbox-verify-token",
        "recaudo.E013", "anyone can answer the webhook subscription check",
    ),
    ChannelSecret(
        "TWILIO_AUTH_TOKEN", "sms", "auth_token", "sandbox-twilio-auth-token",
        "recaudo.E014", "anyone can sign Twilio webhooks: inbound SMS, opt-outs, statuses",
    ),
    ChannelSecret(
        "RBM_ACCESS_TOKEN", "rcs", "access_token", "sandbox-rbm-token",
        "recaudo.E015", "Google refuses the sends",
    ),
    ChannelSecret(
        "RBM_CLIENT_TOKEN", "rcs", "client_token", "sandbox-rbm-client-token",
        "recaudo.E016", "anyone can sign RCS webhooks: debtors' messages, opt-outs, statuses",
    ),
    ChannelSecret(
        "EMAIL_INBOUND_SECRET", "email", "inbound_secret", "sandbox-email-inbound-secret",
        "recaudo.E017", "anyone can sign inbound emails: debtors' messages, receipts, opt-outs",
    ),
)  # fmt: skip


def channel_secret_errors(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[checks.Error]:
    errors = []
    channels = getattr(settings, "CHANNELS", {})
    for secret in CHANNEL_SECRETS:
        value = str(channels.get(secret.channel, {}).get(secret.key) or "")
        if value == secret.sandbox_value:
            problem = f"{secret.variable} has the sandbox's public value: {secret.guards}."
        elif is_placeholder(value):
            problem = f"{secret.variable} is still the documentation's placeholder {value}."
        else:
            continue
        errors.append(
            checks.Error(
                problem,
                hint=f"Set {secret.variable} in the environment to the provider's value, "
                "or to an empty value if the channel is not used.",
                id=secret.check_id,
            )
        )
    return errors


def register() -> None:
    checks.register(channel_secret_errors, checks.Tags.security, SECRETS, deploy=True)
