"""QR codes drawn as inline SVG for the portal (segno; docs/decisions/0026-qr-codes-with-segno.md).

The SVG is markup in the page: no image request, no script, no inline style
(``stroke`` and ``fill`` are attributes), so the portal's Content Security
Policy needs nothing more. segno escapes the title it writes.
"""

from __future__ import annotations

import io

import segno
from django.utils.safestring import SafeString, mark_safe

# Error correction M (15%: a smudged or partly covered code still scans);
# 4 pixels a module and the 4-module quiet zone QR readers expect.
ERROR_LEVEL = "m"
MODULE_PIXELS = 4
QUIET_ZONE = 4


def qr_svg(data: str, title: str) -> SafeString:
    """An ``<svg>`` QR code of ``data`` (a URL), with ``title`` for screen readers."""
    code = segno.make(data, error=ERROR_LEVEL, micro=False)
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        title=title,
        scale=MODULE_PIXELS,
        border=QUIET_ZONE,
        svgclass="qr",
        lineclass=None,
        dark="#000",
        light="#fff",
    )
    # segno writes only the code's modules and the escaped title: safe to inline.
    return mark_safe(out.getvalue().decode())
