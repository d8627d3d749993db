from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from recaudo.admin_scope import CreditorScoped
from recaudo.policies.models import Policy, Segment, Step, Template


class StepInline(CreditorScoped, admin.TabularInline):
    model = Step
    extra = 0
    fields = (
        "offset_days",
        "action",
        "channels",
        "template_key",
        "tone",
        "stage",
        "repeat_every_days",
        "repeat_from",
        "repeat_until_days",
    )


@admin.register(Policy)
class PolicyAdmin(CreditorScoped, admin.ModelAdmin):
    shared_without_creditor = True  # the shipped defaults: every creditor's, a superuser's to edit
    list_display = ("name", "code", "creditor", "register", "place_new_debts", "active")
    list_filter = ("active", "creditor", "register")
    search_fields = ("name", "code", "description")
    inlines = (StepInline,)


@admin.register(Segment)
class SegmentAdmin(CreditorScoped, admin.ModelAdmin):
    shared_without_creditor = True
    list_display = ("name", "creditor", "position", "is_default", "debtor_kind", "policy")
    list_filter = ("creditor", "debtor_kind", "is_default", "country")
    search_fields = ("name",)
    ordering = ("creditor", "position")
    fieldsets = (
        (None, {"fields": ("creditor", "name", "position", "is_default", "policy")}),
        (
            _("Condiciones"),
            {
                "fields": (
                    "debtor_kind",
                    ("min_days_past_due", "max_days_past_due"),
                    ("min_balance", "max_balance"),
                    "currency",
                    "country",
                    "tags_any",
                    "risk_band",
                )
            },
        ),
        (
            "Acuerdos permitidos",
            {
                "fields": (
                    "max_instalments",
                    "min_down_payment_percent",
                    "max_discount_percent",
                    "max_extension_days",
                )
            },
        ),
    )


@admin.register(Template)
class TemplateAdmin(CreditorScoped, admin.ModelAdmin):
    shared_without_creditor = True
    list_display = ("key", "channel", "language", "register", "tone", "creditor", "updated_at")
    list_filter = ("channel", "language", "register", "tone", "creditor")
    search_fields = ("key", "subject", "body", "whatsapp_template_name")
