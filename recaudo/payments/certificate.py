"""The "paz y salvo": a PDF saying the debtor owes the creditor nothing.

Offered on the portal (``/p/<token>/paz-y-salvo``) and linked from the last
payment's receipt (``payments/receipts.py``) once every debt of the debtor is
paid (or settled by an approved discount). It names the creditor, the debtor,
each debt settled with its amount and the date it was settled, the payments
received, and the moment it was issued. ReportLab writes it with the
Bitstream Vera fonts its wheel ships, as the conversation export does
(docs/decisions/0009-pdf-export.md); the texts are translated (Spanish source).

``receipt_pdf`` writes the receipt of one payment the same way.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import reportlab
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from recaudo.payments.portal import long_date, method_label, money
from recaudo.payments.receipts import owed_after, paid_in_full
from recaudo.policies.rendering import locale_for
from recaudo.portfolio.models import Debt, Debtor, Payment, PaymentAllocation

MARGIN = 20 * mm


@cache
def _fonts() -> None:
    folder = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont("Vera", str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont("Vera-Bold", str(folder / "VeraBd.ttf")))


def certificate_pdf(debtor: Debtor, *, now: datetime | None = None) -> bytes | None:
    """The certificate as PDF bytes, or None while the debtor still owes something."""
    if not paid_in_full(debtor):
        return None
    _fonts()
    now = now or timezone.now()
    zone = ZoneInfo(debtor.timezone)
    today = timezone.localtime(now, zone).date()
    locale = locale_for(debtor.language, debtor.country)
    creditor = debtor.creditor
    brand = creditor.brand_name or creditor.name
    base = ParagraphStyle("base", fontName="Vera", fontSize=10, leading=14)
    title = ParagraphStyle("title", parent=base, fontName="Vera-Bold", fontSize=16, leading=20)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=11,
                           textColor=colors.HexColor("#444444"))  # fmt: skip

    def text(value: str, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(escape(value), style)

    debts = list(Debt.objects.filter(debtor=debtor).order_by("due_on", "id"))
    payments = list(
        Payment.objects.filter(debtor=debtor, status=Payment.Status.RECEIVED).order_by("paid_at")
    )
    story: list = [
        text(_("Paz y salvo"), title),
        Spacer(1, 6 * mm),
        text(
            _(
                "%(brand)s certifica que %(name)s (cliente %(reference)s) no tiene saldos "
                "pendientes a la fecha %(date)s."
            )
            % {
                "brand": brand,
                "name": debtor.full_name,
                "reference": debtor.external_id,
                "date": long_date(today, locale),
            }
        ),
        Spacer(1, 5 * mm),
        text(_("Deudas saldadas"), ParagraphStyle("head", parent=base, fontName="Vera-Bold")),
    ]
    rows = [[text(_("Deuda")), text(_("Vencimiento")), text(_("Monto")), text(_("Estado"))]]
    for debt in debts:
        rows.append(
            [
                text(debt.description or debt.invoice_number or debt.external_id),
                text(long_date(debt.due_on, locale)),
                text(money(debt.amount, debt.currency, locale)),
                text(str(Debt.Status(debt.status).label)),
            ]
        )
    story.append(_table(rows))
    if payments:
        story += [
            Spacer(1, 5 * mm),
            text(_("Pagos recibidos"), ParagraphStyle("head2", parent=base, fontName="Vera-Bold")),
        ]
        payment_rows = [[text(_("Fecha")), text(_("Referencia")), text(_("Monto"))]]
        for payment in payments:
            payment_rows.append(
                [
                    text(long_date(timezone.localtime(payment.paid_at, zone).date(), locale)),
                    text(payment.external_id),
                    text(money(payment.amount, payment.currency, locale)),
                ]
            )
        story.append(_table(payment_rows))
    support = " · ".join(v for v in (creditor.support_email, creditor.support_phone) if v)
    story += [
        Spacer(1, 8 * mm),
        text(
            _("Expedido el %(date)s a las %(time)s (%(zone)s).")
            % {
                "date": long_date(today, locale),
                "time": timezone.localtime(now, zone).strftime("%H:%M"),
                "zone": debtor.timezone,
            },
            small,
        ),
    ]
    if support:
        story.append(text(_("Consultas: %(support)s") % {"support": support}, small))
    return _pdf(story, title=_("Paz y salvo"), author=brand)


def receipt_pdf(payment: Payment, locale: str, *, now: datetime | None = None) -> bytes:
    """The receipt of one payment received: who paid whom, when, how much, how, and for what.

    It names the date (the debtor's zone), the amount, the method, the
    reference, each debt the payment went to with the amount applied, and
    what the debtor still owes in that currency now. Offered on the portal's
    payment history (``/p/<token>/recibo/<id>``).
    """
    _fonts()
    now = now or timezone.now()
    debtor, creditor = payment.debtor, payment.creditor
    zone = ZoneInfo(debtor.timezone)
    brand = creditor.brand_name or creditor.name
    base = ParagraphStyle("base", fontName="Vera", fontSize=10, leading=14)
    bold = ParagraphStyle("bold", parent=base, fontName="Vera-Bold")
    title = ParagraphStyle("title", parent=base, fontName="Vera-Bold", fontSize=16, leading=20)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=11,
                           textColor=colors.HexColor("#444444"))  # fmt: skip

    def text(value: str, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(escape(value), style)

    paid_on = timezone.localtime(payment.paid_at, zone).date()
    facts = [
        [text(_("Recibido de")), text(f"{debtor.full_name} ({debtor.external_id})")],
        [text(_("Fecha")), text(long_date(paid_on, locale))],
        [text(_("Monto")), text(money(payment.amount, payment.currency, locale), bold)],
        [text(_("Medio de pago")), text(method_label(payment.method))],
        [text(_("Referencia")), text(payment.external_id)],
        [text(_("Saldo pendiente hoy")),
         text(money(owed_after(debtor.pk, payment.currency), payment.currency, locale))],
    ]  # fmt: skip
    story: list = [
        text(_("Recibo de pago"), title),
        text(brand, bold),
        Spacer(1, 6 * mm),
        _table(facts, header=False),
    ]
    applied = list(
        PaymentAllocation.objects.filter(payment=payment).select_related("debt").order_by("pk")
    )
    if applied:
        rows = [[text(_("Aplicado a")), text(_("Monto"))]]
        for share in applied:
            debt = share.debt
            rows.append(
                [
                    text(debt.description or debt.invoice_number or debt.external_id),
                    text(money(share.amount, payment.currency, locale)),
                ]
            )
        story += [Spacer(1, 5 * mm), _table(rows)]
    story += [
        Spacer(1, 8 * mm),
        text(
            _("Expedido el %(date)s a las %(time)s (%(zone)s).")
            % {
                "date": long_date(timezone.localtime(now, zone).date(), locale),
                "time": timezone.localtime(now, zone).strftime("%H:%M"),
                "zone": debtor.timezone,
            },
            small,
        ),
    ]
    support = " · ".join(v for v in (creditor.support_email, creditor.support_phone) if v)
    if support:
        story.append(text(_("Consultas: %(support)s") % {"support": support}, small))
    return _pdf(story, title=_("Recibo de pago"), author=brand)


def _pdf(story: list, *, title: str, author: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=author,
    )
    document.build(story)
    return buffer.getvalue()


def _table(
    rows: list[list[Paragraph]], *, header: bool = True, widths: list[float] | None = None
) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    commands: list = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black))
    table.setStyle(TableStyle(commands))
    return table
