"""What the portal page shows, formatted for the debtor's language and country."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_date
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext as _

from recaudo.languages import debtor_language, down_payment_name
from recaudo.outreach.chat_link import whatsapp_chat_link
from recaudo.payments.contact import (
    CHANNEL_LABELS,
    HOURS_LABELS,
    contact_rows,
    hours_key,
    preferable_channels,
)
from recaudo.payments.debit import debit_view
from recaudo.payments.methods import label_for
from recaudo.payments.models import (
    DebtorReport,
    DebtorRequest,
    Instalment,
    InstalmentPlan,
    PaymentLink,
    Promise,
)
from recaudo.payments.offline import local_methods_context
from recaudo.payments.qr import qr_svg
from recaudo.payments.receipts import paid_in_full
from recaudo.payments.rules import (
    minimum_down_payment,
    minimum_partial,
    plan_choices,
    promise_window,
    settlement_minimum,
)
from recaudo.payments.terms import Terms, collectible_debts, debtor_today, terms_for
from recaudo.policies.models import Policy
from recaudo.policies.rendering import format_date, format_money, locale_for
from recaudo.policies.segments import register_for
from recaudo.portfolio.models import Debt, Debtor, Payment


@dataclass(frozen=True)
class DebtRow:
    id: int
    description: str
    invoice: str
    due_on: str
    balance: str
    overdue: bool
    in_arrangement: bool


@dataclass(frozen=True)
class PlanOption:
    count: int
    down_payment: str
    instalment: str


@dataclass(frozen=True)
class InstalmentRow:
    number: int
    due_on: str
    amount: str
    paid: bool


@dataclass(frozen=True)
class PaymentRow:
    """One payment as the debtor reads it: their date, their money format, a receipt."""

    id: int
    paid_on: str
    amount: str
    method: str
    reference: str
    reversed: bool


@functools.lru_cache(maxsize=4096)
def long_date(day: date, locale: str) -> str:
    """ "4 de diciembre de 2026" / "December 4, 2026": a record always names the year."""
    return babel_date(day, format="long", locale=locale)


def method_label(method: str) -> str:
    """The payment method in the reader's language: provider codes named, free text kept.

    Stored methods are a provider's code (``stripe``, ``mercadopago:pix``,
    ``sandbox``), a code a file or the API sent (``transfer``, ``cash``) or
    the creditor's own words ("Nequi", "transferencia"), which stay as they are.
    """
    code = method.strip()
    provider, _colon, detail = code.partition(":")
    named = {
        "stripe": _("tarjeta (Stripe)"),
        "mercadopago": "Mercado Pago",
        "wompi": "Wompi",
        "sandbox": _("pago en línea de prueba"),
        "transfer": _("transferencia"),
        "card": _("tarjeta"),
        "cash": _("efectivo"),
    }.get(provider.lower())
    if named is None:
        return code or "—"
    if detail and provider.lower() == "stripe":
        named = "Stripe"  # the charge named its method: not necessarily a card
    return f"{named} · {label_for(detail)}" if detail else named


def payment_rows(debtor: Debtor, locale: str) -> list[PaymentRow]:
    """Every payment the debtor made to this creditor, newest first (reversed ones marked)."""
    zone = ZoneInfo(debtor.timezone)
    return [
        PaymentRow(
            id=payment.pk,
            paid_on=long_date(timezone.localtime(payment.paid_at, zone).date(), locale),
            amount=money(payment.amount, payment.currency, locale),
            method=method_label(payment.method),
            reference=payment.external_id,
            reversed=payment.status == Payment.Status.REVERSED,
        )
        for payment in Payment.objects.filter(debtor=debtor).order_by("-paid_at", "-pk")
    ]


def locale_of(link: PaymentLink) -> str:
    return locale_for(get_language() or "es", link.debtor.country)


def speaks_tu(link: PaymentLink, today: date) -> bool:
    """Whether the page says "tú": Spanish, and the debtor's policy addresses them so.

    One register per debtor: the portal speaks as their reminders and the bot
    do (``policies.segments.register_for``). Portuguese and English have one.
    """
    if debtor_language(get_language()) != "es":
        return False
    return register_for(link.debtor, today) == Policy.Register.TU


def money(amount: Decimal, currency: str, locale: str) -> str:
    return format_money(amount, currency, locale)


def _plan_options(terms: Terms, locale: str, today: date) -> list[PlanOption]:
    options = []
    for choice in plan_choices(
        total=terms.total, currency=terms.currency, limits=terms.plan_limits, first_day=today
    ):
        down = sum((item.amount for item in choice.schedule if item.number == 0), Decimal(0))
        first = next(item for item in choice.schedule if item.number == 1)
        options.append(
            PlanOption(
                count=choice.count,
                down_payment=money(down, terms.currency, locale),
                instalment=money(first.amount, terms.currency, locale),
            )
        )
    return options


def portal_context(link: PaymentLink) -> dict[str, Any]:
    debtor, creditor = link.debtor, link.creditor
    locale = locale_of(link)
    today = debtor_today(debtor)
    terms = terms_for(debtor)
    debts = collectible_debts(debtor)
    rows = [
        DebtRow(
            id=debt.pk,
            description=debt.description or debt.invoice_number or debt.external_id,
            invoice=debt.invoice_number,
            due_on=format_date(debt.due_on, locale, today),
            balance=money(debt.balance, debt.currency, locale),
            overdue=debt.due_on < today,
            in_arrangement=debt.status == Debt.Status.IN_ARRANGEMENT,
        )
        for debt in debts
    ]
    plan = (
        InstalmentPlan.objects.filter(debtor=debtor, status=InstalmentPlan.Status.ACTIVE)
        .prefetch_related("instalments")
        .first()
    )
    instalments = (
        [
            InstalmentRow(
                number=item.number,
                due_on=format_date(item.due_on, locale, today),
                amount=money(item.amount, plan.currency, locale),
                paid=item.status == Instalment.Status.PAID,
            )
            for item in plan.instalments.all()
        ]
        if plan
        else []
    )
    promise = Promise.objects.filter(debtor=debtor, status=Promise.Status.PENDING).first()
    first_day, last_day = promise_window(today, terms.promise_max_days)
    open_total = sum(
        (d.balance for d in debts if d.currency == terms.currency and d.status == "open"),
        Decimal(0),
    )
    minimum = minimum_partial(terms.total, terms.currency, terms.min_partial_percent)
    offer = DebtorRequest.objects.filter(
        debtor=debtor, kind=DebtorRequest.Kind.DISCOUNT, status=DebtorRequest.Status.APPROVED
    ).first()
    in_review = set(
        DebtorRequest.objects.filter(
            debtor=debtor, status=DebtorRequest.Status.PENDING
        ).values_list("kind", flat=True)
    )
    under_review = [
        report.debt.description or report.debt.invoice_number or report.debt.external_id
        for report in DebtorReport.objects.filter(
            debtor=debtor, status=DebtorReport.Status.PENDING
        ).select_related("debt")
    ]
    return {
        # The "Medios de pago" block (_local_methods.html): names and the transfer details.
        **local_methods_context(debtor, terms.provider, terms.currency),
        "payments": payment_rows(debtor, locale),
        "under_review": under_review,
        "brand": creditor.brand_name or creditor.name,
        "tu": speaks_tu(link, today),
        # "Pie" in Chile, "Enganche" in Mexico, "Entrada" in Brazil (docs/languages.md).
        "down_payment_label": down_payment_name(get_language(), debtor.country).capitalize(),
        "discount_offer": money(offer.amount, offer.currency, locale)
        if offer and offer.amount
        else "",
        "settlement_minimum": (
            money(
                settlement_minimum(open_total, terms.currency, terms.max_discount_percent),
                terms.currency,
                locale,
            )
            if open_total and terms.max_discount_percent > 0
            else ""
        ),
        "can_ask_discount": bool(open_total) and plan is None and "discount" not in in_review,
        "can_ask_extension": "extension" not in in_review,
        "extension_first": (today + timedelta(days=1)).isoformat(),
        "max_extension_days": terms.max_extension_days,
        "contact_points": contact_rows(debtor),
        "preferable_channels": [
            (channel, gettext(CHANNEL_LABELS[channel])) for channel in preferable_channels(debtor)
        ],
        "preferred_channel": debtor.preferred_channel,
        "hours_choices": list(HOURS_LABELS.items()),
        "hours_key": hours_key(debtor),
        "hours_from": _clock(debtor.preferred_hours_from),
        "hours_to": _clock(debtor.preferred_hours_to),
        "brand_colour": terms.brand_colour,
        "support_email": creditor.support_email,
        "support_phone": creditor.support_phone,
        "whatsapp_number": "".join(ch for ch in creditor.support_phone if ch.isdigit()),
        **_chat_with_bot(creditor, debtor),
        "greeting_name": debtor.first_name or debtor.full_name,
        "debts": rows,
        "payable_debts": [row for row in rows if not row.in_arrangement],
        "total": money(terms.total, terms.currency, locale),
        "has_debts": bool(rows),
        "certificate_available": not rows and paid_in_full(debtor),
        "currency": terms.currency,
        "minimum_partial": money(minimum, terms.currency, locale),
        "minimum_partial_value": minimum,
        "total_value": terms.total,
        "plan": plan,
        "plan_total": money(plan.total, plan.currency, locale) if plan else "",
        "instalments": instalments,
        "plan_options": [] if plan or not open_total else _plan_options(terms, locale, today),
        "min_down_payment": money(
            minimum_down_payment(
                terms.total, terms.currency, terms.plan_limits.min_down_payment_percent
            ),
            terms.currency,
            locale,
        ),
        "min_down_payment_value": minimum_down_payment(
            terms.total, terms.currency, terms.plan_limits.min_down_payment_percent
        ),
        "promise": promise,
        "promise_date": format_date(promise.promised_on, locale, today) if promise else "",
        "promise_amount": money(promise.amount, promise.currency, locale) if promise else "",
        "promise_first": first_day.isoformat(),
        "promise_last": last_day.isoformat(),
        "promise_last_text": format_date(last_day, locale, today),
        "can_promise": bool(open_total) and promise is None and plan is None,
    } | _debit_context(plan, terms.provider, locale, today)


def _debit_context(
    plan: InstalmentPlan | None, provider: str, locale: str, today: date
) -> dict[str, Any]:
    """Direct debit on the plan (``payments/_debit.html``, ``payments.debit``)."""
    view = debit_view(plan, provider)
    shown = plan is not None and view.next_due_on is not None
    return {
        "debit": view,
        "debit_next_date": format_date(view.next_due_on, locale, today)
        if shown and view.next_due_on
        else "",
        "debit_next_amount": money(Decimal(view.next_amount), plan.currency, locale)
        if shown and plan is not None
        else "",
    }


def _chat_with_bot(creditor: Any, debtor: Debtor) -> dict[str, Any]:
    """The bot's wa.me link (the debtor's reference typed in) and its QR code, when set."""
    link = whatsapp_chat_link(creditor, debtor.external_id, get_language() or "es")
    if not link:
        return {"whatsapp_link": "", "whatsapp_qr": ""}
    return {
        "whatsapp_link": link,
        "whatsapp_qr": qr_svg(link, gettext("Código QR para escribirnos por WhatsApp")),
    }


def _clock(value: time | None) -> str:
    return value.strftime("%H:%M") if value is not None else ""
