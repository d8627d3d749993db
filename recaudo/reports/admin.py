from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from recaudo.admin_scope import CreditorScoped
from recaudo.reports.models import ExportRecord, ReportRecipient, WeeklyReport


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


@admin.register(ExportRecord)
class ExportRecordAdmin(CreditorScoped, admin.ModelAdmin):
    """Read only, for everyone: the record of who exported what (docs/exports.md).

    An export of every creditor the user saw names no creditor (``scope`` lists
    them): only staff tied to no creditor see those rows.
    """

    creditor_path = "creditor"
    list_display = ("created_at", "kind", "file_format", "actor", "creditor", "scope")
    list_filter = ("kind", "file_format")
    search_fields = ("actor",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "user", "api_key", "actor", "kind", "file_format", "creditor", "scope",
        "period_from", "period_to", "language", "created_at",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
