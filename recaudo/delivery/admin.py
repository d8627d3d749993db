"""The stored provider webhooks in the admin: read, find the failed ones, process them again."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from recaudo.admin_scope import CreditorScoped, WriteOnlySecrets
from recaudo.delivery import provider_events as events
from recaudo.delivery.models import ChannelAccount
from recaudo.outreach.models import WebhookEvent

# At most this many rows are processed again by one click (the rest stay selected for the next).
REPROCESS_LIMIT = 500


class ProcessingState(admin.SimpleListFilter):
    title = _("estado")
    parameter_name = "estado"

    STATES = {
        "waiting": Q(processed_at__isnull=True, outcome=""),
        "failed": Q(processed_at__isnull=True) & ~Q(outcome=""),
        "processed": Q(processed_at__isnull=False),
    }

    def lookups(self, request, model_admin):
        return [
            ("waiting", _("En espera")),
            ("failed", _("Fallidos")),
            ("processed", _("Procesados")),
        ]

    def queryset(self, request, queryset):
        state = self.STATES.get(self.value() or "")
        return queryset if state is None else queryset.filter(state)


@admin.register(WebhookEvent)
class WebhookEventAdmin(CreditorScoped, admin.ModelAdmin):
    """Read only: a stored webhook is evidence of what the provider said.

    It names no creditor but carries debtors' numbers and words: only for those who
    see every creditor. A request whose processing failed is listed under
    "Fallidos" (and counted in /metrics); once the cause is fixed, "Procesar de
    nuevo" applies it as the worker would.
    """

    creditor_path = None

    list_display = ("id", "provider", "received_at", "processed_at", "outcome")
    list_filter = (ProcessingState, "provider")
    search_fields = ("dedupe_key", "outcome")
    date_hierarchy = "received_at"
    actions = ("process_again",)
    readonly_fields = (
        "provider",
        "dedupe_key",
        "received_at",
        "processed_at",
        "outcome",
        "headers",
        "body",
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Procesar de nuevo los fallidos seleccionados"))
    def process_again(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        failed = list(
            queryset.filter(ProcessingState.STATES["failed"]).order_by("received_at", "id")[
                :REPROCESS_LIMIT
            ]
        )
        done = sum(events.process_stored(stored) for stored in failed)
        still_failing = len(failed) - done
        self.message_user(
            request,
            ngettext(
                "%(done)d webhook procesado; %(failing)d sigue fallando.",
                "%(done)d webhooks procesados; %(failing)d siguen fallando.",
                done,
            )
            % {"done": done, "failing": still_failing},
            messages.WARNING if still_failing else messages.SUCCESS,
        )


class ChannelAccountForm(WriteOnlySecrets, forms.ModelForm):
    secret_fields = ("secret", "signing_secret")

    class Meta:
        model = ChannelAccount
        fields = (
            "creditor",
            "channel",
            "routing_key",
            "details",
            "secret",
            "signing_secret",
            "active",
        )


@admin.register(ChannelAccount)
class ChannelAccountAdmin(CreditorScoped, admin.ModelAdmin):
    """A creditor's own number, sender, agent or From (the staff page /equipo/cuentas/ too).

    Its secrets are written here, never shown (docs/security.md#stored-secrets).
    """

    form = ChannelAccountForm
    list_display = ("creditor", "channel", "routing_key", "active", "updated_at")
    list_filter = ("channel", "active")
    search_fields = ("routing_key",)
