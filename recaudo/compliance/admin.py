"""Back office for creditors' stricter contact rules, in Spanish.

The form validates an override with ``tighten`` (through the model's
``clean``), so an override that would loosen the law is refused with the
field it names.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from recaudo.admin_scope import CreditorScoped
from recaudo.compliance.describe import describe
from recaudo.compliance.models import CreditorRuleOverride
from recaudo.countries import is_country_code


@admin.register(CreditorRuleOverride)
class CreditorRuleOverrideAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ("creditor", "country", "note", "updated_at")
    list_select_related = ("creditor",)
    list_filter = ("country",)
    search_fields = ("creditor__name", "country", "note")
    autocomplete_fields = ("creditor",)
    fields = ("creditor", "country", "overrides", "note", "effective_rules", "updated_at")
    readonly_fields = ("effective_rules", "updated_at")

    @admin.display(description=_("reglas resultantes"))
    def effective_rules(self, obj: CreditorRuleOverride) -> str:
        if obj.pk is None or not is_country_code(obj.country):
            return "-"
        # Stored overrides are valid when saved; describe them even if the
        # pack has since become stricter (rule_pack keeps the stricter value).
        return format_html("<pre>{}</pre>", "\n".join(describe(obj.rule_pack())))
