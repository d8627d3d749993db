"""Payment links, their openings, checkouts, provider webhooks, plans and promises."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recaudo.outreach.models import Outreach
from recaudo.payments.rules import contrast_ratio
from recaudo.portfolio.models import MONEY, Creditor, Debt, Debtor, Payment
from recaudo.vault import SecretField

PROVIDERS = [
    ("sandbox", "Sandbox"),
    ("stripe", "Stripe"),
    ("mercadopago", "Mercado Pago"),
    ("wompi", "Wompi"),
]


def validate_brand_colour(value: str) -> None:
    if len(value) != 7 or value[0] != "#":
        raise ValidationError(_("Use un color #rrggbb."))
    try:
        int(value[1:], 16)
    except ValueError:
        raise ValidationError(_("Use un color #rrggbb.")) from None
    if contrast_ratio("#ffffff", value) < 4.5:
        raise ValidationError(_("El texto blanco sobre este color no alcanza el contraste 4.5:1."))


class PaymentSettings(models.Model):
    """What a creditor chose for its portal; creditors without a row use the defaults."""

    creditor = models.OneToOneField(
        Creditor, on_delete=models.CASCADE, related_name="payment_settings"
    )
    provider = models.CharField(_("proveedor de pagos"), max_length=20, choices=PROVIDERS)
    min_partial_percent = models.DecimalField(
        _("pago parcial mínimo (%)"), max_digits=5, decimal_places=2, default=Decimal(10)
    )
    promise_max_days = models.PositiveSmallIntegerField(_("días máximos de promesa"), default=15)
    plan_grace_days = models.PositiveSmallIntegerField(_("días de gracia de cuotas"), default=5)
    brand_colour = models.CharField(
        _("color de marca"), max_length=7, default="#1d4ed8", validators=[validate_brand_colour]
    )

    class Meta:
        verbose_name = _("configuración de pagos")
        verbose_name_plural = _("configuraciones de pagos")

    def __str__(self) -> str:
        return f"{self.creditor} ({self.provider})"


class BankAccount(models.Model):
    """Where a creditor takes bank transfers and cash deposits.

    The portal shows it with the debtor's payment reference
    (``recaudo.portfolio.references``) and prints it on the cash voucher; the
    payments import recognises the reference on the bank's statement.
    """

    creditor = models.OneToOneField(Creditor, on_delete=models.CASCADE, related_name="bank_account")
    bank_name = models.CharField(_("banco"), max_length=100)
    account_type = models.CharField(
        _("tipo de cuenta"),
        max_length=40,
        blank=True,
        help_text=_("Como lo dice el banco: ahorros, corriente, CLABE, conta corrente..."),
    )
    account_number = models.CharField(_("número de cuenta"), max_length=40)
    holder_name = models.CharField(_("titular"), max_length=200)
    holder_tax_id = models.CharField(_("identificación tributaria del titular"), max_length=30)
    instructions = models.CharField(
        _("indicaciones para el deudor"),
        max_length=300,
        blank=True,
        help_text=_("Por ejemplo: en ventanilla, pida «pago de convenio» y dé la referencia."),
    )

    class Meta:
        verbose_name = _("cuenta para transferencias y depósitos")
        verbose_name_plural = _("cuentas para transferencias y depósitos")

    def __str__(self) -> str:
        return f"{self.creditor}: {self.bank_name} {self.account_number}"


class PaymentLink(models.Model):
    """The debtor's door to the portal: ``/p/<token>``."""

    creditor = models.ForeignKey(Creditor, on_delete=models.CASCADE, related_name="+")
    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="payment_links")
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    expires_at = models.DateTimeField(_("vence"))
    revoked_at = models.DateTimeField(_("revocado"), null=True, blank=True)

    class Meta:
        verbose_name = _("enlace de pago")
        verbose_name_plural = _("enlaces de pago")
        indexes = [models.Index(fields=["debtor", "expires_at"], name="payment_link_live_idx")]

    def __str__(self) -> str:
        return f"{self.debtor_id} {self.token[:6]}…"


