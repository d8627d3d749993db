from django.contrib import admin

from recaudo.outreach.models import Outreach, OutreachDebt, PlannerRun


class OutreachDebtInline(admin.TabularInline):
    model = OutreachDebt
    extra = 0
    raw_id_fields = ("debt",)
    readonly_fields = ("balance",)


@admin.register(Outreach)
class OutreachAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "debtor",
        "channel",
        "action",
        "template_key",
        "amount_due",
        "currency",
        "window_start",
        "status",
    )
    list_filter = ("status", "channel", "action", "tone", "planned_on", "creditor")
    search_fields = ("debtor__full_name", "debtor__external_id")
    raw_id_fields = ("debtor", "contact_point", "step", "segment")
    date_hierarchy = "planned_on"
    inlines = (OutreachDebtInline,)
    list_select_related = ("debtor",)


@admin.register(PlannerRun)
class PlannerRunAdmin(admin.ModelAdmin):
    list_display = ("creditor", "run_on", "outreach_created", "started_at", "finished_at")
    list_filter = ("creditor",)
    date_hierarchy = "run_on"
