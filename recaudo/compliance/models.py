"""A creditor's stricter contact rules for the debtors of one country."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from recaudo.compliance.packs import RulePack, get_pack
from recaudo.compliance.tighten import tighten
from recaudo.countries import is_country_code
from recaudo.portfolio.models import Creditor


class CreditorRuleOverride(models.Model):
    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.CASCADE,
        related_name="rule_overrides",
        verbose_name=_("acreedor"),
    )
    country = models.CharField(
        _("país"),
        max_length=2,
        help_text=_("Código ISO 3166-1 alfa-2 del país de los deudores, p. ej. CO."),
    )
    overrides = models.JSONField(
        _("reglas más estrictas"),
        default=dict,
        blank=True,
        help_text=_(
            'Solo pueden endurecer las reglas del país, p. ej. {"windows": {"sat": null}, '
            '"caps": [{"scope": "call", "period": "rolling_7_days", "limit": 1}]}.'
        ),
    )
    note = models.CharField(_("motivo"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("regla propia del acreedor")
        verbose_name_plural = _("reglas propias de los acreedores")
        ordering = ["creditor", "country"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "country"], name="compliance_one_override_per_country"
            )
        ]

    def __str__(self) -> str:
        return f"{self.creditor_id} / {self.country}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Saved from code as well as from the admin: an override that would
        # loosen the law must never reach the table.
        self.clean()
        super().save(*args, **kwargs)
        # Not at module top: store.py imports this module (the override table it reads).
        from recaudo.compliance.store import clear_cache

        clear_cache()

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        result = super().delete(*args, **kwargs)
        from recaudo.compliance.store import clear_cache  # see save()

        clear_cache()
        return result

    def clean(self) -> None:
        self.country = (self.country or "").strip().upper()
        if not is_country_code(self.country):
            raise ValidationError(
                {"country": _("«%(code)s» no es un código de país ISO 3166-1 alfa-2.")
                 % {"code": self.country}}
            )  # fmt: skip
        try:
            tighten(get_pack(self.country), self.overrides)
        except ValueError as error:
            raise ValidationError({"overrides": str(error)}) from None

    def rule_pack(self) -> RulePack:
        """The country's pack with these overrides applied."""
        return tighten(get_pack(self.country), self.overrides, strict=False)