class MessageLink(models.Model):
    """One outbound message's own token for its debtor's link (``/p/<token>``).

    It opens the same portal as the debtor's link (``link``) and lives as long;
    an opening through it is credited to the message (``outreach_id``,
    docs/insights.md). A retried message keeps its token (one row per message).
    """

    link = models.ForeignKey(PaymentLink, on_delete=models.CASCADE, related_name="+")
    # The outbox row (no foreign key: the outbox is archived by month, decision 0004).
    outreach_id = models.BigIntegerField(_("mensaje"), unique=True)
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)

    class Meta:
        verbose_name = _("enlace de un mensaje")
        verbose_name_plural = _("enlaces de mensajes")

    def __str__(self) -> str:
        return f"{self.outreach_id} {self.token[:6]}…"


class PaymentLinkOpen(models.Model):
    """One opening of a link (a signal for insights). No IP is kept."""

    link = models.ForeignKey(PaymentLink, on_delete=models.CASCADE, related_name="opens")
    # The message whose own token was opened; empty for the debtor's link.
    outreach_id = models.BigIntegerField(_("mensaje"), null=True, blank=True, db_index=True)
    opened_at = models.DateTimeField(_("abierto"), auto_now_add=True)
    user_agent_hash = models.CharField(_("hash del navegador"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("apertura de enlace")
        verbose_name_plural = _("aperturas de enlace")

    def __str__(self) -> str:
        return f"{self.link_id} {self.opened_at:%Y-%m-%d %H:%M}"


class LinkRenewalRequest(models.Model):
    """Someone holding an expired link asked for a new one."""

    link = models.ForeignKey(PaymentLink, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(_("pedido"), auto_now_add=True)
    handled_at = models.DateTimeField(_("atendido"), null=True, blank=True)

    class Meta:
        verbose_name = _("pedido de enlace nuevo")
        verbose_name_plural = _("pedidos de enlace nuevo")

    def __str__(self) -> str:
        return f"{self.link_id} {self.requested_at:%Y-%m-%d %H:%M}"


class InstalmentPlan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("vigente")
        COMPLETED = "completed", _("cumplido")
        BROKEN = "broken", _("roto")

    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="+")
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="instalment_plans")
    debts = models.ManyToManyField(Debt, related_name="instalment_plans")
    currency = models.CharField(_("moneda"), max_length=3)
    total = models.DecimalField(_("total"), **MONEY)
    down_payment = models.DecimalField(_("pie"), **MONEY)
    instalment_count = models.PositiveSmallIntegerField(_("cuotas"))
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    source = models.CharField(_("origen"), max_length=20, default="portal")
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    ended_at = models.DateTimeField(_("terminado"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan de cuotas")
        verbose_name_plural = _("planes de cuotas")
        constraints = [
            models.UniqueConstraint(
                fields=["debtor"], condition=Q(status="active"), name="one_active_plan_per_debtor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.debtor_id} {self.total} {self.currency} x{self.instalment_count}"


class Instalment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pendiente")
        PAID = "paid", _("pagada")
        MISSED = "missed", _("vencida")
        # The plan was settled early (a discount, a write-off) before it fell due.
        CANCELLED = "cancelled", _("anulada")

    plan = models.ForeignKey(InstalmentPlan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField(_("número"))  # 0: the down payment
    due_on = models.DateField(_("vence"))
    amount = models.DecimalField(_("monto"), **MONEY)
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    paid_at = models.DateTimeField(_("pagada el"), null=True, blank=True)

    class Meta:
        verbose_name = _("cuota")
        verbose_name_plural = _("cuotas")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_instalment_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}#{self.number} {self.amount}"


class Promise(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pendiente")
        KEPT = "kept", _("cumplida")
        BROKEN = "broken", _("incumplida")
        # Folded into an instalment plan over the same debts: never broken.
        SUPERSEDED = "superseded", _("reemplazada por un plan")

    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="+")
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="promises")
    debts = models.ManyToManyField(Debt, related_name="promises")
    amount = models.DecimalField(_("monto"), **MONEY)
    currency = models.CharField(_("moneda"), max_length=3)
    promised_on = models.DateField(_("fecha prometida"))
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    source = models.CharField(_("origen"), max_length=20, default="portal")
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    settled_at = models.DateTimeField(_("resuelta"), null=True, blank=True)

    class Meta:
        verbose_name = _("promesa de pago")
        verbose_name_plural = _("promesas de pago")
        indexes = [models.Index(fields=["status", "promised_on"], name="promise_due_idx")]

    def __str__(self) -> str:
        return f"{self.debtor_id} {self.amount} {self.currency} {self.promised_on}"


class DebtorRequest(models.Model):
    """A new due date or a discount (quita) the debtor asked for on the portal.

    Within the segment's limits it is approved at once (``decided_by`` "segment");
    beyond them it waits for a supervisor, who approves or refuses it in the admin.
    An approved discount is an offer: pay ``amount`` and the debts are settled.
    """

    class Kind(models.TextChoices):
        EXTENSION = "extension", _("nueva fecha de pago")
        DISCOUNT = "discount", _("descuento (quita)")

    class Status(models.TextChoices):
        PENDING = "pending", _("por revisar")
        APPROVED = "approved", _("aprobado")
        REFUSED = "refused", _("rechazado")
        SETTLED = "settled", _("pagado")
        # Still pending when the debtor agreed a plan over the same debts.
        CANCELLED = "cancelled", _("cerrado por un plan")

    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="+")
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="portal_requests")
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    debts = models.ManyToManyField(Debt, related_name="portal_requests")
    new_due_on = models.DateField(_("nueva fecha"), null=True, blank=True)
    currency = models.CharField(_("moneda"), max_length=3, blank=True)
    owed = models.DecimalField(_("adeudado al pedir"), null=True, blank=True, **MONEY)
    amount = models.DecimalField(_("monto a pagar"), null=True, blank=True, **MONEY)
    discount_percent = models.DecimalField(
        _("descuento (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    reason = models.TextField(_("motivo"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("pedido"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decidido"), null=True, blank=True)
    decided_by = models.CharField(_("decidido por"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("pedido del deudor")
        verbose_name_plural = _("pedidos del deudor")
        indexes = [models.Index(fields=["status", "kind"], name="debtor_request_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.debtor_id} {self.status}"


class Checkout(models.Model):
    """One attempt to pay through a provider, from the portal."""

    class Kind(models.TextChoices):
        ALL = "all", _("todo")
        ONE = "one", _("una deuda")
        PART = "part", _("parcial")
        INSTALMENT = "instalment", _("cuota")
        SETTLEMENT = "settlement", _("pago con descuento")

    class Status(models.TextChoices):
        OPEN = "open", _("abierto")
        PAID = "paid", _("pagado")
        FAILED = "failed", _("fallido")
        REVERSED = "reversed", _("revertido")

    reference = models.CharField(_("referencia"), max_length=64, unique=True)
    link = models.ForeignKey(PaymentLink, on_delete=models.CASCADE, related_name="checkouts")
    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="+")
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="checkouts")
    kind = models.CharField(_("tipo"), max_length=12, choices=Kind.choices)
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, null=True, blank=True)
    instalment = models.ForeignKey(
        Instalment, on_delete=models.PROTECT, null=True, blank=True, related_name="checkouts"
    )
    settlement = models.ForeignKey(
        DebtorRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="checkouts"
    )
    provider = models.CharField(_("proveedor"), max_length=20, choices=PROVIDERS)
    provider_session_id = models.CharField(_("id de sesión"), max_length=200, blank=True)
    url = models.URLField(_("URL de pago"), max_length=1000, blank=True)
    amount = models.DecimalField(_("monto"), **MONEY)
    currency = models.CharField(_("moneda"), max_length=3)
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completado"), null=True, blank=True)

    class Meta:
        verbose_name = _("intento de pago")
        verbose_name_plural = _("intentos de pago")

    def __str__(self) -> str:
        return f"{self.provider} {self.reference[:8]} {self.amount} {self.currency}"


class PaymentWebhookEvent(models.Model):
    """A provider's webhook, stored once its signature checked out (idempotent by event id)."""

    provider = models.CharField(_("proveedor"), max_length=20)
    event_id = models.CharField(_("id del evento"), max_length=200)
    received_at = models.DateTimeField(_("recibido"), auto_now_add=True)
    headers = models.JSONField(_("cabeceras"), default=dict)
    body = models.TextField(_("cuerpo"))
    processed_at = models.DateTimeField(_("procesado"), null=True, blank=True)
    outcome = models.CharField(_("resultado"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("webhook de pago")
        verbose_name_plural = _("webhooks de pago")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="payment_webhook_once_per_provider"
            )
        ]
        # /metrics counts the webhooks received in the last hours (recaudo/metrics.py).
        indexes = [models.Index(fields=["received_at"], name="payment_webhook_received_idx")]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"


class DebtorReport(models.Model):
    """The debtor says a debt is already paid or disputes it (portal, chat or call).

    Reminders about the debt pause (it goes ``disputed``) until staff review
    the report or ``pause_until`` passes, whichever comes first; the debt then
    goes back to ``status_before``. Confirming an "already paid" report
    records the payment.
    """

    class Kind(models.TextChoices):
        ALREADY_PAID = "already_paid", _("ya pagada")
        DISPUTE = "dispute", _("disputa")
        # Staff paused the reminders until a date (the debtor 360): not a review.
        PAUSE = "pause", _("pausa del equipo")

    class Status(models.TextChoices):
        PENDING = "pending", _("por revisar")
        CONFIRMED = "confirmed", _("confirmado")
        REJECTED = "rejected", _("rechazado")
        EXPIRED = "expired", _("vencido sin revisar")

    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="+")
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="reports")
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    reason = models.TextField(_("motivo"), max_length=2000)
    # Receipts are small (limited on upload) and private: kept in the database,
    # not in a public media folder.
    receipt = models.BinaryField(_("comprobante"), null=True, blank=True)
    receipt_type = models.CharField(_("tipo de comprobante"), max_length=30, blank=True)
    source = models.CharField(_("origen"), max_length=20, default="portal")
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    status_before = models.CharField(_("estado previo de la deuda"), max_length=20, blank=True)
    pause_until = models.DateField(_("recordatorios en pausa hasta"), null=True, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("revisado"), null=True, blank=True)
    reviewed_by = models.CharField(_("revisado por"), max_length=150, blank=True)
    # What staff found paid, when it is not the debt's whole balance (set before confirming).
    found_amount = models.DecimalField(
        _("monto encontrado (si no es el saldo)"), null=True, blank=True, **MONEY
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("reporte del deudor")
        verbose_name_plural = _("reportes del deudor")
        indexes = [models.Index(fields=["status", "pause_until"], name="report_pause_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.debt_id}"


class NonPaymentReason(models.Model):
    """Why a debt is not paid, in the debtor's words as the platform understood them.

    One row per debt each time a debtor gives a reason (the bot's intent, a
    call's outcome, a portal or chat report, an agent's choice), written by
    ``payments.reasons.record_reasons`` inside the change that heard it.
    Rows are never edited: the export counts them and the 360 shows them.
    """

    class Code(models.TextChoices):
        HARDSHIP = "hardship", _("dificultad económica")
        DISPUTE = "dispute", _("disputa")
        ALREADY_PAID = "already_paid", _("dice que ya pagó")
        WRONG_PERSON = "wrong_person", _("persona equivocada")
        WILL_PAY_LATER = "will_pay_later", _("pagará más adelante")
        REFUSED = "refused", _("se niega a pagar")
        FORGOT = "forgot", _("se le olvidó")
        OTHER = "other", _("otro")

    class Source(models.TextChoices):
        BOT = "bot", _("bot")
        CALL = "call", _("llamada")
        PORTAL = "portal", _("portal")
        AGENT = "agent", _("agente")

    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="+")
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="non_payment_reasons")
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="non_payment_reasons")
    code = models.CharField(_("motivo"), max_length=20, choices=Code.choices)
    source = models.CharField(_("origen"), max_length=10, choices=Source.choices)
    detail = models.CharField(_("detalle"), max_length=500, blank=True)
    occurred_at = models.DateTimeField(_("cuándo"))
    # The conversation or call that heard it. The thread is an id, not a key:
    # conversations sit above payments and payments cannot name their model.
    thread_id = models.BigIntegerField(_("conversación"), null=True, blank=True)
    outreach = models.ForeignKey(
        Outreach, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    report = models.ForeignKey(
        DebtorReport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("motivo de no pago")
        verbose_name_plural = _("motivos de no pago")
        indexes = [
            models.Index(fields=["creditor", "occurred_at"], name="reason_creditor_time_idx"),
            models.Index(fields=["debtor", "occurred_at"], name="reason_debtor_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.debt_id}"


def new_webhook_token() -> str:
    return secrets.token_urlsafe(18)


class ProviderAccount(models.Model):
    """A creditor's own account at a payment provider (docs/payments.md#accounts-per-creditor).

    Its checkouts are created and fetched with its key, and the provider's
    webhooks for it arrive at ``/webhooks/payments/<provider>/<webhook_token>``,
    verified with its own webhook secret. Creditors without one use the
    global settings (``settings.PAYMENTS``).
    """

    class Provider(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        MERCADOPAGO = "mercadopago", "Mercado Pago"
        WOMPI = "wompi", "Wompi"
        SANDBOX = "sandbox", _("Sandbox (pruebas)")

    creditor = models.ForeignKey(
        Creditor, on_delete=models.CASCADE, related_name="+", verbose_name=_("acreedor")
    )
    provider = models.CharField(_("proveedor"), max_length=20, choices=Provider.choices)
    # The provider's own name for the account (Stripe acct_…, Mercado Pago user id): for
    # staff. Wompi's public key (pub_prod_…), which its checkout links carry.
    account_id = models.CharField(_("cuenta en el proveedor"), max_length=100, blank=True)
    # The webhook URL's last part: routes the provider's webhooks to this account.
    webhook_token = models.CharField(
        max_length=40, unique=True, default=new_webhook_token, editable=False
    )
    # Stripe secret_key, Mercado Pago access_token, Wompi private key, the sandbox api_key.
    api_key = SecretField(_("clave de la API"), blank=True)
    # Wompi: its events secret.
    webhook_secret = SecretField(_("secreto de los webhooks"), blank=True)
    # What signs the checkout itself (Wompi's integrity secret); the others have none.
    signing_secret = SecretField(_("secreto de integridad"), blank=True)
    active = models.BooleanField(_("activa"), default=True)
    updated_at = models.DateTimeField(_("modificada"), auto_now=True)

    class Meta:
        verbose_name = _("cuenta de pagos")
        verbose_name_plural = _("cuentas de pagos")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "provider"], name="provider_account_one_per_creditor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.account_id or self.webhook_token[:6]}"

    def settings_override(self) -> dict[str, str]:
        """This account as keys of ``PAYMENTS['providers'][provider]`` (the rest stays global)."""
        if self.provider == "wompi":
            return {
                "public_key": self.account_id,
                "private_key": self.api_key,
                "integrity_secret": self.signing_secret,
                "webhook_secret": self.webhook_secret,
            }
        key_name = {"stripe": "secret_key", "mercadopago": "access_token"}.get(
            self.provider, "api_key"
        )
        return {key_name: self.api_key, "webhook_secret": self.webhook_secret}


class Mandate(models.Model):
    """A debtor's saved payment method for one plan ("domiciliación"), docs/payments.md.

    ``pending`` while the debtor is at the provider's setup page; ``active``
    once the provider confirms the saved method (its brand and last four
    digits are all Recaudo keeps); ``cancelled`` by the debtor (portal, bot)
    or when the plan ends. Only an active mandate is charged.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("por confirmar")
        ACTIVE = "active", _("activa")
        CANCELLED = "cancelled", _("cancelada")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("portal")
        BOT = "bot", _("bot")
        STAFF = "staff", _("equipo")
        SYSTEM = "system", _("sistema")

    reference = models.CharField(_("referencia"), max_length=64, unique=True)
    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="+")
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="mandates")
    plan = models.ForeignKey(InstalmentPlan, on_delete=models.PROTECT, related_name="mandates")
    provider = models.CharField(_("proveedor"), max_length=20, choices=PROVIDERS)
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    setup_session_id = models.CharField(_("sesión de registro"), max_length=200, blank=True)
    setup_url = models.URLField(_("URL de registro"), max_length=1000, blank=True)
    customer_id = models.CharField(_("cliente en el proveedor"), max_length=200, blank=True)
    method_id = models.CharField(_("medio guardado"), max_length=200, blank=True)
    brand = models.CharField(_("marca"), max_length=30, blank=True)
    last4 = models.CharField(_("últimos 4 dígitos"), max_length=4, blank=True)
    # A provider that charges on its own schedule (Mercado Pago's preapproval):
    # the amount last set there for the next charge, so a repeated run does not set it again.
    synced_amount = models.DecimalField(_("monto sincronizado"), null=True, blank=True, **MONEY)
    channel = models.CharField(_("inscrita por"), max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activada"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelada"), null=True, blank=True)
    cancelled_channel = models.CharField(
        _("cancelada por"), max_length=10, choices=Channel.choices, blank=True
    )
    cancelled_by = models.CharField(_("quién canceló"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("domiciliación")
        verbose_name_plural = _("domiciliaciones")
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=Q(status="active"), name="one_active_mandate_per_plan"
            )
        ]

    def __str__(self) -> str:
        return f"{self.debtor_id} {self.provider} {self.brand} {self.last4} ({self.status})"


class DebitAttempt(models.Model):
    """One automatic charge of one instalment: the claim, then the provider's answer.

    The row is written (``charging``) before the provider is called and its
    ``idempotency_key`` goes with the request, so a crash between the two is
    resent with the same key and the provider answers the first result
    instead of charging again. One row per instalment and attempt number.
    """

    class Status(models.TextChoices):
        CHARGING = "charging", _("cobrando")
        SUCCEEDED = "succeeded", _("cobrada")
        FAILED = "failed", _("rechazada")
        ACTION_REQUIRED = "action_required", _("requiere autenticación")
        # The mandate was cancelled or the instalment paid before the charge left.
        SKIPPED = "skipped", _("omitida")

    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="attempts")
    instalment = models.ForeignKey(
        Instalment, on_delete=models.PROTECT, related_name="debit_attempts"
    )
    number = models.PositiveSmallIntegerField(_("intento"))
    idempotency_key = models.CharField(_("clave de idempotencia"), max_length=100, unique=True)
    amount = models.DecimalField(_("monto"), **MONEY)
    currency = models.CharField(_("moneda"), max_length=3)
    status = models.CharField(
        _("estado"), max_length=16, choices=Status.choices, default=Status.CHARGING
    )
    claimed_at = models.DateTimeField(_("reclamado"))
    completed_at = models.DateTimeField(_("terminado"), null=True, blank=True)
    provider_payment_id = models.CharField(_("id del cobro"), max_length=200, blank=True)
    error_code = models.CharField(_("código de error"), max_length=60, blank=True)
    error_message = models.CharField(_("mensaje de error"), max_length=300, blank=True)
    # The provider's own next attempt after a refusal (Mercado Pago's next_retry_date).
    retry_on = models.DateField(_("próximo reintento"), null=True, blank=True)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("cobro automático")
        verbose_name_plural = _("cobros automáticos")
        constraints = [
            models.UniqueConstraint(
                fields=["instalment", "number"], name="one_debit_attempt_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instalment_id}#{self.number} {self.status}"
