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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, TypeVar

import numpy as np

Method = Literal["lowest", "average", "trimmed", "composite", "linear"]
METHODS: tuple[Method, ...] = ("lowest", "average", "trimmed", "composite", "linear")
Status = Literal["valid", "excluded", "rejected"]
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
class Benchmark:
    """How the benchmark price (评标基准价) is set and how a bid is turned into points.

    ``lowest`` and ``linear`` use ratio/interpolation scoring; ``average``, ``trimmed`` and
    ``composite`` use deviation scoring: full weight at the benchmark, minus
    ``deduct_above`` points per 1 % above and ``deduct_below`` points per 1 % below,
    never under ``floor``. K multiplies the benchmark by (1 − K) for the three
    average-based methods only.

    K: a fixed ``k``, or a published ``k_set`` drawn at opening. The deterministic view uses
    ``k`` if given, else the mean of ``k_set``; the simulation draws uniformly from
    ``k_set`` per trial, else uses ``k``. Give one or the other, not both.
    """

    method: Method = "lowest"
    k: float | None = None
    k_set: tuple[float, ...] = ()
    trim_n: int = 1  # bids dropped at each end
    trim_min_remaining: int = 3  # trim only if at least this many bids remain
    alpha: float = 0.5  # composite weight on the lowest bid
    deduct_above: float = 1.0  # points per 1 % above the benchmark
    deduct_below: float = 0.5  # points per 1 % below the benchmark
    floor: float = 0.0  # price points never go below this for a valid bid

    def deterministic_k(self) -> float:
        """K used by the deterministic view (fraction): ``k``, else mean of ``k_set``, else 0."""
        if self.k is not None:
            return float(self.k)
        return float(np.mean(self.k_set)) if self.k_set else 0.0


@dataclass(frozen=True)
class AbnormalLow:
    """Abnormally low bids: below ``threshold`` × reference they are pulled out of the
    benchmark, then scored zero (``"zero"``, still ranked) or rejected (``"reject"``, not
    ranked). The reference is the plain average of all bids under the ceiling, or the
    benchmark computed from those same bids (one pass, not iterated)."""

    threshold: float = 0.8  # fraction of the reference
    reference: Literal["average", "benchmark"] = "average"
    action: Literal["zero", "reject"] = "zero"


@dataclass(frozen=True)
class ScoringRules:
    """One tender's scoring rules. ``price_weight`` and ``tech_max`` are points;
    ``ceiling`` is the budget ceiling in currency units (bids above it are rejected)."""

    price_weight: float = 30.0
    tech_max: float = 70.0
    benchmark: Benchmark = field(default_factory=Benchmark)
    abnormal_low: AbnormalLow | None = None
    ceiling: float | None = None
    decimals: int = 2


@dataclass(frozen=True)
class Bid:
    """A bid for the deterministic view: price in currency units, technical points."""

    name: str
    price: Number
    tech: Number


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


def _scalar_benchmark(bm: Benchmark, pool: Sequence[N], k: N, num: Callable[[float], N]) -> N:
    """Benchmark of a non-empty pool of bids, same rules as :func:`_vector_benchmark`."""
    low = min(pool)
    avg = sum(pool) / len(pool)
    if bm.method in ("lowest", "linear"):
        return low
    if bm.method == "average":
        base = avg
    elif bm.method == "trimmed":
        kept = sorted(pool)[bm.trim_n : len(pool) - bm.trim_n]
        enough = len(pool) - 2 * bm.trim_n >= max(bm.trim_min_remaining, 1)
        base = sum(kept) / len(kept) if enough else avg
    else:  # composite
        base = num(bm.alpha) * low + (1 - num(bm.alpha)) * avg
    return base * (1 - k)


