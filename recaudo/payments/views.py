"""The debtor portal at ``/p/<token>``: thin views over portal.py and actions.py.

Every view answers without JavaScript: plain forms, POST then redirect.
Unknown and expired tokens get the same page, status and text.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recaudo.languages import debtor_language, django_language, down_payment_name
from recaudo.payments import actions, concessions, links, offline, reports
from recaudo.payments.accounts import notification_path, provider_for
from recaudo.payments.certificate import certificate_pdf, receipt_pdf
from recaudo.payments.models import (
    Checkout,
    DebtorRequest,
    Instalment,
    InstalmentPlan,
    PaymentLink,
)
from recaudo.payments.portal import locale_of, money, payment_rows, portal_context, speaks_tu
from recaudo.payments.providers.base import ProviderError
from recaudo.payments.rules import AgreementError, check_partial, minimum_partial
from recaudo.payments.statement import statement_filename, statement_pdf
from recaudo.payments.terms import collectible_debts, debtor_today, terms_for
from recaudo.portfolio.models import Debt, Payment
from recaudo.portfolio.rules import InputError, clean_amount, clean_date

logger = logging.getLogger(__name__)


def _language(request: HttpRequest) -> str:
    """``?lang=`` (or the form's ``lang``): ``es``, ``en`` or ``pt``; "" when not asked."""
    asked = (request.GET.get("lang") or request.POST.get("lang") or "").strip().lower()
    if asked and debtor_language(asked) == asked.split("-")[0]:
        code = debtor_language(asked)
        _activate(request, code)
        return code
    return ""


def _activate(request: HttpRequest, code: str) -> None:
    language = django_language(code)
    translation.activate(language)
    request.LANGUAGE_CODE = language


def _portal_url(token: str, lang: str, **params: str) -> str:
    query = {**({"lang": lang} if lang else {}), **params}
    return f"/p/{token}" + (f"?{urlencode(query)}" if query else "")


def portal_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Rate limit per client address, set the language, find a live link or say nothing."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: object, **kwargs: object) -> HttpResponse:
        lang = _language(request)
        if not links.allow_request(links.client_address(request.META)):
            response = render(request, "payments/rate_limited.html", status=429)
            response["Retry-After"] = "60"
            return response
        link = links.find_link(token)
        if not links.is_live(link):
            return invalid(request, token)
        assert link is not None
        if not lang:
            # The debtor's language, not the browser's: a Brazilian debtor reads
            # Portuguese on any phone; ``?lang=`` still switches.
            _activate(request, link.debtor.language)
        return view(request, link, lang, *args, **kwargs)

    return wrapper


def invalid(request: HttpRequest, token: str) -> HttpResponse:
    response = render(request, "payments/invalid.html", {"token": token}, status=404)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@portal_view
def certificate(request: HttpRequest, link: PaymentLink, lang: str) -> HttpResponse:
    """The "paz y salvo" PDF once nothing is owed; until then, the portal says why not."""
    pdf = certificate_pdf(link.debtor)
    if pdf is None:
        return _render_portal(
            request, link, lang, error=_("Aún tiene saldo pendiente: el paz y salvo estará "
                                        "disponible cuando pague todas sus deudas."),
            status=404,
        )  # fmt: skip
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="paz-y-salvo.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@portal_view
def voucher(request: HttpRequest, link: PaymentLink, lang: str) -> HttpResponse:
    """The printable voucher for a transfer or a cash deposit, when the creditor has an account."""
    account = offline.bank_account_of(link.creditor_id)
    if account is None:
        return _render_portal(
            request, link, lang, _("Este acreedor no recibe depósitos en efectivo."), 404
        )
    context = offline.voucher_context(link.debtor, account, locale_of(link))
    context.update(
        token=link.token,
        lang=lang,
        brand=link.creditor.brand_name or link.creditor.name,
        brand_colour=terms_for(link.debtor).brand_colour,
        tu=speaks_tu(link, debtor_today(link.debtor)),
    )
    response = render(request, "payments/voucher.html", context)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


@require_GET
@portal_view
def receipt(request: HttpRequest, link: PaymentLink, lang: str, payment_id: int) -> HttpResponse:
    """One received payment's receipt (PDF), for the link's own debtor only."""
    payment = (
        Payment.objects.filter(
            pk=payment_id, debtor_id=link.debtor_id, status=Payment.Status.RECEIVED
        )
        .select_related("debtor", "creditor")
        .first()
    )
    if payment is None:
        return invalid(request, link.token)
    response = HttpResponse(receipt_pdf(payment, locale_of(link)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="recibo-{payment.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@portal_view
def statement(request: HttpRequest, link: PaymentLink, lang: str) -> HttpResponse:
    """The statement of account (PDF) in the page's language: every open invoice and its age."""
    language = translation.get_language() or link.debtor.language
    pdf = statement_pdf(link.debtor, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{statement_filename(language)}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@portal_view
def portal(request: HttpRequest, link: PaymentLink, lang: str) -> HttpResponse:
    links.record_open(link, request.headers.get("User-Agent", ""))
    return _render_portal(request, link, lang)


def _render_portal(
    request: HttpRequest, link: PaymentLink, lang: str, error: str = "", status: int = 200
) -> HttpResponse:
    context = portal_context(link)
    context.update(token=link.token, lang=lang, error=error, done=request.GET.get("done", ""))
    response = render(request, "payments/portal.html", context, status=status)
    response["Cache-Control"] = "no-store"
    # "same-origin", not "no-referrer": with no-referrer browsers send ``Origin: null``
    # on the portal's own form posts and CSRF refuses them; the token still never
    # leaves for another site.
    response["Referrer-Policy"] = "same-origin"
    return response


def _start(
    request: HttpRequest,
    link: PaymentLink,
    lang: str,
    *,
    kind: str,
    amount: Decimal,
    currency: str,
    debt: Debt | None = None,
    instalment: Instalment | None = None,
    settlement: DebtorRequest | None = None,
) -> HttpResponse:
    base = f"{settings.PUBLIC_BASE_URL}/p/{link.token}/r/{{reference}}"
    suffix = f"?lang={lang}" if lang else ""
    terms = terms_for(link.debtor)
    brand = link.creditor.brand_name or link.creditor.name
    try:
        checkout = actions.start_checkout(
            link,
            kind=kind,
            amount=amount,
            currency=currency,
            description=_("Pago a %(brand)s") % {"brand": brand},
            success_url=base + suffix,
            cancel_url=base + (suffix + "&" if suffix else "?") + "cancelled=1",
            notification_url=settings.PUBLIC_BASE_URL
            + notification_path(link.creditor_id, terms.provider),
            provider=terms.provider,
            debt=debt,
            instalment=instalment,
            settlement=settlement,
        )
    except ProviderError as error:
        logger.warning("checkout for link %s failed: %s", link.pk, error)
        return _render_portal(
            request,
            link,
            lang,
            _("No pudimos abrir el pago. Intente de nuevo en unos minutos."),
            502,
        )
    return HttpResponseRedirect(checkout.url, status=303)


@require_POST
@portal_view
def pay(request: HttpRequest, link: PaymentLink, lang: str) -> HttpResponse:
    choice = request.POST.get("choice", "")
    terms = terms_for(link.debtor)
    owed = collectible_debts(link.debtor)
    payable = [debt for debt in owed if debt.status == Debt.Status.OPEN]
    if choice == "all":
        # Everything, the plan's debts too: paying early settles the plan
        # (``agreements.count_toward_plan`` completes it in the payment's transaction).
        total = sum((debt.balance for debt in owed if debt.currency == terms.currency), Decimal(0))
        if not total:
            return _render_portal(request, link, lang, _("No hay nada pendiente."), 400)
        return _start(request, link, lang, kind="all", amount=total, currency=terms.currency)
    if choice == "one":
        chosen = next(
            (debt for debt in payable if str(debt.pk) == request.POST.get("debt", "")), None
        )
        if chosen is None:
            return _render_portal(request, link, lang, _("Elija una deuda de la lista."), 400)
        return _start(
            request,
            link,
            lang,
            kind="one",
            amount=chosen.balance,
            currency=chosen.currency,
            debt=chosen,
        )
    if choice == "part":
        try:
            amount = clean_amount(request.POST.get("amount", ""), terms.currency)
            minimum = minimum_partial(terms.total, terms.currency, terms.min_partial_percent)
            check_partial(amount, terms.total, minimum)
        except InputError:
            return _render_portal(request, link, lang, _("Escriba un monto válido."), 400)
        except AgreementError as error:
            return _render_portal(request, link, lang, str(error), 400)
        return _start(request, link, lang, kind="part", amount=amount, currency=terms.currency)
    if choice == "settle":
        offer = concessions.offered_discount(link.debtor)
        if offer is None or offer.amount is None:
            return _render_portal(request, link, lang, _("No tiene un descuento vigente."), 400)
        return _start(
            request,
            link,
            lang,
            kind="settlement",
            amount=offer.amount,
            currency=offer.currency,
            settlement=offer,
        )
    return _render_portal(request, link, lang, _("Elija cómo quiere pagar."), 400)


@require_http_methods(["GET", "POST"])
@portal_view
def pay_instalment(request: HttpRequest, link: PaymentLink, lang: str, number: int) -> HttpResponse:
    if request.method != "POST":  # the instalment's own link, as sent in reminders
        return HttpResponseRedirect(_portal_url(link.token, lang) + f"#instalment-{number}")
    instalment = (
        Instalment.objects.filter(
            plan__debtor=link.debtor,
            plan__status=InstalmentPlan.Status.ACTIVE,
            number=number,
            status=Instalment.Status.PENDING,
        )
        .select_related("plan")
        .first()
    )
    if instalment is None:
        return _render_portal(request, link, lang, _("Esa cuota no está pendiente."), 400)
    return _start(
        request,
        link,
        lang,
        kind="instalment",
        amount=instalment.amount,
        currency=instalment.plan.currency,
        instalment=instalment,
    )


@require_POST
@portal_view
def plan(request: HttpRequest, link: PaymentLink, lang: str) -> HttpResponse:
    terms = terms_for(link.debtor)
    try:
        count = int(request.POST.get("count", ""))
        down_payment = clean_amount(request.POST.get("down_payment", ""), terms.currency)
        actions.agree_plan(link, down_payment=down_payment, count=count)
    except AgreementError as error:  # a ValueError too: caught first, so its reason shows
        return _render_portal(request, link, lang, str(error), 400)
    except (ValueError, InputError):
        name = down_payment_name(translation.get_language(), link.debtor.country)
        message = _("Revise estos datos: %(down_payment)s y número de cuotas.") % {
            "down_payment": name
        }
        return _render_portal(request, link, lang, message, 400)
    return HttpResponseRedirect(_portal_url(link.token, lang, done="plan"), status=303)


@require_POST
@portal_view
def promise(request: HttpRequest, link: PaymentLink, lang: str) -> HttpResponse:
    terms = terms_for(link.debtor)
    try:
        promised_on = clean_date(request.POST.get("date", ""), "date")
        raw_amount = request.POST.get("amount", "").strip()
        amount = clean_amount(raw_amount, terms.currency) if raw_amount else terms.total
        actions.make_promise(link, promised_on=promised_on, amount=amount)
    except (ValueError, InputError):
        return _render_portal(request, link, lang, _("Revise la fecha y el monto."), 400)
    except AgreementError as error:
        return _render_portal(request, link, lang, str(error), 400)
    return HttpResponseRedirect(_portal_url(link.token, lang, done="promise"), status=303)


@require_POST
@portal_view
def report(request: HttpRequest, link: PaymentLink, lang: str) -> HttpResponse:
    upload = request.FILES.get("receipt")
    try:
        if upload is not None and (upload.size or 0) > reports.MAX_RECEIPT_BYTES:
            raise AgreementError(_("El comprobante supera los 5 MB."))
        reports.report_debt(
            link,
            debt_id=int(request.POST.get("debt", "0") or 0),
            kind=request.POST.get("kind", ""),
            reason=request.POST.get("reason", ""),
            receipt=upload.read() if upload is not None else None,
        )
    except ValueError as error:
        message = str(error) if isinstance(error, AgreementError) else _("Revise el formulario.")
        return _render_portal(request, link, lang, message, 400)
    return HttpResponseRedirect(_portal_url(link.token, lang, done="report"), status=303)


@require_GET
@portal_view
def checkout_return(
    request: HttpRequest, link: PaymentLink, lang: str, reference: str
) -> HttpResponse:
    """Back from the provider: ask the provider (not the URL) how it went, then say so."""
    checkout = Checkout.objects.filter(link=link, reference=reference).first()
    if checkout is None:
        return invalid(request, link.token)
    if checkout.status == Checkout.Status.OPEN:
        fetch_id = checkout.provider_session_id
        if checkout.provider == "mercadopago":
            fetch_id = request.GET.get("payment_id", "")
        elif checkout.provider == "wompi" and request.GET.get("id"):
            # Wompi sends the debtor back with its transaction's id (docs/payments.md#wompi).
            fetch_id = request.GET["id"]
        if fetch_id:
            try:
                record = provider_for(checkout.creditor_id, checkout.provider).fetch(fetch_id)
                checkout = actions.apply_provider_record(checkout.pk, record)
            except ProviderError as error:
                logger.warning("checkout %s: provider lookup failed: %s", checkout.pk, error)
    locale = locale_of(link)
    outcome = checkout.status
    if outcome == Checkout.Status.OPEN and request.GET.get("cancelled"):
        outcome = Checkout.Status.FAILED
    context = {
        "token": link.token,
        "lang": lang,
        "outcome": outcome,
        "brand": link.creditor.brand_name or link.creditor.name,
        "brand_colour": terms_for(link.debtor).brand_colour,
        "amount": money(
            checkout.payment.amount if checkout.payment else checkout.amount,
            checkout.currency,
            locale,
        ),
        "portal_url": _portal_url(link.token, lang),
        "tu": speaks_tu(link, debtor_today(link.debtor)),
        "payments": payment_rows(link.debtor, locale),
        "this_payment": checkout.payment_id,
    }
    return render(request, "payments/result.html", context)


@require_POST
def renew(request: HttpRequest, token: str) -> HttpResponse:
    """Ask for a new link. The answer is the same whatever the token was."""
    _language(request)
    if not links.allow_request(links.client_address(request.META)):
        response = render(request, "payments/rate_limited.html", status=429)
        response["Retry-After"] = "60"
        return response
    links.request_renewal(token)
    return render(request, "payments/renewal.html")
