from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from recaudo.admin_scope import CreditorScoped
from recaudo.reports.models import ReportRecipient, WeeklyReport


@admin.register(ReportRecipient)
class ReportRecipientAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ("email", "language", "creditor")
    list_filter = ("language",)
    search_fields = ("email",)


@admin.register(WeeklyReport)
class WeeklyReportAdmin(CreditorScoped, admin.ModelAdmin):
    """Read only: a week is claimed and sent by the worker; a failed one shows its error."""

    list_display = ("week_start", "creditor", "status", "sent_at", "error")
    list_filter = ("status",)
    readonly_fields = (
        "creditor", "week_start", "status", "recipients", "figures", "error", "sent_at",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
