"""Outgoing webhooks: the company's endpoints, the events, and each event's delivery to each."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recaudo.portfolio.models import Creditor, Debtor
from recaudo.vault import SecretField


class Endpoint(models.Model):
    """A URL of the company's that receives signed events (docs/integrations.md)."""

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="+", verbose_name=_("acreedor")
    )
    name = models.CharField(_("nombre"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    # Needed in clear to sign, so encrypted (recaudo/vault.py), not hashed; shown once when
    # made (the staff page), never again.
    secret = SecretField(_("secreto"))
    # Empty: every type.
    event_types = models.JSONField(_("tipos de evento"), default=list, blank=True)
    active = models.BooleanField(_("activo"), default=True)
    failure_count = models.PositiveIntegerField(_("fallas seguidas"), default=0)
    failing_since = models.DateTimeField(_("fallando desde"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("desactivado el"), null=True, blank=True)
    disabled_reason = models.CharField(_("motivo de la desactivación"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)

    class Meta:
        verbose_name = _("destino de eventos")
        verbose_name_plural = _("destinos de eventos")
        indexes = [models.Index(fields=["creditor", "active"], name="endpoint_creditor_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class EventStream(models.Model):
    """The last sequence number given to a debtor's events.

    Incremented in the emitting transaction: its row lock makes two
    transactions reporting on one debtor take their numbers in commit order,
    so a debtor's sequence never has a gap that a later commit fills.
    """

    debtor = models.OneToOneField(
        Debtor, on_delete=models.CASCADE, primary_key=True, related_name="+", db_constraint=False
    )
    last_sequence = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.debtor_id}: {self.last_sequence}"


class Event(models.Model):
    uuid = models.UUIDField(_("id público"), default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("tipo"), max_length=40)
    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    debtor = models.ForeignKey(
        Debtor, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    debtor_external_id = models.CharField(_("deudor (id externo)"), max_length=100)
    sequence = models.BigIntegerField(_("secuencia del deudor"))
    payload = models.JSONField(_("datos"), default=dict)
    created_at = models.DateTimeField(_("fecha"), db_index=False)

    class Meta:
        verbose_name = _("evento")
        verbose_name_plural = _("eventos")
        constraints = [
            models.UniqueConstraint(fields=["debtor", "sequence"], name="event_sequence_per_debtor")
        ]
        indexes = [
            models.Index(fields=["creditor", "created_at", "id"], name="event_creditor_time_idx")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.uuid}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pendiente")
        SENDING = "sending", _("enviando")
        DELIVERED = "delivered", _("entregado")
        # Given up after WEBHOOKS_OUT_MAX_ATTEMPTS; a replay sends it again.
        FAILED = "failed", _("fallido")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The event's, copied: the claim's "is it the debtor's next one?" reads one table.
    debtor_id = models.BigIntegerField()
    sequence = models.BigIntegerField()
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("intentos"), default=0)
    next_attempt_at = models.DateTimeField(_("próximo intento"))
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    last_status_code = models.PositiveIntegerField(_("última respuesta"), null=True, blank=True)
    last_error = models.CharField(_("último error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("entregado el"), null=True, blank=True)
    created_at = models.DateTimeField(_("creado"))
    updated_at = models.DateTimeField(_("actualizado"))

    class Meta:
        verbose_name = _("entrega")
        verbose_name_plural = _("entregas")
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")
        ]
        indexes = [
            # The claim: due heads.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="delivery_due_idx",
            ),
            # "Is an earlier one of this debtor's still on its way?"
            models.Index(
                fields=["endpoint", "debtor_id", "sequence"],
                condition=Q(status__in=["pending", "sending"]),
                name="delivery_open_idx",
            ),
            models.Index(
                fields=["lease_until"], condition=Q(status="sending"), name="delivery_lease_idx"
            ),
            # The delivery log, newest first.
            models.Index(fields=["endpoint", "-updated_at"], name="delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} {self.status}"
