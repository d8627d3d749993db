"""The statement of account ("estado de cuenta"): every open invoice of a debtor, with its age.

A B2B debtor reads one page per creditor: each debt still owed (open or in
an arrangement) with its reference, invoice number, due date, days past due
(0 while not yet due), original amount and balance, then the total per
currency and the total of what is already overdue. Written in the reader's
language (es, pt-BR, en) with money and dates in their locale
(``policies.rendering``), with ReportLab and the Vera fonts the receipts use
(``certificate.py``, docs/decisions/0009-pdf-export.md).

Served on the portal at ``/p/<token>/estado-de-cuenta.pdf`` (the link's own
debtor only); the same URL is the document a WhatsApp template header
carries and what the reminder emails attach (``statement_url``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_date
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from recaudo.languages import django_language
from recaudo.payments.certificate import _fonts, _pdf, _table
from recaudo.payments.links import payment_url
from recaudo.payments.portal import long_date, money
from recaudo.payments.terms import collectible_debts
from recaudo.policies.rendering import locale_for
from recaudo.portfolio.models import Debt, Debtor

# Reference, invoice, due date, days past due, amount, balance: the 170 mm between A4's margins.
COLUMNS_MM = (34, 18, 26, 20, 36, 36)

# The file name the debtor's phone or mail client shows.
STATEMENT_FILENAME = {"es": "estado-de-cuenta.pdf", "pt": "extrato.pdf", "en": "statement.pdf"}


@dataclass(frozen=True)
class StatementLine:
    reference: str
    invoice: str
    description: str
    due_on: date
    days_past_due: int
    amount: Decimal
    balance: Decimal
    currency: str


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    balance: Decimal
    overdue: Decimal
    count: int


def statement_lines(debts: list[Debt], today: date) -> list[StatementLine]:
    """Each owed debt as a line, oldest due first; its age in days on ``today`` (0 if not due)."""
    lines = [
        StatementLine(
            reference=debt.external_id,
            invoice=debt.invoice_number,
            description=debt.description,
            due_on=debt.due_on,
            days_past_due=max((today - debt.due_on).days, 0),
            amount=debt.amount,
            balance=debt.balance,
            currency=debt.currency,
        )
        for debt in debts
        if debt.balance > 0
    ]
    return sorted(lines, key=lambda line: (line.due_on, line.reference))


def currency_totals(lines: list[StatementLine]) -> list[CurrencyTotal]:
    """The balance and the overdue part per currency, in the order currencies first appear."""
    totals: dict[str, CurrencyTotal] = {}
    for line in lines:
        found = totals.get(line.currency) or CurrencyTotal(line.currency, Decimal(0), Decimal(0), 0)
        overdue = line.balance if line.days_past_due > 0 else Decimal(0)
        totals[line.currency] = CurrencyTotal(
            line.currency, found.balance + line.balance, found.overdue + overdue, found.count + 1
        )
    return list(totals.values())


def short_date(day: date, locale: str) -> str:
    """ "30 sept 2026", "30 de set. de 2026", "Sep 30, 2026": a date that fits a table cell."""
    return babel_date(day, format="medium", locale=locale)


def statement_filename(language: str) -> str:
    code = (language or "es").strip().replace("_", "-").split("-")[0].lower()
    return STATEMENT_FILENAME.get(code, STATEMENT_FILENAME["es"])


def statement_url(token: str) -> str:
    """The statement's address on the portal, for a provider to fetch (a document header)."""
    return f"{payment_url(token)}/estado-de-cuenta.pdf"


def statement_pdf(
    debtor: Debtor, *, language: str | None = None, now: datetime | None = None
) -> bytes:
    """The statement as PDF bytes in ``language`` (default: the debtor's), their country's format.

    With nothing owed it still opens, saying so (the debtor asked for it).
    """
    language = language or debtor.language
    with translation.override(django_language(language)):
        return _statement(debtor, locale_for(language, debtor.country), now or timezone.now())


def _statement(debtor: Debtor, locale: str, now: datetime) -> bytes:
    _fonts()
    zone = ZoneInfo(debtor.timezone)
    local_now = timezone.localtime(now, zone)
    today = local_now.date()
    creditor = debtor.creditor
    brand = creditor.brand_name or creditor.name
    base = ParagraphStyle("base", fontName="Vera", fontSize=9, leading=12)
    bold = ParagraphStyle("bold", parent=base, fontName="Vera-Bold")
    head = ParagraphStyle("head", parent=bold, fontSize=7.5, leading=10)
    title = ParagraphStyle("title", parent=base, fontName="Vera-Bold", fontSize=16, leading=20)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=11,
                           textColor=colors.HexColor("#444444"))  # fmt: skip

    def text(value: str, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(escape(value), style)

    lines = statement_lines(collectible_debts(debtor), today)
    facts = [
        [text(_("Acreedor")), text(brand, bold)],
        [text(_("Cliente")), text(f"{debtor.full_name} ({debtor.external_id})")],
        [text(_("Fecha de corte")), text(long_date(today, locale))],
    ]
    story: list = [
        text(_("Estado de cuenta"), title),
        Spacer(1, 4 * mm),
        _table(facts, header=False),
        Spacer(1, 5 * mm),
    ]
    if not lines:
        story.append(text(_("No tiene facturas pendientes a la fecha."), bold))
    else:
        rows = [
            [
                text(_("Referencia"), head),
                text(_("Factura"), head),
                text(_("Vencimiento"), head),
                text(_("Días de mora"), head),
                text(_("Monto"), head),
                text(_("Saldo"), head),
            ]
        ]
        for line in lines:
            reference = line.reference
            if line.description:
                reference = f"{reference} · {line.description}"
            rows.append(
                [
                    text(reference),
                    text(line.invoice or "—"),
                    text(short_date(line.due_on, locale)),
                    text(str(line.days_past_due)),
                    text(money(line.amount, line.currency, locale)),
                    text(money(line.balance, line.currency, locale)),
                ]
            )
        story.append(_table(rows, widths=[w * mm for w in COLUMNS_MM]))
        story.append(Spacer(1, 5 * mm))
        total_rows = [[text(_("Moneda"), bold), text(_("Facturas"), bold),
                       text(_("Vencido"), bold), text(_("Saldo total"), bold)]]  # fmt: skip
        for total in currency_totals(lines):
            total_rows.append(
                [
                    text(total.currency),
                    text(str(total.count)),
                    text(money(total.overdue, total.currency, locale)),
                    text(money(total.balance, total.currency, locale), bold),
                ]
            )
        story.append(_table(total_rows))
    story += [
        Spacer(1, 8 * mm),
        text(
            _("Expedido el %(date)s a las %(time)s (%(zone)s).")
            % {
                "date": long_date(today, locale),
                "time": local_now.strftime("%H:%M"),
                "zone": debtor.timezone,
            },
            small,
        ),
    ]
    support = " · ".join(v for v in (creditor.support_email, creditor.support_phone) if v)
    if support:
        story.append(text(_("Consultas: %(support)s") % {"support": support}, small))
    return _pdf(story, title=_("Estado de cuenta"), author=brand)
