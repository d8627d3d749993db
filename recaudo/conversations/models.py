"""Conversation threads: one per debtor, every channel, every message kept.

A ``Thread`` is the debtor's conversation with the creditor across channels;
its ``state`` says who answers (the bot, or a person). ``Message`` rows hold
what the debtor wrote and what the bot or an agent answered (the answers are
sent through the outbox; ``outreach`` links the row that carries it).
Outreach sent by policy steps is not copied here: the timeline reads it from
the outbox (``timeline.py``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recaudo.outreach.models import Outreach
from recaudo.portfolio.models import ContactPoint, Creditor, Debtor

MONEY: dict[str, Any] = {"max_digits": 16, "decimal_places": 2}


class Thread(models.Model):
    class State(models.TextChoices):
        BOT = "bot", _("bot")
        WAITING_AGENT = "waiting_agent", _("esperando a un agente")
        WITH_AGENT = "with_agent", _("con un agente")
        CLOSED = "closed", _("cerrada")

    class Reason(models.TextChoices):
        """Why a person is needed; the order is the queue's urgency."""

        HUMAN = "human", _("pidió hablar con una persona")
        DISPUTE = "dispute", _("disputa")
        ALREADY_PAID = "already_paid", _("dice que ya pagó")
        NOT_UNDERSTOOD = "not_understood", _("el bot no entendió")
        OTHER = "other", _("otro")

    class NonPayment(models.TextChoices):
        FORGOT = "forgot", _("se le olvidó")
        NO_MONEY = "no_money", _("no tiene dinero")
        DISPUTE = "dispute", _("disputa o problema con el producto")
        OTHER = "other", _("otro")

    # Lower is more urgent (see Reason).
    URGENCY = {"human": 0, "dispute": 1, "already_paid": 2, "not_understood": 3, "other": 4}
    QUEUE_STATES = (State.WAITING_AGENT, State.WITH_AGENT)

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="+", verbose_name=_("acreedor")
    )
    debtor = models.OneToOneField(
        Debtor, on_delete=models.CASCADE, related_name="thread", verbose_name=_("deudor")
    )
    state = models.CharField(_("estado"), max_length=15, choices=State.choices, default="bot")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agente"),
    )
    handoff_reason = models.CharField(
        _("motivo de derivación"), max_length=20, choices=Reason.choices, blank=True
    )
    urgency = models.PositiveSmallIntegerField(_("urgencia"), default=9)
    balance_at_handoff = models.DecimalField(_("saldo al derivar"), default=Decimal(0), **MONEY)
    handed_off_at = models.DateTimeField(_("derivada"), null=True, blank=True)
    needs_attention = models.BooleanField(_("requiere atención"), default=False)
    unread = models.BooleanField(_("sin leer"), default=False)
    misunderstood_in_row = models.PositiveSmallIntegerField(_("no entendidos seguidos"), default=0)
    last_inbound_at = models.DateTimeField(_("último mensaje recibido"), null=True, blank=True)
    whatsapp_window_until = models.DateTimeField(_("ventana de WhatsApp hasta"), null=True)
    last_channel = models.CharField(_("último canal"), max_length=10, blank=True)
    last_contact_point = models.ForeignKey(
        ContactPoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("último punto de contacto"),
    )
    non_payment_reason = models.CharField(
        _("motivo de no pago"), max_length=10, choices=NonPayment.choices, blank=True
    )
    outcome = models.CharField(_("resultado"), max_length=200, blank=True)
    # The instalment plans the bot listed, to check the debtor's "2" against
    # (offers.OfferRecord as JSON); null when none is pending.
    plan_offer = models.JSONField(_("oferta de cuotas pendiente"), null=True, blank=True)
    # "Which debt?" after a "ya pagué" or a dispute over several debts: the kind,
    # the debtor's words and the debt ids listed, in order; null when none is asked.
    report_question = models.JSONField(_("pregunta sobre qué deuda"), null=True, blank=True)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    class Meta:
        verbose_name = _("conversación")
        verbose_name_plural = _("conversaciones")
        indexes = [
            # The inbox queue: threads needing a person, most urgent first.
            models.Index(
                fields=["state", "urgency", "-balance_at_handoff", "handed_off_at"],
                name="thread_queue_idx",
                condition=Q(state__in=["waiting_agent", "with_agent"]),
            ),
            models.Index(fields=["assigned_to", "state"], name="thread_agent_idx"),
            # The inbox's closed conversations, newest first.
            models.Index(
                fields=["-updated_at"], name="thread_closed_idx", condition=Q(state="closed")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.debtor} ({self.get_state_display()})"


class Message(models.Model):
    class Direction(models.TextChoices):
        IN = "in", _("recibido")
        OUT = "out", _("enviado")

    class Author(models.TextChoices):
        DEBTOR = "debtor", _("deudor")
        BOT = "bot", _("bot")
        AGENT = "agent", _("agente")
        SYSTEM = "system", _("sistema")

    class Kind(models.TextChoices):
        MESSAGE = "message", _("mensaje")
        NOTE = "note", _("nota interna")

    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversación")
    )
    direction = models.CharField(_("dirección"), max_length=3, choices=Direction.choices)
    kind = models.CharField(_("tipo"), max_length=8, choices=Kind.choices, default="message")
    author = models.CharField(_("autor"), max_length=6, choices=Author.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agente"),
    )
    channel = models.CharField(_("canal"), max_length=10, blank=True)
    contact_point = models.ForeignKey(
        ContactPoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("punto de contacto"),
    )
    address = models.CharField(_("dirección"), max_length=254, blank=True)
    text = models.TextField(_("texto"), blank=True)
    intent = models.CharField(_("intención"), max_length=20, blank=True)
    confidence = models.FloatField(_("confianza"), null=True, blank=True)
    slots = models.JSONField(_("datos"), default=dict, blank=True)
    outreach = models.ForeignKey(
        Outreach,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("envío"),
    )
    provider_event_id = models.CharField(_("id del proveedor"), max_length=300, blank=True)
    in_reply_to = models.CharField(_("responde a"), max_length=200, blank=True)
    attachment = models.JSONField(_("adjunto"), null=True, blank=True)
    # The attachment itself, downloaded from the provider while the webhook was
    # processed, once its size and type (by its first bytes) checked out.
    media = models.BinaryField(_("archivo adjunto"), null=True, blank=True)
    media_type = models.CharField(_("tipo del archivo adjunto"), max_length=30, blank=True)
    occurred_at = models.DateTimeField(_("fecha"))
    created_at = models.DateTimeField(_("registrado"), auto_now_add=True)

    class Meta:
        verbose_name = _("mensaje")
        verbose_name_plural = _("mensajes")
        constraints = [
            # A repeated webhook stores the message once.
            models.UniqueConstraint(
                fields=["channel", "provider_event_id"],
                condition=~Q(provider_event_id=""),
                name="message_once_per_provider_event",
            )
        ]
        indexes = [
            models.Index(fields=["thread", "occurred_at"], name="message_timeline_idx"),
            # /metrics counts the bot's answers of the last hours (recaudo/metrics.py).
            models.Index(
                fields=["created_at"], name="message_bot_answer_idx", condition=Q(author="bot")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class AgentProfile(models.Model):
    """A membership: one creditor a staff user works for (a user may hold several).

    The user's scope is the creditors of their rows (``scope.creditor_scope``).
    No row, or a row with no creditor, means every creditor (a small team
    working for all of them), except for a creditor viewer, who sees nothing
    until tied to a client; superusers always see everything. The user's role
    is a Django group (``recaudo/roles.py``; docs/decisions/0019-staff-roles.md).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("usuario"),
    )
    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acreedor"),
        help_text=_("Vacío: todos los acreedores."),
    )

    class Meta:
        verbose_name = _("acreedor del usuario")
        verbose_name_plural = _("acreedores de los usuarios")
        constraints = [
            models.UniqueConstraint(fields=["user", "creditor"], name="membership_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.creditor or '*'}"


class CallAssignment(models.Model):
    """Who took a call task (an Outreach row with action ``call_task``).

    Kept here rather than on the Outreach row: the outbox does not know about
    agents. One per task, so two agents cannot both take it.
    """

    outreach = models.OneToOneField(
        Outreach,
        on_delete=models.CASCADE,
        related_name="call_assignment",
        verbose_name=_("tarea de llamada"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agente"),
    )
    taken_at = models.DateTimeField(_("tomada"))

    class Meta:
        verbose_name = _("asignación de llamada")
        verbose_name_plural = _("asignaciones de llamadas")

    def __str__(self) -> str:
        return f"{self.outreach_id} → {self.agent}"


class RoutingRule(models.Model):
    """Who gets a conversation when it needs a person: the first active rule that matches.

    Rules are read by ``priority`` (lowest first); an empty condition matches
    any conversation. A rule names one agent, or a team (a Django group) whose
    least busy member who works for the creditor gets it. Applied by
    ``routing.route`` when a thread is handed to the agents' queue and nobody
    holds it yet (docs/conversations.md).
    """

    priority = models.PositiveIntegerField(_("prioridad"), default=100)
    active = models.BooleanField(_("activa"), default=True)
    creditor = models.ForeignKey(
        Creditor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acreedor"),
        help_text=_("Vacío: cualquier acreedor."),
    )
    segment = models.ForeignKey(
        "policies.Segment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("segmento"),
        help_text=_("Vacío: cualquier segmento."),
    )
    language = models.CharField(
        _("idioma"), max_length=10, blank=True, help_text=_("Vacío: cualquier idioma.")
    )
    min_balance = models.DecimalField(
        _("saldo desde"), null=True, blank=True, help_text=_("Vacío: cualquier saldo."), **MONEY
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agente"),
    )
    team = models.ForeignKey(
        "auth.Group",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("equipo"),
        help_text=_("Un grupo de usuarios: la conversación va al que tiene menos."),
    )

    class Meta:
        verbose_name = _("regla de asignación")
        verbose_name_plural = _("reglas de asignación")
        ordering = ["priority", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agent__isnull=False) | Q(team__isnull=False),
                name="routing_rule_names_agent_or_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.priority}: → {self.agent or self.team}"
