"""Collection policies: segments, their policies' steps, and message templates.

A creditor's debtors fall into the first matching ``Segment`` (ordered by
``position``; a default segment catches the rest). The segment names a
``Policy``: ordered ``Step``s at offsets in days from the due date. Each step
names a template key; the ``Template`` for that key, channel and language is
rendered when the contact is sent.

Rows with no creditor are the shipped defaults every creditor uses until it
defines its own (a creditor's own segments replace the defaults entirely).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recaudo.channels import CHANNEL_NAMES, WRITTEN_CHANNELS
from recaudo.portfolio.models import CollectionStage, Creditor

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CHANNELS = CHANNEL_NAMES
# "Every N days from the last contact" reads the contacts the planner loads: two weeks.
LAST_CONTACT_MAX_DAYS = 14
# A WhatsApp template has at most 10 buttons; our quick-reply ids are kept to the
# 256 characters of an interactive reply button's id (docs/channels.md).
QUICK_REPLIES_MAX = 10
QUICK_REPLY_MAX = 256


class Tone(models.TextChoices):
    PREVENTIVE = "preventive", _("preventivo")
    EARLY = "early", _("mora temprana")
    LATE = "late", _("mora tardía")


class Policy(models.Model):
    class Register(models.TextChoices):
        """How the policy's Spanish messages address the debtor; the bot speaks the same way."""

        TU = "tu", _("tú (personas)")
        USTED = "usted", _("usted (empresas, formal)")

    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acreedor"),
        help_text=_("Vacío: política por defecto, disponible para todos."),
    )
    code = models.SlugField(_("código"), max_length=50)
    name = models.CharField(_("nombre"), max_length=200)
    description = models.TextField(_("descripción"), blank=True)
    active = models.BooleanField(_("activa"), default=True)
    register = models.CharField(
        _("trato"),
        max_length=5,
        choices=Register.choices,
        default=Register.TU,
        help_text=_(
            "Cómo tratan al deudor las plantillas de esta política; el asistente del chat "
            "le habla igual."
        ),
    )
    place_new_debts = models.BooleanField(
        _("incorporar deudas atrasadas"),
        default=True,
        help_text=_(
            "Una deuda nueva ya vencida recibe el último paso escrito cuyo día ya pasó, el "
            "primer día permitido; sin esto espera al próximo paso de su calendario."
        ),
    )
    place_at_best_time = models.BooleanField(
        _("enviar a la mejor hora"),
        default=False,
        db_default=False,
        help_text=_(
            "Cada mensaje sale a la hora en que el deudor mejor responde por ese canal "
            "(aprendida de su historia), siempre dentro de la ventana que la ley permite."
        ),
    )

    class Meta:
        verbose_name = _("política")
        verbose_name_plural = _("políticas")
        ordering = ("code",)
        constraints = [
            models.UniqueConstraint(
                fields=("creditor", "code"), name="policy_code_unique_per_creditor"
            ),
            models.UniqueConstraint(
                fields=("code",),
                condition=Q(creditor__isnull=True),
                name="policy_default_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    class Action(models.TextChoices):
        MESSAGE = "message", _("enviar un mensaje")
        CALL_TASK = "call_task", _("crear una tarea de llamada")
        OFFER = "offer", _("hacer una oferta")
        BUREAU_NOTICE = "bureau_notice", _("avisar antes del reporte a centrales de riesgo")
        BUREAU_REPORT = "bureau_report", _("reportar a centrales de riesgo")
        AGENCY = "agency", _("entregar a una agencia de cobranza")
        WRITE_OFF = "write_off", _("proponer el castigo")

    class RepeatFrom(models.TextChoices):
        STEP = "step", _("desde el día del paso")
        LAST_CONTACT = "last_contact", _("desde el último contacto")

    # Actions that write to the debtor (a message the dispatcher sends).
    WRITTEN = (Action.MESSAGE, Action.OFFER, Action.BUREAU_NOTICE)
    # Actions that contact nobody: the planner records them on the debts.
    RECORDED = (Action.BUREAU_REPORT, Action.AGENCY, Action.WRITE_OFF)

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="steps", verbose_name=_("política")
    )
    offset_days = models.IntegerField(
        _("días desde el vencimiento"),
        validators=[MinValueValidator(-90), MaxValueValidator(365)],
        help_text=_("Negativo: antes del vencimiento; 0: el día del vencimiento."),
    )
    action = models.CharField(_("acción"), max_length=14, choices=Action.choices)
    channels = models.JSONField(
        _("canales en orden de preferencia"),
        default=list,
        blank=True,
        help_text=_('Por ejemplo ["whatsapp", "sms", "email"].'),
    )
    template_key = models.SlugField(_("plantilla"), max_length=60, blank=True)
    tone = models.CharField(_("tono"), max_length=10, choices=Tone.choices)
    stage = models.CharField(
        _("nivel"),
        max_length=10,
        choices=CollectionStage.choices,
        blank=True,
        default="",
        help_text=_("El nivel de cobranza que este paso anota en las deudas que cubre."),
    )
    repeat_every_days = models.PositiveSmallIntegerField(
        _("repetir cada (días)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Vacío: una sola vez. Por ejemplo 7: cada 7 días hasta el pago."),
    )
    repeat_from = models.CharField(
        _("contar la repetición"),
        max_length=12,
        choices=RepeatFrom.choices,
        default=RepeatFrom.STEP,
    )
    repeat_until_days = models.IntegerField(
        _("repetir hasta el día"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(730)],
        help_text=_("Último día (desde el vencimiento) en que se repite; vacío: hasta el pago."),
    )

    class Meta:
        verbose_name = _("paso")
        verbose_name_plural = _("pasos")
        ordering = ("policy", "offset_days", "action")
        constraints = [
            models.UniqueConstraint(
                fields=("policy", "offset_days", "action"), name="step_unique_per_day_and_action"
            )
        ]

    def __str__(self) -> str:
        sign = "+" if self.offset_days > 0 else ""
        return f"{self.policy} {sign}{self.offset_days} {self.get_action_display()}"

    def clean(self) -> None:
        errors: dict[str, StrOrPromise] = {}
        channels = self.channels
        recorded = self.action in self.RECORDED
        if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
            errors["channels"] = _("Debe ser una lista de canales.")
        else:
            unknown = [c for c in channels if c not in CHANNELS]
            if unknown:
                errors["channels"] = _("Canal desconocido: %(names)s. Use %(known)s.") % {
                    "names": ", ".join(unknown),
                    "known": ", ".join(CHANNELS),
                }
            elif len(set(channels)) != len(channels):
                errors["channels"] = _("Un canal aparece dos veces.")
            elif self.action == self.Action.CALL_TASK and channels not in ([], ["call"]):
                errors["channels"] = _("Una tarea de llamada usa solo el canal «call».")
            elif recorded and channels:
                errors["channels"] = _(
                    "Esta acción no contacta al deudor: deje los canales vacíos."
                )
            elif self.action in self.WRITTEN and not channels:
                errors["channels"] = _("Indique al menos un canal.")
            elif self.action == self.Action.BUREAU_NOTICE and "call" in channels:
                errors["channels"] = _(
                    "El aviso previo al reporte debe ser escrito: quite el canal «call»."
                )
        if self.action in self.WRITTEN and not self.template_key:
            errors["template_key"] = _("Un mensaje o una oferta necesita una plantilla.")
        every, until = self.repeat_every_days, self.repeat_until_days
        if every is None:
            if until is not None:
                errors["repeat_until_days"] = _(
                    "Solo tiene sentido si el paso se repite: indique «repetir cada»."
                )
            if self.repeat_from == self.RepeatFrom.LAST_CONTACT:
                errors["repeat_from"] = _(
                    "Solo tiene sentido si el paso se repite: indique «repetir cada»."
                )
        else:
            if self.action in (self.Action.AGENCY, self.Action.WRITE_OFF):
                errors["repeat_every_days"] = _(
                    "Entregar a una agencia o castigar ocurre una sola vez: no se repite."
                )
            if until is not None and until < self.offset_days + every:
                errors["repeat_until_days"] = _(
                    "Debe ser al menos el día del paso más una repetición (%(day)s)."
                ) % {"day": self.offset_days + every}
            if self.repeat_from == self.RepeatFrom.LAST_CONTACT and every > LAST_CONTACT_MAX_DAYS:
                errors["repeat_every_days"] = _(
                    "Contando desde el último contacto, como mucho cada %(days)s días."
                ) % {"days": LAST_CONTACT_MAX_DAYS}
        if errors:
            raise ValidationError(errors)

    def channel_list(self) -> tuple[str, ...]:
        if self.action == self.Action.CALL_TASK:
            return ("call",)
        if self.action in self.RECORDED:
            return ()
        return tuple(self.channels)

    def describe_repeat(self) -> str:
        """The repetition in words ("cada 7 días desde el día del paso, hasta el día 56")."""
        if self.repeat_every_days is None:
            return ""
        text = _("cada %(days)s días %(origin)s") % {
            "days": self.repeat_every_days,
            "origin": self.get_repeat_from_display(),
        }
        if self.repeat_until_days is None:
            return str(text) + str(_(", hasta el pago"))
        return str(text) + str(_(", hasta el día %(day)s") % {"day": self.repeat_until_days})


class Segment(models.Model):
    class DebtorKind(models.TextChoices):
        ANY = "", _("cualquiera")
        PERSON = "person", _("persona (B2C)")
        COMPANY = "company", _("empresa (B2B)")

    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acreedor"),
        help_text=_("Vacío: segmento por defecto, para acreedores sin segmentos propios."),
    )
    name = models.CharField(_("nombre"), max_length=200)
    position = models.PositiveIntegerField(
        _("orden"), default=100, help_text=_("Gana el primer segmento que coincide.")
    )
    is_default = models.BooleanField(
        _("segmento por defecto"),
        default=False,
        help_text=_("Recoge a quien no coincide con ningún otro segmento."),
    )
    debtor_kind = models.CharField(
        _("tipo de deudor"), max_length=10, choices=DebtorKind.choices, blank=True
    )
    min_days_past_due = models.IntegerField(_("días de mora desde"), null=True, blank=True)
    max_days_past_due = models.IntegerField(_("días de mora hasta"), null=True, blank=True)
    min_balance = models.DecimalField(
        _("saldo desde"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    max_balance = models.DecimalField(
        _("saldo hasta"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("moneda"), max_length=3, blank=True)
    country = models.CharField(_("país"), max_length=2, blank=True)
    tags_any = models.JSONField(
        _("con alguna etiqueta"), default=list, blank=True, help_text=_('Por ejemplo ["vip"].')
    )
    risk_band = models.CharField(_("banda de riesgo"), max_length=20, blank=True)
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="segments", verbose_name=_("política")
    )
    # What the debtor may agree without a supervisor (payments app).
    max_instalments = models.PositiveSmallIntegerField(
        _("cuotas máximas"), default=6, validators=[MaxValueValidator(60)]
    )
    min_down_payment_percent = models.DecimalField(
        _("pie mínimo (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(20),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    max_discount_percent = models.DecimalField(
        _("quita máxima (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    max_extension_days = models.PositiveIntegerField(_("prórroga máxima (días)"), default=0)

    class Meta:
        verbose_name = _("segmento")
        verbose_name_plural = _("segmentos")
        ordering = ("creditor", "position", "id")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.currency = self.currency.upper()
        self.country = self.country.upper()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, StrOrPromise] = {}
        if (
            self.min_days_past_due is not None
            and self.max_days_past_due is not None
            and self.min_days_past_due > self.max_days_past_due
        ):
            errors["max_days_past_due"] = _("Debe ser mayor o igual que «días de mora desde».")
        if (
            self.min_balance is not None
            and self.max_balance is not None
            and self.min_balance > self.max_balance
        ):
            errors["max_balance"] = _("Debe ser mayor o igual que «saldo desde».")
        tags = self.tags_any
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            errors["tags_any"] = _("Debe ser una lista de etiquetas.")
        if self.currency and (len(self.currency) != 3 or not self.currency.isalpha()):
            errors["currency"] = _("Código ISO 4217 de tres letras, por ejemplo COP.")
        if self.country and (len(self.country) != 2 or not self.country.isalpha()):
            errors["country"] = _("Código ISO 3166 de dos letras, por ejemplo CO.")
        if self.policy_id and self.creditor_id:
            policy_creditor = (
                Policy.objects.filter(pk=self.policy_id)
                .values_list("creditor_id", flat=True)
                .first()
            )
            if policy_creditor not in (None, self.creditor_id):
                errors["policy"] = _("La política pertenece a otro acreedor.")
        if errors:
            raise ValidationError(errors)


class Template(models.Model):
    """A message for one step key, channel and language.

    Bodies are Jinja2 rendered in a sandbox; only the known placeholders
    (see rendering.PLACEHOLDERS) may be used, and that is checked on save.
    """

    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acreedor"),
        help_text=_("Vacío: plantilla por defecto."),
    )
    key = models.SlugField(_("clave"), max_length=60)
    channel = models.CharField(
        _("canal"), max_length=10, choices=[(c, c) for c in WRITTEN_CHANNELS]
    )
    language = models.CharField(_("idioma"), max_length=5, default="es")
    register = models.CharField(
        _("trato"),
        max_length=5,
        choices=Policy.Register.choices,
        blank=True,
        default="",
        help_text=_(
            "Vacío: para cualquier trato. Con «usted» o «tú», el texto que reciben los deudores "
            "cuya política trata así; se prefiere al vacío."
        ),
    )
    tone = models.CharField(_("tono"), max_length=10, choices=Tone.choices, blank=True)
    subject = models.CharField(_("asunto"), max_length=200, blank=True)
    body = models.TextField(_("texto"))
    whatsapp_template_name = models.CharField(
        _("plantilla aprobada de WhatsApp"), max_length=512, blank=True
    )
    whatsapp_template_language = models.CharField(
        _("idioma de la plantilla de WhatsApp"), max_length=10, blank=True
    )
    whatsapp_parameters = models.JSONField(
        _("parámetros de la plantilla de WhatsApp"),
        default=list,
        blank=True,
        help_text=_('Marcadores en orden de {{1}}, {{2}}…: por ejemplo ["nombre", "total"].'),
    )
    whatsapp_quick_replies = models.JSONField(
        _("respuestas rápidas de la plantilla de WhatsApp"),
        default=list,
        blank=True,
        help_text=_(
            "El identificador que devuelve cada botón de respuesta rápida, en el orden de la "
            'plantilla aprobada: por ejemplo ["pay", "agent", "paid"] (Pagar, Hablar con un '
            "asesor, Ya pagué)."
        ),
    )
    attach_statement = models.BooleanField(
        _("con estado de cuenta"),
        default=False,
        help_text=_(
            "El estado de cuenta (PDF) va con el mensaje: adjunto en el correo; en WhatsApp, "
            "como documento del encabezado de la plantilla aprobada."
        ),
    )
    # Bumped by every save: each outbound message records the version it used.
    version = models.PositiveIntegerField(_("versión"), default=1, editable=False)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    class Meta:
        verbose_name = _("plantilla")
        verbose_name_plural = _("plantillas")
        ordering = ("key", "channel", "language", "register")
        constraints = [
            models.UniqueConstraint(
                fields=("creditor", "key", "channel", "language", "register"),
                name="template_unique_per_creditor_register",
            ),
            models.UniqueConstraint(
                fields=("key", "channel", "language", "register"),
                condition=Q(creditor__isnull=True),
                name="template_default_unique_register",
            ),
        ]

    def __str__(self) -> str:
        register = f" · {self.register}" if self.register else ""
        return f"{self.key} · {self.channel} · {self.language}{register}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Rejected when saved, not when sent: every save path is checked.
        self.clean()
        if self.pk is not None:
            previous = Template.objects.filter(pk=self.pk).values_list("version", flat=True).first()
            self.version = (previous or 0) + 1
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # Not at module top: template_checks -> rendering imports this module (Template).
        from recaudo.policies.template_checks import template_errors

        errors = template_errors(
            subject=self.subject,
            body=self.body,
            channel=self.channel,
            whatsapp_parameters=self.whatsapp_parameters,
        )
        replies = self.whatsapp_quick_replies
        if not isinstance(replies, list) or not all(
            isinstance(r, str) and 0 < len(r) <= QUICK_REPLY_MAX for r in replies
        ):
            errors["whatsapp_quick_replies"] = _(
                "Las respuestas rápidas deben ser una lista de textos de 1 a %(max)s caracteres."
            ) % {"max": QUICK_REPLY_MAX}
        elif len(replies) > QUICK_REPLIES_MAX:
            errors["whatsapp_quick_replies"] = _(
                "Una plantilla de WhatsApp tiene a lo sumo %(max)s botones."
            ) % {"max": QUICK_REPLIES_MAX}
        if errors:
            raise ValidationError(errors)


class StrategyChange(models.Model):
    """Who changed a policy, a segment, a template or a campaign from the staff pages, when, how.

    ``before`` and ``after`` are the row's fields (a policy's with its steps);
    ``before`` is empty for a new row, ``after`` for a deleted one. Written in
    the transaction of the change (``staff/strategy_actions.py``); never edited.
    """

    class Kind(models.TextChoices):
        POLICY = "policy", _("política")
        SEGMENT = "segment", _("segmento")
        TEMPLATE = "template", _("plantilla")
        TEST_SEND = "test_send", _("envío de prueba")
        CAMPAIGN = "campaign", _("campaña")

    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acreedor"),
    )
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices)
    object_id = models.PositiveIntegerField(_("id"))
    actor = models.CharField(_("quién"), max_length=200)
    at = models.DateTimeField(_("cuándo"), auto_now_add=True)
    before = models.JSONField(_("antes"), default=dict, blank=True)
    after = models.JSONField(_("después"), default=dict, blank=True)

    class Meta:
        verbose_name = _("cambio de estrategia")
        verbose_name_plural = _("cambios de estrategia")
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["kind", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_id} · {self.actor}"
