"""Did the portal's predictions come true? Statistics over closed bids.

Pure functions over plain values. Probabilities are floats 0–1 (P(win) 0.35 = 35 %);
prices are any numbers of one currency. Empty input gives ``None`` rather than a
misleading 0, so pages can say "no closed bids yet".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# z for a two-sided 95 % interval.
Z95 = 1.959963984540054


def brier_score(pairs: Iterable[tuple[float, bool]]) -> float | None:
    """Mean squared difference between the predicted P(win) (0–1) and the outcome (1 won,
    0 lost): 0 is perfect, 0.25 is what always saying 50 % earns. ``None`` without pairs."""
    total = 0.0
    n = 0
    for p, won in pairs:
        total += (float(p) - (1.0 if won else 0.0)) ** 2
        n += 1
    return total / n if n else None


@dataclass(frozen=True)
class Bucket:
    """One P(win) band of the reliability chart: predictions in [lower, upper)
    (the last band includes 1.0). ``mean_predicted`` and ``observed_rate`` are 0–1,
    ``None`` for an empty band."""

    lower: float
    upper: float
    count: int
    wins: int
    mean_predicted: float | None
    observed_rate: float | None

    @property
    def interval(self) -> tuple[float, float] | None:
        """Wilson 95 % interval of the observed rate."""
        return wilson_interval(self.wins, self.count)


def reliability_buckets(pairs: Iterable[tuple[float, bool]], bands: int = 10) -> list[Bucket]:
    """Group (P(win), won) pairs into ``bands`` equal P(win) bands (10 → 0–10 %, 10–20 % …).

    A prediction exactly on an edge goes to the band above it (0.1 → 10–20 %); 1.0 goes to
    the last band. Predictions outside 0–1 are clamped. Every band is returned, empty or not.
    """
    if bands < 1:
        raise ValueError("bands must be at least 1")
    counts = [0] * bands
    wins = [0] * bands
    sums = [0.0] * bands
    for p, won in pairs:
        value = min(max(float(p), 0.0), 1.0)
        # round() first: 0.3 * 10 is 2.9999999999999996 in binary floating point.
        index = min(int(math.floor(round(value * bands, 9))), bands - 1)
        counts[index] += 1
        wins[index] += 1 if won else 0
        sums[index] += value
    return [
        Bucket(
            lower=i / bands,
            upper=(i + 1) / bands,
            count=counts[i],
            wins=wins[i],
            mean_predicted=sums[i] / counts[i] if counts[i] else None,
            observed_rate=wins[i] / counts[i] if counts[i] else None,
        )
        for i in range(bands)
    ]


def wilson_interval(wins: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval (0–1) of a win rate of ``wins`` out of ``n``.

    Unlike the normal approximation it stays inside 0–1 and is honest for small samples:
    3 wins out of 3 gives about 44–100 %, not 100–100 %. ``None`` when ``n`` is 0.
    """
    if n <= 0:
        return None
    if wins < 0 or wins > n:
        raise ValueError("wins must be between 0 and n")
    p = wins / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def quantile(values: Sequence[float], q: float) -> float | None:
    """Empirical quantile ``q`` (0–1) with linear interpolation between order statistics
    (the usual "type 7": the median of 1, 2, 3, 4 is 2.5). ``None`` for no values."""
    if not 0 <= q <= 1:
        raise ValueError("q must be between 0 and 1")
    ordered = sorted(float(v) for v in values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float | None:
    return quantile(values, 0.5)


@dataclass(frozen=True)
class BandHits:
    """How often real prices fell inside a model's 80 % band (P10–P90, both ends included).
    A well-calibrated model has ``rate`` near 0.8; far lower means the bands are too narrow."""

    count: int
    inside: int
    below: int
    above: int

    @property
    def rate(self) -> float | None:
        return self.inside / self.count if self.count else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.inside, self.count)


def band_hits(observations: Iterable[tuple[float, float, float]]) -> BandHits:
    """Count (real price, P10, P90) triples by where the price fell. Triples whose band is
    reversed are read with the ends swapped."""
    count = inside = below = above = 0
    for price, p10, p90 in observations:
        lo, hi = sorted((float(p10), float(p90)))
        count += 1
        if float(price) < lo:
            below += 1
        elif float(price) > hi:
            above += 1
        else:
            inside += 1
    return BandHits(count, inside, below, above)


def rate(wins: int, n: int) -> float | None:
    """wins / n (0–1), ``None`` when n is 0."""
    return wins / n if n else None


def median_of_counts(counts: Mapping[float, int]) -> float | None:
    """Median of values given as {value: how many times it occurs} (a histogram of whole
    days, say), the same as :func:`median` over the expanded list; ``None`` when empty."""
    total = sum(n for n in counts.values() if n > 0)
    if not total:
        return None
    ordered = sorted((float(v), n) for v, n in counts.items() if n > 0)

    def at(index: int) -> float:  # the value at a 0-based position of the expanded list
        seen = 0
        for value, n in ordered:
            seen += n
            if index < seen:
                return value
        return ordered[-1][0]

    middle = (total - 1) / 2
    low, high = at(math.floor(middle)), at(math.ceil(middle))
    return (low + high) / 2


# --- from sums a database can add up --------------------------------------------------
#
# A page over many thousand closed bids lets the database group and add; these turn those
# sums into the same figures the functions above compute from the pairs themselves.


def band_index(p: float, bands: int = 10) -> int:
    """The reliability band (0-based) a prediction falls in, as reliability_buckets
    assigns it: edges go to the band above, 1.0 and beyond to the last, below 0 to the first."""
    value = min(max(float(p), 0.0), 1.0)
    return min(int(math.floor(round(value * bands, 9))), bands - 1)


def bucket_from_sums(index: int, bands: int, count: int, wins: int, sum_p: float) -> Bucket:
    """The band ``index`` of ``bands`` from its count, wins and the sum of its predictions."""
    return Bucket(
        lower=index / bands,
        upper=(index + 1) / bands,
        count=count,
        wins=wins,
        mean_predicted=sum_p / count if count else None,
        observed_rate=wins / count if count else None,
    )


def brier_from_sums(
    sum_p: float, sum_p2: float, wins: int, sum_p_won: float, n: int
) -> float | None:
    """Brier score from Σp, Σp², the wins and Σp over the won bids, for n bids:
    Σ(p − o)² = Σp² − 2·Σ(p·o) + Σo², with o = 1 for a win (so o² = o)."""
    if not n:
        return None
    return (sum_p2 - 2 * sum_p_won + wins) / n
