"""The page where a creditor's own accounts are set: /equipo/cuentas/.

Admins and supervisors see the accounts of their creditors (secrets only as
"set" or "not set"); admins change them. Another creditor's account is never
listed nor reachable. See docs/channels.md#accounts-per-creditor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recaudo.conversations.scope import AgentRequest, creditor_scope, scoped
from recaudo.conversations.views import staff_only
from recaudo.delivery.models import ChannelAccount
from recaudo.payments.models import ProviderAccount
from recaudo.portfolio.models import Creditor
from recaudo.roles import ADMIN, APPROVERS, role_of
from recaudo.staff import accounts

AccountT = TypeVar("AccountT", ChannelAccount, ProviderAccount)

if TYPE_CHECKING:  # a development dependency (django-stubs-ext)
    from django_stubs_ext import StrOrPromise


def _secret(label: StrOrPromise) -> forms.CharField:
    # Never rendered back: an empty input keeps the stored value.
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("Vacío: se conserva el guardado."),
    )


class ChannelAccountForm(forms.Form):
    creditor = forms.ModelChoiceField(
        queryset=Creditor.objects.none(), label=gettext_lazy("Acreedor")
    )
    channel = forms.ChoiceField(label=gettext_lazy("Canal"), choices=ChannelAccount.Channel.choices)
    routing_key = forms.CharField(
        label=gettext_lazy("Identificador"),
        max_length=200,
        help_text=gettext_lazy(
            "WhatsApp: phone_number_id; SMS: número remitente (E.164) o Messaging Service SID; "
            "RCS: id del agente; correo: la dirección From."
        ),
    )
    display_number = forms.CharField(label=gettext_lazy("Número visible"), required=False)
    waba_id = forms.CharField(label=gettext_lazy("WABA id"), required=False)
    verify_token = forms.CharField(
        label=gettext_lazy("Token de verificación del webhook de WhatsApp"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "Solo si la app de Meta es del acreedor: el que se escribe en su configuración del "
            "webhook. Vacío: el token general."
        ),
    )
    account_sid = forms.CharField(label=gettext_lazy("Account SID de Twilio"), required=False)
    from_name = forms.CharField(label=gettext_lazy("Nombre del remitente"), required=False)
    host = forms.CharField(label=gettext_lazy("Servidor SMTP"), required=False)
    port = forms.IntegerField(label=gettext_lazy("Puerto SMTP"), required=False, min_value=1)
    username = forms.CharField(label=gettext_lazy("Usuario SMTP"), required=False)
    use_tls = forms.BooleanField(label=gettext_lazy("STARTTLS"), required=False)
    secret = _secret(
        gettext_lazy("Credencial (token de acceso, auth token de Twilio o contraseña SMTP)")
    )
    signing_secret = _secret(
        gettext_lazy(
            "Secreto de firma (app secret de WhatsApp, client token de RCS, secreto del relé "
            "de correo entrante)"
        )
    )
    active = forms.BooleanField(label=gettext_lazy("Activa"), required=False, initial=True)


class ProviderAccountForm(forms.Form):
    creditor = forms.ModelChoiceField(
        queryset=Creditor.objects.none(), label=gettext_lazy("Acreedor")
    )
    provider = forms.ChoiceField(
        label=gettext_lazy("Proveedor"), choices=ProviderAccount.Provider.choices
    )
    account_id = forms.CharField(
        label=gettext_lazy("Cuenta en el proveedor"),
        max_length=100,
        required=False,
        help_text=gettext_lazy(
            "Wompi: la llave pública (pub_prod_…); la clave de la API es la llave privada y el "
            "secreto de los webhooks, el de eventos."
        ),
    )
    api_key = _secret(gettext_lazy("Clave de la API"))
    webhook_secret = _secret(gettext_lazy("Secreto de los webhooks"))
    signing_secret = _secret(gettext_lazy("Secreto de integridad (solo Wompi)"))
    active = forms.BooleanField(label=gettext_lazy("Activa"), required=False, initial=True)


_POSTED: Any = object()  # _form's default: the request's POST when it is this form's


def _creditors(request: AgentRequest) -> QuerySet[Creditor]:
    return scoped(Creditor.objects.order_by("name"), creditor_scope(request.user), "pk")


def _form(
    form_class: type[forms.Form],
    request: AgentRequest,
    name: str,
    data: Any = _POSTED,
    initial: dict[str, Any] | None = None,
) -> forms.Form:
    if data is _POSTED:
        data = request.POST if request.POST.get("form") == name else None
    form = form_class(data, prefix=name, initial=initial)
    field = form.fields["creditor"]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = _creditors(request)
    return form


@staff_only
def account_list(request: AgentRequest) -> HttpResponse:
    role = role_of(request.user)
    if role not in APPROVERS:
        raise PermissionDenied(_("Solo administradores y supervisores ven las cuentas."))
    channel_form = _form(ChannelAccountForm, request, "channel")
    provider_form = _form(ProviderAccountForm, request, "payment")
    if request.method == "POST":
        if role != ADMIN:
            raise PermissionDenied(_("Solo un administrador cambia las cuentas."))
        form = channel_form if request.POST.get("form") == "channel" else provider_form
        if form.is_valid() and _save(request, form):
            messages.success(request, _("Cuenta guardada."))
            return redirect("staff:accounts")
    scope = creditor_scope(request.user)
    channel_accounts = scoped(ChannelAccount.objects.select_related("creditor"), scope)
    provider_accounts = scoped(ProviderAccount.objects.select_related("creditor"), scope)
    return render(
        request,
        "staff/accounts.html",
        {
            "channel_accounts": channel_accounts.order_by("creditor__name", "channel"),
            "provider_accounts": provider_accounts.order_by("creditor__name", "provider"),
            "channel_form": channel_form,
            "provider_form": provider_form,
            "is_admin": role == ADMIN,
            "webhook_base": f"{settings.PUBLIC_BASE_URL}/webhooks/payments",
        },
    )


@staff_only
def channel_account(request: AgentRequest, account_id: int) -> HttpResponse:
    """One channel account's form, filled with its public details (never a secret).

    An account of a creditor outside the user's scope is a 404, as if it did
    not exist; the creditor and the channel are fixed here (a new account is
    made on the list page).
    """
    role, found = _account_in_scope(request, ChannelAccount, account_id)
    initial = {
        "creditor": found.creditor_id,
        "channel": found.channel,
        "routing_key": found.routing_key,
        "active": found.active,
        **{
            name: value
            for name, value in (found.details or {}).items()
            if name in accounts.CHANNEL_DETAILS[found.channel]
        },
    }
    posted = request.method == "POST"
    form = _form(ChannelAccountForm, request, "channel", request.POST if posted else None, initial)
    # Disabled: the creditor and the channel are the account's, whatever was posted.
    for name in ("creditor", "channel"):
        form.fields[name].disabled = True
    shown = set(accounts.CHANNEL_DETAILS[found.channel])
    for name in accounts.ALL_CHANNEL_DETAILS - shown:
        del form.fields[name]  # another channel's details
    if posted and form.is_valid() and _save(request, form):
        messages.success(request, _("Cuenta guardada."))
        return redirect("staff:accounts")
    return render(
        request,
        "staff/account.html",
        {"account": found, "form": form, "is_admin": role == ADMIN},
    )


@staff_only
def provider_account(request: AgentRequest, account_id: int) -> HttpResponse:
    """One payment-provider account's page: its public details, its secrets as "set" or
    "not set" (never their values), and the webhook URL to paste into the provider.

    Admins change it (the creditor and provider are fixed; an empty secret keeps
    the stored one); supervisors read it; another creditor's account is a 404.
    """
    role, found = _account_in_scope(request, ProviderAccount, account_id)
    initial = {
        "creditor": found.creditor_id,
        "provider": found.provider,
        "account_id": found.account_id,
        "active": found.active,
    }
    posted = request.method == "POST"
    form = _form(ProviderAccountForm, request, "payment", request.POST if posted else None, initial)
    # Disabled: the creditor and the provider are the account's, whatever was posted.
    for name in ("creditor", "provider"):
        form.fields[name].disabled = True
    if posted and form.is_valid() and _save(request, form):
        messages.success(request, _("Cuenta guardada."))
        return redirect("staff:provider_account", account_id=found.pk)
    return render(
        request,
        "staff/provider_account.html",
        {
            "account": found,
            "form": form,
            "is_admin": role == ADMIN,
            "webhook_url": (
                f"{settings.PUBLIC_BASE_URL}/webhooks/payments/{found.provider}/"
                f"{found.webhook_token}"
            ),
        },
    )


def _account_in_scope(
    request: AgentRequest, model: type[AccountT], account_id: int
) -> tuple[str, AccountT]:
    """The user's role and the account: admins and supervisors see it, only admins post,
    and an account of a creditor outside the user's scope is a 404."""
    role = role_of(request.user)
    if role not in APPROVERS:
        raise PermissionDenied(_("Solo administradores y supervisores ven las cuentas."))
    found = get_object_or_404(
        scoped(model.objects.select_related("creditor"), creditor_scope(request.user)),
        pk=account_id,
    )
    if request.method == "POST" and role != ADMIN:
        raise PermissionDenied(_("Solo un administrador cambia las cuentas."))
    return role, found


def _save(request: AgentRequest, form: forms.Form) -> bool:
    data = form.cleaned_data
    actor = f"staff:{request.user.get_username()}"
    try:
        if isinstance(form, ChannelAccountForm):
            accounts.save_channel_account(
                data["creditor"],
                data["channel"],
                routing_key=data["routing_key"],
                details={
                    name: data.get(name) for name in accounts.CHANNEL_DETAILS[data["channel"]]
                },
                secrets={name: data.get(name) or "" for name in accounts.SECRETS},
                active=data["active"],
                actor=actor,
            )
        else:
            accounts.save_provider_account(
                data["creditor"],
                data["provider"],
                account_id=data["account_id"],
                secrets={name: data.get(name) or "" for name in accounts.PROVIDER_SECRETS},
                active=data["active"],
                actor=actor,
            )
    except accounts.AccountError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return False
    return True
