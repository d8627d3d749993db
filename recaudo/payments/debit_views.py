"""The portal's direct-debit pages: enrol, come back from the provider, cancel.

Thin: they call ``payments.debit`` and send the debtor back to the portal
with a ``done`` notice (``payments/_debit.html`` shows the state).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recaudo.payments import debit
from recaudo.payments.models import Mandate, PaymentLink
from recaudo.payments.providers.base import ProviderError
from recaudo.payments.views import _portal_url, _render_portal, portal_view

logger = logging.getLogger(__name__)


@require_POST
@portal_view
def enrol(request: HttpRequest, link: PaymentLink, lang: str) -> HttpResponse:
    channel = Mandate.Channel.BOT if request.POST.get("via") == "bot" else Mandate.Channel.PORTAL
    base = f"{settings.PUBLIC_BASE_URL}/p/{link.token}/domiciliar/r/{{reference}}"
    suffix = f"?lang={lang}" if lang else ""
    brand = link.creditor.brand_name or link.creditor.name
    try:
        mandate = debit.start_enrolment(
            link,
            channel=channel,
            success_url=base + suffix,
            cancel_url=base + (suffix + "&" if suffix else "?") + "cancelled=1",
            description=_("Débito automático de las cuotas de %(brand)s") % {"brand": brand},
            email=request.POST.get("payer_email", ""),
        )
    except debit.PayerEmailError:
        return _render_portal(
            request,
            link,
            lang,
            _("Escriba un correo válido: el de su cuenta de Mercado Pago."),
            400,
        )
    except debit.DebitError:
        return _render_portal(
            request, link, lang, _("El débito automático es para un plan de cuotas vigente."), 400
        )
    except ProviderError as error:
        logger.warning("direct debit enrolment for link %s failed: %s", link.pk, error)
        return _render_portal(
            request,
            link,
            lang,
            _("No pudimos abrir el registro de la tarjeta. Intente de nuevo en unos minutos."),
            502,
        )
    return HttpResponseRedirect(mandate.setup_url, status=303)


@require_GET
@portal_view
def enrol_return(
    request: HttpRequest, link: PaymentLink, lang: str, reference: str
) -> HttpResponse:
    if request.GET.get("cancelled"):
        return HttpResponseRedirect(_portal_url(link.token, lang) + "#debit")
    try:
        mandate = debit.complete_enrolment(link, reference)
    except ProviderError as error:
        logger.warning("direct debit return for link %s failed: %s", link.pk, error)
        mandate = None
    if mandate is None or mandate.status != Mandate.Status.ACTIVE:
        return _render_portal(
            request,
            link,
            lang,
            _("La tarjeta no quedó registrada todavía. Intente de nuevo en unos minutos."),
            409,
        )
    return HttpResponseRedirect(_portal_url(link.token, lang, done="debit") + "#debit", status=303)


@require_http_methods(["GET", "POST"])
@portal_view
def cancel(request: HttpRequest, link: PaymentLink, lang: str) -> HttpResponse:
    """GET: the confirmation page; POST: cancel at once."""
    mandate = debit.active_mandate(link.debtor_id)
    if mandate is None:
        return HttpResponseRedirect(_portal_url(link.token, lang) + "#debit", status=303)
    if request.method == "GET":
        response = render(
            request,
            "payments/debit_cancel.html",
            {"token": link.token, "lang": lang, "mandate": mandate},
        )
        response["Cache-Control"] = "no-store"
        return response
    debit.cancel_mandate(mandate, channel=Mandate.Channel.PORTAL, by=f"link {link.pk}")
    return HttpResponseRedirect(
        _portal_url(link.token, lang, done="debit-off") + "#debit", status=303
    )