def score_points_scalar(
    rules: ScoringRules, prices: Sequence[N], k: N, num: Callable[[float], N]
) -> tuple[list[N | None], list[Status], list[str | None], N | None]:
    """Unrounded price points for one set of bids, in pure Python.

    ``num`` converts rule parameters to the number type of ``prices`` (``Decimal`` for the
    exact deterministic view, ``float`` for the benchmark's reference loop). Returns points
    (None when rejected), status, reason code and the benchmark (None if no valid bid).
    """
    bm = rules.benchmark
    ceiling = None if rules.ceiling is None else num(rules.ceiling)
    ok = [p > 0 and (ceiling is None or p <= ceiling) for p in prices]
    reasons: list[str | None] = [
        None if o else ("non_positive_price" if p <= 0 else "above_ceiling")
        for p, o in zip(prices, ok, strict=True)
    ]
    low_bid = [False] * len(prices)
    al = rules.abnormal_low
    eligible = [p for p, o in zip(prices, ok, strict=True) if o]
    if al is not None and eligible:
        if al.reference == "benchmark":
            ref = _scalar_benchmark(bm, eligible, k, num)
        else:
            ref = sum(eligible) / len(eligible)
        cut = num(al.threshold) * ref
        low_bid = [o and p < cut for p, o in zip(prices, ok, strict=True)]
    pool = [p for p, o, x in zip(prices, ok, low_bid, strict=True) if o and not x]
    bench = _scalar_benchmark(bm, pool, k, num) if pool else None
    weight, floor = num(rules.price_weight), num(bm.floor)

    points: list[N | None] = []
    status: list[Status] = []
    for i, p in enumerate(prices):
        if not ok[i] or (low_bid[i] and al is not None and al.action == "reject"):
            points.append(None)
            status.append("rejected")
            reasons[i] = reasons[i] or "abnormally_low"
            continue
        if low_bid[i]:
            points.append(num(0))
            status.append("excluded")
            reasons[i] = "abnormally_low"
            continue
        status.append("valid")
        if len(pool) == 1:  # a lone valid bidder gets the full price points
            x = weight
        elif bm.method == "lowest":
            x = weight * bench / p
        elif bm.method == "linear":
            hi, lo = max(pool), min(pool)
            x = weight if hi == lo else weight * (hi - p) / (hi - lo)
        elif bench <= 0:  # K = 1 makes the benchmark zero: every deviation is infinite
            x = floor
        else:
            dev = (p - bench) / bench * 100
            x = weight - (num(bm.deduct_above) * dev if dev > 0 else num(bm.deduct_below) * -dev)
        points.append(min(weight, max(floor, x)))
    return points, status, reasons, bench


# --------------------------------------------------------------------------- vector core
# Internally bidders sit on the FIRST axis: (bidders, trials, candidates). NumPy reduces a
# leading axis with whole-array elementwise passes, while reducing a short trailing axis
# (6–7 bidders) runs a slow inner loop per row; measured ~10× faster for min/sum/count.


def _count(mask: np.ndarray) -> np.ndarray:
    return np.add.reduce(mask, axis=0, dtype=np.int16)  # ≤ 101 bidders fits int16


def _vector_benchmark(
    bm: Benchmark, prices: np.ndarray, pool: np.ndarray, k: np.ndarray | float
) -> np.ndarray:
    """Benchmark over axis 0 (bidders) of ``prices`` counting only ``pool`` bids; NaN if
    there are none. Same rules as :func:`_scalar_benchmark`."""
    n = _count(pool)
    low = np.where(pool, prices, np.inf).min(0)
    if bm.method in ("lowest", "linear"):
        return np.where(n > 0, low, np.nan)
    total = np.where(pool, prices, 0.0).sum(0)
    avg = total / np.maximum(n, 1)
    if bm.method == "average":
        base = avg
    elif bm.method == "trimmed":
        kept_n = n - 2 * bm.trim_n
        if bm.trim_n == 1:  # the common case needs no sort: drop the min and the max
            kept = total - low - np.where(pool, prices, -np.inf).max(0)
        else:
            ranked = np.sort(np.where(pool, prices, np.inf), axis=0)  # invalid bids sort last
            idx = np.arange(prices.shape[0]).reshape((-1,) + (1,) * (prices.ndim - 1))
            kept = np.where((idx >= bm.trim_n) & (idx < n - bm.trim_n), ranked, 0.0).sum(0)
        base = np.where(kept_n >= max(bm.trim_min_remaining, 1), kept / np.maximum(kept_n, 1), avg)
    else:  # composite
        base = bm.alpha * low + (1.0 - bm.alpha) * avg
    return np.where(n > 0, base * (1.0 - k), np.nan)


