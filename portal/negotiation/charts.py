"""Geometry of the two server-drawn SVG charts (price zone and round positions).

Pure functions over Decimals returning plain coordinates, so templates only place shapes
and tests can check the drawing without a browser. Coordinates are SVG user units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

ZONE_WIDTH = 720
ZONE_LEFT = 20
ZONE_RIGHT = 700


@dataclass(frozen=True)
class Marker:
    key: str
    value: Decimal
    x: float


@dataclass(frozen=True)
class ZoneChart:
    """Our acceptable range (walk-away → best) and the buyer's (→ their maximum) on one axis.

    ``zone`` is the overlap [x1, x2] when there is one; ``gap`` the hole between the
    buyer's maximum and our walk-away when there is none.
    """

    ours: tuple[float, float]
    theirs: tuple[float, float]
    zone: tuple[float, float] | None
    gap: tuple[float, float] | None
    markers: tuple[Marker, ...]


def _scale(lo: Decimal, hi: Decimal, left: float, right: float):
    span = hi - lo
    if span <= 0:
        span = abs(hi) or Decimal(1)
        lo = lo - span / 2
    width = Decimal(str(right - left))

    def x(value: Decimal) -> float:
        return round(float(Decimal(str(left)) + (value - lo) / span * width), 1)

    return x


def zone_chart(
    walk_away: Decimal,
    buyer_max: Decimal,
    best: Decimal | None = None,
    expected: Decimal | None = None,
) -> ZoneChart:
    """Lay out the price axis with 10 % padding around every value shown.

    Our range runs from walk-away to best (or to the right edge without a best);
    the buyer's range from the left edge to their estimated maximum.
    """
    values = [v for v in (walk_away, buyer_max, best, expected) if v is not None]
    lo, hi = min(values), max(values)
    pad = (hi - lo) / 10 or (hi / 10) or Decimal(1)
    x = _scale(lo - pad, hi + pad, ZONE_LEFT, ZONE_RIGHT)
    ours = (x(walk_away), x(best) if best is not None and best > walk_away else float(ZONE_RIGHT))
    theirs = (float(ZONE_LEFT), x(buyer_max))
    zone = (x(walk_away), x(buyer_max)) if buyer_max >= walk_away else None
    gap = (x(buyer_max), x(walk_away)) if buyer_max < walk_away else None
    markers = [
        Marker("walk_away", walk_away, x(walk_away)),
        Marker("buyer_max", buyer_max, x(buyer_max)),
    ]
    if expected is not None:
        markers.append(Marker("expected", expected, x(expected)))
    if best is not None:
        markers.append(Marker("best", best, x(best)))
    return ZoneChart(ours, theirs, zone, gap, tuple(sorted(markers, key=lambda m: m.x)))


ROUNDS_LEFT = 70
ROUNDS_RIGHT = 700
ROUNDS_TOP = 16
ROUNDS_BOTTOM = 200


@dataclass(frozen=True)
class Level:
    key: str
    value: Decimal
    y: float


@dataclass(frozen=True)
class RoundPoint:
    number: int
    x: float
    offer_y: float
    ask_y: float | None


@dataclass(frozen=True)
class RoundsChart:
    levels: tuple[Level, ...]
    points: tuple[RoundPoint, ...]
    offer_path: str
    ask_path: str


def rounds_chart(
    best: Decimal,
    expected: Decimal,
    walk_away: Decimal,
    rounds: Sequence[tuple[int, Decimal, Decimal | None]],
) -> RoundsChart:
    """Our offer (and their ask) per round against the best / expected / walk-away lines.

    ``rounds`` are (number, our_offer, their_ask) in order. Higher values are drawn higher.
    """
    values = [best, expected, walk_away]
    for _n, offer, ask in rounds:
        values.append(offer)
        if ask is not None:
            values.append(ask)
    lo, hi = min(values), max(values)
    pad = (hi - lo) / 10 or (hi / 10) or Decimal(1)
    # y grows downwards in SVG: map high values to the top.
    y_of = _scale(lo - pad, hi + pad, ROUNDS_TOP, ROUNDS_BOTTOM)

    def y(value: Decimal) -> float:
        return round(ROUNDS_TOP + ROUNDS_BOTTOM - y_of(value), 1)

    count = max(len(rounds), 1)
    step = (ROUNDS_RIGHT - ROUNDS_LEFT) / (count + 1)
    points = tuple(
        RoundPoint(
            number,
            round(ROUNDS_LEFT + step * (i + 1), 1),
            y(offer),
            None if ask is None else y(ask),
        )
        for i, (number, offer, ask) in enumerate(rounds)
    )
    levels = (
        Level("best", best, y(best)),
        Level("expected", expected, y(expected)),
        Level("walk_away", walk_away, y(walk_away)),
    )
    offer_path = " ".join(f"{p.x},{p.offer_y}" for p in points)
    ask_path = " ".join(f"{p.x},{p.ask_y}" for p in points if p.ask_y is not None)
    return RoundsChart(levels, points, offer_path, ask_path)
