"""Benchmark the vectorised bid-strategy simulation against a plain Python loop.

Run: python bench/bench_scoring.py [--trials 20000] [--prices 200] [--loop-trials 100]

Full size: 20,000 scenarios (trials) × 200 candidate prices × 6 competitors per method.
Interactive fragment: 2,000 trials × 60 candidate prices × 6 competitors, the size the
strategy fragment asks for on each htmx request (target: under 0.5 s).
Planner grid: the procurement-criteria planner's heat maps (11 price weights × 5 methods ×
abnormal-low off/on) as the page's htmx request gets them, through the Flask app on the demo
data, computed afresh and from the cache (target: under 2 s).
The pure-Python loop runs the same drawn trials through ``score_points_scalar`` (floats)
on a subsample of trials and is extrapolated linearly; its P(win) is checked against the
vectorised result on that subsample.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from proposals.scoring import (  # noqa: E402
    METHODS,
    AbnormalLow,
    Benchmark,
    CompetitorEstimate,
    DeviationRounding,
    Draws,
    Empirical,
    Lognormal,
    Normal,
    Scenario,
    ScoringRules,
    Triangular,
    draw_bids,
    evaluate_draws,
    score_points_scalar,
    simulate_strategy,
)

FRAGMENT = (2000, 60)  # trials, candidate prices


def scenario(method: str) -> Scenario:
    """Six competitors around 100, a ceiling at 130, abnormally-low bids scored zero."""
    k_set = (0.0, 0.02, 0.05) if method in ("average", "trimmed", "composite") else ()
    rules = ScoringRules(
        price_weight=40,
        tech_max=60,
        ceiling=130,
        benchmark=Benchmark(method, k_set=k_set, trim_n=1),  # type: ignore[arg-type]
        abnormal_low=AbnormalLow(0.8, "average", "zero"),
    )
    comps = tuple(
        CompetitorEstimate(
            f"C{i}", Triangular(85 + 2 * i, 100 + i, 125), Triangular(40, 47 + i, 58)
        )
        for i in range(6)
    )
    return Scenario(rules, Triangular(42, 50, 56), 75.0, comps)


def variants() -> list[tuple[str, Scenario]]:
    """The new rules switched on together, and each rival price model (average method)."""
    base = scenario("average")
    up = DeviationRounding("up")
    heavy = replace(
        base.rules,
        benchmark=replace(
            base.rules.benchmark,
            above_pieces=((0, 1), (5, 2)),
            round_above=up,
            round_below=up,
        ),
        abnormal_low=AbnormalLow(0.8, "average", "explain", "others"),
        floor_price=70,
        below_benchmark_limit=0.2,
        min_tech=42,
        tie_order="tech",
    )
    comps = base.competitors
    sme = tuple(replace(c, sme_deduction=0.1 * (i % 2)) for i, c in enumerate(comps))
    out = [
        (
            "average + rounding, pieces, limits, SME, ...",
            replace(base, rules=heavy, competitors=sme),
        ),
        (
            "trimmed by bid count (≥7 drop 1, ≥10 drop 2)",
            replace(
                base,
                rules=replace(
                    base.rules,
                    benchmark=Benchmark("trimmed", trim_tiers=((7, 1), (10, 2))),
                ),
            ),
        ),
        (
            "abnormally low vs others' benchmark",
            replace(
                base,
                rules=replace(
                    base.rules, abnormal_low=AbnormalLow(0.8, "benchmark", "zero", "others")
                ),
            ),
        ),
        (
            "control price × (1 − drawn 下浮率)",
            replace(
                base,
                rules=replace(
                    base.rules, benchmark=Benchmark("average", source="control", k_set=(0.05, 0.1))
                ),
            ),
        ),
    ]
    models = {
        "Normal rivals": lambda c: Normal(c.price.low, c.price.high),
        "Lognormal rivals": lambda c: Lognormal(c.price.low, c.price.high),
        "empirical rivals (12 past bid/cost ratios)": lambda c: Empirical(
            tuple(np.linspace(c.price.low, c.price.high, 12) / base.our_cost), base.our_cost
        ),
    }
    for label, make in models.items():
        out.append(
            (label, replace(base, competitors=tuple(replace(c, price=make(c)) for c in comps)))
        )
    return out


def python_loop(sc: Scenario | ScoringRules, draws: Draws, cand: list[float]) -> list[float]:
    """The straightforward version: one bid set at a time, lists and floats."""
    if isinstance(sc, Scenario):
        rules = sc.rules
        factors = [sc.our_factor(), *(c.factor() for c in sc.competitors)]
    else:
        rules, factors = sc, None
    scale = 10.0**rules.decimals

    def rnd(x: float) -> float:
        return math.floor(x * scale + 0.5 + 1e-9) / scale

    def key(total: float, tech: float, price: float) -> tuple[float, ...]:
        if rules.tie_order == "price":
            return (total, -price)
        return (total, tech, -price) if rules.tie_order == "tech" else (total,)

    trials = len(draws.k)
    wins = [0] * len(cand)
    for t in range(trials):
        comp = draws.comp_prices[t].tolist()
        tech = [float(draws.our_tech[t]), *draws.comp_tech[t].tolist()]
        k = float(draws.k[t])
        for j, p in enumerate(cand):
            prices = [p, *comp]
            pts = score_points_scalar(rules, prices, k, float, tech, factors).points
            if pts[0] is None:
                continue
            totals = [
                None if x is None else rnd(rnd(x) + tc) for x, tc in zip(pts, tech, strict=True)
            ]
            ours = key(totals[0], tech[0], p)
            if not any(
                tot is not None and key(tot, tc, pr) > ours
                for tot, tc, pr in zip(totals[1:], tech[1:], prices[1:], strict=True)
            ):
                wins[j] += 1
    return [w / trials for w in wins]


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def timed_cpu(fn, repeat: int = 2) -> tuple[float, float]:
    """Best wall time and best process CPU time of ``repeat`` runs (seconds). On a shared
    machine the wall time includes waiting for a core; CPU time is what the run costs."""
    wall, cpu = math.inf, math.inf
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - w0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20_000)
    ap.add_argument("--prices", type=int, default=200)
    ap.add_argument("--loop-trials", type=int, default=200)
    args = ap.parse_args()
    full = np.linspace(80, 130, args.prices)
    frag = np.linspace(80, 130, FRAGMENT[1])

    print(
        f"Full size: {args.trials:,} trials × {args.prices} prices × 6 competitors "
        f"(chunked over trials). Fragment: {FRAGMENT[0]:,} trials × {FRAGMENT[1]} prices "
        "× 6 competitors."
    )
    print(
        f"numpy {np.__version__}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '-')}"
        " (BLAS is not used: the work is elementwise).\n"
        "Times: best of 3 runs (fragment: best of 3); CPU s = process CPU time, best of 3."
    )
    print(
        f"Python loop: {args.loop_trials} trials × {args.prices} prices, extrapolated "
        f"linearly × {args.trials / args.loop_trials:g} to full size.\n"
    )
    head = (
        f"{'method':<10} {'numpy full s':>12} {'CPU s':>7} {'python loop s (extrap.)':>24} "
        f"{'speed-up':>9} {'fragment s':>11} {'max |ΔP(win)|':>14}"
    )
    print(head)
    print("-" * len(head))
    for method in METHODS:
        sc = scenario(method)
        t_full, cpu = timed_cpu(lambda sc=sc: simulate_strategy(sc, full, args.trials, seed=1), 3)
        t_frag, _ = timed(lambda sc=sc: simulate_strategy(sc, frag, FRAGMENT[0], seed=1), 3)
        draws = draw_bids(sc, args.loop_trials, seed=2)
        t_loop, loop_p = timed(lambda sc=sc, d=draws: python_loop(sc.rules, d, full.tolist()), 2)
        vec_p, _ = evaluate_draws(sc.rules, draws, full)
        t_loop_full = t_loop * args.trials / args.loop_trials
        diff = float(np.max(np.abs(np.asarray(loop_p) - vec_p)))
        print(
            f"{method:<10} {t_full:>12.3f} {cpu:>7.3f} {t_loop_full:>24.1f} "
            f"{t_loop_full / t_full:>8.0f}× {t_frag:>11.3f} {diff:>14.2g}"
        )
    # the tender rules and rival models beyond the plain methods, same full size
    print("\nRules and rival models at full size (numpy, same columns):")
    head = (
        f"{'variant':<44} {'numpy full s':>12} {'CPU s':>7} {'speed-up':>9} {'max |ΔP(win)|':>14}"
    )
    print(head)
    print("-" * len(head))
    for label, sc in variants():
        t_full, cpu = timed_cpu(lambda sc=sc: simulate_strategy(sc, full, args.trials, seed=1), 3)
        draws = draw_bids(sc, args.loop_trials, seed=2)
        t_loop, loop_p = timed(lambda sc=sc, d=draws: python_loop(sc, d, full.tolist()), 1)
        vec_p, _ = evaluate_draws(sc.rules, draws, full)
        t_loop_full = t_loop * args.trials / args.loop_trials
        diff = float(np.max(np.abs(np.asarray(loop_p) - vec_p)))
        print(
            f"{label:<44} {t_full:>12.3f} {cpu:>7.3f} {t_loop_full / t_full:>8.0f}× {diff:>14.2g}"
        )
    # the fragment at the largest allowed field, to show the upper bound of a request
    base = scenario("trimmed")
    big = replace(base, competitors=(base.competitors * 17)[:100])
    t_big, _ = timed(lambda: simulate_strategy(big, frag, FRAGMENT[0], seed=1))
    print(f"\nFragment at the 100-competitor cap (trimmed, the slowest method): {t_big:.3f} s")
    planner_grid_through_the_web()


def planner_grid_through_the_web(repeat: int = 3) -> None:
    """The planner's grid fragment of each demo scenario whose inputs are complete, as a
    leader's browser asks for it: afresh (cache emptied) and from the cache."""
    from sqlalchemy import select

    from bench.serving import demo_app, leader_client
    from portal.extensions import db
    from portal.pricescore import planner
    from portal.pricescore.models import PriceScenario

    app, _folder, logins = demo_app("bench-planner-")
    with app.app_context():
        urls = [
            f"/opportunities/{s.opportunity_id}/price-scores/{s.id}/planner/grid"
            for s in db.session.scalars(select(PriceScenario).order_by(PriceScenario.id))
        ]
    client = leader_client(app, logins)
    headers = {"HX-Request": "true"}
    compute = planner.plan_criteria

    def fresh(url):
        planner._cache.clear()
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    print(
        f"\nPlanner grid through the web ({len(planner.PLANNER_WEIGHTS)} weights × "
        f"{len(METHODS)} methods × 2 rules, {planner.PLANNER_TRIALS} trials × up to "
        f"{planner.PLANNER_PRICES} prices; best of {repeat}; target < 2 s):"
    )
    worst = 0.0
    for url in urls:
        html = fresh(url)
        if 'class="heat-cell' not in html:
            print(f"  {url:60s} inputs incomplete: no grid (not timed)")
            continue
        afresh, _ = timed(lambda url=url: fresh(url), repeat)
        computed = []
        planner.plan_criteria = lambda *a, done=computed, **k: done.append(a) or compute(*a, **k)
        cached, _ = timed(lambda url=url: client.get(url, headers=headers), repeat)
        planner.plan_criteria = compute
        assert not computed, "the cached grid was computed again"
        worst = max(worst, afresh)
        print(f"  {url:60s} afresh {afresh:6.3f} s   cached {cached:6.3f} s")
    print(f"  slowest afresh: {worst:.3f} s = {worst / 2:.2f} of the 2 s target")


if __name__ == "__main__":
    main()
