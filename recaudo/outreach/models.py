"""The outbox: every planned contact with a debtor, and what became of it."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from recaudo.portfolio.models import ContactPoint, Creditor, Debt, Debtor

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class OutreachQuerySet(models.QuerySet["Outreach"]):
    """Named questions about the outbox, so status and action strings live in one place."""

    def planned(self) -> OutreachQuerySet:
        """Rows still waiting: cancelling, postponing or sending them is still possible."""
        return self.filter(status=Outreach.Status.PLANNED)

    def call_tasks(self) -> OutreachQuerySet:
        return self.filter(action=Outreach.Action.CALL_TASK)

    def for_notice(self, key: str) -> OutreachQuerySet:
        """The notice, reply or call back queued once per ``key`` (at most one row)."""
        return self.filter(notice_key=key[:200])

    def settled(self) -> OutreachQuerySet:
        """Rows about debts none of which is still owed (open, with a balance).

        A row about no debt (a thank-you, a receipt, an answer to the debtor)
        is never settled: a payment does not cancel it.
        """
        linked = OutreachDebt.objects.filter(outreach=OuterRef("pk"))
        return self.filter(Exists(linked)).exclude(Exists(_owed_debts()))

    def about_agreements(self) -> OutreachQuerySet:
        """Notices that ask for money on a promise or a plan (``COLLECTION_NOTICES``)."""
        return self.filter(action=Outreach.Action.NOTICE, template_key__in=COLLECTION_NOTICES)

    def still_owed(self) -> OutreachQuerySet:
        """Rows not about debts since paid or closed: with a debt still owed, or about none."""
        linked = OutreachDebt.objects.filter(outreach=OuterRef("pk"))
        return self.filter(Exists(_owed_debts()) | ~Exists(linked))


def _owed_debts() -> models.QuerySet[OutreachDebt]:
    return OutreachDebt.objects.filter(
        outreach=OuterRef("pk"),
        debt__status=Debt.Status.OPEN,
        debt__amount_paid__lt=F("debt__amount"),
    )


# Notices that are collection attempts all the same: we send them on our own
# initiative to ask for money (a reminder of a promise or an instalment, "we
# have not received the payment"). They count and wait like any reminder, and
# they are about the agreement's debts (``notify(debts=...)``). A payment link
# staff send from the debtor 360 (``payment_offer``) is one too, and so is the
# notice before a direct debit's charge (``debit_upcoming``: about the plan's debts).
COLLECTION_NOTICES = frozenset(
    {"promise_reminder", "promise_broken", "plan_broken", "payment_offer", "debit_upcoming"}
)


class Outreach(models.Model):
    """One contact planned for a debtor by one policy step.

    The planner writes it with a send window in the debtor's local time; the
    dispatcher (``recaudo worker``) claims it, re-checks it and sends it.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("planificado")
        SENDING = "sending", _("enviando")
        SENT = "sent", _("enviado")
        DELIVERED = "delivered", _("entregado")
        READ = "read", _("leído")
        FAILED = "failed", _("fallido")
        CANCELLED = "cancelled", _("cancelado")
        UNKNOWN = "unknown", _("desconocido")
        # A step whose message another one of the same day stands for (``covered_by``):
        # never sent, never counted by the caps, kept as the record of the step.
        COVERED = "covered", _("cubierto por otro mensaje")

    class Action(models.TextChoices):
        MESSAGE = "message", _("mensaje")
        CALL_TASK = "call_task", _("tarea de llamada")
        OFFER = "offer", _("oferta")
        NOTICE = "notice", _("aviso")
        REPLY = "reply", _("respuesta")

    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("acreedor"),
        db_index=False,  # covered by the (creditor, planned_on) index
        db_constraint=False,  # see docs/decisions/0004
    )
    debtor = models.ForeignKey(
        Debtor,
        on_delete=models.CASCADE,
        related_name="outreach",
        verbose_name=_("deudor"),
        db_index=False,  # covered by the unique constraint
        db_constraint=False,  # see docs/decisions/0004
    )
    segment = models.ForeignKey(
        "policies.Segment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("segmento"),
        db_index=False,
        db_constraint=False,  # see docs/decisions/0004
    )
    # Empty for notices (a thank-you, a promise reminder): they follow an
    # event, not a policy step.
    step = models.ForeignKey(
        "policies.Step",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paso"),
        db_index=False,
        db_constraint=False,  # see docs/decisions/0004
    )
    # The due date whose step this is: with debtor and step it makes a contact
    # unique, so re-running the planner (or catching up) never plans it twice.
    anchor_due_on = models.DateField(_("vencimiento de referencia"))
    # The campaign that wrote this contact (outreach/campaigns.py); empty otherwise.
    campaign = models.ForeignKey(
        "outreach.Campaign",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("campaña"),
        db_index=False,  # the partial index below: most rows have none
        db_constraint=False,  # see docs/decisions/0004
    )
    # For a ``covered`` row: the debtor's one message of the day that covers this
    # step's debts (outreach/planner.py, "one message per debtor").
    covered_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="covered_steps",
        verbose_name=_("cubierto por"),
        db_index=False,  # the partial index below: most rows have none
        db_constraint=False,  # see docs/decisions/0004
    )
    # 0 for a step's own day; for a repeating step's later contacts, how many days
    # after the step's day this one falls (part of the contact's uniqueness).
    repetition = models.PositiveSmallIntegerField(_("repetición"), default=0, db_default=0)
    planned_on = models.DateField(_("planificado para el día"))
    action = models.CharField(_("acción"), max_length=10, choices=Action.choices)
    channel = models.CharField(_("canal"), max_length=10, choices=ContactPoint.Channel.choices)
    # The step's later channels that the debtor can take, tried in order when
    # this one fails for good.
    fallback_channels = models.JSONField(_("canales alternativos"), default=list, blank=True)
    contact_point = models.ForeignKey(
        ContactPoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("punto de contacto"),
        db_index=False,
        db_constraint=False,  # see docs/decisions/0004
    )
    template_key = models.CharField(_("plantilla"), max_length=60)
    # The experiment arm this contact belongs to (recaudo/learning/experiments.py); the
    # reference runs up a layer by name only: the outbox never imports the learning app.
    variant = models.ForeignKey(
        "learning.Variant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("variante"),
        db_index=False,
        db_constraint=False,  # see docs/decisions/0004
    )
    tone = models.CharField(_("tono"), max_length=12)
    language = models.CharField(_("idioma"), max_length=5)
    currency = models.CharField(_("moneda"), max_length=3)
    amount_due = models.DecimalField(_("monto adeudado"), **MONEY)
    window_start = models.DateTimeField(_("enviar desde"))
    window_end = models.DateTimeField(_("enviar hasta"))
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    status_reason = models.CharField(_("motivo"), max_length=200, blank=True)
    # The dispatcher's bookkeeping. A row is claimed by setting ``sending``
    # with a lease; the provider is called only after that is committed.
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0, db_default=0)
    next_attempt_at = models.DateTimeField(_("próximo intento"), null=True, blank=True)
    lease_until = models.DateTimeField(_("reservado hasta"), null=True, blank=True)
    claimed_by = models.CharField(_("proceso"), max_length=100, blank=True, db_default="")
    # Notices: what makes one unique ("thanks:payment:PAY-1"), so the event
    # behind it (a repeated webhook) never sends it twice; and the values its
    # template needs beyond the debts (monto_pagado, fecha_promesa, ...).
    notice_key = models.CharField(_("clave del aviso"), max_length=200, blank=True, db_default="")
    notice_context = models.JSONField(_("datos del aviso"), null=True, blank=True)
    # Set (on a connection of its own, committed) just before the provider is
    # called. A row whose lease expires without it never reached the provider
    # and goes back to the queue; with it, the row becomes ``unknown``.
    send_started_at = models.DateTimeField(_("envío iniciado"), null=True, blank=True)
    # What left, exactly as it left (written with the send-started mark), and
    # the template it came from ("<id> v<version>"): the record of the contact.
    sent_text = models.TextField(_("texto enviado"), blank=True, db_default="")
    sent_subject = models.CharField(_("asunto enviado"), max_length=200, blank=True, db_default="")
    template_version = models.CharField(
        _("versión de la plantilla"), max_length=40, blank=True, db_default=""
    )
    provider_message_id = models.CharField(
        _("id del proveedor"), max_length=200, blank=True, db_default=""
    )
    sent_at = models.DateTimeField(_("enviado"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("entregado"), null=True, blank=True)
    read_at = models.DateTimeField(_("leído"), null=True, blank=True)
    failed_at = models.DateTimeField(_("falló"), null=True, blank=True)
    last_error_code = models.CharField(
        _("último código de error"), max_length=50, blank=True, db_default=""
    )
    last_error = models.CharField(_("último error"), max_length=500, blank=True, db_default="")
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        verbose_name = _("contacto planificado")
        verbose_name_plural = _("contactos planificados")
        constraints = [
            models.UniqueConstraint(
                fields=["debtor", "step", "anchor_due_on", "repetition"],
                name="outreach_once_per_step",
            ),
            models.CheckConstraint(
                condition=Q(window_end__gt=F("window_start")), name="outreach_window_not_empty"
            ),
            models.UniqueConstraint(
                fields=["notice_key"], condition=~Q(notice_key=""), name="outreach_notice_once"
            ),
        ]
        indexes = [
            # The dispatcher's claim: due rows of one status, oldest window first.
            models.Index(
                fields=["status", "window_start"],
                name="outreach_due_idx",
                condition=Q(status="planned"),
            ),
            models.Index(fields=["creditor", "planned_on"], name="outreach_creditor_day_idx"),
            models.Index(
                fields=["covered_by"],
                name="outreach_covered_by_idx",
                condition=Q(covered_by__isnull=False),
            ),
            models.Index(
                fields=["campaign"],
                name="outreach_campaign_idx",
                condition=Q(campaign__isnull=False),
            ),
            # Status webhooks find the row by the provider's id.
            models.Index(
                fields=["channel", "provider_message_id"],
                name="outreach_provider_id_idx",
                condition=~Q(provider_message_id=""),
            ),
            # Expired leases (a worker died mid-send) are found by this.
            models.Index(
                fields=["lease_until"], name="outreach_lease_idx", condition=Q(status="sending")
            ),
            # /metrics: rows whose fate nobody knows (staff must see every one), and what
            # happened in the last hours, read without scanning the history (recaudo/metrics.py).
            models.Index(
                fields=["creditor", "channel"],
                name="outreach_unknown_idx",
                condition=Q(status="unknown"),
            ),
            *(
                models.Index(
                    fields=[moment],
                    name=f"outreach_{moment}_idx",
                    condition=Q(**{f"{moment}__isnull": False}),
                )
                for moment in ("sent_at", "delivered_at", "read_at", "failed_at")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.debtor_id} {self.channel} {self.planned_on}"


class OutreachDebt(models.Model):
    """A debt a planned contact is about (one message may cover several)."""

    outreach = models.ForeignKey(
        Outreach,
        on_delete=models.CASCADE,
        related_name="debt_links",
        db_index=False,  # covered by the unique constraint
        db_constraint=False,  # see docs/decisions/0004
    )
    debt = models.ForeignKey(
        Debt,
        on_delete=models.CASCADE,
        related_name="outreach_links",
        db_constraint=False,  # see docs/decisions/0004
    )
    balance = models.DecimalField(_("saldo al planificar"), **MONEY)

    class Meta:
        verbose_name = _("deuda del contacto")
        verbose_name_plural = _("deudas del contacto")
        constraints = [
            models.UniqueConstraint(fields=["outreach", "debt"], name="outreach_debt_unique")
        ]

    def __str__(self) -> str:
        return f"{self.outreach_id} {self.debt_id}"


class PlannerRun(models.Model):
    """A run of ``recaudo plan`` for one creditor and day (the catch-up reads it)."""

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="+", verbose_name=_("acreedor")
    )
    run_on = models.DateField(_("día planificado"))
    started_at = models.DateTimeField(_("inicio"))
    finished_at = models.DateTimeField(_("fin"))
    outreach_created = models.PositiveIntegerField(_("contactos creados"))
    summary = models.JSONField(_("resumen"), default=dict)

    class Meta:
        verbose_name = _("ejecución del planificador")
        verbose_name_plural = _("ejecuciones del planificador")
        indexes = [models.Index(fields=["creditor", "run_on"])]

    def __str__(self) -> str:
        return f"{self.creditor_id} {self.run_on}"


class WebhookEvent(models.Model):
    """A provider's webhook request, stored as received once its signature checked out.

    Stored before it is processed; processing is idempotent (``dedupe_key``
    is unique per provider, so a repeated delivery is recognised and not
    processed twice). Unknown fields and event types are kept as received.
    """

    provider = models.CharField(_("proveedor"), max_length=20)
    dedupe_key = models.CharField(_("clave de duplicado"), max_length=300)
    received_at = models.DateTimeField(_("recibido"), auto_now_add=True)
    headers = models.JSONField(_("cabeceras"), default=dict)
    body = models.TextField(_("cuerpo"))
    processed_at = models.DateTimeField(_("procesado"), null=True, blank=True)
    outcome = models.CharField(_("resultado"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("webhook recibido")
        verbose_name_plural = _("webhooks recibidos")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "dedupe_key"], name="webhook_event_once_per_provider"
            )
        ]
        indexes = [
            models.Index(fields=["received_at"], name="webhook_received_idx"),
            # Deferred processing (WEBHOOK_PROCESSING=deferred): the worker's next ones.
            models.Index(
                fields=["received_at"],
                name="webhook_pending_idx",
                condition=Q(processed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.dedupe_key}"


class EmailBounce(models.Model):
    """A bounce or complaint about an email we sent, from a DSN or ARF report (once each).

    ``dedupe_key`` is unique: the same report read twice (the relay posting
    it again, ``recaudo email bounces`` run over the same mailbox) is
    recorded once. Soft bounces are only counted here; a hard bounce that
    says the address is wrong marks the contact point invalid, a complaint
    revokes the email consent (delivery/bounces.py).
    """

    class Kind(models.TextChoices):
        HARD = "hard", _("rebote permanente")
        SOFT = "soft", _("rebote temporal")
        COMPLAINT = "complaint", _("queja (marcado como spam)")

    dedupe_key = models.CharField(_("clave de duplicado"), max_length=64, unique=True)
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices)
    recipient = models.EmailField(_("destinatario"), max_length=254)
    status = models.CharField(_("código"), max_length=20, blank=True)
    action = models.CharField(_("acción"), max_length=20, blank=True)
    diagnostic = models.CharField(_("diagnóstico"), max_length=300, blank=True)
    original_message_id = models.CharField(_("Message-ID original"), max_length=300, blank=True)
    outreach = models.ForeignKey(
        Outreach, on_delete=models.SET_NULL, null=True, blank=True, related_name="bounces"
    )
    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="bounces"
    )
    received_at = models.DateTimeField(_("recibido"), auto_now_add=True)

    class Meta:
        verbose_name = _("rebote de correo")
        verbose_name_plural = _("rebotes de correo")
        indexes = [models.Index(fields=["recipient", "kind"], name="email_bounce_recipient_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.recipient} {self.status}".strip()


class RateBucket(models.Model):
    """A token bucket shared by every worker (one row per provider sender).

    Workers take tokens in small batches under a row lock, so the provider's
    rate limit holds however many workers run.
    """

    key = models.CharField(_("clave"), max_length=200, primary_key=True)
    tokens = models.FloatField(_("fichas"))
    updated_at = models.DateTimeField(_("actualizado"))

    class Meta:
        verbose_name = _("límite de envío")
        verbose_name_plural = _("límites de envío")

    def __str__(self) -> str:
        return self.key


class Campaign(models.Model):
    """A one-off send to a segment ("20% de descuento si pagas antes del viernes").

    Launched on ``send_on`` by ``outreach.campaigns.launch``: one ``Outreach``
    row per debtor of the segment who still owes and can be reached, under the
    same rules, caps and at-most-once as every contact (docs/campaigns.md).
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("programada")
        LAUNCHED = "launched", _("lanzada")
        CANCELLED = "cancelled", _("cancelada")

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="+", verbose_name=_("acreedor")
    )
    name = models.CharField(_("nombre"), max_length=200)
    # Empty: every debtor of the creditor who owes something.
    segment = models.ForeignKey(
        "policies.Segment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("segmento"),
    )
    template_key = models.CharField(_("plantilla"), max_length=60)
    channels = models.JSONField(_("canales"), default=list)
    send_on = models.DateField(_("enviar el día"))
    # The last local day a contact may still go (caps or hours can push one later).
    send_until = models.DateField(_("enviar hasta el día"), blank=True)
    results_days = models.PositiveSmallIntegerField(
        _("días para contar pagos"),
        default=7,
        help_text=_("Un pago en estos días después del envío cuenta como resultado."),
    )
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    created_by = models.CharField(_("creada por"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    launched_at = models.DateTimeField(_("lanzada"), null=True, blank=True)
    launch_summary = models.JSONField(_("resumen del lanzamiento"), default=dict, blank=True)

    class Meta:
        verbose_name = _("campaña")
        verbose_name_plural = _("campañas")
        constraints = [
            models.CheckConstraint(
                condition=Q(send_until__gte=F("send_on")), name="campaign_until_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.send_on})"

    def row_key(self, debtor_id: int) -> str:
        """The notice key of this campaign's one contact with ``debtor_id`` (at most once)."""
        return f"campaign:{self.pk}:{debtor_id}"
