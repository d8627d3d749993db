"""Creditors, debtors, how to reach them, what they owe and what they paid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

import recaudo.channels
from recaudo.languages import staff_money

MONEY: dict[str, Any] = {"max_digits": 20, "decimal_places": 4}


class Creditor(models.Model):
    """The company on whose behalf money is collected."""

    name = models.CharField(_("nombre"), max_length=200, unique=True)
    legal_name = models.CharField(_("razón social"), max_length=200, blank=True)
    tax_id = models.CharField(_("identificación tributaria"), max_length=40, blank=True)
    country = models.CharField(_("país"), max_length=2)
    default_currency = models.CharField(_("moneda por defecto"), max_length=3)
    brand_name = models.CharField(
        _("marca"), max_length=100, help_text=_("El nombre que ven los deudores en los mensajes.")
    )
    support_email = models.EmailField(_("correo de soporte"), blank=True)
    support_phone = models.CharField(_("teléfono de soporte"), max_length=20, blank=True)
    agent_timezone = models.CharField(
        _("zona horaria del equipo"),
        max_length=64,
        blank=True,
        db_default="",
        help_text=_("Donde trabajan sus agentes. Vacío: la zona principal del país del acreedor."),
    )
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)

    class Meta:
        verbose_name = _("acreedor")
        verbose_name_plural = _("acreedores")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.agent_timezone:
            try:
                ZoneInfo(self.agent_timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValidationError(
                    {
                        "agent_timezone": _(
                            "'%(zone)s' no es una zona horaria IANA (p. ej. America/Bogota)."
                        )
                        % {"zone": self.agent_timezone}
                    }
                ) from None


class AgentShift(models.Model):
    """When the creditor's team answers debtors: one weekday's hours, in the team's zone.

    A creditor without shifts has the default week (Mon-Fri 08:00-18:00, Sat
    09:00-13:00); the team does not work on its country's public holidays.
    The bot tells a debtor who asks for a person when one will answer
    (conversations/bot.py, ``next_agent_time``).
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("lunes")
        TUESDAY = 1, _("martes")
        WEDNESDAY = 2, _("miércoles")
        THURSDAY = 3, _("jueves")
        FRIDAY = 4, _("viernes")
        SATURDAY = 5, _("sábado")
        SUNDAY = 6, _("domingo")

    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.CASCADE,
        related_name="agent_shifts",
        verbose_name=_("acreedor"),
    )
    weekday = models.PositiveSmallIntegerField(_("día"), choices=Weekday.choices)
    starts_at = models.TimeField(_("desde"))
    ends_at = models.TimeField(_("hasta"))

    class Meta:
        verbose_name = _("turno de atención")
        verbose_name_plural = _("horario de atención de personas")
        ordering = ("creditor", "weekday")
        constraints = [
            models.UniqueConstraint(
                fields=("creditor", "weekday"), name="agent_shift_one_per_weekday"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="agent_shift_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("El turno debe terminar después de empezar.")})


class Debtor(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("persona (B2C)")
        COMPANY = "company", _("empresa (B2B)")

    # Indexed by the (creditor, external_id) constraint; a second index would
    # only slow bulk imports down.
    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.PROTECT,
        related_name="debtors",
        verbose_name=_("acreedor"),
        db_index=False,
    )
    external_id = models.CharField(_("id externo"), max_length=100)
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    full_name = models.CharField(_("nombre completo"), max_length=200)
    first_name = models.CharField(
        _("nombre de saludo"),
        max_length=100,
        blank=True,
        help_text=_("Cómo se le saluda en los mensajes."),
    )
    national_id_type = models.CharField(_("tipo de documento"), max_length=20, blank=True)
    national_id_number = models.CharField(_("número de documento"), max_length=40, blank=True)
    country = models.CharField(_("país"), max_length=2)
    timezone = models.CharField(_("zona horaria"), max_length=64)
    # The state or autonomous community (its holidays code: SP, MD, CT...):
    # its public holidays apply too. Empty: national holidays only (recaudo/regions.py).
    region = models.CharField(_("región"), max_length=3, blank=True, db_default="")
    language = models.CharField(_("idioma"), max_length=5, default="es")
    tags = models.JSONField(_("etiquetas"), default=list, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)
    # Set when the person's data was erased at their request (``recaudo debtor
    # erase``): the row is then only a pseudonymous reference for the debts and
    # payments the law keeps, and imports and the API refuse to write it again.
    erased_at = models.DateTimeField(_("datos borrados"), null=True, blank=True)
    # How the debtor asked to be contacted (the portal, or staff in the admin):
    # the channel goes first in a step's channel order, the hours narrow the
    # window the country allows (never widen it). docs/policies.md.
    preferred_channel = models.CharField(
        _("canal preferido"), max_length=10, blank=True, db_default=""
    )
    preferred_hours_from = models.TimeField(_("prefiere desde (hora local)"), null=True, blank=True)
    preferred_hours_to = models.TimeField(_("prefiere hasta (hora local)"), null=True, blank=True)
    # Written in bulk by the learning job (recaudo/learning/, docs/insights.md): the band of
    # the debtor's propensity to pay (segments match on it) and the local hour with the best
    # response per channel ({"whatsapp": 19}) the planner aims at where a policy asks.
    risk_band = models.CharField(_("banda de riesgo"), max_length=20, blank=True, db_default="")
    best_hours = models.JSONField(_("mejor hora por canal"), null=True, blank=True)

    class Meta:
        verbose_name = _("deudor")
        verbose_name_plural = _("deudores")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "external_id"], name="debtor_external_id_per_creditor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.external_id})"


class ContactPoint(models.Model):
    class Kind(models.TextChoices):
        PHONE = "phone", _("teléfono")
        EMAIL = "email", _("correo")

    PHONE_CHANNELS = recaudo.channels.PHONE_CHANNELS
    EMAIL_CHANNELS = recaudo.channels.EMAIL_CHANNELS
    # Phone channels first, then email: the order the migrations recorded.
    Channel = models.TextChoices(  # type: ignore[call-overload]  # members built from recaudo.channels
        "Channel",
        [
            (name.upper(), (name, _(recaudo.channels.channel_facts(name).label)))
            for name in (*PHONE_CHANNELS, *EMAIL_CHANNELS)
        ],
    )
    debtor = models.ForeignKey(
        Debtor,
        on_delete=models.CASCADE,
        related_name="contact_points",
        verbose_name=_("deudor"),
        db_index=False,  # the (debtor, kind, value) constraint indexes it
    )
    kind = models.CharField(_("tipo"), max_length=5, choices=Kind.choices)
    value = models.CharField(
        _("valor"), max_length=254, help_text=_("Teléfono en E.164 o correo electrónico.")
    )
    channels = models.JSONField(
        _("canales"), default=list, help_text=_("Canales por los que se puede usar.")
    )
    preferred = models.BooleanField(_("preferido"), default=False)
    opted_out_at = models.DateTimeField(_("se dio de baja"), null=True, blank=True)
    invalid_since = models.DateTimeField(_("inválido desde"), null=True, blank=True)
    invalid_reason = models.CharField(_("motivo de invalidez"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)

    class Meta:
        verbose_name = _("punto de contacto")
        verbose_name_plural = _("puntos de contacto")
        constraints = [
            models.UniqueConstraint(
                fields=["debtor", "kind", "value"], name="contact_point_unique_per_debtor"
            )
        ]

    def __str__(self) -> str:
        return self.value

    @property
    def is_usable(self) -> bool:
        return self.opted_out_at is None and self.invalid_since is None

    @property
    def masked_value(self) -> str:
        """Enough to recognise one's own phone or mailbox, not to learn it (portal, audit)."""
        if self.kind == self.Kind.EMAIL:
            name, _at, domain = self.value.partition("@")
            return f"{name[:1]}•••@{domain}"
        return f"••• {self.value[-4:]}"


class ChannelConsent(models.Model):
    """Permission to use one contact point on one channel, and its withdrawal."""

    contact_point = models.ForeignKey(
        ContactPoint,
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("punto de contacto"),
        db_index=False,  # the constraint indexes it
    )
    channel = models.CharField(_("canal"), max_length=10, choices=ContactPoint.Channel.choices)
    source = models.CharField(
        _("origen"),
        max_length=100,
        help_text=_("Dónde se obtuvo: contrato, portal, bot, importación..."),
    )
    granted_at = models.DateTimeField(_("otorgado"))
    revoked_at = models.DateTimeField(_("revocado"), null=True, blank=True)

    class Meta:
        verbose_name = _("consentimiento")
        verbose_name_plural = _("consentimientos")
        constraints = [
            models.UniqueConstraint(
                fields=["contact_point", "channel"], name="one_consent_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_point} / {self.channel}"


class CollectionStage(models.TextChoices):
    """How far a debt's collection has escalated (set by the planner from the policy's steps)."""

    FRIENDLY = "friendly", _("amistosa")
    FIRM = "firm", _("firme")
    PRE_LEGAL = "pre_legal", _("aviso prejurídico")
    AGENCY = "agency", _("entregada a una agencia")
    WRITE_OFF = "write_off", _("castigo propuesto")


# Stages after which the planner contacts the debt no more.
CLOSED_STAGES = (CollectionStage.AGENCY, CollectionStage.WRITE_OFF)


class Debt(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("abierta")
        PAID = "paid", _("pagada")
        WRITTEN_OFF = "written_off", _("castigada")
        DISPUTED = "disputed", _("en disputa")
        IN_ARRANGEMENT = "in_arrangement", _("en acuerdo")

    # Statuses under which payments are applied without naming the debt.
    COLLECTIBLE = (Status.OPEN, Status.IN_ARRANGEMENT)

    # Both indexed by the constraint and the index in Meta.
    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.PROTECT,
        related_name="debts",
        verbose_name=_("acreedor"),
        db_index=False,
    )
    debtor = models.ForeignKey(
        Debtor,
        on_delete=models.PROTECT,
        related_name="debts",
        verbose_name=_("deudor"),
        db_index=False,
    )
    external_id = models.CharField(_("id externo"), max_length=100)
    invoice_number = models.CharField(_("número de factura"), max_length=100, blank=True)
    description = models.CharField(_("descripción"), max_length=300, blank=True)
    currency = models.CharField(_("moneda"), max_length=3)
    amount = models.DecimalField(_("monto"), **MONEY)
    amount_paid = models.DecimalField(_("pagado"), default=Decimal(0), **MONEY)
    issued_on = models.DateField(_("emitida"), null=True, blank=True)
    due_on = models.DateField(_("vence"))
    status = models.CharField(
        _("estado"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    collection_stage = models.CharField(
        _("nivel de cobranza"),
        max_length=10,
        choices=CollectionStage.choices,
        blank=True,
        default="",
        db_default="",
    )
    collection_stage_on = models.DateField(_("nivel desde"), null=True, blank=True)
    # The credit-bureau report: the earliest day it may be made (the notice's day plus
    # the legal delay, moved later if the notice left later) and the day it was recorded.
    bureau_report_on = models.DateField(_("reporte a centrales previsto"), null=True, blank=True)
    bureau_reported_on = models.DateField(_("reportada a centrales"), null=True, blank=True)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    class Meta:
        verbose_name = _("deuda")
        verbose_name_plural = _("deudas")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "external_id"], name="debt_external_id_per_creditor"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="debt_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0) & Q(amount_paid__lte=F("amount")),
                name="debt_paid_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True) | Q(due_on__gte=F("issued_on")),
                name="debt_due_not_before_issue",
            ),
        ]
        indexes = [models.Index(fields=["debtor", "status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.external_id} {staff_money(self.amount, self.currency)}"

    @property
    def balance(self) -> Decimal:
        return self.amount - self.amount_paid


class Payment(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("recibido")
        REVERSED = "reversed", _("revertido")

    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("acreedor"),
        db_index=False,  # the (creditor, external_id) constraint indexes it
    )
    debtor = models.ForeignKey(
        Debtor, on_delete=models.PROTECT, related_name="payments", verbose_name=_("deudor")
    )
    external_id = models.CharField(_("id externo"), max_length=100)
    debt = models.ForeignKey(
        Debt,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targeted_payments",
        verbose_name=_("deuda indicada"),
        help_text=_("La deuda que el pago dice cubrir; vacío: la más antigua primero."),
    )
    amount = models.DecimalField(_("monto"), **MONEY)
    currency = models.CharField(_("moneda"), max_length=3)
    paid_at = models.DateTimeField(_("pagado el"))
    method = models.CharField(_("medio de pago"), max_length=50, blank=True)
    unallocated = models.DecimalField(
        _("saldo a favor"),
        default=Decimal(0),
        help_text=_("Lo que excede lo adeudado (sobrepago)."),
        **MONEY,
    )
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    created_at = models.DateTimeField(_("registrado"), auto_now_add=True)

    class Meta:
        verbose_name = _("pago")
        verbose_name_plural = _("pagos")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "external_id"], name="payment_external_id_per_creditor"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        # /metrics counts the payments recorded in the last hours (recaudo/metrics.py);
        # the worker's sweep of recent payments to thank reads it too (payments/receipts.py).
        indexes = [models.Index(fields=["created_at"], name="payment_created_idx")]

    def __str__(self) -> str:
        return f"{self.external_id} {staff_money(self.amount, self.currency)}"


class PaymentAllocation(models.Model):
    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="allocations", db_index=False
    )
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("monto"), **MONEY)

    class Meta:
        verbose_name = _("imputación")
        verbose_name_plural = _("imputaciones")
        constraints = [
            models.UniqueConstraint(fields=["payment", "debt"], name="one_allocation_per_debt"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount.normalize():f} -> {self.debt_id}"


class AuditEvent(models.Model):
    """An append-only record of every change to a debtor's debts, payments and consents."""

    class Kind(models.TextChoices):
        DEBTOR_CREATED = "debtor_created", _("deudor creado")
        DEBTOR_UPDATED = "debtor_updated", _("deudor actualizado")
        DEBT_CREATED = "debt_created", _("deuda creada")
        DEBTS_CREATED = "debts_created", _("deudas creadas en lote")
        DEBT_UPDATED = "debt_updated", _("deuda actualizada")
        DEBT_STATUS_CHANGED = "debt_status_changed", _("estado de deuda cambiado")
        PAYMENT_RECORDED = "payment_recorded", _("pago registrado")
        PAYMENT_REVERSED = "payment_reversed", _("pago revertido")
        # The debtor asked us to stop (a message, the unsubscribe link, the portal).
        OPT_OUT = "opt_out", _("baja de contacto")
        # A consent changed without the debtor asking us (the provider refused a send).
        CONSENT_CHANGED = "consent_changed", _("consentimiento cambiado")
        # Data-subject requests (docs/privacy.md): what was handed over or erased, never the data.
        DEBTOR_EXPORTED = "debtor_exported", _("datos del deudor exportados")
        DEBTOR_ERASED = "debtor_erased", _("datos del deudor borrados")
        # Staff decisions and actions (the back office: recaudo/staff/), with their reason.
        REQUEST_DECIDED = "request_decided", _("pedido del deudor decidido")
        DEBTOR_PAUSED = "debtor_paused", _("contactos en pausa")
        DISPUTE_MARKED = "dispute_marked", _("disputa marcada")
        LINK_SENT = "link_sent", _("enlace de pago enviado")
        HANDED_TO_AGENT = "handed_to_agent", _("asignado a un agente")
        CONTACT_POINT_CHANGED = "contact_point_changed", _("dato de contacto cambiado")
        PROMISE_MADE = "promise_made", _("promesa de pago registrada")
        PLAN_AGREED = "plan_agreed", _("plan de cuotas acordado")
        REPORT_REVIEWED = "report_reviewed", _("reporte del deudor revisado")
        THREAD_REASSIGNED = "thread_reassigned", _("conversación reasignada")
        # A creditor's own channel or payment account set or changed (never its secrets).
        ACCOUNT_CHANGED = "account_changed", _("cuenta de envío o de pagos cambiada")
        # Direct debit (payments.debit): a saved method enrolled, cancelled, a charge refused.
        MANDATE_ACTIVATED = "mandate_activated", _("domiciliación activada")
        MANDATE_CANCELLED = "mandate_cancelled", _("domiciliación cancelada")
        DEBIT_FAILED = "debit_failed", _("cobro automático rechazado")

    # The history is written only by this code, next to the rows it names, so
    # the database does not re-check its references: on PostgreSQL those
    # checks were a tenth of a large import. Deletes still cascade (Django
    # does that, not the database).
    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    debtor = models.ForeignKey(
        Debtor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        db_constraint=False,
    )
    # Most events name no debt or payment: partial indexes (in Meta) skip them.
    debt = models.ForeignKey(
        Debt,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    payment = models.ForeignKey(
        Payment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(_("tipo"), max_length=40, choices=Kind.choices)
    actor = models.CharField(
        _("autor"),
        max_length=200,
        help_text=_("Quién lo hizo: import:archivo, api:clave, admin:usuario."),
    )
    data = models.JSONField(_("datos"), default=dict)
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True)

    class Meta:
        verbose_name = _("evento de auditoría")
        verbose_name_plural = _("eventos de auditoría")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["creditor", "created_at"]),
            models.Index(fields=["debt"], condition=Q(debt__isnull=False), name="event_debt_idx"),
            models.Index(
                fields=["payment"], condition=Q(payment__isnull=False), name="event_payment_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class ApiKey(models.Model):
    """A creditor's key for the REST API. Only a hash of the secret is stored."""

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("acreedor")
    )
    name = models.CharField(_("nombre"), max_length=100)
    prefix = models.CharField(_("prefijo"), max_length=16, unique=True)
    key_hash = models.CharField(_("hash"), max_length=64)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("último uso"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revocada"), null=True, blank=True)

    class Meta:
        verbose_name = _("clave de API")
        verbose_name_plural = _("claves de API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyRecord(models.Model):
    """The stored answer to a request sent with an ``Idempotency-Key`` header."""

    creditor = models.ForeignKey(Creditor, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("respuesta idempotente")
        verbose_name_plural = _("respuestas idempotentes")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "key"], name="idempotency_key_per_creditor")
        ]

    def __str__(self) -> str:
        return self.key


class ImportJob(models.Model):
    """A file uploaded on the staff's import page: mapped, checked, then imported.

    ``recaudo worker`` runs the check (a dry run) and the import in the
    background (``portfolio/import_jobs.py``); the page follows ``status`` and
    the progress columns. The uploaded file lives in the media storage
    (``stored_file``) until the job ends, then is deleted.
    """

    class Status(models.TextChoices):
        MAPPING = "mapping", _("columnas por asignar")
        CHECK_QUEUED = "check_queued", _("revisión en cola")
        CHECKING = "checking", _("revisando")
        CHECKED = "checked", _("revisado")
        IMPORT_QUEUED = "import_queued", _("importación en cola")
        IMPORTING = "importing", _("importando")
        DONE = "done", _("importado")
        FAILED = "failed", _("no se importó")
        CANCELLED = "cancelled", _("cancelado")

    class Kind(models.TextChoices):
        DEBTS = "debts", _("deudas")
        PAYMENTS = "payments", _("pagos")
        DEBTORS = "debtors", _("deudores")

    QUEUED = (Status.CHECK_QUEUED, Status.IMPORT_QUEUED)
    RUNNING = (Status.CHECKING, Status.IMPORTING)
    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("acreedor")
    )
    kind = models.CharField(_("tipo de archivo"), max_length=10, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subido por"),
    )
    created_at = models.DateTimeField(_("subido"), auto_now_add=True)
    # The language the uploader reads: the worker writes the messages in it.
    language = models.CharField(max_length=10, default="es")
    file_name = models.CharField(_("archivo"), max_length=255)
    stored_file = models.CharField(max_length=300, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    header = models.JSONField(default=list)
    # The field each column holds ("" leaves it out), aligned with ``header``.
    mapping = models.JSONField(default=list)
    status = models.CharField(
        _("estado"), max_length=20, choices=Status.choices, default=Status.MAPPING
    )
    claimed_by = models.CharField(max_length=200, blank=True)
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(default=0)
    progress_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    # The errors are ImportJobError rows (the first 10,000); this counts them all.
    error_count = models.PositiveIntegerField(default=0)
    file_problem = models.TextField(blank=True)
    counts = models.JSONField(default=dict)
    unreachable = models.PositiveIntegerField(null=True, blank=True)
    probable_company_lines = models.JSONField(default=list)
    probable_company_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("importación")
        verbose_name_plural = _("importaciones")
        indexes = [
            # The worker's claim: the oldest queued job.
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["check_queued", "import_queued"]),
                name="import_job_queued",
            ),
            models.Index(fields=["creditor", "-created_at"], name="import_job_per_creditor"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status in (self.Status.CHECKED, self.Status.DONE):
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))

    @property
    def seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class ImportJobError(models.Model):
    """One ``línea N: columna: motivo`` of a job's check or import, read a page at a time."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="error_rows")
    position = models.PositiveIntegerField()
    line = models.CharField(max_length=20)
    column = models.CharField(max_length=300)
    message = models.TextField()

    class Meta:
        verbose_name = _("error de importación")
        verbose_name_plural = _("errores de importación")
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="import_error_position")
        ]

    def __str__(self) -> str:
        return f"{self.line}: {self.column}: {self.message}"
