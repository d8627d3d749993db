from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from recaudo.admin_scope import CreditorScoped
from recaudo.languages import staff_money
from recaudo.payments import concessions
from recaudo.payments.models import (
    Checkout,
    DebtorReport,
    DebtorRequest,
    Instalment,
    InstalmentPlan,
    LinkRenewalRequest,
    PaymentLink,
    PaymentSettings,
    PaymentWebhookEvent,
    Promise,
)


@admin.register(PaymentSettings)
class PaymentSettingsAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ["creditor", "provider", "min_partial_percent", "promise_max_days"]


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
    list_display = ["created_at", "debtor", "debt", "kind", "receipt_type", "reviewed_at"]
    list_filter = ["kind", "creditor"]
    exclude = ["receipt"]
    readonly_fields = ["creditor", "debtor", "debt", "kind", "reason", "receipt_type", "created_at"]


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

    @admin.action(description=_("Aprobar los pedidos seleccionados"))
    def approve(self, request: HttpRequest, queryset: QuerySet[DebtorRequest]) -> None:
        done = sum(concessions.approve(item.pk, f"admin:{request.user}") for item in queryset)
        self.message_user(request, _("%(count)s pedidos aprobados.") % {"count": done})

    @admin.action(description=_("Rechazar los pedidos seleccionados"))
    def refuse(self, request: HttpRequest, queryset: QuerySet[DebtorRequest]) -> None:
        done = sum(concessions.refuse(item.pk, f"admin:{request.user}") for item in queryset)
        self.message_user(
            request, _("%(count)s pedidos rechazados.") % {"count": done}, messages.INFO
        )