def _scaled_points(
    rules: ScoringRules, prices: np.ndarray, k: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Price points for ``prices`` shaped (bidders, ...), rounded half-up and held scaled by
    10^decimals (integer-valued floats, so totals compare exactly), plus the rejected and
    abnormally-low masks. The simulation's hot path."""
    bm, al, w = rules.benchmark, rules.abnormal_low, rules.price_weight
    ok = prices > 0
    if rules.ceiling is not None:
        ok &= prices <= rules.ceiling
    with np.errstate(divide="ignore", invalid="ignore"):
        if al is None:
            pool = ok
        else:
            if al.reference == "benchmark":
                ref = _vector_benchmark(bm, prices, ok, k)
            else:
                ref = np.where(ok, prices, 0.0).sum(0) / np.maximum(_count(ok), 1)
            pool = ok & (prices >= (al.threshold * (1 - _REL_TOL)) * ref)
        n = _count(pool)
        bench = _vector_benchmark(bm, prices, pool, k)
        if bm.method == "lowest":
            pts = (w * bench) / prices
        elif bm.method == "linear":
            high = np.where(pool, prices, -np.inf).max(0)
            span = high - bench
            pts = (high - prices) * (w / span)
            pts = np.where(span > 0, pts, w)
        else:
            # deviation in percent; max() picks the deduction for the side of the benchmark
            # the bid is on, because both deduction rates are non-negative
            dev = prices * (100.0 / bench) - 100.0
            pts = w - np.maximum(bm.deduct_above * dev, -bm.deduct_below * dev)
            if np.any(bench <= 0):  # K = 1: a zero benchmark leaves only the floor
                pts = np.where(bench > 0, pts, bm.floor)
        if np.any(n == 1):
            pts = np.where(n == 1, w, pts)
        np.clip(pts, bm.floor, w, out=pts)
        pts = np.where(pool, pts, 0.0)
    pts *= 10.0**rules.decimals
    pts += 0.5 + _ROUND_EPS
    np.floor(pts, out=pts)
    low_bid = ok & ~pool
    rejected = ~ok | low_bid if al is not None and al.action == "reject" else ~ok
    return pts, rejected, low_bid


def price_points_array(
    rules: ScoringRules, prices: np.ndarray, k: np.ndarray | float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rounded price points for many bid sets at once.

    ``prices``: float array (..., bidders). ``k``: fraction, scalar or broadcastable to
    ``prices.shape[:-1]``; defaults to :meth:`Benchmark.deterministic_k`.
    Returns (points, status) shaped like ``prices``: points are NaN where rejected; status
    is int8 with 0 valid, 1 excluded (abnormally low, scored zero), 2 rejected.
    """
    k = rules.benchmark.deterministic_k() if k is None else k
    lead = np.moveaxis(np.asarray(prices, dtype=float), -1, 0)
    scaled, rejected, low_bid = _scaled_points(rules, lead, k)
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
) -> np.ndarray:
    """a ranks strictly ahead of b: higher total, then higher technical, then lower price."""
    ahead = total_a > total_b
    tied = total_a == total_b
    if tied.any():  # rare with continuous draws, so the tie-break is computed only then
        ahead |= tied & ((tech_a > tech_b) | ((tech_a == tech_b) & (price_a < price_b)))
    return ahead


# --------------------------------------------------------------------------- deterministic view


@dataclass(frozen=True)
class BidderRow:
    """One line of the score sheet. Points and total are None when the bid is rejected;
    ``reason`` is a key of :data:`REASON_TEXT`. Rank 1 is best; equal bids share a rank."""

    name: str
    price: Decimal
    tech: Decimal
    status: Status
    reason: str | None
    price_points: Decimal | None
    total: Decimal | None
    rank: int | None


@dataclass(frozen=True)
class ScoreSheet:
    rows: tuple[BidderRow, ...]  # in input order
    benchmark: Decimal | None  # currency units; None if no valid bid
    k: Decimal  # the K fraction used

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

    Ranking: higher total, then higher technical points, then lower price; bids still equal
    share the rank (competition ranking 1, 1, 3). Rejected bids get no rank.
    """
    prices = [_dec(b.price) for b in bids]
    techs = [_dec(b.tech) for b in bids]
    k = _dec(rules.benchmark.deterministic_k())
    raw, status, reasons, bench = score_points_scalar(rules, prices, k, _dec)
    points = [None if x is None else round_points(x, rules.decimals) for x in raw]
    totals = [
        None if p is None else round_points(p + t, rules.decimals)
        for p, t in zip(points, techs, strict=True)
    ]

    def key(i: int) -> tuple[Decimal, Decimal, Decimal]:
        return (totals[i], techs[i], -prices[i])

    ranked = [i for i, t in enumerate(totals) if t is not None]
    rows = []
    for i, b in enumerate(bids):
        rank = None
        if totals[i] is not None:
            rank = 1 + sum(1 for j in ranked if key(j) > key(i))
        rows.append(
            BidderRow(
                b.name, prices[i], techs[i], status[i], reasons[i], points[i], totals[i], rank
            )
        )
    return ScoreSheet(tuple(rows), bench, k)


def score_bids(
    rules: ScoringRules,
    our_price: Number,
    our_tech: Number,
    competitors: Sequence[Bid],
    our_name: str = "us",
) -> ScoreSheet:
    """Deterministic view: our bid first, then the competitors. With no competitors we are
    the lone bidder and, if valid, rank first with full price points."""
    return score_all(rules, [Bid(our_name, our_price, our_tech), *competitors])


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
) -> np.ndarray:
    """(len(our_prices), competitors) bool: we rank strictly ahead of each competitor
    (a rejected competitor is always behind; if we are rejected we beat nobody)."""
    prices = np.empty((1 + len(comp_prices), len(our_prices)))
    prices[0], prices[1:] = our_prices, np.asarray(comp_prices)[:, None]
    tech = np.concatenate([[our_tech], comp_tech])[:, None]
    pts, rejected, _ = _scaled_points(rules, prices, rules.benchmark.deterministic_k())
    total = _scaled_totals(rules, pts, tech, rejected)
    ahead = _ranks_ahead(total[:1], tech[:1], prices[:1], total[1:], tech[1:], prices[1:])
    return (~rejected[:1] & (rejected[1:] | ahead)).T


def rank_flip_prices(
    rules: ScoringRules,
    our_price: float,
    our_tech: float,
    competitors: Sequence[Bid],
    price_range: tuple[float, float] | None = None,
    steps: int = 801,
) -> tuple[RankFlip, ...]:
    """For each competitor, the prices at which our rank against them flips.

    Scans ``steps`` prices over ``price_range`` (default: half the lowest bid up to the
    ceiling, or 1.5 × the highest bid), then bisects each flip. Relative formulas make the
    outcome non-monotone (the benchmark moves with our price, and a very low bid may be
    excluded), which is why every transition is returned, not just one.
    """
    comp_p = np.array([float(c.price) for c in competitors], dtype=float)
    comp_t = np.array([float(c.tech) for c in competitors], dtype=float)
    our_price, our_tech = float(our_price), float(our_tech)
    if price_range is None:
        all_p = np.concatenate([[our_price], comp_p])
        lo = 0.5 * all_p[all_p > 0].min() if (all_p > 0).any() else 1.0
        hi = rules.ceiling if rules.ceiling is not None else 1.5 * all_p.max()
        price_range = (lo, max(hi, lo * 2))
    grid = np.linspace(*price_range, steps)
    beats = _beats_matrix(rules, grid, our_tech, comp_p, comp_t)
    now = _beats_matrix(rules, np.array([our_price]), our_tech, comp_p, comp_t)[0]

    flips = []
    for j, comp in enumerate(competitors):
        found: list[tuple[float, Literal["below", "above"]]] = []
        for i in np.flatnonzero(beats[1:, j] != beats[:-1, j]):
            a, b, win_at_a = grid[i], grid[i + 1], bool(beats[i, j])
            for _ in range(60):  # keep a on the side matching win_at_a
                mid = 0.5 * (a + b)
                hit = _beats_matrix(rules, np.array([mid]), our_tech, comp_p, comp_t)[0, j]
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


@dataclass(frozen=True)
class Triangular:
    """A triangular estimate (low / most likely / high); low == high means a known value."""

    low: float
    likely: float
    high: float

    @classmethod
    def exact(cls, x: float) -> Triangular:
        return cls(x, x, x)


@dataclass(frozen=True)
class CompetitorEstimate:
    name: str
    price: Triangular  # currency units
    tech: Triangular  # technical points


@dataclass(frozen=True)
class Scenario:
    """What the rep believes: rules (with the ceiling), our technical points as a range,
    our cost (currency units), and each competitor's price and technical points."""

    rules: ScoringRules
    our_tech: Triangular
    our_cost: float
    competitors: tuple[CompetitorEstimate, ...] = ()


@dataclass(frozen=True, eq=False)
class Draws:
    """Sampled trials: competitor prices and technical points (trials, competitors), our
    technical points (trials,), K per trial (trials,)."""

    comp_prices: np.ndarray
    comp_tech: np.ndarray
    our_tech: np.ndarray
    k: np.ndarray


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
    order is fixed so the same seed always gives the same trials."""
    rng = np.random.default_rng(seed)
    comps = scenario.competitors
    c = len(comps)

    def tri(ranges: Sequence[Triangular], size: tuple[int, ...]) -> np.ndarray:
        lo, mode, hi = (
            np.array([getattr(r, f) for r in ranges], dtype=float).reshape(-1)
            for f in ("low", "likely", "high")
        )
        return _triangular(rng.random(size), lo, mode, hi)

    comp_prices = tri([x.price for x in comps], (trials, c))
    comp_tech = tri([x.tech for x in comps], (trials, c))
    our_tech = tri([scenario.our_tech], (trials, 1))[:, 0]
    bm = scenario.rules.benchmark
    if bm.k_set:
        k = np.asarray(bm.k_set, dtype=float)[rng.integers(len(bm.k_set), size=trials)]
    else:
        k = np.full(trials, bm.k or 0.0)
    return Draws(comp_prices, comp_tech, our_tech, k)


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
    for s in range(0, t, step):
        sl = slice(s, min(s + step, t))
        # bidders first (see the vector core note): (bidders, trials, candidates)
        prices = np.empty((b, sl.stop - sl.start, len(cand)))
        prices[0] = cand
        prices[1:] = draws.comp_prices[sl].T[:, :, None]
        tech = np.concatenate([draws.our_tech[None, sl], draws.comp_tech[sl].T])[:, :, None]
        pts, rejected, _ = _scaled_points(rules, prices, draws.k[sl, None])
        total = _scaled_totals(rules, pts, tech, rejected)
        ahead = _ranks_ahead(total[1:], tech[1:], prices[1:], total[:1], tech[:1], prices[:1])
        rank = np.where(rejected[0], b + 1, 1 + _count(ahead))
        wins += np.count_nonzero(rank == 1, axis=0)
        rank_sum += rank.sum(0)
    return wins / max(t, 1), rank_sum / max(t, 1)


@dataclass(frozen=True, eq=False)
class StrategyResult:
    """Per candidate price (currency units): P(rank first), expected rank, and expected
    margin = P(win) × (price − cost). ``best_for_win`` is the highest price among those
    sharing the top P(win) (same odds, more money); ``best_for_margin`` maximises margin."""

    prices: np.ndarray
    p_win: np.ndarray
    expected_rank: np.ndarray
    expected_margin: np.ndarray
    best_for_win: float
    best_for_margin: float
    trials: int
    seed: int | None


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
    return StrategyResult(
        cand,
        p_win,
        exp_rank,
        margin,
        float(cand[top[-1]]),
        float(cand[int(np.argmax(margin))]),
        trials,
        seed,
    )


def weight_sensitivity(
    scenario: Scenario,
    price: float,
    weights: Sequence[float] = tuple(range(10, 65, 5)),
    trials: int = 2000,
    seed: int | None = 0,
) -> tuple[tuple[float, float], ...]:
    """P(win) at ``price`` as the price weight varies; returns (weight, P(win)) pairs.

    Our choice: the sheet stays at 100 points, so technical points shrink or grow with the
    room left: every technical score and ``tech_max`` is multiplied by
    (100 − weight) / (100 − original weight), which keeps each bidder's technical share.
    Deductions per 1 % are kept as entered; the floor is capped at the new weight.
    The same trials are reused for every weight so the curve shows the rule, not noise.
    """
    rules = scenario.rules
    draws = draw_bids(scenario, trials, seed)
    room = 100.0 - rules.price_weight
    out = []
    for w in weights:
        scale = (100.0 - w) / room if room > 0 else 0.0
        bm = replace(rules.benchmark, floor=min(rules.benchmark.floor, w))
        r = replace(rules, price_weight=float(w), tech_max=rules.tech_max * scale, benchmark=bm)
        d = replace(draws, comp_tech=draws.comp_tech * scale, our_tech=draws.our_tech * scale)
        out.append((float(w), float(evaluate_draws(r, d, [price])[0][0])))
    return tuple(out)


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Issue:
    """A problem with user input: ``code`` is stable for tests and templates; severity
    "error" blocks the calculation, "warning" is shown but the result is still defined."""

    code: str
    en: str
    zh_CN: str
    severity: Literal["error", "warning"] = "error"


def validate_rules(rules: ScoringRules) -> dict[str, Issue]:
    """Field name → issue for the rules; an empty dict means usable. Never raises."""
    bm, issues = rules.benchmark, {}

    def add(f: str, code: str, en: str, zh: str, severity: str = "error") -> None:
        issues.setdefault(f, Issue(code, en, zh, severity))  # type: ignore[arg-type]

    if not 0 < rules.price_weight <= 100:
        add(
            "price_weight",
            "weight_range",
            "Price weight must be above 0 and at most 100 points.",
            "价格分权重须大于0且不超过100分。",
        )
    if rules.tech_max < 0:
        add("tech_max", "negative", "Technical points cannot be negative.", "技术商务分不能为负。")
    elif rules.price_weight + rules.tech_max > 100:
        add(
            "tech_max",
            "points_over_100",
            "Price weight plus technical points exceed 100 points.",
            "价格分与技术商务分之和超过100分。",
        )
    if bm.method not in METHODS:
        add("benchmark.method", "unknown_method", "Unknown benchmark method.", "未知的基准价方法。")
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
    al = rules.abnormal_low
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
    if not 0 <= rules.decimals <= 6:
        add("decimals", "decimals_range", "Use 0 to 6 decimal places.", "小数位数须为0至6位。")
    return issues


def _check_range(issues: dict[str, Issue], f: str, r: Triangular, positive: bool) -> None:
    if positive and r.low <= 0:
        issues.setdefault(f, Issue("non_positive", "Prices must be above zero.", "价格须大于零。"))
    elif r.low < 0:
        issues.setdefault(f, Issue("negative", "Scores cannot be negative.", "分数不能为负。"))
    elif r.low > r.high:
        issues.setdefault(f, Issue("low_above_high", "Low is above high.", "最低值高于最高值。"))
    elif not r.low <= r.likely <= r.high:
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
    if scenario.our_tech.high > rules.tech_max:
        issues.setdefault(
            "our_tech",
            Issue("tech_over_max", "Above the technical maximum.", "超过技术商务分上限。"),
        )
    if scenario.our_cost <= 0:
        issues["our_cost"] = Issue("non_positive", "Cost must be above zero.", "成本须大于零。")
    elif rules.ceiling is not None and 0 < rules.ceiling < scenario.our_cost:
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
    if bm.method == "trimmed" and len(comps) + 1 - 2 * bm.trim_n < 1:
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
    if any(p <= 0 for p in candidate_prices):
        issues["candidate_prices"] = Issue(
            "non_positive", "Prices must be above zero.", "价格须大于零。"
        )
    if not 1 <= trials <= 200_000:
        issues["trials"] = Issue(
            "trials_range", "Use 1 to 200,000 trials.", "模拟次数须为1至200,000次。"
        )
    return issues


def validate_bids(rules: ScoringRules, bids: Sequence[Bid]) -> dict[str, Issue]:
    """Rules checks plus each bid of the deterministic view (``bids[i].price`` etc.)."""
    issues = validate_rules(rules)
    if len(bids) > MAX_COMPETITORS + 1:
        issues["bids"] = Issue(
            "too_many",
            f"At most {MAX_COMPETITORS} competitors.",
            f"竞争对手最多{MAX_COMPETITORS}家。",
        )
    for i, b in enumerate(bids):
        if _dec(b.price) <= 0:
            issues[f"bids[{i}].price"] = Issue(
                "non_positive", "Prices must be above zero.", "价格须大于零。"
            )
        if not 0 <= _dec(b.tech) <= _dec(rules.tech_max):
            issues[f"bids[{i}].tech"] = Issue(
                "tech_range",
                "Technical points must be between 0 and the max.",
                "技术商务分须在0与上限之间。",
            )
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
        "en": "Equal totals are separated by the higher technical score, then by the "
        "lower price; bids equal on all three share the rank.",
        "zh_CN": "总分相同时，技术商务分高者排前；仍相同则报价低者排前；三项都相同则并列。",
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
}
