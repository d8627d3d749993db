from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from recaudo.admin_scope import CreditorScoped, WriteOnlySecrets
from recaudo.languages import staff_money
from recaudo.payments import concessions, reports
from recaudo.payments.models import (
    BankAccount,
    Checkout,
    DebitAttempt,
    DebtorReport,
    DebtorRequest,
    Instalment,
    InstalmentPlan,
    LinkRenewalRequest,
    Mandate,
    NonPaymentReason,
    PaymentLink,
    PaymentSettings,
    PaymentWebhookEvent,
    Promise,
    ProviderAccount,
)
from recaudo.payments.rules import AgreementError
from recaudo.roles import may_approve


@admin.register(PaymentSettings)
class PaymentSettingsAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ["creditor", "provider", "min_partial_percent", "promise_max_days"]


@admin.register(BankAccount)
class BankAccountAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ["creditor", "bank_name", "account_type", "account_number", "holder_name"]


@admin.register(PaymentLink)
class PaymentLinkAdmin(CreditorScoped, admin.ModelAdmin):
    # The token is a bearer credential: shown only in part, never searchable.
    list_display = ["debtor", "creditor", "created_at", "expires_at", "revoked_at"]
    list_filter = ["creditor"]
    exclude = ["token"]
    readonly_fields = ["creditor", "debtor", "created_at", "expires_at"]


class InstalmentInline(CreditorScoped, admin.TabularInline):
    model = Instalment
    extra = 0
    readonly_fields = ["number", "due_on", "amount", "status", "paid_at"]
    can_delete = False


@admin.register(InstalmentPlan)
class InstalmentPlanAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ["debtor", "total_display", "instalment_count", "status", "created_at"]
    list_select_related = ["debtor"]
    list_filter = ["status", "creditor"]
    inlines = [InstalmentInline]
    readonly_fields = ["debts"]

    @admin.display(description=_("total"), ordering="total")
    def total_display(self, obj: InstalmentPlan) -> str:
        return staff_money(obj.total, obj.currency, obj.debtor.country)


@admin.register(Promise)
class PromiseAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ["debtor", "amount_display", "promised_on", "status", "source"]
    list_select_related = ["debtor"]
    list_filter = ["status", "creditor"]
    readonly_fields = ["debts"]

    @admin.display(description=_("monto"), ordering="amount")
    def amount_display(self, obj: Promise) -> str:
        return staff_money(obj.amount, obj.currency, obj.debtor.country)


@admin.register(Checkout)
class CheckoutAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ["created_at", "debtor", "kind", "amount_display", "provider", "status"]
    list_select_related = ["debtor"]
    list_filter = ["provider", "status", "kind"]
    exclude = ["link"]
    readonly_fields = [field.name for field in Checkout._meta.fields if field.name != "link"]

    @admin.display(description=_("monto"), ordering="amount")
    def amount_display(self, obj: Checkout) -> str:
        return staff_money(obj.amount, obj.currency, obj.debtor.country)


class DebitAttemptInline(CreditorScoped, admin.TabularInline):
    model = DebitAttempt
    extra = 0
    fields = readonly_fields = (
        "instalment", "number", "amount", "status", "claimed_at", "completed_at",
        "error_code", "error_message", "retry_on", "provider_payment_id",
    )  # fmt: skip
    can_delete = False


@admin.register(Mandate)
class MandateAdmin(CreditorScoped, admin.ModelAdmin):
    """Direct debit (payments.debit): read only; the debtor enrols and cancels, not staff."""

    list_display = ["debtor", "provider", "brand", "last4", "status", "channel", "created_at"]
    list_select_related = ["debtor"]
    list_filter = ["status", "provider", "creditor"]
    exclude = ["setup_url"]
    readonly_fields = [field.name for field in Mandate._meta.fields if field.name != "setup_url"]
    inlines = [DebitAttemptInline]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PaymentWebhookEvent)
class PaymentWebhookEventAdmin(CreditorScoped, admin.ModelAdmin):
    creditor_path = None  # names no creditor: only for those who see every creditor
    list_display = ["received_at", "provider", "event_id", "processed_at", "outcome"]
    list_filter = ["provider"]
    readonly_fields = ["provider", "event_id", "received_at", "headers", "body", "processed_at"]


@admin.register(LinkRenewalRequest)
class LinkRenewalRequestAdmin(CreditorScoped, admin.ModelAdmin):
    pass


