"""The archive: finished rows moved out of the live tables, kept until their retention ends.

One table for every kind of row (``kind``): the outbox's finished contacts,
processed webhooks, audit events. On PostgreSQL it is partitioned by month
of ``occurred_at`` (native ``PARTITION BY RANGE``, a partition created when
a row first needs it, so dropping an expired month is cheap); on SQLite it is
a plain table. Its primary key includes ``occurred_at`` because PostgreSQL
requires the partition key in every unique index. Nothing live reads it:
only the data-subject export and erasure do (docs/privacy.md).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArchivedRecord(models.Model):
    class Kind(models.TextChoices):
        OUTREACH = "outreach", _("contacto")
        WEBHOOK = "webhook", _("webhook de mensajería")
        PAYMENT_WEBHOOK = "payment_webhook", _("webhook de pago")
        AUDIT = "audit", _("evento de auditoría")

    class RecordClass(models.TextChoices):
        """Which retention applies: the rule packs' classes, or the webhooks' own setting."""

        CONTACT = "contact", _("registro de contacto")
        ACCOUNTING = "accounting", _("registro contable")
        TRANSPORT = "transport", _("carga de un proveedor")

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    source_id = models.BigIntegerField(_("id de origen"))
    # No foreign keys: the archive outlives nothing it names, and must not
    # block (or cascade from) anything live.
    creditor_id = models.BigIntegerField(_("acreedor"), null=True, blank=True)
    debtor_id = models.BigIntegerField(_("deudor"), null=True, blank=True)
    country = models.CharField(_("país"), max_length=2, blank=True)
    record_class = models.CharField(_("clase"), max_length=12, choices=RecordClass.choices)
    occurred_at = models.DateTimeField(_("fecha del registro"))
    archived_at = models.DateTimeField(_("archivado"))
    data = models.JSONField(_("datos"), default=dict)
    # A webhook's body as received (text, so erasure can find an address in it).
    text = models.TextField(_("texto"), blank=True, default="")

    class Meta:
        verbose_name = _("registro archivado")
        verbose_name_plural = _("registros archivados")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_id", "occurred_at"], name="archived_once_per_source"
            )
        ]
        indexes = [
            models.Index(fields=["debtor_id"], name="archived_debtor_idx"),
            models.Index(
                fields=["country", "record_class", "occurred_at"], name="archived_retention_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id}"
