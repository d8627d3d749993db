"""Charts drawn on the server as inline SVG: bars or lines, each with its table beside it.

No JavaScript and no library: a ``viewBox`` that scales to a phone's width, a
``<title>`` and an ``aria-label`` for screen readers, colours that keep 3:1
contrast on white, and a legend in text.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 64
COLOURS = ("#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0f766e")


def _number(value: object) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, int | float | Decimal):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return 0.0


def _short(value: float) -> str:
    size = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def chart(
    kind: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[object]]],
) -> SafeString:
    """An SVG chart of ``series`` ((name, values) each) over ``labels``; "" when empty."""
    if not labels or not series:
        return mark_safe("")
    values = [[_number(v) for v in points] for _, points in series]
    top = max([0.0, *(v for points in values for v in points)]) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / len(labels)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        f'stroke="#6b7280"/>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = TOP + plot_h * (1 - fraction)
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#374151">{escape(_short(top * fraction))}</text>'
        )
    if kind == "line":
        for index, points in enumerate(values):
            coordinates = " ".join(
                f"{LEFT + step * (i + 0.5):.1f},{TOP + plot_h * (1 - v / top):.1f}"
                for i, v in enumerate(points)
            )
            parts.append(
                f'<polyline points="{coordinates}" fill="none" stroke-width="2" '
                f'stroke="{COLOURS[index % len(COLOURS)]}"/>'
            )
    else:
        width = step * 0.8 / len(values)
        for index, points in enumerate(values):
            for i, v in enumerate(points):
                height = plot_h * v / top
                x = LEFT + step * i + step * 0.1 + width * index
                parts.append(
                    f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{width:.1f}" '
                    f'height="{height:.1f}" fill="{COLOURS[index % len(COLOURS)]}">'
                    f"<title>{escape(str(labels[i]))}: {escape(_short(v))}</title></rect>"
                )
    for i, label in enumerate(labels):
        x = LEFT + step * (i + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 14}" font-size="11" fill="#374151" '
            f'text-anchor="end" transform="rotate(-35 {x:.1f} {TOP + plot_h + 14})">'
            f"{escape(str(label)[:18])}</text>"
        )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="key"><i style="background:{COLOURS[i % len(COLOURS)]}"></i>'
        f"{escape(name)}</span>"
        for i, (name, _) in enumerate(series)
    )
    return mark_safe("".join(parts) + f'<p class="legend">{legend}</p>')
