"""Tender price-score engine (价格分): benchmark methods, the deterministic score sheet,
rank-flip prices, rank reversals, and the Monte Carlo bid-strategy simulation.

Units and conventions, stated once:

- **Prices** are currency units. Money stays ``Decimal`` at the portal boundary (quotes,
  approvals); this module scores bids, and points are not money, so the vectorised
  simulation works in float64. The deterministic view converts its inputs with
  ``Decimal(str(x))`` and computes exactly, so a rep checking by hand sees the same digits.
- **Points** (price weight, technical max, scores) are points out of a 100-point sheet.
- **Ratios** (K, alpha, the abnormally-low threshold) are fractions 0–1: ``0.05`` is 5 %.
- **Deductions** are points per one percentage point of deviation from the benchmark
  (a bid 3 % above the benchmark with ``deduct_above=0.5`` loses 1.5 points).
- **Rounding** is half-up to ``ScoringRules.decimals`` places on price points and on the
  total; :func:`round_points` (Decimal) and :func:`round_points_array` (NumPy) agree.

No Flask, no SQLAlchemy: plain values and frozen dataclasses in, plain values out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Literal, TypeVar

import numpy as np

Method = Literal["lowest", "average", "trimmed", "composite", "linear"]
METHODS: tuple[Method, ...] = ("lowest", "average", "trimmed", "composite", "linear")
Status = Literal["valid", "excluded", "rejected"]
Source = Literal["bids", "fixed", "control", "blend", "lowest_normal"]
SOURCES: tuple[Source, ...] = ("bids", "fixed", "control", "blend", "lowest_normal")
RoundMode = Literal["none", "up", "nearest", "decimals"]
ROUND_MODES: tuple[RoundMode, ...] = ("none", "up", "nearest", "decimals")
TieOrder = Literal["price", "tech", "shared"]
TIE_ORDERS: tuple[TieOrder, ...] = ("price", "tech", "shared")
Number = Decimal | float | int

MAX_COMPETITORS = 100
# Half-up on floats: x*10^d may land a hair below .5 (2.675 is 2.67499… in binary), so we add
# an epsilon far above float error (~1e-10 at 1e6) and far below any real digit.
_ROUND_EPS = 1e-9
# Float comparisons at an exact decimal boundary (bid == 80 % of the average) must agree
# with the exact Decimal view, so the vector code treats a relative 1e-12 as equality.
_REL_TOL = 1e-12
_VALID, _EXCLUDED, _REJECTED = 0, 1, 2


# --------------------------------------------------------------------------- rules as data


@dataclass(frozen=True)
class DeviationRounding:
    """How the deviation from the benchmark (in percent, as a magnitude) is rounded before
    deductions: ``none``; ``up`` to the next whole percent (不足1%按1%计: 2.3 % counts as
    3 %); ``nearest`` whole percent (half-up: 2.5 % → 3 %); ``decimals``: half-up to
    ``places`` decimals of a percent."""

    mode: RoundMode = "none"
    places: int = 0


# A deduction shape: (from percent, points per 1 %) pieces in ascending order of "from";
# each rate applies to the part of the deviation above its "from" and below the next one.
# ((0, 1), (5, 2)): 1 point per % up to 5 %, then 2 points per % beyond.
Pieces = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Benchmark:
    """How the benchmark price (评标基准价) is set and how a bid is turned into points.

    ``method`` is the scoring shape: ``lowest`` (ratio benchmark ÷ price), ``linear``
    (straight line from the benchmark down to the highest valid bid, or to the budget when
    ``linear_anchor`` is ``"budget"``), and the deviation methods ``average``, ``trimmed``
    and ``composite``: full weight at the benchmark, minus ``deduct_above`` points per 1 %
    above and ``deduct_below`` points per 1 % below (or the piecewise ``above_pieces`` /
    ``below_pieces``), never under ``floor`` points.

    ``source`` says where the benchmark comes from (all prices in currency units):

    - ``bids``: from the valid bids by ``method`` (lowest; average, trimmed average or
      α × lowest + (1 − α) × average, times (1 − K) for those three).
    - ``fixed``: the published ``fixed_price``.
    - ``control``: the control price (最高限价/控制价: ``control_price``, else the ceiling)
      × (1 − K); K is the 下浮率, fixed (``k``) or drawn at opening (``k_set``).
    - ``blend``: ``blend_a`` × control price × ``k1`` + ``blend_b`` × average of valid bids.
    - ``lowest_normal``: the lowest valid bid that is not abnormally low.

    K: a fixed ``k``, or a published ``k_set`` drawn at opening. The deterministic view uses
    ``k`` if given, else the mean of ``k_set``; the simulation draws uniformly from
    ``k_set`` per trial, else uses ``k``. Give one or the other, not both.

    Trimming: ``trim_tiers`` ((at least this many bids, drop this many at each end), …)
    when given, else drop ``trim_n`` at each end if ``trim_min_remaining`` bids remain.
    """

    method: Method = "lowest"
    k: float | None = None
    k_set: tuple[float, ...] = ()
    trim_n: int = 1  # bids dropped at each end
    trim_min_remaining: int = 3  # trim only if at least this many bids remain
    trim_tiers: tuple[tuple[int, int], ...] = ()
    alpha: float = 0.5  # composite weight on the lowest bid
    deduct_above: float = 1.0  # points per 1 % above the benchmark
    deduct_below: float = 0.5  # points per 1 % below the benchmark
    above_pieces: Pieces = ()  # piecewise deductions above; overrides deduct_above
    below_pieces: Pieces = ()
    round_above: DeviationRounding = field(default_factory=DeviationRounding)
    round_below: DeviationRounding = field(default_factory=DeviationRounding)
    floor: float = 0.0  # price points never go below this for a valid bid
    source: Source = "bids"
    fixed_price: float | None = None
    control_price: float | None = None  # None: the ceiling
    blend_a: float = 0.5
    blend_b: float = 0.5
    k1: float = 1.0
    linear_anchor: Literal["highest", "budget"] = "highest"

    def deterministic_k(self) -> float:
        """K used by the deterministic view (fraction): ``k``, else mean of ``k_set``, else 0."""
        if self.k is not None:
            return float(self.k)
        return float(np.mean(self.k_set)) if self.k_set else 0.0

    def pieces(self, side: Literal["above", "below"]) -> Pieces:
        """The deduction pieces of one side; a single rate is the piece (0, rate)."""
        given = self.above_pieces if side == "above" else self.below_pieces
        rate = self.deduct_above if side == "above" else self.deduct_below
        return tuple(given) if given else ((0.0, rate),)

    def uses_k(self) -> bool:
        return self.source == "control" or (
            self.source == "bids" and self.method in ("average", "trimmed", "composite")
        )


@dataclass(frozen=True)
class AbnormalLow:
    """Abnormally low bids: below ``threshold`` × reference. The reference is the plain
    average of the valid bids, or the benchmark computed from them (one pass, not
    iterated); with ``compare="others"`` each bid is compared with the OTHER valid bids
    only (itself excluded). ``action``: ``zero`` (out of the benchmark, zero price points,
    still ranked), ``reject`` (out of the benchmark, not ranked), or ``explain``
    (87号令 Art. 60: the bidder must prove its price is sound; shown as a risk, the score
    is unchanged)."""

    threshold: float = 0.8  # fraction of the reference
    reference: Literal["average", "benchmark"] = "average"
    action: Literal["zero", "reject", "explain"] = "zero"
    compare: Literal["all", "others"] = "all"


@dataclass(frozen=True)
class ScoringRules:
    """One tender's scoring rules. ``price_weight`` and ``tech_max`` are points (they need
    not add up to 100; a price weight of 0 means price only disqualifies); ``ceiling`` and
    ``floor_price`` are currency units (bids above / below them are rejected);
    ``below_benchmark_limit`` is a fraction: bids more than that share below the benchmark
    are rejected; ``min_tech`` is points: bids with less technical score are out before
    price scoring. ``tie_order``: equal totals rank by lower ``price`` first (财政部令
    第87号 Art. 65, the default), by higher ``tech`` first, or ``shared``."""

    price_weight: float = 30.0
    tech_max: float = 70.0
    benchmark: Benchmark = field(default_factory=Benchmark)
    abnormal_low: AbnormalLow | None = None
    ceiling: float | None = None
    decimals: int = 2
    floor_price: float | None = None
    below_benchmark_limit: float | None = None
    min_tech: float | None = None
    tie_order: TieOrder = "price"

    def control(self) -> float | None:
        """The control price for the ``control``/``blend`` sources and the budget anchor."""
        bm = self.benchmark
        return bm.control_price if bm.control_price is not None else self.ceiling


@dataclass(frozen=True)
class Bid:
    """A bid for the deterministic view: price in currency units, technical points, and the
    bidder's price adjustments as fractions: ``sme_deduction`` (0.10: the price counts 10 %
    lower for scoring, 财库〔2020〕46号) and ``preference_margin`` (0.15: the price counts
    15 % higher, the margin of preference given to domestic bidders over this one)."""

    name: str
    price: Number
    tech: Number
    sme_deduction: Number = 0
    preference_margin: Number = 0

    def factor(self) -> Decimal:
        """Evaluated price ÷ quoted price: (1 − SME deduction) × (1 + margin)."""
        return (1 - _dec(self.sme_deduction)) * (1 + _dec(self.preference_margin))


# --------------------------------------------------------------------------- rounding


def round_points(x: Number, decimals: int) -> Decimal:
    """Half-up rounding of non-negative points to ``decimals`` places, exact in Decimal.
    Floats go through ``str`` so ``2.675`` rounds to ``2.68`` as a person would."""
    d = x if isinstance(x, Decimal) else Decimal(str(x))
    return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def round_points_array(x: np.ndarray | float, decimals: int) -> np.ndarray:
    """Half-up rounding of non-negative points on arrays: floor(x·10^d + 0.5 + ε)/10^d.
    Agrees with :func:`round_points` except within 1e-9 of a last-digit half (np.round is
    half-to-even and would not)."""
    scale = 10.0**decimals
    return np.floor(np.asarray(x, dtype=float) * scale + (0.5 + _ROUND_EPS)) / scale


# --------------------------------------------------------------------------- scalar core

N = TypeVar("N", Decimal, float)


def trim_count(bm: Benchmark, n: int) -> int:
    """Bids dropped at each end of ``n`` valid bids (0: the plain average is used)."""
    if bm.trim_tiers:
        t = 0
        for min_bids, drop in sorted(bm.trim_tiers):
            if n >= min_bids:
                t = drop
        return t if n - 2 * t >= 1 else 0
    return bm.trim_n if n - 2 * bm.trim_n >= max(bm.trim_min_remaining, 1) else 0


def _scalar_benchmark(rules: ScoringRules, pool: Sequence[N], k: N, num: Callable[[float], N]) -> N:
    """Benchmark of a non-empty pool of (evaluated) bids, same rules as
    :func:`_vector_benchmark`."""
    bm = rules.benchmark
    if bm.source == "fixed":
        return num(bm.fixed_price)
    if bm.source == "control":
        return num(rules.control()) * (1 - k)
    low = min(pool)
    if bm.source == "lowest_normal":
        return low
    avg = sum(pool) / len(pool)
    if bm.source == "blend":
        return num(bm.blend_a) * num(rules.control()) * num(bm.k1) + num(bm.blend_b) * avg
    if bm.method in ("lowest", "linear"):
        return low
    if bm.method == "average":
        base = avg
    elif bm.method == "trimmed":
        t = trim_count(bm, len(pool))
        kept = sorted(pool)[t : len(pool) - t]
        base = sum(kept) / len(kept)
    else:  # composite
        base = num(bm.alpha) * low + (1 - num(bm.alpha)) * avg
    return base * (1 - k)


def _round_dev_scalar(d: N, how: DeviationRounding, num: Callable[[float], N]) -> N:
    """Round a non-negative deviation in percent as :func:`_round_dev_array` does."""
    if how.mode == "none":
        return d
    if how.mode == "up":
        if isinstance(d, Decimal):
            return d.to_integral_value(rounding=ROUND_CEILING)
        return num(math.ceil(d - _ROUND_EPS))
    places = 0 if how.mode == "nearest" else how.places
    r = round_points(d, places)
    return r if isinstance(d, Decimal) else num(float(r))


def _deduction_scalar(d: N, pieces: Pieces, num: Callable[[float], N]) -> N:
    """Points deducted for a deviation of ``d`` percent (≥ 0) under piecewise rates."""
    total = num(0)
    for i, (frm, rate) in enumerate(pieces):
        seg = d - num(frm)
        if i + 1 < len(pieces):
            seg = min(seg, num(pieces[i + 1][0]) - num(frm))
        if seg > 0:
            total += num(rate) * seg
    return total


@dataclass(frozen=True)
class ScalarResult:
    """Unrounded price points (None when rejected), status, reason code, risk code and the
    benchmark (None if no valid bid) for one set of bids."""

    points: list
    status: list[Status]
    reasons: list[str | None]
    risks: list[str | None]
    benchmark: object


def _finite(x: Number) -> bool:
    return x.is_finite() if isinstance(x, Decimal) else math.isfinite(x)


def score_points_scalar(
    rules: ScoringRules,
    prices: Sequence[N],
    k: N,
    num: Callable[[float], N],
    techs: Sequence[N] | None = None,
    factors: Sequence[N] | None = None,
) -> ScalarResult:
    """Unrounded price points for one set of bids, in pure Python.

    ``num`` converts rule parameters to the number type of ``prices`` (``Decimal`` for the
    exact deterministic view, ``float`` for the benchmark's reference loop). ``techs`` are
    the technical points (needed only for ``min_tech``); ``factors`` turn quoted prices
    into evaluated prices (SME deduction, preference margin); validity against the
    ceiling and the floor price uses quoted prices, everything after it evaluated prices.
    """
    bm, al = rules.benchmark, rules.abnormal_low
    n = len(prices)
    ev = list(prices) if factors is None else [p * f for p, f in zip(prices, factors, strict=True)]
    reasons: list[str | None] = [None] * n
    for i, p in enumerate(prices):
        if not _finite(p):
            reasons[i] = "not_a_number"
        elif p <= 0:
            reasons[i] = "non_positive_price"
        elif rules.ceiling is not None and p > num(rules.ceiling):
            reasons[i] = "above_ceiling"
        elif rules.floor_price is not None and p < num(rules.floor_price):
            reasons[i] = "below_floor_price"
        elif rules.min_tech is not None and techs is not None and techs[i] < num(rules.min_tech):
            reasons[i] = "below_min_tech"
    ok = [r is None for r in reasons]
    low_bid = [False] * n
    eligible = [i for i in range(n) if ok[i]]
    if al is not None and eligible:
        shared = None
        for i in eligible:
            if al.compare == "others":
                others = [ev[j] for j in eligible if j != i]
            else:
                if shared is None:
                    shared = [ev[j] for j in eligible]
                others = shared
            if not others:
                continue
            if al.reference == "benchmark":
                ref = _scalar_benchmark(rules, others, k, num)
            else:
                ref = sum(others) / len(others)
            low_bid[i] = ev[i] < num(al.threshold) * ref
    drop = [x and al is not None and al.action != "explain" for x in low_bid]
    pool = [ev[i] for i in range(n) if ok[i] and not drop[i]]
    if bm.source == "lowest_normal":  # "explain" bids stay scored, but never set it
        # (if every bid is abnormally low, the lowest scored bid sets it)
        normal = [ev[i] for i in range(n) if ok[i] and not low_bid[i]] or pool
        bench = min(normal) if normal else None
    else:
        bench = _scalar_benchmark(rules, pool, k, num) if pool else None
    too_low = [False] * n
    if rules.below_benchmark_limit is not None and bench is not None:
        cut = bench * (1 - num(rules.below_benchmark_limit))
        too_low = [ok[i] and not drop[i] and ev[i] < cut for i in range(n)]
    kept = [ev[i] for i in range(n) if ok[i] and not drop[i] and not too_low[i]]
    weight, floor = num(rules.price_weight), num(bm.floor)

    points: list[N | None] = []
    status: list[Status] = []
    risks: list[str | None] = [None] * n
    for i in range(n):
        if too_low[i]:
            reasons[i] = "below_benchmark_limit"
        if not ok[i] or too_low[i] or (drop[i] and al is not None and al.action == "reject"):
            points.append(None)
            status.append("rejected")
            reasons[i] = reasons[i] or "abnormally_low"
            continue
        if drop[i]:
            points.append(num(0))
            status.append("excluded")
            reasons[i] = "abnormally_low"
            continue
        status.append("valid")
        if low_bid[i]:
            risks[i] = "explanation_required"
        e = ev[i]
        if len(kept) == 1:  # a lone valid bidder gets the full price points
            x = weight
        elif bm.method == "lowest":
            x = weight * bench / e
        elif bm.method == "linear":
            hi = num(rules.control()) if bm.linear_anchor == "budget" else max(kept)
            x = weight if hi <= bench else weight * (hi - e) / (hi - bench)
        elif bench <= 0:  # K = 1 makes the benchmark zero: every deviation is infinite
            x = floor
        else:
            dev = (e - bench) / bench * 100
            if dev > 0:
                d = _round_dev_scalar(dev, bm.round_above, num)
                x = weight - _deduction_scalar(d, bm.pieces("above"), num)
            else:
                d = _round_dev_scalar(-dev, bm.round_below, num)
                x = weight - _deduction_scalar(d, bm.pieces("below"), num)
        points.append(min(weight, max(floor, x)))
    return ScalarResult(points, status, reasons, risks, bench)


# --------------------------------------------------------------------------- vector core
# Internally bidders sit on the FIRST axis: (bidders, trials, candidates). NumPy reduces a
# leading axis with whole-array elementwise passes, while reducing a short trailing axis
# (6–7 bidders) runs a slow inner loop per row; measured ~10× faster for min/sum/count.


def _count(mask: np.ndarray) -> np.ndarray:
    return np.add.reduce(mask, axis=0, dtype=np.int16)  # ≤ 101 bidders fits int16


def _vector_benchmark(
    rules: ScoringRules, prices: np.ndarray, pool: np.ndarray, k: np.ndarray | float
) -> np.ndarray:
    """Benchmark over axis 0 (bidders) of ``prices`` counting only ``pool`` bids; NaN if
    there are none. Same rules as :func:`_scalar_benchmark`."""
    bm = rules.benchmark
    n = _count(pool)
    if bm.source == "fixed":
        return np.where(n > 0, bm.fixed_price, np.nan)
    if bm.source == "control":
        return np.where(n > 0, rules.control() * (1.0 - k), np.nan)
    low = np.where(pool, prices, np.inf).min(0)
    if bm.source == "lowest_normal" or (bm.source == "bids" and bm.method in ("lowest", "linear")):
        return np.where(n > 0, low, np.nan)
    total = np.where(pool, prices, 0.0).sum(0)
    avg = total / np.maximum(n, 1)
    if bm.source == "blend":
        return np.where(n > 0, bm.blend_a * rules.control() * bm.k1 + bm.blend_b * avg, np.nan)
    if bm.method == "average":
        base = avg
    elif bm.method == "trimmed":
        if bm.trim_tiers:
            t = np.zeros(n.shape, dtype=np.int16)
            for min_bids, drop in sorted(bm.trim_tiers):
                t = np.where(n >= min_bids, drop, t)
            t = np.where(n - 2 * t >= 1, t, 0)
        else:
            enough = n - 2 * bm.trim_n >= max(bm.trim_min_remaining, 1)
            t = np.where(enough, bm.trim_n, 0)
        kept_n = n - 2 * t
        if t.size == 0 or int(t.max()) <= 1:
            # the common case needs no sort: drop the min and the max where t == 1
            high = np.where(pool, prices, -np.inf).max(0)
            kept = np.where(t == 1, total - low - high, total)
        else:
            ranked = np.sort(np.where(pool, prices, np.inf), axis=0)  # invalid bids sort last
            idx = np.arange(prices.shape[0]).reshape((-1,) + (1,) * (prices.ndim - 1))
            kept = np.where((idx >= t) & (idx < n - t), ranked, 0.0).sum(0)
        base = kept / np.maximum(kept_n, 1)
    else:  # composite
        base = bm.alpha * low + (1.0 - bm.alpha) * avg
    return np.where(n > 0, base * (1.0 - k), np.nan)


def _round_dev_array(d: np.ndarray, how: DeviationRounding) -> np.ndarray:
    """Round non-negative deviations in percent (see :class:`DeviationRounding`)."""
    if how.mode == "none":
        return d
    if how.mode == "up":
        return np.ceil(d - _ROUND_EPS)
    return round_points_array(d, 0 if how.mode == "nearest" else how.places)


# The outer knots of the deduction lookup: no bid is more than 100 % below a positive
# benchmark; above it, deviations past _FAR_ABOVE % are extrapolated separately (rarely
# needed: the deduction there already exceeds any weight unless the rate is tiny). Near
# knots keep the interpolation exact to ~1e-12 points; far ones (1e9) would not.
_FAR_BELOW = 100.0
_FAR_ABOVE = 1e4


def _deduction_knots(bm: Benchmark) -> tuple[np.ndarray, np.ndarray]:
    """Knots (signed deviation in percent, points deducted) of the deduction as one
    piecewise-linear function: below-side pieces mirrored on the left, above-side on the
    right; the same sums of segments as :func:`_deduction_scalar`."""

    def side(pieces: Pieces, far: float) -> list[tuple[float, float]]:
        knots = [(0.0, 0.0)]
        cum, prev_x, prev_rate = 0.0, 0.0, 0.0
        for frm, rate in pieces:
            if frm >= far:
                break
            cum += prev_rate * (frm - prev_x)
            if frm > prev_x:
                knots.append((float(frm), cum))
            prev_x, prev_rate = float(frm), float(rate)
        knots.append((far, cum + prev_rate * (far - prev_x)))
        return knots

    above = side(bm.pieces("above"), _FAR_ABOVE)
    below = side(bm.pieces("below"), _FAR_BELOW)
    knots = [(-x, y) for x, y in reversed(below[1:])] + above
    return np.array([x for x, _ in knots]), np.array([y for _, y in knots])


def _deduction_lookup(bm: Benchmark, signed: np.ndarray, weight: float) -> np.ndarray:
    """Points deducted for signed (rounded) deviations in percent; see _deduction_knots."""
    xs, ys = _deduction_knots(bm)
    ded = np.interp(signed, xs, ys)
    pieces = bm.pieces("above")
    last_rate = next((r for f, r in reversed(pieces) if f < _FAR_ABOVE), 0.0)
    if ys[-1] < weight and last_rate > 0:  # past the far knot the deduction still matters
        ded += last_rate * np.maximum(signed - _FAR_ABOVE, 0.0)
    return ded


def _others_benchmark(
    rules: ScoringRules, ev: np.ndarray, ok: np.ndarray, k: np.ndarray | float
) -> np.ndarray | None:
    """Each bidder's benchmark computed from the OTHER valid bids, in closed form (sums and
    the two lowest bids), for every method but the trimmed average (None: loop instead).
    Same numbers as calling :func:`_vector_benchmark` once per bidder, in one pass."""
    bm = rules.benchmark
    if bm.source == "bids" and bm.method == "trimmed":
        return None
    if bm.source == "fixed":
        return np.broadcast_to(np.float64(bm.fixed_price), ev.shape)
    if bm.source == "control":
        return np.broadcast_to(rules.control() * (1.0 - np.asarray(k)), ev.shape)
    masked = np.where(ok, ev, np.inf)
    low1 = masked.min(0)
    n_low1 = _count(masked == low1)
    low2 = np.where(masked > low1, masked, np.inf).min(0)
    low_others = np.where((masked == low1) & (n_low1 == 1), low2, low1)
    if bm.source == "lowest_normal" or (bm.source == "bids" and bm.method in ("lowest", "linear")):
        return low_others
    okv = np.where(ok, ev, 0.0)
    avg_others = (okv.sum(0) - okv) / np.maximum(_count(ok) - ok, 1)
    if bm.source == "blend":
        return bm.blend_a * rules.control() * bm.k1 + bm.blend_b * avg_others
    if bm.method == "average":
        return avg_others * (1.0 - k)
    return (bm.alpha * low_others + (1.0 - bm.alpha) * avg_others) * (1.0 - k)


def _abnormal_low_mask(
    rules: ScoringRules, ev: np.ndarray, ok: np.ndarray, k: np.ndarray | float
) -> np.ndarray:
    """Valid bids below the abnormally-low threshold × their reference (see AbnormalLow)."""
    al = rules.abnormal_low
    thr = al.threshold * (1 - _REL_TOL)
    if al.compare == "all":
        if al.reference == "benchmark":
            ref = _vector_benchmark(rules, ev, ok, k)
        else:
            ref = np.where(ok, ev, 0.0).sum(0) / np.maximum(_count(ok), 1)
        return ok & (ev < thr * ref)
    if al.reference == "average":
        # e < thr × (S − e) / (n − 1)  ⇔  e × (n − 1 + thr) < thr × S  (n ≥ 2): the sums
        # are per bid set, so only one multiply and one compare run over every bid
        n = _count(ok)
        total = np.where(ok, ev, 0.0).sum(0)
        return ok & (n > 1) & (ev * (n - 1 + thr) < thr * total)
    others = _others_benchmark(rules, ev, ok, k)
    if others is not None:
        return ok & (_count(ok) > 1) & (ev < thr * others)
    low = np.zeros(ok.shape, dtype=bool)
    for i in range(ev.shape[0]):
        others = ok.copy()
        others[i] = False
        ref = _vector_benchmark(rules, ev, others, k)  # NaN when nobody else is valid
        low[i] = ok[i] & (ev[i] < thr * ref)
    return low


def _scaled_points(
    rules: ScoringRules,
    prices: np.ndarray,
    k: np.ndarray | float,
    tech: np.ndarray | None = None,
    factor: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Price points for ``prices`` shaped (bidders, ...), rounded half-up and held scaled by
    10^decimals (integer-valued floats, so totals compare exactly), plus the rejected and
    abnormally-low masks. ``tech`` (needed for ``min_tech``) and ``factor`` (evaluated ÷
    quoted price) broadcast against ``prices``. The simulation's hot path: every rule not
    in use costs nothing."""
    bm, al, w = rules.benchmark, rules.abnormal_low, rules.price_weight
    if rules.ceiling is not None:
        ok = (prices > 0) & (prices <= rules.ceiling)
    else:
        ok = (prices > 0) & (prices < np.inf)
    if rules.floor_price is not None:
        ok &= prices >= rules.floor_price
    if rules.min_tech is not None and tech is not None:
        ok &= tech >= rules.min_tech
    ev = prices if factor is None else prices * factor
    with np.errstate(divide="ignore", invalid="ignore"):
        low_bid = None if al is None else _abnormal_low_mask(rules, ev, ok, k)
        pool = ok if low_bid is None or al.action == "explain" else ok & ~low_bid
        if bm.source == "lowest_normal" and low_bid is not None:
            # "explain" bids stay scored, but never set the benchmark
            # (if every bid is abnormally low, the lowest scored bid sets it)
            bench = _vector_benchmark(rules, ev, ok & ~low_bid, k)
            bench = np.where(np.isnan(bench), _vector_benchmark(rules, ev, pool, k), bench)
        else:
            bench = _vector_benchmark(rules, ev, pool, k)
        too_low = None
        if rules.below_benchmark_limit is not None:
            cut = bench * ((1.0 - rules.below_benchmark_limit) * (1 - _REL_TOL))
            too_low = pool & (ev < cut)
            pool = pool & ~too_low
        n = _count(pool)
        if bm.method == "lowest":
            pts = (w * bench) / ev
        elif bm.method == "linear":
            if bm.linear_anchor == "budget":
                high = rules.control()
            else:
                high = np.where(pool, ev, -np.inf).max(0)
            span = high - bench
            pts = (high - ev) * (w / span)
            pts = np.where(span > 0, pts, w)
        else:
            # deviation in percent; with single rates and no rounding, max() picks the
            # deduction for the side of the benchmark the bid is on (both rates ≥ 0)
            dev = ev * (100.0 / bench) - 100.0
            plain = (
                not bm.above_pieces
                and not bm.below_pieces
                and bm.round_above.mode == "none"
                and bm.round_below.mode == "none"
            )
            if plain:
                pts = w - np.maximum(bm.deduct_above * dev, -bm.deduct_below * dev)
            else:
                # round each side's magnitude, keep the sign, then one piecewise-linear
                # lookup over the signed deviation covers both sides' deduction shapes
                ra, rb = bm.round_above, bm.round_below
                if ra.mode == "none" and rb.mode == "none":
                    signed = dev
                elif ra == rb:
                    signed = np.copysign(_round_dev_array(np.abs(dev), ra), dev)
                else:
                    signed = np.where(
                        dev > 0,
                        _round_dev_array(np.maximum(dev, 0.0), ra),
                        -_round_dev_array(np.maximum(-dev, 0.0), rb),
                    )
                pts = w - _deduction_lookup(bm, signed, w)
            if np.any(bench <= 0):  # K = 1: a zero benchmark leaves only the floor
                pts = np.where(bench > 0, pts, bm.floor)
        if np.any(n == 1):
            pts = np.where(n == 1, w, pts)
        np.clip(pts, bm.floor, w, out=pts)
        pts = np.where(pool, pts, 0.0)
    pts *= 10.0**rules.decimals
    pts += 0.5 + _ROUND_EPS
    np.floor(pts, out=pts)
    rejected = ~ok
    if too_low is not None:
        rejected = rejected | too_low
    if low_bid is None or al.action == "explain":
        dropped = np.zeros_like(ok)
    else:
        dropped = low_bid & ok
        if al.action == "reject":
            rejected = rejected | dropped
    return pts, rejected, dropped & ~rejected


