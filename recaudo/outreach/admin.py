from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from recaudo.admin_scope import CreditorScoped
from recaudo.languages import staff_money
from recaudo.outreach.models import Outreach, OutreachDebt, PlannerRun


class ReadOnly:
    """The outbox's rows are written by its own functions only (the planner places each
    contact under the country's rules; a row made or edited by hand would skip them):
    staff read them here, and act on them from the inbox."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OutreachDebtInline(ReadOnly, CreditorScoped, admin.TabularInline):
    model = OutreachDebt
    extra = 0
    raw_id_fields = ("debt",)
    readonly_fields = ("balance",)


@admin.register(Outreach)
class OutreachAdmin(ReadOnly, CreditorScoped, admin.ModelAdmin):
    list_display = (
        "id",
        "debtor",
        "channel",
        "action",
        "template_key",
        "amount_display",
        "window_start",
        "status",
    )
    list_filter = ("status", "channel", "action", "tone", "planned_on", "creditor")
    search_fields = ("debtor__full_name", "debtor__external_id")
    raw_id_fields = ("debtor", "contact_point", "step", "segment")
    date_hierarchy = "planned_on"
    inlines = (OutreachDebtInline,)
    list_select_related = ("debtor",)

    @admin.display(description=_("monto"), ordering="amount_due")
    def amount_display(self, obj: Outreach) -> str:
        return staff_money(obj.amount_due, obj.currency, obj.debtor.country)


@admin.register(PlannerRun)
class PlannerRunAdmin(ReadOnly, CreditorScoped, admin.ModelAdmin):
    list_display = ("creditor", "run_on", "outreach_created", "started_at", "finished_at")
    list_filter = ("creditor",)
    date_hierarchy = "run_on"
