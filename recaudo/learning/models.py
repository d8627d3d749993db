"""What the learning app keeps: score models, debtors' scores, experiments.

A ``ScoreModel`` row is one trained version of a creditor's propensity-to-pay
model: its parameters are plain numbers in JSON (the logistic regression's
weights and the isotonic calibration's steps), so scoring needs no pickled
code and a version can be read and compared by a person. ``DebtorScore`` is
the latest score of each debtor with an open debt. ``Experiment`` /
``Variant`` / ``Assignment`` are the A/B/n tests of a policy step
(docs/insights.md).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from recaudo.policies.models import Step
from recaudo.portfolio.models import Creditor, Debtor


class RiskBand(models.TextChoices):
    """Bands of the probability of paying within 30 days (thresholds in scoring.py)."""

    LOW = "bajo", _("riesgo bajo")
    MEDIUM = "medio", _("riesgo medio")
    HIGH = "alto", _("riesgo alto")


class ScoreModel(models.Model):
    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="+", verbose_name=_("acreedor")
    )
    version = models.PositiveIntegerField(_("versión"))
    trained_at = models.DateTimeField(_("entrenado"))
    as_of = models.DateField(_("historia hasta"))
    rows = models.PositiveIntegerField(_("ejemplos"))
    positives = models.PositiveIntegerField(_("pagaron en 30 días"))
    auc_holdout = models.FloatField(_("AUC en reserva"), null=True)
    brier_holdout = models.FloatField(_("Brier en reserva"), null=True)
    features = models.JSONField(_("variables"))
    parameters = models.JSONField(_("parámetros"))
    active = models.BooleanField(_("vigente"), default=True)

    class Meta:
        verbose_name = _("modelo de propensión")
        verbose_name_plural = _("modelos de propensión")
        ordering = ("creditor", "-version")
        constraints = [
            models.UniqueConstraint(fields=("creditor", "version"), name="score_model_version")
        ]

    def __str__(self) -> str:
        return f"{self.creditor} v{self.version}"


class DebtorScore(models.Model):
    debtor = models.OneToOneField(
        Debtor,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("deudor"),
        db_constraint=False,  # written in bulk by the scoring job, like the outbox (0004)
    )
    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    model = models.ForeignKey(
        ScoreModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    probability = models.FloatField(_("probabilidad de pago en 30 días"))
    band = models.CharField(_("banda de riesgo"), max_length=20, choices=RiskBand.choices)
    # The prior of docs/insights.md ("sin historia") rather than a trained model.
    cold_start = models.BooleanField(_("sin historia"), default=False)
    # [[feature, value, contribution], ...]: the largest contributions, strongest first.
    factors = models.JSONField(_("factores"), default=list)
    scored_at = models.DateTimeField(_("calculado"))

    class Meta:
        verbose_name = _("puntaje de deudor")
        verbose_name_plural = _("puntajes de deudores")
        indexes = [models.Index(fields=("creditor", "band"), name="debtor_score_band_idx")]

    def __str__(self) -> str:
        return f"{self.debtor_id}: {self.probability:.2f}"


class Experiment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("borrador")
        RUNNING = "running", _("en curso")
        STOPPED = "stopped", _("detenido")
        PROMOTED = "promoted", _("ganador aplicado")

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="+", verbose_name=_("acreedor")
    )
    step = models.ForeignKey(
        Step, on_delete=models.CASCADE, related_name="+", verbose_name=_("paso")
    )
    name = models.CharField(_("nombre"), max_length=200)
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    holdout_percent = models.PositiveSmallIntegerField(
        _("grupo sin mensaje (%)"),
        default=0,
        validators=[MaxValueValidator(50)],
        help_text=_("Deudores que no reciben este paso, para medir el efecto del mensaje."),
    )
    outcome_days = models.PositiveSmallIntegerField(
        _("días para pagar"), default=30, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    min_per_arm = models.PositiveIntegerField(
        _("mínimo por grupo"),
        default=400,
        validators=[MinValueValidator(50)],
        help_text=_("Regla de parada: no se lee un ganador antes de este tamaño por grupo."),
    )
    winner = models.ForeignKey(
        "learning.Variant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ganador"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    started_at = models.DateTimeField(_("iniciado"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("terminado"), null=True, blank=True)

    class Meta:
        verbose_name = _("experimento")
        verbose_name_plural = _("experimentos")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.name


class Variant(models.Model):
    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, related_name="variants", verbose_name=_("experimento")
    )
    name = models.CharField(_("nombre"), max_length=100)
    weight = models.PositiveSmallIntegerField(
        _("peso"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # Empty: the step's own template. An offer is tested as a template whose text makes it.
    template_key = models.SlugField(_("plantilla"), max_length=60, blank=True)
    send_hour = models.PositiveSmallIntegerField(
        _("hora de envío (local)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(23)],
        help_text=_("Vacío: la hora que dé el planificador; siempre dentro de la ventana legal."),
    )
    holdout = models.BooleanField(_("sin mensaje"), default=False)

    class Meta:
        verbose_name = _("variante")
        verbose_name_plural = _("variantes")
        ordering = ("experiment", "id")

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """Which arm a debtor is in (stable: a hash of the experiment and the debtor)."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="+")
    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="assignments")
    assigned_at = models.DateTimeField(_("asignado"))

    class Meta:
        verbose_name = _("asignación")
        verbose_name_plural = _("asignaciones")
        constraints = [
            models.UniqueConstraint(fields=("experiment", "debtor"), name="assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.experiment_id}/{self.debtor_id} -> {self.variant_id}"


class ExperimentEvent(models.Model):
    """Audit of what staff did to an experiment (created, started, stopped, promoted)."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("tipo"), max_length=20)
    actor = models.CharField(_("quién"), max_length=150)
    data = models.JSONField(_("datos"), default=dict)
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True)

    class Meta:
        verbose_name = _("evento de experimento")
        verbose_name_plural = _("eventos de experimentos")
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.experiment_id} {self.kind}"


class LearningRun(models.Model):
    """One run of the learning job for a creditor (the schedule reads the latest)."""

    creditor = models.ForeignKey(Creditor, on_delete=models.CASCADE, related_name="+")
    finished_at = models.DateTimeField(_("terminado"))
    summary = models.CharField(_("resumen"), max_length=500)

    class Meta:
        verbose_name = _("corrida de aprendizaje")
        verbose_name_plural = _("corridas de aprendizaje")
        indexes = [models.Index(fields=("creditor", "finished_at"), name="learning_run_idx")]

    def __str__(self) -> str:
        return f"{self.creditor_id} {self.finished_at:%Y-%m-%d %H:%M}"
