"""The debtor's export as a readable PDF in Spanish (the same data as the JSON).

Laid out with ReportLab like the conversation record
(``conversations/export.py``, docs/decisions/0009): the Bitstream Vera fonts
ReportLab ships, characters they lack written as ``[U+XXXX]``.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from recaudo.conversations.export import a4_document, drawable


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName="Vera", fontSize=8.5, leading=11)
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontName="Vera-Bold", fontSize=15, leading=19
        ),
        "section": ParagraphStyle(
            "section", parent=base, fontName="Vera-Bold", fontSize=11, leading=14, spaceBefore=8
        ),
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7, leading=9),
        "note": ParagraphStyle(
            "note", parent=base, fontSize=7.5, textColor=colors.HexColor("#444444")
        ),
    }


def _markup(value: Any) -> str:
    if value is None or value == "" or value == []:
        text = "—"
    elif isinstance(value, bool):
        text = _("sí") if value else _("no")
    elif isinstance(value, list | dict):
        text = ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)
    else:
        text = str(value)
    return escape(drawable(text)).replace("\n", "<br/>")


def _table(rows: list[list[Any]], styles: dict[str, ParagraphStyle], *, header: bool) -> Table:
    cells = [
        [Paragraph(_markup(cell), styles["small" if header and i == 0 else "base"]) for cell in row]
        for i, row in enumerate(rows)
    ]
    table = Table(cells, hAlign="LEFT", repeatRows=1 if header else 0)
    commands: list[Any] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    table.setStyle(TableStyle(commands))
    return table


def _section(
    story: list[Any],
    styles: dict[str, ParagraphStyle],
    title: str,
    items: list[dict[str, Any]],
    columns: list[tuple[str, str]],
) -> None:
    story.append(Paragraph(_markup(f"{title} ({len(items)})"), styles["section"]))
    if not items:
        story.append(Paragraph(_markup(_("Ninguno.")), styles["note"]))
        return
    rows: list[list[Any]] = [[label for _key, label in columns]]
    rows += [[item.get(key) for key, _label in columns] for item in items]
    story.append(_table(rows, styles, header=True))


def export_pdf(export: dict[str, Any]) -> bytes:
    """The PDF of an export made by ``export.debtor_export``."""
    drawable("")  # registers the fonts
    styles = _styles()
    debtor, creditor = export["debtor"], export["creditor"]
    story: list[Any] = [
        Paragraph(_markup(_("Datos personales del deudor")), styles["title"]),
        Paragraph(
            _markup(
                _("Todo lo que %(creditor)s guarda sobre esta persona, generado el %(when)s (UTC).")
                % {
                    "creditor": creditor["legal_name"] or creditor["name"],
                    "when": export["generated_at"],
                }
            ),
            styles["note"],
        ),
        Spacer(1, 3 * mm),
        Paragraph(_markup(_("Deudor")), styles["section"]),
        _table(
            [
                [_("Nombre"), debtor["full_name"]],
                [_("Nombre de saludo"), debtor["first_name"]],
                [
                    _("Documento"),
                    f"{debtor['national_id_type']} {debtor['national_id_number']}".strip(),
                ],
                [_("Referencia del acreedor"), debtor["external_id"]],
                [
                    _("País · zona horaria · idioma"),
                    f"{debtor['country']} · {debtor['timezone']} · {debtor['language']}",
                ],
                [_("Alta"), debtor["created_at"]],
                [_("Datos borrados"), debtor["erased_at"]],
            ],
            styles,
            header=False,
        ),
    ]
    points = [
        {
            **point,
            "consents": "; ".join(
                f"{c['channel']}: {c['source']} {c['granted_at']}"
                + (f" → {_('revocado')} {c['revoked_at']}" if c["revoked_at"] else "")
                for c in point["consents"]
            ),
        }
        for point in export["contact_points"]
    ]
    _section(story, styles, _("Puntos de contacto y consentimientos"), points, [
        ("value", _("Valor")), ("channels", _("Canales")), ("opted_out_at", _("Baja")),
        ("invalid_since", _("Inválido desde")), ("consents", _("Consentimientos")),
    ])  # fmt: skip
    _section(story, styles, _("Deudas"), export["debts"], [
        ("external_id", _("Referencia")), ("description", _("Descripción")),
        ("currency", _("Moneda")), ("amount", _("Monto")), ("amount_paid", _("Pagado")),
        ("due_on", _("Vence")), ("status", _("Estado")),
    ])  # fmt: skip
    _section(story, styles, _("Pagos"), export["payments"], [
        ("external_id", _("Referencia")), ("paid_at", _("Fecha")), ("currency", _("Moneda")),
        ("amount", _("Monto")), ("method", _("Medio")), ("status", _("Estado")),
        ("allocations", _("Imputación")),
    ])  # fmt: skip
    _section(story, styles, _("Contactos (mensajes y llamadas)"), export["outreach"], [
        ("channel", _("Canal")), ("action", _("Acción")), ("status", _("Estado")),
        ("window_start", _("Planificado")), ("sent_at", _("Enviado")),
        ("delivered_at", _("Entregado")), ("read_at", _("Leído")), ("text", _("Texto")),
    ])  # fmt: skip
    conversation = export["conversation"] or {"messages": []}
    _section(story, styles, _("Conversación"), conversation["messages"], [
        ("occurred_at", _("Fecha")), ("direction", _("Dirección")), ("author", _("Autor")),
        ("channel", _("Canal")), ("text", _("Texto")),
    ])  # fmt: skip
    _section(story, styles, _("Promesas de pago"), export["promises"], [
        ("promised_on", _("Fecha prometida")), ("currency", _("Moneda")),
        ("amount", _("Monto")), ("status", _("Estado")),
    ])  # fmt: skip
    _section(story, styles, _("Planes de cuotas"), export["instalment_plans"], [
        ("created_at", _("Fecha")), ("currency", _("Moneda")), ("total", _("Total")),
        ("instalment_count", _("Cuotas")), ("status", _("Estado")),
    ])  # fmt: skip
    portal = export["requests"] + export["reports"]
    _section(story, styles, _("Pedidos y reportes en el portal"), portal, [
        ("created_at", _("Fecha")), ("kind", _("Tipo")), ("status", _("Estado")),
        ("reason", _("Motivo")),
    ])  # fmt: skip
    _section(story, styles, _("Historial (auditoría)"), export["audit_events"], [
        ("created_at", _("Fecha")), ("kind", _("Tipo")), ("actor", _("Autor")),
    ])  # fmt: skip

    return a4_document(
        story,
        footer=f"{creditor['name']} · {debtor['external_id']}",
        title=_("Datos personales del deudor"),
        author=creditor["name"],
    )
