from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from recaudo.admin_scope import CreditorScoped
from recaudo.languages import staff_money
from recaudo.outreach import campaigns
from recaudo.outreach.models import Campaign, EmailBounce, Outreach, OutreachDebt, PlannerRun
from recaudo.portfolio.rules import InputError


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


@admin.register(EmailBounce)
class EmailBounceAdmin(ReadOnly, CreditorScoped, admin.ModelAdmin):
    """Bounces and complaints as the mail reports said (delivery/bounces.py applies them).

    Keyed by the recipient's address, which several creditors' debtors may
    share: only for those who see every creditor, like the stored webhooks.
    """

    creditor_path = None

    list_display = ("received_at", "kind", "recipient", "status", "action", "outreach")
    list_filter = ("kind",)
    search_fields = ("recipient", "original_message_id")
    raw_id_fields = ("outreach", "contact_point")
    date_hierarchy = "received_at"


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = (
            "creditor",
            "name",
            "segment",
            "template_key",
            "channels",
            "send_on",
            "send_until",
            "results_days",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors or data.get("creditor") is None or data.get("send_on") is None:
            return data
        channels = data.get("channels") or []
        try:
            data["name"], data["channels"], data["send_until"] = campaigns.check(
                data["creditor"],
                name=data.get("name") or "",
                template_key=data.get("template_key") or "",
                send_on=data["send_on"],
                today=timezone.now().date(),
                send_until=data.get("send_until"),
                segment=data.get("segment"),
                channels=channels if isinstance(channels, list) else [str(channels)],
                results_days=data.get("results_days") or 0,
            )
        except InputError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return data


@admin.register(Campaign)
class CampaignAdmin(CreditorScoped, admin.ModelAdmin):
    """Scheduled campaigns can be written and changed here; launched ones are a record."""

    form = CampaignForm
    list_display = ("name", "creditor", "send_on", "status", "template_key", "launched_at")
    list_filter = ("status", "creditor")
    search_fields = ("name", "template_key")
    date_hierarchy = "send_on"
    readonly_fields = ("status", "created_by", "created_at", "launched_at", "results")

    @admin.display(description=_("resultados"))
    def results(self, obj: Campaign) -> str:
        if obj.pk is None:
            return "—"
        return format_html_join("", "<p>{}</p>", ((line,) for line in campaigns.describe(obj)))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != Campaign.Status.SCHEDULED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Campaign, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = f"admin:{request.user.get_username()}"[:150]
        super().save_model(request, obj, form, change)
