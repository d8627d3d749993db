"""What the service knows about its own processes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """A running ``recaudo worker``: upserted from its loop, removed when it stops cleanly.

    ``/readyz`` reads the freshest ``seen_at``; a worker that died leaves its
    row behind, and the row goes stale.
    """

    name = models.CharField(_("nombre"), max_length=100, unique=True)
    host = models.CharField(_("máquina"), max_length=255)
    pid = models.PositiveIntegerField(_("proceso"))
    lanes = models.PositiveSmallIntegerField(_("carriles"))
    started_at = models.DateTimeField(_("iniciado"))
    seen_at = models.DateTimeField(_("visto"))

    class Meta:
        verbose_name = _("latido de un worker")
        verbose_name_plural = _("latidos de los workers")
        # /readyz asks for the freshest one.
        indexes = [models.Index(fields=["seen_at"], name="heartbeat_seen_idx")]

    def __str__(self) -> str:
        return self.name
