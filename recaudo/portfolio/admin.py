"""The back office for the portfolio, in Spanish.

Pages stay fast with 100k debtors: debtor pickers are autocompletes, lists
select their related rows in the same query, and counts are not repeated for
filtered lists. Money never moves from here by hand: payments come through
imports, the API and ``actions.record_payment``, so they are read-only, and a
debt's paid amount follows its payments.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from recaudo.admin_scope import CreditorScoped
from recaudo.channels import CHANNEL_NAMES
from recaudo.languages import staff_money
from recaudo.portfolio import events, rules
from recaudo.portfolio.models import (
    AgentShift,
    ApiKey,
    AuditEvent,
    ChannelConsent,
    ContactPoint,
    Creditor,
    Debt,
    Debtor,
    IdempotencyRecord,
    Payment,
    PaymentAllocation,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def money(amount: Decimal | None, currency: str, country: str = "") -> str:
    """The reader's language with the money's country (languages.staff_money)."""
    return staff_money(amount, currency, country)


def actor(request: HttpRequest) -> str:
    return f"admin:{request.user.get_username()}"


def form_changes(form: forms.ModelForm, *, skip: tuple[str, ...] = ()) -> dict[str, list[Any]]:
    """What the form changed, as ``{field: [old, new]}`` with related rows as their ids."""
    names = [name for name in form.changed_data if name not in skip]
    after = {
        name: getattr(form.cleaned_data.get(name), "pk", form.cleaned_data.get(name))
        for name in names
    }
    return events.changes({name: form.initial.get(name) for name in names}, after)


def _is_set_filter(field_name: str, title: StrOrPromise) -> type[admin.SimpleListFilter]:
    """A yes/no filter on whether a nullable date field is filled in."""

    class IsSetFilter(admin.SimpleListFilter):
        parameter_name = field_name.removesuffix("_at").removesuffix("_since")

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
            return [("1", _("Sí")), ("0", _("No"))]

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            if self.value() in {"0", "1"}:
                return queryset.filter(**{f"{field_name}__isnull": self.value() == "0"})
            return queryset

    IsSetFilter.title = title
    return IsSetFilter


class ReadOnlyAdmin(CreditorScoped, admin.ModelAdmin):
    """For records that only the system writes: audit events, idempotency answers."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class NoDeleteMixin:
    """Deleting a debtor or a debt would also delete its audit events (CASCADE):
    write a debt off or mark a contact invalid instead."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(CreditorScoped, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AgentShiftInline(CreditorScoped, admin.TabularInline):
    model = AgentShift
    extra = 0
    max_num = 7


@admin.register(Creditor)
class CreditorAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ("name", "brand_name", "country", "default_currency", "tax_id", "created_at")
    search_fields = ("name", "legal_name", "brand_name", "tax_id")
    list_filter = ("country", "default_currency")
    readonly_fields = ("created_at",)
    inlines = (AgentShiftInline,)


class ContactPointForm(forms.ModelForm):
    class Meta:
        model = ContactPoint
        fields = (
            "debtor",
            "kind",
            "value",
            "channels",
            "preferred",
            "opted_out_at",
            "invalid_since",
            "invalid_reason",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind, value = data.get("kind"), data.get("value")
        # Inline on a debtor's page the debtor is not a form field but already set.
        debtor = data.get("debtor") or (self.instance.debtor if self.instance.debtor_id else None)
        if not (kind and value):
            return data
        try:
            if kind == ContactPoint.Kind.PHONE:
                # A national number is read in the debtor's country, and stored in E.164.
                data["value"] = rules.clean_phone(
                    value, debtor.country if debtor else None, "value"
                )
            else:
                data["value"] = rules.clean_email(value, "value")
        except rules.InputError:
            self.add_error(
                "value", _("«%(value)s» no es un teléfono o correo válido.") % {"value": value}
            )
        return data


class ContactPointInline(CreditorScoped, admin.TabularInline):
    model = ContactPoint
    form = ContactPointForm
    extra = 0
    fields = (
        "kind",
        "value",
        "channels",
        "preferred",
        "opted_out_at",
        "invalid_since",
        "invalid_reason",
    )
    show_change_link = True


class DebtInline(ReadOnlyInline):
    model = Debt
    fields = ("external_id", "description", "amount_shown", "balance_shown", "due_on", "status")
    readonly_fields = fields
    ordering = ("due_on",)

    @admin.display(description=_("monto"))
    def amount_shown(self, obj: Debt) -> str:
        return money(obj.amount, obj.currency, obj.debtor.country)

    @admin.display(description=_("saldo"))
    def balance_shown(self, obj: Debt) -> str:
        return money(obj.balance, obj.currency, obj.debtor.country)


class DebtorForm(forms.ModelForm):
    class Meta:
        model = Debtor
        fields = (
            "creditor",
            "external_id",
            "kind",
            "full_name",
            "first_name",
            "national_id_type",
            "national_id_number",
            "country",
            "timezone",
            "language",
            "tags",
            "preferred_channel",
            "preferred_hours_from",
            "preferred_hours_to",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        cleaners = {
            "country": rules.clean_country,
            "timezone": rules.clean_timezone,
            "language": rules.clean_language,
        }
        for field_name, clean in cleaners.items():
            if data.get(field_name):
                try:
                    data[field_name] = clean(data[field_name], field_name)
                except rules.InputError:
                    self.add_error(
                        field_name, _("Valor no válido: «%(value)s».") % {"value": data[field_name]}
                    )
        channel = data.get("preferred_channel") or ""
        if channel and channel not in CHANNEL_NAMES:
            self.add_error(
                "preferred_channel",
                _("Canal desconocido: «%(value)s». Los canales son: %(known)s.")
                % {"value": channel, "known": ", ".join(CHANNEL_NAMES)},
            )
        try:
            rules.clean_preferred_hours(
                data.get("preferred_hours_from"), data.get("preferred_hours_to")
            )
        except rules.InputError as error:
            self.add_error("preferred_hours_to", error.message)
        return data


@admin.register(Debtor)
class DebtorAdmin(NoDeleteMixin, CreditorScoped, admin.ModelAdmin):
    form = DebtorForm
    list_display = (
        "full_name",
        "external_id",
        "creditor",
        "kind",
        "country",
        "language",
        "open_balance",
    )
    list_select_related = ("creditor",)
    list_filter = ("creditor", "kind", "country", "language")
    search_fields = ("full_name", "external_id", "national_id_number", "contact_points__value")
    readonly_fields = ("open_balance", "created_at", "updated_at")
    inlines = (ContactPointInline, DebtInline)
    show_full_result_count = False  # a second COUNT(*) over every debtor, on every search

    def view_on_site(self, obj: Debtor) -> str:
        """The admin's "Ver en el sitio" button opens the debtor 360 (recaudo/staff/)."""
        return reverse("staff:debtor", args=[obj.pk])

    def get_queryset(self, request: HttpRequest) -> QuerySet[Debtor]:
        # A correlated subquery is computed for the rows on the page only; a
        # JOIN + GROUP BY would add up every debtor's debts first.
        owed = (
            Debt.objects.filter(
                debtor=OuterRef("pk"),
                status__in=Debt.COLLECTIBLE,
                currency=OuterRef("creditor__default_currency"),
            )
            .values("debtor")
            .annotate(total=Sum(F("amount") - F("amount_paid")))
            .values("total")
        )
        output: DecimalField = DecimalField(max_digits=20, decimal_places=4)
        return super().get_queryset(request).annotate(owed=Subquery(owed, output_field=output))

    @admin.display(description=_("saldo por cobrar"), ordering="owed")
    def open_balance(self, obj: Debtor) -> str:
        return money(
            getattr(obj, "owed", None) or Decimal(0), obj.creditor.default_currency, obj.country
        )

    def save_model(
        self, request: HttpRequest, obj: Debtor, form: forms.ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        kind = AuditEvent.Kind.DEBTOR_UPDATED if change else AuditEvent.Kind.DEBTOR_CREATED
        data: dict[str, Any] = (
            {"changes": form_changes(form)} if change else {"external_id": obj.external_id}
        )
        events.debtor_event(obj, kind, actor=actor(request), data=data)


@admin.register(ContactPoint)
class ContactPointAdmin(CreditorScoped, admin.ModelAdmin):
    form = ContactPointForm
    list_display = ("value", "kind", "debtor", "preferred", "opted_out_at", "invalid_since")
    list_select_related = ("debtor",)
    list_filter = (
        "kind",
        _is_set_filter("opted_out_at", _("dado de baja")),
        _is_set_filter("invalid_since", _("inválido")),
        "preferred",
    )
    search_fields = ("value", "debtor__full_name", "debtor__external_id")
    autocomplete_fields = ("debtor",)
    readonly_fields = ("created_at",)
    show_full_result_count = False


@admin.register(ChannelConsent)
class ChannelConsentAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ("contact_point", "debtor_name", "channel", "source", "granted_at", "revoked_at")
    list_select_related = ("contact_point__debtor",)
    list_filter = ("channel", _is_set_filter("revoked_at", _("revocado")), "source")
    search_fields = ("contact_point__value", "contact_point__debtor__full_name", "source")
    autocomplete_fields = ("contact_point",)
    show_full_result_count = False

    @admin.display(description=_("deudor"), ordering="contact_point__debtor__full_name")
    def debtor_name(self, obj: ChannelConsent) -> str:
        return obj.contact_point.debtor.full_name


class DebtForm(forms.ModelForm):
    class Meta:
        model = Debt
        fields = (
            "creditor",
            "debtor",
            "external_id",
            "invoice_number",
            "description",
            "currency",
            "amount",
            "issued_on",
            "due_on",
            "status",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = self.fields.get("status")
        if isinstance(status, forms.ChoiceField):
            # "Pagada" is the result of payments, never a choice.
            status.choices = [c for c in Debt.Status.choices if c[0] != Debt.Status.PAID]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        debtor, creditor = data.get("debtor"), data.get("creditor")
        if debtor and creditor and debtor.creditor_id != creditor.pk:
            self.add_error("debtor", _("El deudor pertenece a otro acreedor."))
        currency = data.get("currency") or self.instance.currency
        if currency:
            try:
                data["currency"] = currency = rules.clean_currency(currency)
            except rules.InputError:
                self.add_error(
                    "currency", _("«%(code)s» no es una moneda ISO 4217.") % {"code": currency}
                )
                return data
        amount = data.get("amount")
        if amount is not None and amount <= 0:
            self.add_error("amount", _("El monto debe ser mayor que cero."))
        elif amount is not None and currency:
            decimals = rules.currency_decimals(currency)
            if amount != amount.quantize(Decimal(1).scaleb(-decimals)):
                self.add_error(
                    "amount",
                    _("%(currency)s admite %(decimals)s decimales.")
                    % {"currency": currency, "decimals": decimals},
                )
            if amount < self.instance.amount_paid:
                self.add_error(
                    "amount",
                    _("No puede ser menor que lo ya pagado (%(paid)s).")
                    % {
                        "paid": money(
                            self.instance.amount_paid,
                            currency,
                            self.instance.debtor.country if self.instance.debtor_id else "",
                        )
                    },
                )
        return data


@admin.register(Debt)
class DebtAdmin(NoDeleteMixin, CreditorScoped, admin.ModelAdmin):
    form = DebtForm
    list_display = (
        "external_id",
        "debtor",
        "creditor",
        "description",
        "amount_display",
        "balance_display",
        "due_on",
        "status",
        "collection_stage",
    )
    list_select_related = ("debtor", "creditor")
    list_filter = ("status", "collection_stage", "currency", "creditor", "due_on")
    search_fields = ("external_id", "invoice_number", "debtor__full_name", "debtor__external_id")
    autocomplete_fields = ("debtor",)
    # The collection level and the credit-bureau days are the planner's record.
    readonly_fields = (
        "amount_paid_display",
        "balance_display",
        "collection_stage",
        "collection_stage_on",
        "bureau_report_on",
        "bureau_reported_on",
        "created_at",
        "updated_at",
    )
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Debt | None = None) -> tuple[str, ...]:
        fields = tuple(self.readonly_fields)
        if obj is not None and obj.amount_paid > 0:
            # Payments were applied in this currency, to this debtor.
            fields += ("creditor", "debtor", "currency")
        if obj is not None and obj.status == Debt.Status.PAID:
            fields += ("amount", "status")
        return fields

    @admin.display(description=_("monto"), ordering="amount")
    def amount_display(self, obj: Debt) -> str:
        return money(obj.amount, obj.currency, obj.debtor.country)

    @admin.display(description=_("pagado"), ordering="amount_paid")
    def amount_paid_display(self, obj: Debt) -> str:
        return money(obj.amount_paid, obj.currency, obj.debtor.country) if obj.pk else "-"

    @admin.display(description=_("saldo"), ordering=F("amount") - F("amount_paid"))
    def balance_display(self, obj: Debt) -> str:
        return money(obj.balance, obj.currency, obj.debtor.country) if obj.pk else "-"

    def save_model(
        self, request: HttpRequest, obj: Debt, form: forms.ModelForm, change: bool
    ) -> None:
        old_status = form.initial.get("status", obj.status)
        if obj.amount_paid and obj.amount == obj.amount_paid:
            obj.status = Debt.Status.PAID  # lowered to what was already paid
        super().save_model(request, obj, form, change)
        who = actor(request)
        if not change:
            events.build_event(
                AuditEvent.Kind.DEBT_CREATED,
                creditor_id=obj.creditor_id,
                debtor_id=obj.debtor_id,
                debt_id=obj.pk,
                actor=who,
                data={
                    "external_id": obj.external_id,
                    "amount": obj.amount,
                    "currency": obj.currency,
                    "due_on": obj.due_on,
                    "status": obj.status,
                },
            ).save()
            return
        changed = form_changes(form, skip=("status",))
        if changed:
            events.build_event(
                AuditEvent.Kind.DEBT_UPDATED,
                creditor_id=obj.creditor_id,
                debtor_id=obj.debtor_id,
                debt_id=obj.pk,
                actor=who,
                data={"changes": changed},
            ).save()
        if old_status != obj.status:
            events.debt_status_changed(obj, old_status, actor=who, reason="admin")


class PaymentAllocationInline(ReadOnlyInline):
    model = PaymentAllocation
    fields = ("debt", "amount")
    readonly_fields = fields
    show_change_link = False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "external_id",
        "debtor",
        "creditor",
        "amount_display",
        "unallocated",
        "paid_at",
        "method",
        "status",
    )
    list_select_related = ("debtor", "creditor")
    list_filter = ("status", "currency", "method", "creditor", "paid_at")
    search_fields = ("external_id", "debtor__full_name", "debtor__external_id", "debt__external_id")
    inlines = (PaymentAllocationInline,)
    show_full_result_count = False

    @admin.display(description=_("monto"), ordering="amount")
    def amount_display(self, obj: Payment) -> str:
        return money(obj.amount, obj.currency, obj.debtor.country)


