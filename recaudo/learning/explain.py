"""A debtor's score in words, for the debtor 360: the band, the probability, the top factors."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recaudo.learning.models import DebtorScore, RiskBand
from recaudo.learning.scoring import LOW_RISK_FROM, MEDIUM_RISK_FROM

FACTOR_LABELS = {
    "days_past_due": gettext_lazy("días de mora"),
    "balance": gettext_lazy("saldo adeudado"),
    "open_debts": gettext_lazy("deudas abiertas"),
    "debt_age": gettext_lazy("antigüedad de la deuda (días)"),
    "payments_before": gettext_lazy("pagos anteriores"),
    "payment_delay": gettext_lazy("días de atraso promedio de sus pagos"),
    "promises_kept": gettext_lazy("promesas cumplidas"),
    "promises_broken": gettext_lazy("promesas incumplidas"),
    "read_rate": gettext_lazy("proporción de mensajes leídos"),
    "replies": gettext_lazy("respuestas a los mensajes"),
    "link_opens": gettext_lazy("aperturas del enlace de pago"),
    "never_contacted": gettext_lazy("nunca contactado"),
    "reachable_channels": gettext_lazy("canales por los que se le alcanza"),
    "company": gettext_lazy("es una empresa"),
}
YES_NO_FACTORS = frozenset({"never_contacted", "company"})


def factor_sentence(name: str, value: float, share: float) -> str:
    """ "promesas incumplidas: 2 — baja la probabilidad de pago"."""
    if name.startswith("country_"):
        label = _("país %(code)s") % {"code": name.removeprefix("country_")}
    else:
        label = str(FACTOR_LABELS.get(name, name))
    if name in YES_NO_FACTORS or name.startswith("country_"):
        shown = _("sí") if value else _("no")
    elif float(value).is_integer():
        shown = str(int(value))
    else:
        shown = f"{value:g}"
    raises = _("sube la probabilidad de pago")
    lowers = _("baja la probabilidad de pago")
    effect = raises if share >= 0 else lowers
    return f"{label}: {shown} — {effect}"


@dataclass(frozen=True)
class ScoreView:
    percent: int
    band: str
    band_label: str
    cold_start: bool
    model_version: int | None
    reasons: list[str]
    note: str


def score_view(debtor_id: int) -> ScoreView | None:
    """What the 360 shows; None when the debtor was never scored (no open debt, no run yet)."""
    found = DebtorScore.objects.filter(debtor_id=debtor_id).select_related("model").first()
    if found is None:
        return None
    if found.cold_start:
        note = _(
            "Sin historia suficiente: estimación previa según los días de mora, "
            "no un modelo entrenado."
        )
    else:
        note = _("Modelo v%(version)s entrenado con la historia de este acreedor.") % {
            "version": found.model.version if found.model else "?"
        }
    return ScoreView(
        percent=round(found.probability * 100),
        band=found.band,
        band_label=str(RiskBand(found.band).label) if found.band in RiskBand.values else "",
        cold_start=found.cold_start,
        model_version=found.model.version if found.model else None,
        reasons=[factor_sentence(name, value, share) for name, value, share in found.factors],
        note=note,
    )


def band_thresholds() -> str:
    return _(
        "Riesgo bajo: %(low)s %% o más de probabilidad de pagar en 30 días; medio: desde "
        "%(medium)s %%; alto: menos."
    ) % {"low": round(LOW_RISK_FROM * 100), "medium": round(MEDIUM_RISK_FROM * 100)}
