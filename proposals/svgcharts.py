"""Small SVG charts drawn on the server: horizontal bars, a reliability diagram, a line.

Each function returns the SVG element as a string of markup. Every piece of text passes
through ``html.escape`` (labels may be rival or account names typed by users), the chart
carries a ``<title>`` and ``<desc>`` for screen readers (``role="img"``), and each bar or
point has its own ``<title>`` so a hover shows the exact figure. Text uses a font stack with
CJK fonts, and label room is measured in display columns (a Chinese character counts two),
so Chinese labels are cut at the same width as Latin ones. No JavaScript: the CSP stays strict.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = (
    "font-family=\"'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',"
    'system-ui,sans-serif"'
)


def _attr(text: str) -> str:
    return escape(str(text), quote=True)


def display_width(text: str) -> int:
    """Columns the text takes in a proportional-ish font: wide (CJK) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def fit(text: str, columns: int) -> str:
    """Cut ``text`` to at most ``columns`` display columns, ending in "…" when cut."""
    text = str(text)
    if display_width(text) <= columns:
        return text
    out = []
    used = 0
    for ch in text:
        width = display_width(ch)
        if used + width > columns - 1:
            break
        out.append(ch)
        used += width
    return "".join(out) + "…"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


@dataclass(frozen=True)
class Bar:
    """One bar: ``value`` 0–1 (a rate), an optional interval (low, high) 0–1, an optional
    link (drill-down to the opportunities behind it) and the hover text."""

    label: str
    value: float | None
    interval: tuple[float, float] | None = None
    href: str | None = None
    note: str = ""


def _open(width: int, height: int, title: str, desc: str, ident: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="{_attr(ident)}-t {_attr(ident)}-d" {FONT} font-size="12">',
        f'<title id="{_attr(ident)}-t">{escape(title)}</title>',
        f'<desc id="{_attr(ident)}-d">{escape(desc)}</desc>',
    ]


def bar_chart(
    bars: Sequence[Bar], *, title: str, desc: str = "", ident: str = "bars", width: int = 560
) -> str:
    """Horizontal bars of rates (0–100 % axis), labels on the left, the value on the right,
    the interval as a whisker. A bar with a link is wrapped in ``<a>``."""
    row = 24
    label_cols = 26
    left = 8 + label_cols * 7
    right = width - 56
    span = right - left
    height = 24 + row * max(len(bars), 1)
    parts = _open(width, height, title, desc or title, ident)
    for tick in (0, 0.5, 1):
        x = left + span * tick
        parts.append(
            f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{height - 4}" class="chart-grid" '
            f'stroke="#ccc" stroke-dasharray="2 3"/>'
            f'<text x="{x:.1f}" y="11" text-anchor="middle" fill="#666">{percent(tick)}</text>'
        )
    for i, bar in enumerate(bars):
        y = 20 + i * row
        shown = fit(bar.label, label_cols)
        hover = bar.label if not bar.note else f"{bar.label}: {bar.note}"
        piece = [f"<g><title>{escape(hover)}</title>"]
        piece.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" fill="#222">'
            f"{escape(shown)}</text>"
        )
        if bar.value is not None:
            w = max(span * min(max(bar.value, 0.0), 1.0), 1)
            piece.append(
                f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" '
                f'class="chart-bar" fill="#3b6ea5"/>'
            )
            if bar.interval is not None:
                lo, hi = bar.interval
                x1, x2 = left + span * lo, left + span * hi
                mid = y + row / 2 - 1
                piece.append(
                    f'<path d="M{x1:.1f} {mid:.1f}H{x2:.1f}M{x1:.1f} {mid - 4:.1f}V{mid + 4:.1f}'
                    f'M{x2:.1f} {mid - 4:.1f}V{mid + 4:.1f}" stroke="#111" fill="none"/>'
                )
        piece.append(
            f'<text x="{right + 6}" y="{y + 13}" fill="#222">{escape(percent(bar.value))}</text>'
        )
        piece.append("</g>")
        body = "".join(piece)
        if bar.href:
            body = f'<a href="{_attr(bar.href)}">{body}</a>'
        parts.append(body)
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Point:
    """A reliability point: mean predicted P(win) ``x`` and observed rate ``y`` (0–1) of
    ``count`` bids; the dot's area grows with the count."""

    x: float
    y: float
    count: int
    note: str = ""
    href: str | None = None


