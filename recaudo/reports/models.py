"""What the exports and the weekly report leave behind: who exported what, who receives what."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from recaudo.portfolio.models import ApiKey, Creditor


class ExportRecord(models.Model):
    """One export asked for (staff page or API): who, what, when. Written before the first row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.CharField(_("autor"), max_length=200)
    kind = models.CharField(_("exportación"), max_length=20)
    file_format = models.CharField(_("formato"), max_length=5)
    # Null: every creditor the user sees (``scope`` lists them; "*" is every creditor).
    creditor = models.ForeignKey(
        Creditor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scope = models.CharField(_("acreedores"), max_length=500)
    period_from = models.DateField(_("desde"), null=True, blank=True)
    period_to = models.DateField(_("hasta"), null=True, blank=True)
    language = models.CharField(_("idioma"), max_length=5)
    created_at = models.DateTimeField(_("cuándo"), auto_now_add=True)

    class Meta:
        verbose_name = _("exportación realizada")
        verbose_name_plural = _("exportaciones realizadas")

    def __str__(self) -> str:
        return f"{self.kind} {self.actor} {self.created_at:%Y-%m-%d}"


class ReportRecipient(models.Model):
    """Someone who receives a creditor's weekly summary by e-mail, in their language."""

    class Language(models.TextChoices):
        ES = "es", "Español"
        PT_BR = "pt-br", "Português (Brasil)"
        EN = "en", "English"

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="report_recipients"
    )
    email = models.EmailField(_("correo"))
    language = models.CharField(
        _("idioma"), max_length=5, choices=Language.choices, default=Language.ES
    )

    class Meta:
        verbose_name = _("destinatario del resumen semanal")
        verbose_name_plural = _("destinatarios del resumen semanal")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "email"], name="report_recipient_unique")
        ]

    def __str__(self) -> str:
        return self.email


class WeeklyReport(models.Model):
    """A creditor's weekly summary for one week: claimed before sending, so never sent twice."""

    class Status(models.TextChoices):
        SENDING = "sending", _("enviando")
        SENT = "sent", _("enviado")
        FAILED = "failed", _("falló")

    creditor = models.ForeignKey(Creditor, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(_("semana desde (lunes)"))
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.SENDING
    )
    recipients = models.JSONField(_("destinatarios"), default=list)
    figures = models.JSONField(_("cifras"), default=dict)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    sent_at = models.DateTimeField(_("enviado"), null=True, blank=True)

    class Meta:
        verbose_name = _("resumen semanal")
        verbose_name_plural = _("resúmenes semanales")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "week_start"], name="weekly_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.creditor_id} {self.week_start}"
