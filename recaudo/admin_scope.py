"""The Django admin, scoped to the staff user's creditor (docs/security.md, "Tenancy").

Every ModelAdmin and inline in ``recaudo/*/admin.py`` mixes in ``CreditorScoped``.
A staff user tied to creditors (``conversations.AgentProfile`` rows, the same
tie the inbox reads) lists, opens, searches, filters, picks, acts on and saves
only those creditors' rows; another creditor's row is a 404. Superusers and
staff tied to no creditor see every creditor, as in the inbox. Creditor
viewers and auditors (``recaudo/roles.py``) change nothing, whatever their
model permissions say.

A row reaches its creditor through ``creditor_path`` (``"creditor"``,
``"debtor__creditor"``...), found from the model's required foreign keys
unless the admin sets it. Rows without a creditor are either shared
(``shared_without_creditor = True``: shipped defaults, readable by all staff,
edited only by superusers) or not shown to users tied to a creditor (webhook
payloads, which name no creditor but carry debtors' data).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from weakref import WeakKeyDictionary

from django import forms
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth.models import AnonymousUser
from django.core import checks
from django.core.exceptions import (
    FieldDoesNotExist,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import models
from django.db.models import Q, QuerySet
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from recaudo.conversations.scope import Scope, creditor_scope
from recaudo.portfolio.models import Creditor
from recaudo.roles import may_write

if TYPE_CHECKING:
    from django.contrib.admin.options import BaseModelAdmin

    _AdminBase = BaseModelAdmin[Any]
else:
    _AdminBase = object

# ``creditor_path`` left to be found from the model's foreign keys.
FOUND = "found from the foreign keys"
_MAX_DEPTH = 4
_scopes: WeakKeyDictionary[HttpRequest, Scope] = WeakKeyDictionary()


def found_path(model: type[models.Model], depth: int = 0) -> str | None:
    """The shortest way from a row to its creditor through required foreign keys.

    A creditor field on the model itself first, then each required foreign key
    in field order; nullable keys are not followed (an empty one would make a
    row look shared).
    """
    if model is Creditor:
        return "pk"
    keys = [
        field
        for field in model._meta.concrete_fields
        if field.is_relation and (field.many_to_one or field.one_to_one)
    ]
    for field in keys:
        if field.related_model is Creditor:
            return field.name
    if depth >= _MAX_DEPTH:
        return None
    for field in keys:
        related = field.related_model
        if field.null or not isinstance(related, type) or related is model:
            continue
        rest = found_path(related, depth + 1)
        if rest is not None:
            return f"{field.name}__{rest}"
    return None


def path_to_creditor(model: type[models.Model], site: admin.AdminSite = admin.site) -> str | None:
    """The model's own admin's ``creditor_path`` when it sets one, else the one found."""
    model_admin = site._registry.get(model)
    declared = getattr(model_admin, "creditor_path", FOUND)
    return found_path(model) if declared == FOUND else declared


def _owner(model: type[models.Model], path: str | None) -> type[models.Model]:
    """The model holding the creditor field at the end of ``path`` (the model itself if none)."""
    if path is None or path == "pk":
        return model
    fields = get_fields_from_path(model, path)
    return fields[-1].model


def shares_rows_without_creditor(model: type[models.Model], site: admin.AdminSite) -> bool:
    path = path_to_creditor(model, site)
    model_admin = site._registry.get(_owner(model, path))
    if model_admin is None:
        # Neither registered nor reaching a creditor (permissions, content types): not
        # creditor data; a registered model always says (``CreditorScoped`` defaults to no).
        return path is None
    return bool(getattr(model_admin, "shared_without_creditor", False))


def within(
    queryset: QuerySet[Any], scope: frozenset[int], site: admin.AdminSite = admin.site
) -> QuerySet[Any]:
    """The rows of ``queryset`` a user tied to the creditors in ``scope`` may see."""
    model = queryset.model
    path = path_to_creditor(model, site)
    shared = shares_rows_without_creditor(model, site)
    if path is None:
        return queryset if shared else queryset.none()
    visible = Q(**{f"{path}__in": sorted(scope)})
    if shared:
        visible |= Q(**{f"{path}__isnull": True})
    return queryset.filter(visible)


def creditor_of(obj: models.Model, path: str | None) -> int | None:
    """The creditor id ``obj`` points at through ``path`` (None: none, or not set yet)."""
    if path is None:
        return None
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    target: Any = obj
    try:
        for hop in hops:
            target = getattr(target, hop)
            if target is None:
                return None
        return getattr(target, target._meta.get_field(last).attname)
    except ObjectDoesNotExist:  # an empty required key, or no reverse row (a user's profile)
        return None


def request_scope(request: HttpRequest) -> Scope:
    """The request user's creditors, None for every creditor; read once per request."""
    if request not in _scopes:
        user = request.user
        if isinstance(user, AnonymousUser):  # the admin's views let no one in unlogged
            raise PermissionDenied
        _scopes[request] = creditor_scope(user)
    return _scopes[request]


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw id box that names only rows the user may pick (the stock one names any id typed)."""

    def __init__(self, *args: Any, queryset: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queryset = queryset

    def label_and_url_for_value(self, value: Any) -> tuple[str, str]:
        key = self.rel.get_related_field().name
        try:
            if not self.queryset.filter(**{key: value}).exists():
                return "", ""
        except (ValueError, TypeError, ValidationError):
            return "", ""
        return super().label_and_url_for_value(value)


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A filter by a related row (the creditor, a policy) that offers only rows in scope."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[Any]:
        scope = request_scope(request)
        if scope is None:
            return super().field_choices(field, request, model_admin)
        related = field.related_model
        allowed = within(related._default_manager.all(), scope, model_admin.admin_site)
        return field.get_choices(
            include_blank=False,
            limit_choices_to={"pk__in": allowed.values("pk")},
            ordering=self.field_admin_ordering(field, request, model_admin),
        )


class WriteOnlySecrets:
    """A ModelForm mixin: the ``secret_fields`` are password inputs never filled in, and an
    empty one keeps the stored value (secrets are written, never shown back)."""

    secret_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            field = self.fields.get(name)  # type: ignore[attr-defined]
            if field is not None:
                field.widget = forms.PasswordInput(render_value=False)
                field.required = False
                field.help_text = _("Vacío: se conserva el guardado.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        for name in self.secret_fields:
            if not cleaned.get(name) and self.instance.pk is not None:  # type: ignore[attr-defined]
                cleaned[name] = getattr(self.instance, name)  # type: ignore[attr-defined]
        return cleaned


class CreditorScoped(_AdminBase):
    """Mixed into every ModelAdmin and inline: the rows, choices and writes of the user's creditor.

    ``creditor_path``: how a row reaches its creditor; ``None`` for a model
    with no creditor. ``shared_without_creditor``: rows with no creditor are
    shipped defaults everyone reads and only superusers change (else users
    tied to a creditor do not see them).
    """

    creditor_path: str | None = FOUND
    shared_without_creditor: bool = False

    # --- what the user may see ----------------------------------------------------------

    def scope_path(self) -> str | None:
        return found_path(self.model) if self.creditor_path == FOUND else self.creditor_path

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        scope = request_scope(request)
        return queryset if scope is None else within(queryset, scope, self.admin_site)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        # Missing and another creditor's look the same: 404 (the stock admin redirects).
        # ModelAdmin's (an inline has no page of its own).
        found = cast(Any, super()).get_object(request, object_id, from_field)
        if found is None:
            raise Http404(_("No encontrado."))
        return found

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        filters = cast(Any, super()).get_list_filter(request)
        return [self._scoped_filter(entry) for entry in filters]

    def _scoped_filter(self, entry: Any) -> Any:
        if not isinstance(entry, str):
            return entry
        try:
            field = get_fields_from_path(self.model, entry)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return entry
        return (entry, ScopedRelatedFieldListFilter) if field.is_relation else entry

    # --- what the user may pick -----------------------------------------------------------

    def _choices(
        self, db_field: Any, request: HttpRequest, kwargs: dict[str, Any]
    ) -> QuerySet[Any] | None:
        scope = request_scope(request)
        if scope is None:
            return None
        queryset = kwargs.get("queryset")
        if queryset is None:
            queryset = self.get_field_queryset(kwargs.get("using"), db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(kwargs.get("using"))
        return within(queryset, scope, self.admin_site)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        choices = self._choices(db_field, request, kwargs)
        if choices is not None:
            kwargs["queryset"] = choices
            if "widget" not in kwargs and db_field.name in self.raw_id_fields:
                kwargs["widget"] = ScopedRawIdWidget(
                    db_field.remote_field,
                    self.admin_site,
                    using=kwargs.get("using"),
                    queryset=choices,
                )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and self._creditor_required(db_field, request):
            field.required = True
        return field

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField | None:
        choices = self._choices(db_field, request, kwargs)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _creditor_required(self, db_field: Any, request: HttpRequest) -> bool:
        """A user tied to a creditor never leaves the row's own creditor empty, nor does
        anyone but a superuser where an empty one makes a shipped default."""
        if db_field.related_model is not Creditor or db_field.name != self.scope_path():
            return False
        if request_scope(request) is not None:
            return True
        return self.shared_without_creditor and not request.user.is_superuser

    # --- what the user may change ------------------------------------------------------------

    def _is_shared_default(self, obj: models.Model | None) -> bool:
        if obj is None:
            return False
        path = path_to_creditor(type(obj), self.admin_site)
        return creditor_of(obj, path) is None and shares_rows_without_creditor(
            type(obj), self.admin_site
        )

    def _may_write(self, request: HttpRequest, obj: models.Model | None) -> bool:
        """For a row (or, in an inline, the parent row): shipped defaults are read-only,
        and so is everything for a read-only role."""
        if request.user.is_superuser:
            return True
        if not may_write(request.user):
            return False
        if obj is None:
            return not (self.scope_path() is None and self.shared_without_creditor)
        return not self._is_shared_default(obj)

    def _may_add(self, request: HttpRequest) -> bool:
        if request.user.is_superuser:
            return True
        if not may_write(request.user):
            return False
        path = self.scope_path()
        if path is None:
            # Rows of no creditor: shared ones are the superusers'; the others, only
            # for those who see every creditor.
            return not self.shared_without_creditor and request_scope(request) is None
        # A new creditor is nobody's creditor yet.
        return path != "pk" or request_scope(request) is None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if isinstance(self, InlineModelAdmin):  # obj is the parent: a new child changes it
            allowed = cast(Any, super()).has_add_permission(request, obj)
            return bool(allowed) and self._may_write(request, obj)
        return super().has_add_permission(request) and self._may_add(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and self._may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and self._may_write(request, obj)

    def check_creditor(self, request: HttpRequest, obj: models.Model) -> None:
        """Refuse a row that points at another creditor (or a shipped default not a superuser's).

        The form's choices already hold only the user's rows; this is the last word.
        """
        if request.user.is_superuser:
            return
        if not may_write(request.user):
            raise PermissionDenied(_("Su rol solo permite consultar."))
        scope = request_scope(request)
        owner = creditor_of(obj, self.scope_path())
        if scope is not None and owner not in scope:
            raise PermissionDenied(_("Ese registro es de otro acreedor."))
        if owner is None and self.shared_without_creditor:
            raise PermissionDenied(_("Solo un superusuario cambia los valores de fábrica."))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        self.check_creditor(request, obj)
        cast(Any, super()).save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.check_creditor(request, obj)
        cast(Any, super()).delete_model(request, obj)

    # --- checks (``recaudo check``) --------------------------------------------------------

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        name = f"{type(self).__module__}.{type(self).__qualname__}"
        if self.creditor_path == FOUND and found_path(self.model) is None:
            errors.append(
                checks.Error(
                    f"{name}: {self.model._meta.label} has no required foreign key to a "
                    "creditor; set creditor_path (None for rows of no creditor, with "
                    "shared_without_creditor saying who sees them)",
                    obj=type(self),
                    id="recaudo.E001",
                )
            )
        elif self.creditor_path is not None and self.creditor_path not in (FOUND, "pk"):
            try:
                field = get_fields_from_path(self.model, self.creditor_path)[-1]
            except (FieldDoesNotExist, NotRelationField):
                field = None
            if field is None or field.related_model is not Creditor:
                errors.append(
                    checks.Error(
                        f"{name}: creditor_path {self.creditor_path!r} does not end at a creditor",
                        obj=type(self),
                        id="recaudo.E002",
                    )
                )
        return errors