@admin.register(PaymentAllocation)
class PaymentAllocationAdmin(ReadOnlyAdmin):
    list_display = ("payment", "debt", "amount")
    list_select_related = ("payment", "debt")
    search_fields = ("payment__external_id", "debt__external_id")
    show_full_result_count = False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "actor", "creditor", "debtor", "debt", "payment")
    list_select_related = ("creditor", "debtor", "debt", "payment")
    list_filter = ("kind", "creditor", "created_at")
    search_fields = (
        "actor",
        "debtor__full_name",
        "debtor__external_id",
        "debt__external_id",
        "payment__external_id",
    )
    fields = ("created_at", "kind", "actor", "creditor", "debtor", "debt", "payment", "data_pretty")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("datos"))
    def data_pretty(self, obj: AuditEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.data, ensure_ascii=False, indent=2))


@admin.register(ApiKey)
class ApiKeyAdmin(CreditorScoped, admin.ModelAdmin):
    list_display = ("name", "prefix", "creditor", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("creditor",)
    list_filter = ("creditor", _is_set_filter("revoked_at", _("revocada")))
    search_fields = ("name", "prefix")
    # The secret is shown once when the key is made (API/command), never stored.
    readonly_fields = ("creditor", "prefix", "key_hash", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ("key", "creditor", "status_code", "created_at")
    list_select_related = ("creditor",)
    list_filter = ("status_code", "creditor")
    search_fields = ("key",)
    show_full_result_count = False