def price_points_array(
    rules: ScoringRules,
    prices: np.ndarray,
    k: np.ndarray | float | None = None,
    tech: np.ndarray | None = None,
    factor: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rounded price points for many bid sets at once.

    ``prices``: float array (..., bidders); ``tech`` and ``factor`` the same shape (or
    broadcastable). ``k``: fraction, scalar or broadcastable to ``prices.shape[:-1]``;
    defaults to :meth:`Benchmark.deterministic_k`.
    Returns (points, status) shaped like ``prices``: points are NaN where rejected; status
    is int8 with 0 valid, 1 excluded (abnormally low, scored zero), 2 rejected.
    """
    k = rules.benchmark.deterministic_k() if k is None else k

    prices = np.moveaxis(np.asarray(prices, dtype=float), -1, 0)

    def lead(a):  # bidders first, then broadcastable against the bid sets
        if a is None:
            return None
        a = np.moveaxis(np.asarray(a, dtype=float), -1, 0)
        return a.reshape(a.shape + (1,) * (prices.ndim - a.ndim))

    scaled, rejected, low_bid = _scaled_points(rules, prices, k, lead(tech), lead(factor))
    status = np.where(rejected, _REJECTED, np.where(low_bid, _EXCLUDED, _VALID)).astype(np.int8)
    points = np.where(rejected, np.nan, scaled / 10.0**rules.decimals)
    return np.moveaxis(points, 0, -1), np.moveaxis(status, 0, -1)


def _scaled_totals(
    rules: ScoringRules, scaled_points: np.ndarray, tech: np.ndarray, rejected: np.ndarray
) -> np.ndarray:
    """Totals rounded half-up, scaled by 10^decimals; −inf for rejected bids so they never
    rank ahead of anyone."""
    total = scaled_points + (tech * 10.0**rules.decimals + (0.5 + _ROUND_EPS))
    np.floor(total, out=total)
    np.copyto(total, -np.inf, where=rejected)
    return total


def _ranks_ahead(
    total_a: np.ndarray,
    tech_a: np.ndarray,
    price_a: np.ndarray,
    total_b: np.ndarray,
    tech_b: np.ndarray,
    price_b: np.ndarray,
    tie_order: TieOrder = "price",
) -> np.ndarray:
    """a ranks strictly ahead of b: higher total, then by ``tie_order``: lower quoted price
    (``price``), higher technical then lower price (``tech``), or not at all (``shared``)."""
    ahead = total_a > total_b
    if tie_order == "shared":
        return ahead
    tied = total_a == total_b
    if tied.any():  # rare with continuous draws, so the tie-break is computed only then
        if tie_order == "price":
            ahead |= tied & (price_a < price_b)
        else:
            ahead |= tied & ((tech_a > tech_b) | ((tech_a == tech_b) & (price_a < price_b)))
    return ahead


# --------------------------------------------------------------------------- deterministic view


@dataclass(frozen=True)
class BidderRow:
    """One line of the score sheet. Points and total are None when the bid is rejected;
    ``reason`` is a key of :data:`REASON_TEXT`; ``risk`` is ``"explanation_required"`` when
    the bid is abnormally low under an "explain" rule (the score is unchanged).
    ``evaluated_price`` is the price after the bidder's adjustments (currency units).
    Rank 1 is best; equal bids share a rank; ``tied_with`` names the bidders with the same
    total whom the sheet's tie order separated (or who share the rank)."""

    name: str
    price: Decimal
    tech: Decimal
    status: Status
    reason: str | None
    price_points: Decimal | None
    total: Decimal | None
    rank: int | None
    risk: str | None = None
    evaluated_price: Decimal | None = None
    tied_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoreSheet:
    rows: tuple[BidderRow, ...]  # in input order
    benchmark: Decimal | None  # currency units; None if no valid bid
    k: Decimal  # the K fraction used
    tie_order: TieOrder = "price"  # the rule that ordered equal totals
    ties: bool = False  # some ranked bids had equal totals, so the tie order applied

    def by_name(self, name: str) -> BidderRow:
        return next(r for r in self.rows if r.name == name)

    @property
    def ranking(self) -> tuple[BidderRow, ...]:
        """Ranked rows best first, then rejected rows."""
        return tuple(sorted(self.rows, key=lambda r: (r.rank is None, r.rank or 0)))


def _dec(x: Number) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def score_all(rules: ScoringRules, bids: Sequence[Bid]) -> ScoreSheet:
    """Score every bid exactly (Decimal), rank them, and say why any bid is out.

    Ranking: higher total, then the rules' ``tie_order`` (lower quoted price first by
    default); bids still equal share the rank (competition ranking 1, 1, 3). Rejected bids
    get no rank. A price that is not a finite number is rejected ("not_a_number").
    """
    prices = [_dec(b.price) for b in bids]
    techs = [_dec(b.tech) for b in bids]
    factors = [b.factor() for b in bids]
    plain = all(f == 1 for f in factors)
    k = _dec(rules.benchmark.deterministic_k())
    res = score_points_scalar(rules, prices, k, _dec, techs, None if plain else factors)
    points = [None if x is None else round_points(x, rules.decimals) for x in res.points]
    totals = [
        None if p is None else round_points(p + t, rules.decimals)
        for p, t in zip(points, techs, strict=True)
    ]

    def key(i: int) -> tuple[Decimal, ...]:
        if rules.tie_order == "price":
            return (totals[i], -prices[i])
        if rules.tie_order == "tech":
            return (totals[i], techs[i], -prices[i])
        return (totals[i],)

    ranked = [i for i, t in enumerate(totals) if t is not None]
    rows, ties = [], False
    for i, b in enumerate(bids):
        rank, tied = None, ()
        if totals[i] is not None:
            rank = 1 + sum(1 for j in ranked if key(j) > key(i))
            tied = tuple(bids[j].name for j in ranked if j != i and totals[j] == totals[i])
            ties = ties or bool(tied)
        rows.append(
            BidderRow(
                b.name,
                prices[i],
                techs[i],
                res.status[i],
                res.reasons[i],
                points[i],
                totals[i],
                rank,
                res.risks[i],
                prices[i] * factors[i] if _finite(prices[i]) else None,
                tied,
            )
        )
    return ScoreSheet(tuple(rows), res.benchmark, k, rules.tie_order, ties)


def score_bids(
    rules: ScoringRules,
    our_price: Number,
    our_tech: Number,
    competitors: Sequence[Bid],
    our_name: str = "us",
    our_sme_deduction: Number = 0,
    our_preference_margin: Number = 0,
) -> ScoreSheet:
    """Deterministic view: our bid first, then the competitors. With no competitors we are
    the lone bidder and, if valid, rank first with full price points."""
    us = Bid(our_name, our_price, our_tech, our_sme_deduction, our_preference_margin)
    return score_all(rules, [us, *competitors])


@dataclass(frozen=True)
class RankFlip:
    """Where our result against one competitor changes as our price moves.

    ``threshold``: the flip price nearest to our current price, given as the last price at
    which we still beat them (currency units, to ~1e-9 of the grid step); None if the
    outcome never changes on the grid. ``win_side``: "below" if we beat them at prices
    at or below the threshold, "above" if at or above. ``transitions`` lists every flip.
    """

    competitor: str
    beats_now: bool
    threshold: float | None
    win_side: Literal["below", "above"] | None
    transitions: tuple[float, ...]


def _beats_matrix(
    rules: ScoringRules,
    our_prices: np.ndarray,
    our_tech: float,
    comp_prices: np.ndarray,
    comp_tech: np.ndarray,
    factors: Sequence[float] | None = None,
) -> np.ndarray:
    """(len(our_prices), competitors) bool: we rank strictly ahead of each competitor
    (a rejected competitor is always behind; if we are rejected we beat nobody)."""
    prices = np.empty((1 + len(comp_prices), len(our_prices)))
    prices[0], prices[1:] = our_prices, np.asarray(comp_prices)[:, None]
    tech = np.concatenate([[our_tech], comp_tech])[:, None]
    factor = None
    if factors is not None:
        factor = np.asarray(factors, dtype=float)[:, None]
    k = rules.benchmark.deterministic_k()
    pts, rejected, _ = _scaled_points(rules, prices, k, tech, factor)
    total = _scaled_totals(rules, pts, tech, rejected)
    ahead = _ranks_ahead(
        total[:1], tech[:1], prices[:1], total[1:], tech[1:], prices[1:], rules.tie_order
    )
    return (~rejected[:1] & (rejected[1:] | ahead)).T


def rank_flip_prices(
    rules: ScoringRules,
    our_price: float,
    our_tech: float,
    competitors: Sequence[Bid],
    price_range: tuple[float, float] | None = None,
    steps: int = 801,
    our_factor: Number = 1,
) -> tuple[RankFlip, ...]:
    """For each competitor, the prices at which our rank against them flips.

    Scans ``steps`` prices over ``price_range`` (default: half the lowest bid up to the
    ceiling, or 1.5 × the highest bid), then bisects each flip. Relative formulas make the
    outcome non-monotone (the benchmark moves with our price, and a very low bid may be
    excluded), which is why every transition is returned, not just one.
    """
    comp_p = np.array([float(c.price) for c in competitors], dtype=float)
    comp_t = np.array([float(c.tech) for c in competitors], dtype=float)
    factors = [float(our_factor), *(float(c.factor()) for c in competitors)]
    if all(f == 1.0 for f in factors):
        factors = None
    our_price, our_tech = float(our_price), float(our_tech)
    if price_range is None:
        all_p = np.concatenate([[our_price], comp_p])
        lo = 0.5 * all_p[all_p > 0].min() if (all_p > 0).any() else 1.0
        hi = rules.ceiling if rules.ceiling is not None else 1.5 * all_p.max()
        price_range = (lo, max(hi, lo * 2))
    grid = np.linspace(*price_range, steps)
    beats = _beats_matrix(rules, grid, our_tech, comp_p, comp_t, factors)
    now = _beats_matrix(rules, np.array([our_price]), our_tech, comp_p, comp_t, factors)[0]

    flips = []
    for j, comp in enumerate(competitors):
        found: list[tuple[float, Literal["below", "above"]]] = []
        for i in np.flatnonzero(beats[1:, j] != beats[:-1, j]):
            a, b, win_at_a = grid[i], grid[i + 1], bool(beats[i, j])
            for _ in range(60):  # keep a on the side matching win_at_a
                mid = 0.5 * (a + b)
                hit = _beats_matrix(rules, np.array([mid]), our_tech, comp_p, comp_t, factors)[0, j]
                a, b = (mid, b) if hit == win_at_a else (a, mid)
            found.append((a, "below") if win_at_a else (b, "above"))
        nearest = min(found, key=lambda f: abs(f[0] - our_price), default=None)
        flips.append(
            RankFlip(
                comp.name,
                bool(now[j]),
                None if nearest is None else float(nearest[0]),
                None if nearest is None else nearest[1],
                tuple(float(f[0]) for f in found),
            )
        )
    return tuple(flips)


@dataclass(frozen=True)
class RankReversal:
    """Two bidders, neither of them the one who changed price, whose order flipped."""

    was_ahead: str
    was_behind: str
    explanation: dict[str, str]  # {"en": ..., "zh_CN": ...}


def _shown(x: Decimal | None) -> str:
    return "—" if x is None else str(round_points(x, 2))


def rank_reversals(
    rules: ScoringRules, bids: Sequence[Bid], changed: str, new_price: Number
) -> tuple[RankReversal, ...]:
    """Pairs of OTHER bidders whose relative order flips when ``changed`` re-prices.

    Relative formulas (average, trimmed, composite, linear, and lowest once the lowest bid
    changes) move the benchmark for everyone, so a third bid can swap two others. Only
    strict flips between bidders ranked both before and after are reported; ties are not.
    """
    before = score_all(rules, bids)
    after = score_all(
        rules, [replace(b, price=new_price) if b.name == changed else b for b in bids]
    )
    old_price = before.by_name(changed).price
    out = []
    others = [r.name for r in before.rows if r.name != changed]
    for a in others:
        for b in others:
            ra0, rb0, ra1, rb1 = (
                before.by_name(a),
                before.by_name(b),
                after.by_name(a),
                after.by_name(b),
            )
            if None in (ra0.rank, rb0.rank, ra1.rank, rb1.rank):
                continue
            if ra0.rank < rb0.rank and ra1.rank > rb1.rank:
                args = dict(
                    c=changed,
                    p0=old_price,
                    p1=_dec(new_price),
                    b0=_shown(before.benchmark),
                    b1=_shown(after.benchmark),
                    a=a,
                    b=b,
                    ta0=ra0.total,
                    tb0=rb0.total,
                    ta1=ra1.total,
                    tb1=rb1.total,
                )
                out.append(
                    RankReversal(
                        a,
                        b,
                        {
                            "en": (
                                "When {c} changed its price from {p0} to {p1}, the benchmark moved "
                                "from {b0} to {b1}. {a} led {b} ({ta0} vs {tb0} points) and now "
                                "trails it ({ta1} vs {tb1}), although neither of them changed "
                                "their bid."
                            ).format(**args),
                            "zh_CN": (
                                "{c}的报价由{p0}变为{p1}，评标基准价随之由{b0}变为{b1}。"
                                "{a}原本领先{b}（{ta0}分对{tb0}分），现在反而落后（{ta1}分对"
                                "{tb1}分），而这两家都没有改动报价。"
                            ).format(**args),
                        },
                    )
                )
    return tuple(out)


# --------------------------------------------------------------------------- simulation

_Z95 = 1.6448536269514722  # standard normal 95th percentile


@dataclass(frozen=True)
class Triangular:
    """A triangular estimate (low / most likely / high); low == high means a known value."""

    low: float
    likely: float
    high: float

    @classmethod
    def exact(cls, x: float) -> Triangular:
        return cls(x, x, x)

    def sample(self, u: np.ndarray) -> np.ndarray:
        return _triangular(u, np.float64(self.low), np.float64(self.likely), np.float64(self.high))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """P(draw ≤ x)."""
        lo, mode, hi = self.low, self.likely, self.high
        x = np.asarray(x, dtype=float)
        if hi == lo:
            return (x >= lo).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            left = np.where(mode > lo, (x - lo) ** 2 / ((hi - lo) * (mode - lo)), 1.0)
            right = np.where(hi > mode, 1 - (hi - x) ** 2 / ((hi - lo) * (hi - mode)), 1.0)
        return np.where(x <= lo, 0.0, np.where(x >= hi, 1.0, np.where(x <= mode, left, right)))


@dataclass(frozen=True)
class Normal:
    """A normal rival price: ``low`` and ``high`` are the 5th and 95th percentiles
    (currency units), so the mean is their midpoint and 90 % of bids fall between them.
    A draw ≤ 0 is an invalid bid (the rival drops out of that trial)."""

    low: float
    high: float

    @property
    def likely(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def sd(self) -> float:
        return (self.high - self.low) / (2 * _Z95)

    def sample(self, u: np.ndarray) -> np.ndarray:
        return self.likely + self.sd * _norm_ppf(u)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        if self.sd == 0:
            return (np.asarray(x, dtype=float) >= self.likely).astype(float)
        return _norm_cdf((np.asarray(x, dtype=float) - self.likely) / self.sd)


@dataclass(frozen=True)
class Lognormal:
    """A lognormal rival price (never ≤ 0, skewed to the high side): ``low`` and ``high``
    are the 5th and 95th percentiles (currency units); ``likely`` is the median."""

    low: float
    high: float

    @property
    def mu(self) -> float:
        return 0.5 * (math.log(self.low) + math.log(self.high))

    @property
    def sigma(self) -> float:
        return (math.log(self.high) - math.log(self.low)) / (2 * _Z95)

    @property
    def likely(self) -> float:
        return math.exp(self.mu)

    def sample(self, u: np.ndarray) -> np.ndarray:
        return np.exp(self.mu + self.sigma * _norm_ppf(u))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if self.sigma == 0:
            return (x >= self.likely).astype(float)
        with np.errstate(divide="ignore"):
            z = (np.log(np.maximum(x, 0.0)) - self.mu) / self.sigma
        return _norm_cdf(z)


@dataclass(frozen=True)
class Empirical:
    """A rival's recorded past bids, each as a ratio bid ÷ our cost on that tender
    (1.08: they bid 8 % above what it cost us), replayed against our current ``cost``
    (currency units): each trial draws one past ratio with equal probability."""

    ratios: tuple[float, ...]
    cost: float

    @property
    def likely(self) -> float:
        return float(np.median(self.ratios)) * self.cost

    @property
    def low(self) -> float:
        return min(self.ratios) * self.cost

    @property
    def high(self) -> float:
        return max(self.ratios) * self.cost

    def sample(self, u: np.ndarray) -> np.ndarray:
        values = np.asarray(self.ratios, dtype=float) * self.cost
        idx = np.minimum((u * len(values)).astype(np.intp), len(values) - 1)
        return values[idx]

    def cdf(self, x: np.ndarray) -> np.ndarray:
        values = np.sort(np.asarray(self.ratios, dtype=float) * self.cost)
        return np.searchsorted(values, np.asarray(x, dtype=float), side="right") / len(values)


PriceModel = Triangular | Normal | Lognormal | Empirical
PRICE_MODELS = ("triangular", "normal", "lognormal", "empirical")


def _norm_cdf(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.vectorize(math.erf, otypes=[float])(np.asarray(z) / math.sqrt(2)))


def _norm_ppf(u: np.ndarray) -> np.ndarray:
    """Inverse standard normal CDF (Acklam's rational approximation, relative error
    < 1.2e-9), so every price model turns the same uniform draws into prices."""
    a = (-39.69683028665376, 220.9460984245205, -275.9285104469687,
         138.3577518672690, -30.66479806614716, 2.506628277459239)  # fmt: skip
    b = (-54.47609879822406, 161.5858368580409, -155.6989798598866,
         66.80131188771972, -13.28068155288572)  # fmt: skip
    c = (-7.784894002430293e-03, -0.3223964580411365, -2.400758277161838,
         -2.549732539343734, 4.374664141464968, 2.938163982698783)  # fmt: skip
    d = (7.784695709041462e-03, 0.3224671290700398, 2.445134137142996, 3.754408661907416)
    u = np.clip(np.asarray(u, dtype=float), 1e-300, 1 - 1e-16)
    q = u - 0.5
    r = q * q
    central = (
        (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
        * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    )
    t = np.sqrt(-2 * np.log(np.minimum(u, 1 - u)))
    tail = (((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) / (
        (((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1
    )
    tail = np.where(u < 0.5, tail, -tail)
    return np.where(np.abs(q) <= 0.47575, central, tail)


@dataclass(frozen=True)
class CompetitorEstimate:
    """A rival: price model (currency units), technical points, and its price adjustments
    as fractions (see :class:`Bid`)."""

    name: str
    price: PriceModel
    tech: Triangular  # technical points
    sme_deduction: float = 0.0
    preference_margin: float = 0.0

    def factor(self) -> float:
        return (1 - self.sme_deduction) * (1 + self.preference_margin)


@dataclass(frozen=True)
class Scenario:
    """What the rep believes: rules (with the ceiling), our technical points as a range,
    our cost (currency units), each competitor's price and technical points, and our own
    price adjustments as fractions. A figure not entered yet is ``None`` (our cost, or the
    values of a ``Triangular``): :func:`validate_scenario` reports it as "missing" and
    nothing may be simulated until :func:`missing_inputs` is empty."""

    rules: ScoringRules
    our_tech: Triangular
    our_cost: float
    competitors: tuple[CompetitorEstimate, ...] = ()
    our_sme_deduction: float = 0.0
    our_preference_margin: float = 0.0

    def our_factor(self) -> float:
        return (1 - self.our_sme_deduction) * (1 + self.our_preference_margin)


@dataclass(frozen=True, eq=False)
class Draws:
    """Sampled trials: competitor prices and technical points (trials, competitors), our
    technical points (trials,), K per trial (trials,); price factors (evaluated ÷ quoted,
    ours then each competitor's; None when all are 1)."""

    comp_prices: np.ndarray
    comp_tech: np.ndarray
    our_tech: np.ndarray
    k: np.ndarray
    factors: tuple[float, ...] | None = None


def _triangular(u: np.ndarray, lo: np.ndarray, mode: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Inverse-CDF triangular sampling; unlike Generator.triangular it accepts lo == hi."""
    width = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = np.where(width > 0, (mode - lo) / width, 0.5)
    left = lo + np.sqrt(u * width * (mode - lo))
    right = hi - np.sqrt((1 - u) * width * (hi - mode))
    return np.where(u < cut, left, right)


def draw_bids(scenario: Scenario, trials: int, seed: int | None = 0) -> Draws:
    """Draw ``trials`` competitor fields with a seeded ``numpy.random.Generator``; the draw
    order is fixed so the same seed always gives the same trials. Every price model turns
    the same uniform numbers into prices (inverse CDF), so switching one rival's model
    changes only that rival's column."""
    rng = np.random.default_rng(seed)
    comps = scenario.competitors
    c = len(comps)

    def tri(ranges: Sequence[Triangular], u: np.ndarray) -> np.ndarray:
        lo, mode, hi = (
            np.array([getattr(r, f) for r in ranges], dtype=float).reshape(-1)
            for f in ("low", "likely", "high")
        )
        return _triangular(u, lo, mode, hi)

    u = rng.random((trials, c))
    if all(isinstance(x.price, Triangular) for x in comps):
        comp_prices = tri([x.price for x in comps], u)
    else:
        comp_prices = np.empty((trials, c))
        for j, x in enumerate(comps):
            comp_prices[:, j] = x.price.sample(u[:, j])
    comp_tech = tri([x.tech for x in comps], rng.random((trials, c)))
    our_tech = tri([scenario.our_tech], rng.random((trials, 1)))[:, 0]
    bm = scenario.rules.benchmark
    if bm.k_set:
        k = np.asarray(bm.k_set, dtype=float)[rng.integers(len(bm.k_set), size=trials)]
    else:
        k = np.full(trials, bm.k or 0.0)
    factors = (scenario.our_factor(), *(x.factor() for x in comps))
    return Draws(comp_prices, comp_tech, our_tech, k, None if set(factors) <= {1.0} else factors)


def evaluate_draws(
    rules: ScoringRules,
    draws: Draws,
    candidate_prices: Sequence[float] | np.ndarray,
    chunk_elements: int = 1 << 16,
) -> tuple[np.ndarray, np.ndarray]:
    """P(we rank first) and expected rank for each candidate price over the drawn trials.

    Arrays hold (trials, candidates, bidders), laid out bidders-first, with us at bidder
    0, computed in chunks of trials so each temporary stays near ``chunk_elements``
    floats (cache-sized chunks measured fastest). A shared first place counts as a win;
    a rejected bid of ours counts as rank bidders + 1.
    """
    cand = np.asarray(candidate_prices, dtype=float)
    t, c = draws.comp_prices.shape
    b = c + 1
    wins = np.zeros(len(cand))
    rank_sum = np.zeros(len(cand))
    step = max(1, chunk_elements // max(1, len(cand) * b))
    factor = None if draws.factors is None else np.asarray(draws.factors)[:, None, None]
    for s in range(0, t, step):
        sl = slice(s, min(s + step, t))
        # bidders first (see the vector core note): (bidders, trials, candidates)
        prices = np.empty((b, sl.stop - sl.start, len(cand)))
        prices[0] = cand
        prices[1:] = draws.comp_prices[sl].T[:, :, None]
        tech = np.concatenate([draws.our_tech[None, sl], draws.comp_tech[sl].T])[:, :, None]
        pts, rejected, _ = _scaled_points(rules, prices, draws.k[sl, None], tech, factor)
        total = _scaled_totals(rules, pts, tech, rejected)
        ahead = _ranks_ahead(
            total[1:], tech[1:], prices[1:], total[:1], tech[:1], prices[:1], rules.tie_order
        )
        rank = np.where(rejected[0], b + 1, 1 + _count(ahead))
        wins += np.count_nonzero(rank == 1, axis=0)
        rank_sum += rank.sum(0)
    return wins / max(t, 1), rank_sum / max(t, 1)


def analytic_p_win(
    scenario: Scenario, candidate_prices: Sequence[float] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The classic closed-form bidding models, (Friedman, Gates) P(win) per candidate price.

    Both see the tender as "lowest evaluated price wins" (technical scores and relative
    benchmarks ignored, as in the literature) and take p_i = P(rival i's evaluated price is
    above ours) from that rival's price model. Friedman (1956) treats rivals as
    independent: P = Π p_i. Gates (1967): P = 1 / (1 + Σ (1 − p_i) / p_i). A bid of ours
    above the ceiling or below the floor price has P = 0 in both.
    """
    cand = np.asarray(candidate_prices, dtype=float)
    rules = scenario.rules
    ours = cand * scenario.our_factor()
    friedman = np.ones(len(cand))
    odds = np.zeros(len(cand))
    zero = np.zeros(len(cand), dtype=bool)
    for comp in scenario.competitors:
        # rival's quoted price above ours × our factor ÷ theirs
        p = 1.0 - comp.price.cdf(ours / comp.factor())
        friedman *= p
        zero |= p <= 0
        with np.errstate(divide="ignore", invalid="ignore"):
            odds += np.where(p > 0, (1 - p) / p, 0.0)
    gates = np.where(zero, 0.0, 1.0 / (1.0 + odds))
    valid = cand > 0
    if rules.ceiling is not None:
        valid &= cand <= rules.ceiling
    if rules.floor_price is not None:
        valid &= cand >= rules.floor_price
    return np.where(valid, friedman, 0.0), np.where(valid, gates, 0.0)


@dataclass(frozen=True, eq=False)
class StrategyResult:
    """Per candidate price (currency units): P(rank first), expected rank, and expected
    margin = P(win) × (price − cost). ``best_for_win`` is the highest price among those
    sharing the top P(win) (same odds, more money); ``best_for_margin`` maximises margin.
    ``friedman`` and ``gates``: P(win) under the analytic models (see
    :func:`analytic_p_win`), side by side with the Monte Carlo ``p_win``."""

    prices: np.ndarray
    p_win: np.ndarray
    expected_rank: np.ndarray
    expected_margin: np.ndarray
    best_for_win: float
    best_for_margin: float
    trials: int
    seed: int | None
    friedman: np.ndarray | None = None
    gates: np.ndarray | None = None


def simulate_strategy(
    scenario: Scenario,
    candidate_prices: Sequence[float] | np.ndarray,
    trials: int = 2000,
    seed: int | None = 0,
) -> StrategyResult:
    """Monte Carlo over the competitors for a grid of our candidate prices.

    Every candidate price faces the same drawn trials (common random numbers), so the
    curves are smooth and differences between prices are not sampling noise.
    """
    cand = np.asarray(candidate_prices, dtype=float)
    p_win, exp_rank = evaluate_draws(scenario.rules, draw_bids(scenario, trials, seed), cand)
    margin = p_win * (cand - scenario.our_cost)
    top = np.flatnonzero(p_win == p_win.max())
    friedman, gates = analytic_p_win(scenario, cand)
    return StrategyResult(
        cand,
        p_win,
        exp_rank,
        margin,
        float(cand[top[-1]]),
        float(cand[int(np.argmax(margin))]),
        trials,
        seed,
        friedman,
        gates,
    )


def weight_sensitivity(
    scenario: Scenario,
    price: float,
    weights: Sequence[float] = tuple(range(10, 65, 5)),
    trials: int = 2000,
    seed: int | None = 0,
) -> tuple[tuple[float, float], ...]:
    """P(win) at ``price`` as the price weight varies; returns (weight, P(win)) pairs.

    Our choice: the sheet keeps its total (price weight + technical max), so technical
    points shrink or grow with the room left: every technical score, ``tech_max`` and
    ``min_tech`` is multiplied by (total − weight) / (total − original weight), which keeps
    each bidder's technical share. Deductions per 1 % are kept as entered; the floor is
    capped at the new weight. The same trials are reused for every weight so the curve
    shows the rule, not noise.
    """
    rules = scenario.rules
    draws = draw_bids(scenario, trials, seed)
    out = []
    for w in weights:
        r, scale = reweighted(rules, float(w))
        d = replace(draws, comp_tech=draws.comp_tech * scale, our_tech=draws.our_tech * scale)
        out.append((float(w), float(evaluate_draws(r, d, [price])[0][0])))
    return tuple(out)


def reweighted(rules: ScoringRules, weight: float) -> tuple[ScoringRules, float]:
    """The rules with price weight ``weight`` (points), keeping the sheet's total, and the
    factor technical scores are multiplied by (see :func:`weight_sensitivity`)."""
    total = rules.price_weight + rules.tech_max
    room = rules.tech_max
    scale = (total - weight) / room if room > 0 else 0.0
    bm = replace(rules.benchmark, floor=min(rules.benchmark.floor, weight))
    min_tech = None if rules.min_tech is None else rules.min_tech * scale
    return (
        replace(
            rules,
            price_weight=float(weight),
            tech_max=rules.tech_max * scale,
            benchmark=bm,
            min_tech=min_tech,
        ),
        scale,
    )


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Issue:
    """A problem with user input: ``code`` is stable for tests and templates; severity
    "error" blocks the calculation, "warning" is shown but the result is still defined."""

    code: str
    en: str
    zh_CN: str
    severity: Literal["error", "warning"] = "error"


_NOT_FINITE = ("not_finite", "Enter a finite number.", "请输入有限的数值。")
#: A figure nobody has entered yet (``None`` in the scenario). Blocks the calculation like
#: an error, but says "missing" rather than "wrong": a new scenario starts this way instead
#: of from invented figures (see :func:`missing_inputs`).
_MISSING = ("missing", "Not entered yet.", "尚未填写。")


def _is_finite(x: object) -> bool:
    """True for a finite int/float/Decimal; False for NaN, ±∞ and anything else."""
    if isinstance(x, bool):
        return True
    if isinstance(x, Decimal):
        return x.is_finite()
    try:
        return math.isfinite(x)  # type: ignore[arg-type]
    except TypeError:
        return False


def _check_pieces(pieces: Pieces) -> bool:
    froms = [p[0] for p in pieces]
    return (
        froms == sorted(froms)
        and len(set(froms)) == len(froms)
        and all(f >= 0 and r >= 0 for f, r in pieces)
    )


def validate_rules(rules: ScoringRules) -> dict[str, Issue]:
    """Field name → issue for the rules; an empty dict means usable. Never raises.
    NaN and ±∞ are refused in every number, at the field they came from."""
    bm, al, issues = rules.benchmark, rules.abnormal_low, {}

    def add(f: str, code: str, en: str, zh: str, severity: str = "error") -> None:
        issues.setdefault(f, Issue(code, en, zh, severity))  # type: ignore[arg-type]

    numbers = {
        "price_weight": [rules.price_weight],
        "tech_max": [rules.tech_max],
        "benchmark.k": [*((bm.k,) if bm.k is not None else ()), *bm.k_set],
        "benchmark.alpha": [bm.alpha],
        "benchmark.deductions": [bm.deduct_above, bm.deduct_below],
        "benchmark.above_pieces": [x for p in bm.above_pieces for x in p],
        "benchmark.below_pieces": [x for p in bm.below_pieces for x in p],
        "benchmark.floor": [bm.floor],
        "benchmark.fixed_price": [bm.fixed_price] if bm.fixed_price is not None else [],
        "benchmark.control_price": [bm.control_price] if bm.control_price is not None else [],
        "benchmark.blend": [bm.blend_a, bm.blend_b, bm.k1],
        "abnormal_low.threshold": [al.threshold] if al is not None else [],
        "ceiling": [rules.ceiling] if rules.ceiling is not None else [],
        "floor_price": [rules.floor_price] if rules.floor_price is not None else [],
        "below_benchmark_limit": (
            [rules.below_benchmark_limit] if rules.below_benchmark_limit is not None else []
        ),
        "min_tech": [rules.min_tech] if rules.min_tech is not None else [],
    }
    for f, values in numbers.items():
        if not all(_is_finite(v) for v in values):
            add(f, *_NOT_FINITE)
    if issues:  # range checks below assume finite numbers
        return issues

    if not 0 <= rules.price_weight <= 100:
        add(
            "price_weight",
            "weight_range",
            "Price weight must be between 0 and 100 points (0: price only disqualifies).",
            "价格分权重须在0至100分之间（0分：价格只作为资格条件）。",
        )
    if rules.tech_max < 0:
        add("tech_max", "negative", "Technical points cannot be negative.", "技术商务分不能为负。")
    elif rules.price_weight + rules.tech_max > 1000:
        add(
            "tech_max",
            "points_too_large",
            "Price weight plus technical points exceed 1000 points.",
            "价格分与技术商务分之和超过1000分。",
        )
    elif rules.price_weight + rules.tech_max != 100:
        add(
            "tech_max",
            "points_not_100",
            "Price weight plus technical points do not add up to 100: scores are used as "
            "the tender states them.",
            "价格分与技术商务分之和不等于100分：按招标文件规定的分值计算。",
            "warning",
        )
    if bm.method not in METHODS:
        add("benchmark.method", "unknown_method", "Unknown benchmark method.", "未知的基准价方法。")
    if bm.source not in SOURCES:
        add("benchmark.source", "unknown_source", "Unknown benchmark source.", "未知的基准价来源。")
    if rules.tie_order not in TIE_ORDERS:
        add("tie_order", "unknown_tie_order", "Unknown tie order.", "未知的同分排序规则。")
    if bm.k is not None and bm.k_set:
        add(
            "benchmark.k",
            "k_twice",
            "Give either a fixed K or a K set, not both.",
            "K值只能固定或从备选集合抽取，二者选一。",
        )
    if any(not 0 <= k < 1 for k in ((bm.k,) if bm.k is not None else ()) + tuple(bm.k_set)):
        add(
            "benchmark.k",
            "k_range",
            "K must be between 0 and 1 (0 ≤ K < 1).",
            "K值须在0到1之间（0 ≤ K < 1）。",
        )
    if not 0 <= bm.alpha <= 1:
        add("benchmark.alpha", "alpha_range", "Alpha must be between 0 and 1.", "α须在0到1之间。")
    if bm.deduct_above < 0 or bm.deduct_below < 0:
        add(
            "benchmark.deductions",
            "negative",
            "Deductions per 1 % cannot be negative.",
            "每偏离1%的扣分不能为负。",
        )
    for side in ("above", "below"):
        pieces = getattr(bm, f"{side}_pieces")
        if pieces and (not _check_pieces(pieces) or len(pieces) > 10):
            add(
                f"benchmark.{side}_pieces",
                "pieces_order",
                "Give up to 10 steps as 'from % : points per 1 %', starting points ascending "
                "and not negative.",
                "最多10段，格式为“起点%:每1%扣分”，起点从小到大且不为负。",
            )
    for side in ("above", "below"):
        how = getattr(bm, f"round_{side}")
        if how.mode not in ROUND_MODES or not 0 <= how.places <= 6:
            add(
                f"benchmark.round_{side}",
                "rounding_range",
                "Round the deviation to 0 to 6 decimals.",
                "偏离率保留小数位须为0至6位。",
            )
    if not 0 <= bm.floor <= max(rules.price_weight, 0):
        add(
            "benchmark.floor",
            "floor_range",
            "The floor must be between 0 and the price weight.",
            "最低分须在0与价格分权重之间。",
        )
    if bm.trim_n < 0 or bm.trim_min_remaining < 1:
        add(
            "benchmark.trim",
            "trim_range",
            "Bids dropped per end must be ≥ 0 and bids remaining must be ≥ 1.",
            "每端去掉的报价数须≥0，保留报价数须≥1。",
        )
    if any(m < 1 or d < 0 or m <= 2 * d for m, d in bm.trim_tiers) or len(bm.trim_tiers) > 10:
        add(
            "benchmark.trim_tiers",
            "tiers_range",
            "Each step needs more bids than it drops (bids > 2 × dropped per end).",
            "每档的报价家数须多于去掉的家数（家数 > 2 × 每端去掉数）。",
        )
    if bm.source == "fixed" and (bm.fixed_price is None or bm.fixed_price <= 0):
        add(
            "benchmark.fixed_price",
            "required_positive",
            "Enter the published benchmark price (above zero).",
            "请填写公布的评标基准价（大于零）。",
        )
    needs_control = bm.source in ("control", "blend") or (
        bm.method == "linear" and bm.linear_anchor == "budget"
    )
    if bm.control_price is not None and bm.control_price <= 0:
        add(
            "benchmark.control_price",
            "non_positive",
            "The control price must be above zero.",
            "控制价须大于零。",
        )
    elif needs_control and rules.control() is None:
        add(
            "benchmark.control_price",
            "control_required",
            "Enter the control price or the budget ceiling.",
            "请填写控制价或最高限价。",
        )
    if bm.source == "blend" and (
        bm.blend_a < 0 or bm.blend_b < 0 or bm.k1 <= 0 or bm.blend_a + bm.blend_b <= 0
    ):
        add(
            "benchmark.blend",
            "blend_range",
            "A and B must not be negative (not both zero) and K1 must be above zero.",
            "A、B不能为负（不能都为零），K1须大于零。",
        )
    if al is not None and not 0 < al.threshold <= 1:
        add(
            "abnormal_low.threshold",
            "threshold_range",
            "The abnormally-low threshold must be above 0 % and at most 100 %.",
            "异常低价界限须大于0%且不超过100%。",
        )
    if rules.ceiling is not None and rules.ceiling <= 0:
        add(
            "ceiling",
            "non_positive",
            "The budget ceiling must be above zero.",
            "最高限价须大于零。",
        )
    if rules.floor_price is not None:
        if rules.floor_price <= 0:
            add(
                "floor_price",
                "non_positive",
                "The floor price must be above zero.",
                "最低限价须大于零。",
            )
        elif rules.ceiling is not None and rules.floor_price > rules.ceiling:
            add(
                "floor_price",
                "floor_above_ceiling",
                "The floor price is above the ceiling.",
                "最低限价高于最高限价。",
            )
    if rules.below_benchmark_limit is not None and not 0 <= rules.below_benchmark_limit < 1:
        add(
            "below_benchmark_limit",
            "limit_range",
            "The limit must be between 0 % and 100 %.",
            "下限须在0%至100%之间。",
        )
    if rules.min_tech is not None and not 0 <= rules.min_tech <= rules.tech_max:
        add(
            "min_tech",
            "min_tech_range",
            "The minimum technical score must be between 0 and the technical maximum.",
            "技术分最低要求须在0与技术商务分上限之间。",
        )
    if not 0 <= rules.decimals <= 6:
        add("decimals", "decimals_range", "Use 0 to 6 decimal places.", "小数位数须为0至6位。")
    return issues


def _check_adjustments(issues: dict[str, Issue], prefix: str, sme: Number, margin: Number) -> None:
    for f, v in (("sme_deduction", sme), ("preference_margin", margin)):
        if not _is_finite(v):
            issues.setdefault(f"{prefix}{f}", Issue(*_NOT_FINITE))
        elif not 0 <= v < 1:
            issues.setdefault(
                f"{prefix}{f}",
                Issue(
                    "adjustment_range",
                    "Use a percentage from 0 % to below 100 %.",
                    "百分比须在0%至100%之间（不含100%）。",
                ),
            )


def _check_range(issues: dict[str, Issue], f: str, r: PriceModel, positive: bool) -> None:
    if isinstance(r, Empirical):
        if r.cost is None:
            return  # the past bids are replayed against our cost: that is what is missing
        if not r.ratios or len(r.ratios) > 500:
            issues.setdefault(
                f,
                Issue(
                    "no_past_bids",
                    "Enter 1 to 500 past bids as bid ÷ our cost (e.g. 1.08, 0.97).",
                    "请输入1至500个历史报价与我方成本之比（如1.08, 0.97）。",
                ),
            )
        elif not all(_is_finite(x) for x in (*r.ratios, r.cost)):
            issues.setdefault(f, Issue(*_NOT_FINITE))
        elif min(r.ratios) <= 0:
            issues.setdefault(
                f, Issue("non_positive", "Prices must be above zero.", "价格须大于零。")
            )
        return
    likely = getattr(r, "likely", r.low) if isinstance(r, Triangular) else r.low
    if any(x is None for x in (r.low, likely, r.high)):
        issues.setdefault(f, Issue(*_MISSING))
    elif not all(_is_finite(x) for x in (r.low, likely, r.high)):
        issues.setdefault(f, Issue(*_NOT_FINITE))
    elif positive and r.low <= 0:
        issues.setdefault(f, Issue("non_positive", "Prices must be above zero.", "价格须大于零。"))
    elif r.low < 0:
        issues.setdefault(f, Issue("negative", "Scores cannot be negative.", "分数不能为负。"))
    elif r.low > r.high:
        issues.setdefault(f, Issue("low_above_high", "Low is above high.", "最低值高于最高值。"))
    elif isinstance(r, Triangular) and not r.low <= r.likely <= r.high:
        issues.setdefault(
            f,
            Issue(
                "likely_outside",
                "Most likely must lie between low and high.",
                "最可能值须在最低值与最高值之间。",
            ),
        )


def validate_scenario(
    scenario: Scenario, candidate_prices: Sequence[float] = (), trials: int = 2000
) -> dict[str, Issue]:
    """Rules checks plus the estimates. Zero competitors is fine (we win if our bid is
    valid); more than :data:`MAX_COMPETITORS` is refused to keep the page responsive."""
    rules, comps = scenario.rules, scenario.competitors
    issues = validate_rules(rules)
    _check_range(issues, "our_tech", scenario.our_tech, positive=False)
    if (
        "our_tech" not in issues
        and _is_finite(rules.tech_max)
        and scenario.our_tech.high > rules.tech_max
    ):
        issues.setdefault(
            "our_tech",
            Issue("tech_over_max", "Above the technical maximum.", "超过技术商务分上限。"),
        )
    _check_adjustments(issues, "our_", scenario.our_sme_deduction, scenario.our_preference_margin)
    if scenario.our_cost is None:
        issues["our_cost"] = Issue(*_MISSING)
    elif not _is_finite(scenario.our_cost):
        issues["our_cost"] = Issue(*_NOT_FINITE)
    elif scenario.our_cost <= 0:
        issues["our_cost"] = Issue("non_positive", "Cost must be above zero.", "成本须大于零。")
    elif (
        rules.ceiling is not None
        and _is_finite(rules.ceiling)
        and 0 < rules.ceiling < scenario.our_cost
    ):
        issues["ceiling"] = Issue(
            "ceiling_below_cost",
            "The ceiling is below our cost: any valid bid loses money.",
            "最高限价低于我方成本：任何有效报价都会亏损。",
            "warning",
        )
    if len(comps) > MAX_COMPETITORS:
        issues["competitors"] = Issue(
            "too_many",
            f"At most {MAX_COMPETITORS} competitors.",
            f"竞争对手最多{MAX_COMPETITORS}家。",
        )
    bm = rules.benchmark
    if (
        bm.method == "trimmed"
        and bm.source == "bids"
        and not bm.trim_tiers
        and len(comps) + 1 - 2 * bm.trim_n < 1
    ):
        issues.setdefault(
            "benchmark.trim",
            Issue(
                "trim_drops_all",
                "Trimming would drop every bid, so the plain average is used.",
                "去掉最高最低报价后将没有报价可用，因此改用简单平均。",
                "warning",
            ),
        )
    for i, c in enumerate(comps):
        _check_range(issues, f"competitors[{i}].price", c.price, positive=True)
        _check_range(issues, f"competitors[{i}].tech", c.tech, positive=False)
        _check_adjustments(issues, f"competitors[{i}].", c.sme_deduction, c.preference_margin)
    if any(p is None for p in candidate_prices):
        issues["candidate_prices"] = Issue(*_MISSING)
    elif not all(_is_finite(p) for p in candidate_prices):
        issues["candidate_prices"] = Issue(*_NOT_FINITE)
    elif any(p <= 0 for p in candidate_prices):
        issues["candidate_prices"] = Issue(
            "non_positive", "Prices must be above zero.", "价格须大于零。"
        )
    if not 1 <= trials <= 200_000:
        issues["trials"] = Issue(
            "trials_range", "Use 1 to 200,000 trials.", "模拟次数须为1至200,000次。"
        )
    return issues


def missing_inputs(issues: dict[str, Issue]) -> tuple[str, ...]:
    """The fields of :func:`validate_scenario`'s ``issues`` that nobody has entered yet
    ("our_cost", "our_tech", "competitors[i].price", "competitors[i].tech",
    "candidate_prices"), in a fixed order: our figures, then each rival's, then the prices
    to test. A scenario with any of them has no P(win) and no suggested price: the engine
    never fills a gap with a guess."""

    def order(key: str) -> tuple[int, int, str]:
        if key.startswith("competitors["):
            return (1, int(key[len("competitors[") : key.index("]")]), key)
        return ({"our_cost": 0, "our_tech": 0, "candidate_prices": 2}[key], 0, key)

    return tuple(sorted((k for k, i in issues.items() if i.code == "missing"), key=order))


def validate_bids(rules: ScoringRules, bids: Sequence[Bid]) -> dict[str, Issue]:
    """Rules checks plus each bid of the deterministic view (``bids[i].price`` etc.)."""
    issues = validate_rules(rules)
    if len(bids) > MAX_COMPETITORS + 1:
        issues["bids"] = Issue(
            "too_many",
            f"At most {MAX_COMPETITORS} competitors.",
            f"竞争对手最多{MAX_COMPETITORS}家。",
        )
    tech_max = _dec(rules.tech_max) if _is_finite(rules.tech_max) else None
    for i, b in enumerate(bids):
        if not _is_finite(b.price):
            issues[f"bids[{i}].price"] = Issue(*_NOT_FINITE)
        elif _dec(b.price) <= 0:
            issues[f"bids[{i}].price"] = Issue(
                "non_positive", "Prices must be above zero.", "价格须大于零。"
            )
        if not _is_finite(b.tech):
            issues[f"bids[{i}].tech"] = Issue(*_NOT_FINITE)
        elif tech_max is not None and not 0 <= _dec(b.tech) <= tech_max:
            issues[f"bids[{i}].tech"] = Issue(
                "tech_range",
                "Technical points must be between 0 and the max.",
                "技术商务分须在0与上限之间。",
            )
        _check_adjustments(issues, f"bids[{i}].", b.sme_deduction, b.preference_margin)
    return issues


# --------------------------------------------------------------------------- explanations

METHOD_EXPLANATIONS: dict[Method, dict[str, str]] = {
    "lowest": {
        "en": "The cheapest valid bid sets the benchmark and earns the full price points. "
        "Every other bid earns the weight times benchmark ÷ its price, so a bid 25 % "
        "dearer than the cheapest keeps 80 % of the points.",
        "zh_CN": "以最低有效报价为评标基准价，该报价得满分；其他报价得分 = 价格分权重 × "
        "基准价 ÷ 本报价。比最低价高25%的报价得到80%的价格分。",
    },
    "average": {
        "en": "The average of the valid bids, times (1 − K) if a K is set, is the "
        "benchmark. A bid at the benchmark earns the full weight; each 1 % above it "
        "costs the 'above' deduction and each 1 % below it the (usually smaller) "
        "'below' deduction, never under the floor. The deterministic view uses the "
        "given K, or the mean of the published K set; the simulation draws one K "
        "from the set per trial, as at the opening.",
        "zh_CN": "以有效报价的平均值为基准，如设K值则再乘以(1 − K)。报价等于基准价得满分；"
        "每高出1%扣“高于”分，每低于1%扣“低于”分（通常较少），最低不低于保底分。"
        "确定性计算采用给定的K值或公布K值集合的平均数；模拟时每次随机从集合中"
        "抽取一个K值，与开标现场一致。",
    },
    "trimmed": {
        "en": "Like the average method, but the n highest and n lowest valid bids are "
        "left out of the average first. Trimming only happens when at least m bids "
        "would remain; with fewer bids the plain average of all valid bids is used.",
        "zh_CN": "与平均值法相同，但先去掉n个最高和n个最低的有效报价再求平均。只有去掉后"
        "仍剩至少m个报价时才去掉；否则直接用全部有效报价的简单平均。",
    },
    "composite": {
        "en": "The benchmark mixes the lowest valid bid and the average: α × lowest + "
        "(1 − α) × average, times (1 − K) if set. Points are then deducted per 1 % "
        "above or below it, as in the average method.",
        "zh_CN": "基准价由最低有效报价与平均价加权组成：α × 最低价 + (1 − α) × 平均价，"
        "如设K值再乘以(1 − K)。之后按偏离基准价的百分比扣分，与平均值法相同。",
    },
    "linear": {
        "en": "Points fall in a straight line from the cheapest valid bid (full weight) to "
        "the dearest (zero): weight × (highest − bid) ÷ (highest − lowest). If all "
        "valid bids are equal, all get the full weight.",
        "zh_CN": "价格分在最低有效报价（满分）与最高有效报价（零分）之间线性分配：权重 × "
        "(最高价 − 本报价) ÷ (最高价 − 最低价)。如所有有效报价相同，均得满分。",
    },
}

RULE_EXPLANATIONS: dict[str, dict[str, str]] = {
    "ceiling": {
        "en": "A bid above the budget ceiling is invalid: it is not scored or ranked.",
        "zh_CN": "超过最高限价的报价无效，不计分也不参与排名。",
    },
    "abnormal_low_zero": {
        "en": "A bid below the stated share of the reference (the average, or the "
        "benchmark, of bids under the ceiling) is left out of the benchmark and gets "
        "zero price points, but its technical points still count.",
        "zh_CN": "低于参考价（限价内报价的平均值或基准价）一定比例的报价，不参与计算基准价，"
        "价格分记零分，但技术商务分照常计入。",
    },
    "abnormal_low_reject": {
        "en": "A bid below the stated share of the reference is left out of the benchmark "
        "and rejected: it is not ranked at all.",
        "zh_CN": "低于参考价一定比例的报价不参与计算基准价，并被否决，不参与排名。",
    },
    "rounding": {
        "en": "Price points and totals are rounded half-up to the stated number of "
        "decimal places (2.675 becomes 2.68).",
        "zh_CN": "价格分与总分按规定小数位四舍五入（2.675记为2.68）。",
    },
    "tie_break": {
        "en": "Equal totals are separated by the lower quoted price (财政部令第87号 Art. 65); "
        "bids equal on both share the rank.",
        "zh_CN": "总分相同时，按投标报价由低到高排列；得分与报价都相同的并列。",
    },
    "tie_break_tech": {
        "en": "Equal totals are separated by the higher technical score, then by the "
        "lower price; bids equal on all three share the rank.",
        "zh_CN": "总分相同时，技术商务分高者排前；仍相同则报价低者排前；三项都相同则并列。",
    },
    "tie_break_shared": {
        "en": "Equal totals share the rank.",
        "zh_CN": "总分相同的并列。",
    },
    "abnormal_low_explain": {
        "en": "A bid far below the others must explain in writing why its price is sound "
        "(87号令 Art. 60); its score does not change, but the committee may reject it, so it "
        "is shown as a risk.",
        "zh_CN": "报价明显低于其他投标人的，须在评标现场书面说明其报价合理性（87号令第六十条）；"
        "分数不变，但可能被评标委员会认定无效，因此作为风险提示。",
    },
    "adjustments": {
        "en": "Price adjustments (SME deduction, preference margin) change the price that "
        "is scored, not the price that is checked against the ceiling.",
        "zh_CN": "价格扣除（小微企业）和优惠幅度改变参与评审的价格，不改变与最高限价比较的报价。",
    },
    "min_tech": {
        "en": "Bids under the minimum technical score are out before prices are scored.",
        "zh_CN": "技术分低于最低要求的投标在价格评审前即被淘汰。",
    },
    "single_bidder": {
        "en": "If only one bid is valid, it gets the full price points.",
        "zh_CN": "只有一家有效报价时，该报价得满分价格分。",
    },
    "floor": {
        "en": "Deductions stop at the floor: a valid bid never scores below it.",
        "zh_CN": "扣分以保底分为限，有效报价的价格分不会低于保底分。",
    },
    "rank_reversal": {
        "en": "With relative formulas one bidder's price moves the benchmark for everyone, "
        "so it can swap the order of two other bidders who changed nothing.",
        "zh_CN": "采用相对计分公式时，一家的报价会改变所有人的基准价，因此可能使另外两家"
        "在都未改价的情况下名次互换。",
    },
}

REASON_TEXT: dict[str, dict[str, str]] = {
    "above_ceiling": {"en": "Above the budget ceiling", "zh_CN": "超过最高限价"},
    "non_positive_price": {"en": "Price is zero or negative", "zh_CN": "报价为零或负数"},
    "abnormally_low": {"en": "Abnormally low price", "zh_CN": "报价异常偏低"},
    "not_a_number": {"en": "Price is not a number", "zh_CN": "报价不是有效数字"},
    "below_floor_price": {"en": "Below the floor price", "zh_CN": "低于最低限价"},
    "below_min_tech": {
        "en": "Technical score below the minimum",
        "zh_CN": "技术分低于最低要求",
    },
    "below_benchmark_limit": {
        "en": "Too far below the benchmark price",
        "zh_CN": "低于评标基准价的幅度超过规定",
    },
    "explanation_required": {
        "en": "Risk: abnormally low, must explain its price (87号令 Art. 60)",
        "zh_CN": "风险：报价明显偏低，须书面说明其合理性（87号令第六十条）",
    },
}