@admin.register(DebtorReport)
class DebtorReportAdmin(CreditorScoped, admin.ModelAdmin):
    """The review queue: "ya pagué" and disputes, with the receipt the debtor sent.

    Confirm records the payment (or accepts the dispute); reject resumes the
    reminders and tells the debtor. Each staff user sees their creditor's only.
    """

    list_display = [
        "created_at",
        "debtor",
        "debt",
        "kind",
        "source",
        "status",
        "pause_until",
        "receipt_link",
        "reviewed_by",
    ]
    list_filter = ["status", "kind", "source", "creditor"]
    exclude = ["receipt"]
    # Staff may only say how much they found paid, before confirming.
    readonly_fields = [
        field.name
        for field in DebtorReport._meta.fields
        if field.name not in ("receipt", "found_amount")
    ] + ["receipt_link"]
    actions = ["confirm", "reject"]

    def has_review_permission(self, request: HttpRequest) -> bool:
        """Confirming and rejecting reports are a supervisor's (or an admin's)."""
        return may_approve(request.user)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:report_id>/receipt/",
                self.admin_site.admin_view(self.receipt_view),
                name="payments_debtorreport_receipt",
            )
        ]
        return own + super().get_urls()

    def receipt_view(self, request: HttpRequest, report_id: int) -> HttpResponse:
        """The receipt as stored, with the type its first bytes proved (never its name's)."""
        report = self.get_queryset(request).filter(pk=report_id).first()
        if report is None or not report.receipt or not self.has_view_permission(request, report):
            raise Http404
        response = HttpResponse(bytes(report.receipt), content_type=report.receipt_type)
        response["Content-Disposition"] = "inline"
        response["X-Content-Type-Options"] = "nosniff"
        # A PDF or image opened here runs nothing: no scripts, no plugins, no frames.
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.display(description=_("comprobante"))
    def receipt_link(self, report: DebtorReport) -> str:
        if not report.receipt_type:
            return "—"
        url = reverse("admin:payments_debtorreport_receipt", args=[report.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("ver"))

    @admin.action(
        description=_("Confirmar: registrar el pago (o aceptar la disputa)"),
        permissions=["review"],
    )
    def confirm(self, request: HttpRequest, queryset: QuerySet[DebtorReport]) -> None:
        done = self._review(request, queryset, reports.confirm_report)
        self.message_user(request, _("%(count)s reportes confirmados.") % {"count": done})

    @admin.action(
        description=_("Rechazar: reanudar los recordatorios y avisar al deudor"),
        permissions=["review"],
    )
    def reject(self, request: HttpRequest, queryset: QuerySet[DebtorReport]) -> None:
        done = self._review(request, queryset, reports.reject_report)
        self.message_user(
            request, _("%(count)s reportes rechazados.") % {"count": done}, messages.INFO
        )

    def _review(
        self,
        request: HttpRequest,
        queryset: QuerySet[DebtorReport],
        review: Callable[..., DebtorReport],
    ) -> int:
        done = 0
        for report in queryset:
            try:
                if review is reports.confirm_report:
                    review(report.pk, reviewer=str(request.user), amount=report.found_amount)
                else:
                    review(report.pk, reviewer=str(request.user))
            except AgreementError as error:
                self.message_user(request, f"{report}: {error}", messages.WARNING)
                continue
            done += 1
        return done


@admin.register(DebtorRequest)
class DebtorRequestAdmin(CreditorScoped, admin.ModelAdmin):
    """New due dates and discounts beyond the segment's limits wait here for a supervisor."""

    list_display = [
        "created_at",
        "debtor",
        "kind",
        "new_due_on",
        "amount",
        "discount_percent",
        "status",
        "decided_by",
    ]
    list_filter = ["status", "kind", "creditor"]
    readonly_fields = [field.name for field in DebtorRequest._meta.fields] + ["debts"]
    actions = ["approve", "refuse"]

    def has_decide_permission(self, request: HttpRequest) -> bool:
        """Approving and refusing are a supervisor's (or an admin's), not every viewer's."""
        return may_approve(request.user)

    @admin.action(description=_("Aprobar los pedidos seleccionados"), permissions=["decide"])
    def approve(self, request: HttpRequest, queryset: QuerySet[DebtorRequest]) -> None:
        reason = str(_("aprobado desde el administrador"))
        done = sum(
            concessions.approve(item.pk, f"admin:{request.user}", reason) for item in queryset
        )
        self.message_user(request, _("%(count)s pedidos aprobados.") % {"count": done})

    @admin.action(description=_("Rechazar los pedidos seleccionados"), permissions=["decide"])
    def refuse(self, request: HttpRequest, queryset: QuerySet[DebtorRequest]) -> None:
        reason = str(_("rechazado desde el administrador"))
        done = sum(
            concessions.refuse(item.pk, f"admin:{request.user}", reason) for item in queryset
        )
        self.message_user(
            request, _("%(count)s pedidos rechazados.") % {"count": done}, messages.INFO
        )


@admin.register(NonPaymentReason)
class NonPaymentReasonAdmin(CreditorScoped, admin.ModelAdmin):
    """Read only, for everyone: reasons are written by ``payments.reasons.record_reasons``
    inside the change that heard them and never edited (the export counts them)."""

    list_display = ("occurred_at", "debtor", "debt", "code", "source", "creditor")
    list_filter = ("code", "source")
    search_fields = ("debtor__external_id", "debt__external_id")
    date_hierarchy = "occurred_at"
    readonly_fields = [field.name for field in NonPaymentReason._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ProviderAccountForm(WriteOnlySecrets, forms.ModelForm):
    secret_fields = ("api_key", "webhook_secret", "signing_secret")

    class Meta:
        model = ProviderAccount
        fields = (
            "creditor",
            "provider",
            "account_id",
            "api_key",
            "webhook_secret",
            "signing_secret",
            "active",
        )


@admin.register(ProviderAccount)
class ProviderAccountAdmin(CreditorScoped, admin.ModelAdmin):
    """A creditor's own account at a payment provider; its secrets are written, never shown."""

    form = ProviderAccountForm
    list_display = ("creditor", "provider", "account_id", "webhook_token", "active", "updated_at")
    list_filter = ("provider", "active")
    readonly_fields = ("webhook_token",)
