"""A creditor's own account on a channel: its WhatsApp number, SMS sender, RCS agent, email From.

Where a creditor has an active account for a channel, its messages go out
with it and the provider's webhooks for it are verified with its secrets
and routed to that creditor; where it has none, the global settings
(``settings.CHANNELS``) serve it as before (docs/channels.md#accounts-per-creditor).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from recaudo.portfolio.models import Creditor
from recaudo.vault import SecretField


class ChannelAccount(models.Model):
    class Channel(models.TextChoices):
        WHATSAPP = "whatsapp", "WhatsApp"
        SMS = "sms", "SMS"
        RCS = "rcs", "RCS"
        EMAIL = "email", _("Correo")

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="+", verbose_name=_("acreedor")
    )
    channel = models.CharField(_("canal"), max_length=20, choices=Channel.choices)
    # What the provider's webhooks name the account by: WhatsApp's phone_number_id, the
    # SMS sender (E.164 number, or a Messaging Service SID "MG…"), the RBM agent id, the
    # email From address. Unique per channel: two creditors cannot claim one number.
    routing_key = models.CharField(_("identificador"), max_length=200)
    # Public, not secret: WhatsApp display_number and waba_id; Twilio account_sid;
    # email from_name, host, port, username, use_tls.
    details = models.JSONField(_("datos públicos"), default=dict, blank=True)
    # The credential of sends: WhatsApp access token, Twilio auth token, RBM access
    # token, SMTP password.
    secret = SecretField(_("credencial"), blank=True)
    # The key of the provider's webhook signatures: WhatsApp app secret, RBM client
    # token, the inbound mail relay's secret for this address (empty: the global
    # EMAIL_INBOUND_SECRET). Twilio signs with the auth token above.
    signing_secret = SecretField(_("secreto de firma"), blank=True)
    active = models.BooleanField(_("activa"), default=True)
    # Bumped on every change: the processes' clients built from an older revision are
    # replaced (delivery/accounts.py).
    revision = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("modificada"), auto_now=True)

    class Meta:
        verbose_name = _("cuenta de canal")
        verbose_name_plural = _("cuentas de canal")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "routing_key"], name="channel_account_routing_key_unique"
            ),
            models.UniqueConstraint(
                fields=["creditor", "channel"], name="channel_account_one_per_creditor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.routing_key}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.routing_key = self.routing_key.strip()
        if self.channel == self.Channel.EMAIL:
            self.routing_key = self.routing_key.lower()  # matched to the mail's To, any case
        if self.pk is not None:
            self.revision = F("revision") + 1
        super().save(*args, **kwargs)
        if self.pk is not None and not isinstance(self.revision, int):
            self.refresh_from_db(fields=["revision"])

    def settings_override(self) -> dict[str, Any]:
        """This account as keys of ``settings.CHANNELS[channel]`` (the rest stays global)."""
        details = self.details or {}
        if self.channel == self.Channel.WHATSAPP:
            whatsapp = {
                "phone_number_id": self.routing_key,
                "access_token": self.secret,
                "app_secret": self.signing_secret,
                "display_number": details.get("display_number", ""),
                "waba_id": details.get("waba_id", ""),
            }
            if details.get("verify_token"):  # else the global one (the creditor's app is ours)
                whatsapp["verify_token"] = details["verify_token"]
            return whatsapp
        if self.channel == self.Channel.SMS:
            sender = {"messaging_service_sid": self.routing_key, "from_number": ""}
            if not self.routing_key.startswith("MG"):
                sender = {"from_number": self.routing_key, "messaging_service_sid": ""}
            return {
                "account_sid": details.get("account_sid", ""),
                "auth_token": self.secret,
                **sender,
            }
        if self.channel == self.Channel.RCS:
            return {
                "agent_id": self.routing_key,
                "access_token": self.secret,
                "client_token": self.signing_secret,
            }
        from_name = str(details.get("from_name") or "")
        override: dict[str, Any] = {
            "from_address": f"{from_name} <{self.routing_key}>" if from_name else self.routing_key,
            "password": self.secret,
        }
        if self.signing_secret:  # else the global relay's secret verifies its mail
            override["inbound_secret"] = self.signing_secret
        for key in ("host", "port", "username", "use_tls"):
            if details.get(key) not in (None, ""):
                override[key] = details[key]
        return override
