"""Geometry for the server-rendered SVG charts (no JavaScript, so the CSP stays strict).

The template draws; this module only maps values to pixel coordinates and picks tick
labels. Prices are shown compactly: 万/亿 for Chinese readers, k/M otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def _short(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.3g}"


def compact_price(x, locale: str) -> str:
    """12,800,000 → "1280万" (zh_CN) or "12.8M"; small amounts in full."""
    x = float(x)
    if locale == "zh_CN":
        if abs(x) >= 1e8:
            return _short(x / 1e8) + "亿"
        if abs(x) >= 1e4:
            return _short(x / 1e4) + "万"
        return f"{x:,.0f}"
    if abs(x) >= 1e6:
        return _short(x / 1e6) + "M"
    if abs(x) >= 1e4:
        return _short(x / 1e3) + "k"
    return f"{x:,.0f}"


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    ticks = []
    x = first
    while x <= hi + step * 1e-9:
        ticks.append(round(x, 10))
        x += step
    return ticks


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    price: float
    label: str


@dataclass(frozen=True)
class StrategyChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    win_points: str  # SVG polyline points for P(win)
    margin_points: str  # SVG polyline points for the expected margin
    x_ticks: list[tuple[float, str]]
    win_ticks: list[tuple[float, str]]
    margin_ticks: list[tuple[float, str]]
    zero_margin_y: float | None
    chosen: Marker | None
    best_win: Marker
    best_margin: Marker


def strategy_chart(report, locale: str, width: int = 640, height: int = 300) -> StrategyChart:
    """P(win) (left axis, 0–100 %) and expected margin (right axis) against price."""
    left, right, top, bottom = 56, width - 64, 18, height - 40
    rows = report.rows
    p_lo, p_hi = rows[0].price, rows[-1].price
    if p_hi <= p_lo:
        p_hi = p_lo + 1
    margins = [r.expected_margin for r in rows] + [report.margin_chosen]
    m_lo, m_hi = min(0.0, min(margins)), max(margins)
    if m_hi <= m_lo:
        m_hi = m_lo + 1
    m_ticks = _nice_ticks(m_lo, m_hi, 4)
    m_lo, m_hi = min(m_lo, m_ticks[0]), max(m_hi, m_ticks[-1])

    def x(price: float) -> float:
        return round(left + (price - p_lo) / (p_hi - p_lo) * (right - left), 1)

    def y_win(p: float) -> float:
        return round(bottom - p * (bottom - top), 1)

    def y_margin(m: float) -> float:
        return round(bottom - (m - m_lo) / (m_hi - m_lo) * (bottom - top), 1)

    res = report.result
    best_win_row = report.row_at(res.best_for_win)
    best_margin_row = report.row_at(res.best_for_margin)
    chosen = None
    if p_lo <= report.chosen_price <= p_hi:
        chosen = Marker(
            x(report.chosen_price),
            y_win(report.p_win_chosen),
            report.chosen_price,
            compact_price(report.chosen_price, locale),
        )
    return StrategyChart(
        width,
        height,
        left,
        right,
        top,
        bottom,
        " ".join(f"{x(r.price)},{y_win(r.p_win)}" for r in rows),
        " ".join(f"{x(r.price)},{y_margin(r.expected_margin)}" for r in rows),
        [(x(t), compact_price(t, locale)) for t in _nice_ticks(p_lo, p_hi, 6) if p_lo <= t <= p_hi],
        [(y_win(p / 100), f"{p}%") for p in (0, 25, 50, 75, 100)],
        [(y_margin(t), compact_price(t, locale)) for t in m_ticks if m_lo <= t <= m_hi],
        y_margin(0.0) if m_lo < 0 < m_hi else None,
        chosen,
        Marker(
            x(best_win_row.price),
            y_win(best_win_row.p_win),
            best_win_row.price,
            compact_price(best_win_row.price, locale),
        ),
        Marker(
            x(best_margin_row.price),
            y_margin(best_margin_row.expected_margin),
            best_margin_row.price,
            compact_price(best_margin_row.price, locale),
        ),
    )


@dataclass(frozen=True)
class Bar:
    weight: float
    p_win: float
    x: float
    y: float
    w: float
    h: float
    current: bool


def sensitivity_bars(sensitivity, current_weight: float, width: int = 360, height: int = 150):
    """Bars of P(win) at the chosen price per price weight; the tender's own weight marked."""
    top, bottom, left, right = 16, height - 28, 8, width - 8
    n = max(len(sensitivity), 1)
    slot = (right - left) / n
    bars = []
    nearest = min((w for w, _ in sensitivity), key=lambda w: abs(w - current_weight), default=None)
    for i, (w, p) in enumerate(sensitivity):
        h = p * (bottom - top)
        bars.append(
            Bar(
                w,
                p,
                round(left + i * slot + slot * 0.15, 1),
                round(bottom - h, 1),
                round(slot * 0.7, 1),
                round(h, 1),
                w == nearest,
            )
        )
    return {"bars": bars, "width": width, "height": height, "bottom": bottom, "slot": slot}
