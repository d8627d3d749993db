"""The portal's other choices: a new due date, a discount, how to be contacted.

Thin like views.py: plain forms, POST then 303 back to the portal with
``done=`` saying what happened; errors re-render the portal with a message.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recaudo.payments import concessions, contact
from recaudo.payments.models import DebtorRequest, PaymentLink
from recaudo.payments.rules import AgreementError
from recaudo.payments.terms import terms_for
from recaudo.payments.views import _portal_url, _render_portal, portal_view
from recaudo.portfolio.rules import InputError, clean_amount, clean_date


def _done(link: PaymentLink, lang: str, done: str) -> HttpResponse:
    return HttpResponseRedirect(_portal_url(link.token, lang, done=done), status=303)


@require_POST
@portal_view
def extension(request: HttpRequest, link: PaymentLink, lang: str) -> HttpResponse:
    try:
        asked = concessions.request_extension(
            link,
            debt_id=int(request.POST.get("debt", "0") or 0),
            new_due_on=clean_date(request.POST.get("date", ""), "date"),
            reason=request.POST.get("reason", ""),
        )
    except AgreementError as error:
        return _render_portal(request, link, lang, str(error), 400)
    except ValueError:
        return _render_portal(request, link, lang, _("Revise la deuda y la fecha."), 400)
    applied = asked.status == DebtorRequest.Status.APPROVED
    return _done(link, lang, "extension" if applied else "extension-review")


@require_POST
@portal_view
def discount(request: HttpRequest, link: PaymentLink, lang: str) -> HttpResponse:
    terms = terms_for(link.debtor)
    try:
        amount = clean_amount(request.POST.get("amount", ""), terms.currency)
        asked = concessions.request_discount(
            link, amount=amount, reason=request.POST.get("reason", "")
        )
    except InputError:
        return _render_portal(request, link, lang, _("Escriba un monto válido."), 400)
    except AgreementError as error:
        return _render_portal(request, link, lang, str(error), 400)
    offered = asked.status == DebtorRequest.Status.APPROVED
    return _done(link, lang, "discount" if offered else "discount-review")


@require_POST
@portal_view
def contact_preferences(request: HttpRequest, link: PaymentLink, lang: str) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        if action == "prefer":
            contact.prefer(link.debtor, int(request.POST.get("point", "0") or 0))
            return _done(link, lang, "preferred")
        if action == "preferences":
            contact.save_preferences(
                link.debtor,
                channel=request.POST.get("preferred_channel", ""),
                hours=request.POST.get("hours", ""),
                hours_from=request.POST.get("hours_from", "").strip(),
                hours_to=request.POST.get("hours_to", "").strip(),
            )
            return _done(link, lang, "preferences")
        if action == "stop":
            contact.stop_channel(link.debtor, request.POST.get("channel", ""))
            return _done(link, lang, "stopped")
        if action == "stop-all" and request.POST.get("confirm") == "yes":
            contact.stop_everything(link.debtor)
            return _done(link, lang, "stopped-all")
    except AgreementError as error:
        if action == "preferences":
            return _render_portal(request, link, lang, str(error), 400)
    except ValueError:
        pass
    return _render_portal(request, link, lang, _("Elija una opción de la lista."), 400)