def reliability_chart(
    points: Sequence[Point],
    *,
    title: str,
    desc: str = "",
    x_label: str = "",
    y_label: str = "",
    ident: str = "reliability",
    size: int = 320,
) -> str:
    """Predicted (x) against observed (y), both 0–100 %, with the diagonal of perfect
    calibration. Dots above the diagonal: the portal was too pessimistic; below: too hopeful."""
    pad = 54  # room for the tick labels and, left of them, the rotated y label
    inner = size - pad - 12
    top = 12

    def sx(v: float) -> float:
        return pad + inner * min(max(v, 0.0), 1.0)

    def sy(v: float) -> float:
        return top + inner * (1 - min(max(v, 0.0), 1.0))

    parts = _open(size, size, title, desc or title, ident)
    parts.append(
        f'<rect x="{pad}" y="{top}" width="{inner}" height="{inner}" fill="none" stroke="#999"/>'
    )
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<text x="{sx(tick):.1f}" y="{top + inner + 14}" text-anchor="middle" '
            f'fill="#666" font-size="10">{percent(tick)}</text>'
            f'<text x="{pad - 4}" y="{sy(tick) + 3:.1f}" text-anchor="end" fill="#666" '
            f'font-size="10">{percent(tick)}</text>'
        )
    parts.append(
        f'<line x1="{sx(0):.1f}" y1="{sy(0):.1f}" x2="{sx(1):.1f}" y2="{sy(1):.1f}" '
        f'stroke="#aaa" stroke-dasharray="4 3" class="chart-diagonal"/>'
    )
    if x_label:
        parts.append(
            f'<text x="{pad + inner / 2:.1f}" y="{size - 2}" text-anchor="middle" '
            f'fill="#222">{escape(x_label)}</text>'
        )
    if y_label:
        parts.append(
            f'<text x="15" y="{top + inner / 2:.1f}" text-anchor="middle" fill="#222" '
            f'transform="rotate(-90 15 {top + inner / 2:.1f})">{escape(y_label)}</text>'
        )
    biggest = max((p.count for p in points), default=1) or 1
    for p in points:
        radius = 3 + 7 * (p.count / biggest) ** 0.5
        dot = (
            f'<g><title>{escape(p.note)}</title><circle cx="{sx(p.x):.1f}" cy="{sy(p.y):.1f}" '
            f'r="{radius:.1f}" class="chart-dot" fill="#3b6ea5" fill-opacity="0.75"/></g>'
        )
        parts.append(f'<a href="{_attr(p.href)}">{dot}</a>' if p.href else dot)
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    series: Sequence[tuple[str, float | None]],
    *,
    title: str,
    desc: str = "",
    ident: str = "line",
    unit: str = "",
    width: int = 560,
    height: int = 180,
) -> str:
    """One series of (label, value) over evenly spaced x positions (months, stages…);
    missing values break the line. The y axis starts at 0."""
    left, right, top, bottom = 44, width - 12, 12, height - 28
    values = [v for _, v in series if v is not None]
    peak = max(values, default=0) or 1
    n = len(series)

    def sx(i: int) -> float:
        return left + (right - left) * (i / (n - 1) if n > 1 else 0.5)

    def sy(v: float) -> float:
        return bottom - (bottom - top) * (v / peak)

    parts = _open(width, height, title, desc or title, ident)
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#999"/>'
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" fill="#666" font-size="10">'
        f"{escape(f'{peak:.0f}{unit}')}</text>"
        f'<text x="{left - 4}" y="{bottom}" text-anchor="end" fill="#666" font-size="10">0</text>'
    )
    path = []
    pen_up = True
    for i, (_, v) in enumerate(series):
        if v is None:
            pen_up = True
            continue
        path.append(f"{'M' if pen_up else 'L'}{sx(i):.1f} {sy(v):.1f}")
        pen_up = False
    if path:
        parts.append(f'<path d="{"".join(path)}" fill="none" stroke="#3b6ea5" stroke-width="2"/>')
    step = max(1, n // 8)
    for i, (label, v) in enumerate(series):
        if v is not None:
            parts.append(
                f"<g><title>{escape(f'{label}: {v:.1f}{unit}')}</title>"
                f'<circle cx="{sx(i):.1f}" cy="{sy(v):.1f}" r="3" fill="#3b6ea5"/></g>'
            )
        if i % step == 0:
            parts.append(
                f'<text x="{sx(i):.1f}" y="{bottom + 14}" text-anchor="middle" fill="#666" '
                f'font-size="10">{escape(fit(label, 10))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
