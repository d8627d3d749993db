from django.contrib import admin

from recaudo.payments.models import (
    Checkout,
    DebtorReport,
    Instalment,
    InstalmentPlan,
    LinkRenewalRequest,
    PaymentLink,
    PaymentSettings,
    PaymentWebhookEvent,
    Promise,
)


@admin.register(PaymentSettings)
class PaymentSettingsAdmin(admin.ModelAdmin):
    list_display = ["creditor", "provider", "min_partial_percent", "promise_max_days"]


@admin.register(PaymentLink)
class PaymentLinkAdmin(admin.ModelAdmin):
    # The token is a bearer credential: shown only in part, never searchable.
    list_display = ["debtor", "creditor", "created_at", "expires_at", "revoked_at"]
    list_filter = ["creditor"]
    exclude = ["token"]
    readonly_fields = ["creditor", "debtor", "created_at", "expires_at"]


class InstalmentInline(admin.TabularInline):
    model = Instalment
    extra = 0
    readonly_fields = ["number", "due_on", "amount", "status", "paid_at"]
    can_delete = False


@admin.register(InstalmentPlan)
class InstalmentPlanAdmin(admin.ModelAdmin):
    list_display = ["debtor", "total", "currency", "instalment_count", "status", "created_at"]
    list_filter = ["status", "creditor"]
    inlines = [InstalmentInline]
    readonly_fields = ["debts"]


@admin.register(Promise)
class PromiseAdmin(admin.ModelAdmin):
    list_display = ["debtor", "amount", "currency", "promised_on", "status", "source"]
    list_filter = ["status", "creditor"]
    readonly_fields = ["debts"]


@admin.register(Checkout)
class CheckoutAdmin(admin.ModelAdmin):
    list_display = ["created_at", "debtor", "kind", "amount", "currency", "provider", "status"]
    list_filter = ["provider", "status", "kind"]
    exclude = ["link"]
    readonly_fields = [field.name for field in Checkout._meta.fields if field.name != "link"]


@admin.register(PaymentWebhookEvent)
class PaymentWebhookEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "provider", "event_id", "processed_at", "outcome"]
    list_filter = ["provider"]
    readonly_fields = ["provider", "event_id", "received_at", "headers", "body", "processed_at"]


admin.site.register(LinkRenewalRequest)


@admin.register(DebtorReport)
class DebtorReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "debtor", "debt", "kind", "receipt_type", "reviewed_at"]
    list_filter = ["kind", "creditor"]
    exclude = ["receipt"]
    readonly_fields = ["creditor", "debtor", "debt", "kind", "reason", "receipt_type", "created_at"]
