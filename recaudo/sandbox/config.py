"""What the sandbox is told at start (credentials, webhook URL, behaviour knobs)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class Credentials:
    whatsapp_phone_number_id: str = "100200300400500"
    whatsapp_access_token: str = "sandbox-whatsapp-token"
    whatsapp_app_secret: str = "sandbox-whatsapp-app-secret"
    whatsapp_verify_token: str = "sandbox-verify-token"
    whatsapp_display_phone_number: str = "15550001234"
    whatsapp_business_account_id: str = "100200300400600"
    # More business numbers, each its own access token and app secret, as a creditor's
    # own account (docs/channels.md#accounts-per-creditor) has: the demo's second
    # creditor sends from the first one listed here (sandbox/demo).
    whatsapp_numbers: dict[str, dict[str, str]] = field(
        default_factory=lambda: {
            "100200300400501": {
                "access_token": "sandbox-whatsapp-token-2",
                "app_secret": "sandbox-whatsapp-app-secret-2",
                "display_phone_number": "15550005678",
                "business_account_id": "100200300400601",
            }
        }
    )
    twilio_account_sid: str = "AC" + "0" * 32
    twilio_auth_token: str = "sandbox-twilio-auth-token"
    twilio_from_number: str = "+15005550006"
    twilio_messaging_service_sid: str = ""
    rbm_agent_id: str = "recaudo_sandbox_agent"
    rbm_access_token: str = "sandbox-rbm-token"
    rbm_client_token: str = "sandbox-rbm-client-token"
    # Signs the debtors' emails posted to /webhooks/email (X-Recaudo-Signature).
    email_inbound_secret: str = "sandbox-email-inbound-secret"
    email_inbound_address: str = "cobranza@recaudo.example"

    @classmethod
    def from_django_settings(cls) -> Credentials:
        from django.conf import settings

        channels = settings.CHANNELS
        whatsapp, sms, rcs = channels["whatsapp"], channels["sms"], channels["rcs"]
        return cls(
            whatsapp_phone_number_id=whatsapp["phone_number_id"],
            whatsapp_access_token=whatsapp["access_token"],
            whatsapp_app_secret=whatsapp["app_secret"],
            whatsapp_verify_token=whatsapp["verify_token"],
            twilio_account_sid=sms["account_sid"],
            twilio_auth_token=sms["auth_token"],
            twilio_from_number=sms["from_number"],
            twilio_messaging_service_sid=sms.get("messaging_service_sid", ""),
            rbm_agent_id=rcs["agent_id"],
            rbm_access_token=rcs["access_token"],
            rbm_client_token=rcs["client_token"],
            email_inbound_secret=channels.get("email", {}).get(
                "inbound_secret", cls.email_inbound_secret
            ),
        )


@dataclass
class Behaviour:
    """Knobs that may change while running (``POST /_sandbox/config``)."""

    webhook_base_url: str = "http://127.0.0.1:8000"
    webhooks_enabled: bool = True
    # WhatsApp throughput per business number (Meta's default is 80/s).
    whatsapp_mps: float = 80.0
    # Pair rate: about one message every 6 s to the same user, with a burst.
    pair_limit_enabled: bool = True
    pair_interval_seconds: float = 6.0
    pair_burst: int = 45
    # Status webhooks.
    read_probability: float = 0.6
    out_of_order_probability: float = 0.05
    duplicate_probability: float = 0.05
    min_delay_seconds: float = 0.05
    max_delay_seconds: float = 0.5
    webhook_max_attempts: int = 5
    # Faults, for reliability tests: a share of send requests answered 500
    # before anything is stored, and a share answered only after a delay
    # (processed first, so a client that times out has in fact sent it).
    error_probability: float = 0.0
    slow_probability: float = 0.0
    slow_seconds: float = 0.0

    def update(self, changes: dict[str, Any]) -> list[str]:
        """Apply ``changes``; return the errors (and change nothing) if any is bad."""
        known = {field.name: field for field in fields(self)}
        errors: list[str] = []
        converted: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in known:
                errors.append(f"unknown setting '{name}'")
                continue
            kind = type(getattr(self, name))
            if kind is bool and not isinstance(value, bool):
                errors.append(f"'{name}' must be true or false")
            elif kind in (int, float) and (
                isinstance(value, bool) or not isinstance(value, (int, float))
            ):
                errors.append(f"'{name}' must be a number")
            elif kind is str and not isinstance(value, str):
                errors.append(f"'{name}' must be a string")
            elif name.endswith("_probability") and not 0 <= value <= 1:
                errors.append(f"'{name}' must be between 0 and 1")
            elif kind in (int, float) and not name.endswith("_probability") and value <= 0:
                errors.append(f"'{name}' must be positive")
            else:
                converted[name] = kind(value)
        if not errors and converted.get("min_delay_seconds", self.min_delay_seconds) > (
            converted.get("max_delay_seconds", self.max_delay_seconds)
        ):
            errors.append("'min_delay_seconds' must not exceed 'max_delay_seconds'")
        if errors:
            return errors
        for name, value in converted.items():
            setattr(self, name, value)
        self.webhook_base_url = self.webhook_base_url.rstrip("/")
        return []

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
