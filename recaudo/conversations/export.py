"""The record of a debtor's communication in the live outbox and the thread, as a PDF.

(Beside the CSV. Contacts the archive job moved out are not in it; ``recaudo
debtor export`` holds them: docs/conversations.md.)

``thread_pdf(thread)`` lays out the creditor, the debtor and every timeline
entry (``timeline.timeline``: messages, notes and the outbox) with its time
in the debtor's zone and in UTC, channel, direction, author, delivery state
and text. ReportLab writes it with the Bitstream Vera fonts its wheel ships
(Latin-1 and more: accents, ñ, ¿ ¡, «», €, …), so no system font is needed;
a character the font lacks (an emoji) is written as its code point,
``[U+1F600]``, rather than as an empty box. See docs/decisions/0009.

``export_pdf`` is the view: staff only, scoped like the CSV export.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import reportlab
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from recaudo.conversations.models import Thread
from recaudo.conversations.scope import AgentRequest, visible_threads
from recaudo.conversations.timeline import Entry, timeline

FONT_FILES = {"Vera": "Vera.ttf", "Vera-Bold": "VeraBd.ttf", "Vera-Italic": "VeraIt.ttf"}
MARGIN = 18 * mm


@cache
def _fonts() -> frozenset[int]:
    """Register the fonts once per process; the code points they can draw."""
    folder = Path(reportlab.__file__).parent / "fonts"
    drawable: frozenset[int] = frozenset()
    for name, file in FONT_FILES.items():
        font = TTFont(name, str(folder / file))
        pdfmetrics.registerFont(font)
        if name == "Vera":
            drawable = frozenset(font.face.charToGlyph)
    pdfmetrics.registerFontFamily(
        "Vera", normal="Vera", bold="Vera-Bold", italic="Vera-Italic", boldItalic="Vera-Bold"
    )
    return drawable


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName="Vera", fontSize=9, leading=12, alignment=TA_LEFT)
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontName="Vera-Bold", fontSize=15, leading=19
        ),
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10),
        "head": ParagraphStyle(
            "head", parent=base, fontName="Vera-Bold", fontSize=8, leading=11, spaceBefore=7
        ),
        "meta": ParagraphStyle(
            "meta", parent=base, fontSize=7.5, leading=10, textColor=colors.HexColor("#444444")
        ),
        "text": ParagraphStyle("text", parent=base, leftIndent=6, spaceAfter=2),
        "note": ParagraphStyle(
            "note",
            parent=base,
            fontName="Vera-Italic",
            leftIndent=6,
            backColor=colors.HexColor("#fff6d5"),
            borderPadding=3,
            spaceBefore=4,
            spaceAfter=4,
        ),
    }


def drawable(text: str) -> str:
    """``text`` with what the font cannot draw written as ``[U+XXXX]``."""
    known = _fonts()
    return "".join(ch if ord(ch) in known or ch in "\n\t" else f"[U+{ord(ch):04X}]" for ch in text)


def _markup(text: str) -> str:
    """Plain text for a ReportLab paragraph: escaped, drawable, line breaks kept."""
    return escape(drawable(text)).replace("\n", "<br/>")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _when(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    utc = at.astimezone(ZoneInfo("UTC"))
    return f"{local:%Y-%m-%d %H:%M} ({zone.key}) · {utc:%Y-%m-%d %H:%M} UTC"


def _direction(entry: Entry) -> str:
    if entry.kind == "note":
        return _("nota interna")
    return _("recibido") if entry.direction == "in" else _("enviado")


def _entry_flowables(number: int, entry: Entry, zone: ZoneInfo, styles: dict) -> list:
    author = entry.author_label + (f" ({entry.agent})" if entry.agent else "")
    details = [entry.channel_label] if entry.channel else []
    details += [_direction(entry), author]
    if entry.status:
        details.append(_("estado: %(status)s") % {"status": entry.status_label})
    if entry.intent:
        details.append(_("intención: %(intent)s") % {"intent": entry.intent})
    text = entry.text or _("(sin texto)")
    return [
        Paragraph(f"{number}. {_markup(_when(entry.at, zone))}", styles["head"]),
        Paragraph(_markup(" · ".join(str(part) for part in details)), styles["meta"]),
        Paragraph(_markup(text), styles["note" if entry.kind == "note" else "text"]),
    ]


def _facts_table(rows: list[tuple[str, str]], styles: dict) -> Table:
    table = Table(
        [
            [Paragraph(_markup(label), styles["small"]), Paragraph(_markup(value), styles["base"])]
            for label, value in rows
        ],
        colWidths=[38 * mm, None],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def thread_pdf(thread: Thread, *, now: datetime | None = None) -> bytes:
    """The PDF record of ``thread``: who, and every entry of its timeline in time order."""
    _fonts()
    styles = _styles()
    debtor, creditor = thread.debtor, thread.creditor
    zone = _zone(debtor.timezone)
    now = now or timezone.now()
    entries = timeline(thread)
    identity = " ".join(
        part for part in (debtor.national_id_type, debtor.national_id_number) if part
    )
    creditor_line = creditor.legal_name or creditor.name
    if creditor.tax_id:
        creditor_line += f" · {creditor.tax_id}"
    facts = [
        (_("Acreedor"), creditor_line),
        (_("Deudor"), f"{debtor.full_name} · {debtor.external_id}"),
        (_("Documento"), identity or "—"),
        (_("País, zona horaria, idioma"), f"{debtor.country} · {zone.key} · {debtor.language}"),
        (_("Estado de la conversación"), str(thread.get_state_display())),
        (_("Comunicaciones"), str(len(entries))),
        (_("Generado"), _when(now, zone)),
    ]
    story: list = [
        Paragraph(_markup(_("Registro de comunicaciones")), styles["title"]),
        Spacer(1, 4 * mm),
        _facts_table(facts, styles),
        Spacer(1, 4 * mm),
    ]
    for number, entry in enumerate(entries, start=1):
        story.extend(_entry_flowables(number, entry, zone, styles))
    if not entries:
        story.append(Paragraph(_markup(_("Sin comunicaciones registradas.")), styles["base"]))

    return a4_document(
        story,
        footer=f"{creditor.name} · {debtor.full_name} · {debtor.external_id}",
        title=_("Registro de comunicaciones") + f" · {debtor.full_name}",
        author=creditor.name,
    )


def a4_document(story: list[Flowable], *, footer: str, title: str, author: str) -> bytes:
    """``story`` as an A4 PDF with a footer line and page numbers on every page."""
    footer = drawable(footer)

    def decorate(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Vera", 7)
        canvas.drawString(MARGIN, 10 * mm, footer[:120])
        canvas.drawRightString(
            A4[0] - MARGIN, 10 * mm, _("Página %(page)s") % {"page": document.page}
        )
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=drawable(title),
        author=drawable(author),
        creator="Recaudo",
    )
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _filename(external_id: str) -> str:
    safe = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9_.-]", "-", external_id)).strip("-.")
    return f"conversacion-{safe or 'deudor'}"


@staff_member_required
def export_pdf(request: AgentRequest, thread_id: int) -> HttpResponse:
    """The thread's record as a PDF download; a thread of another creditor is a 404."""
    found = get_object_or_404(
        visible_threads(request.user).select_related("debtor", "creditor"), pk=thread_id
    )
    response = HttpResponse(thread_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(found.debtor.external_id)}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response
