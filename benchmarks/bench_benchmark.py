"""Benchmarking at scale: nearest neighbours over 10,000 areas x 40 indicators,
and funnels + empirical-Bayes shrinkage for 400 municipalities x 60
indicators x 10 years. Target: each under 5 s on the 2-core machine.

Each is timed against a simple baseline measured in the same run:

* nearest neighbours — for each unit, its distances to all units by
  broadcasting and a full sort (the obvious loop), timed on ``--baseline-units``
  units and scaled to all;
* funnels — per unit, scalar ``scipy.stats`` calls for its four exact limits
  (the obvious loop), timed on ``--baseline-funnels`` funnels and scaled;
  shrinkage is timed with the funnels.

Options: ``--areas N`` (10000), ``--indicators N`` (40), ``--k N`` (15),
``--municipalities N`` (400), ``--funnel-indicators N`` (60), ``--years N`` (10).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from scipy import stats


def _nearest(args) -> None:
    from kvarter.benchmark import nearest_neighbours

    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(args.areas, args.indicators)) @ rng.normal(size=(args.indicators, args.indicators)),
                     index=[f"A{i:05d}" for i in range(args.areas)],
                     columns=[f"ind{j:02d}" for j in range(args.indicators)])
    t0 = time.perf_counter()
    nn = nearest_neighbours(x, k=args.k)
    ours = time.perf_counter() - t0
    # baseline: one unit at a time, distances to all by broadcasting, full argsort
    z = ((x - x.mean()) / x.std(ddof=0)).to_numpy()
    m = min(args.baseline_units, args.areas)
    t0 = time.perf_counter()
    for i in range(m):
        d = np.sqrt(((z - z[i]) ** 2).sum(axis=1))
        order = np.argsort(d)
        _ = order[order != i][: args.k]
    base = (time.perf_counter() - t0) * args.areas / m
    pairs = args.areas * (args.areas - 1) // 2
    print(f"nearest neighbours: {args.areas:,} areas x {args.indicators} indicators, k={args.k}: "
          f"{ours:.2f} s ({pairs / ours / 1e6:,.0f} M pairs/s; {len(nn):,} neighbour rows with drivers)")
    print(f"  baseline (per-unit loop, {m} units timed, scaled): {base:.2f} s; ratio {base / ours:.1f}x")
    print(f"  target < 5 s: {'met' if ours < 5 else 'NOT met'}")


def _funnels(args) -> None:
    from kvarter.benchmark import empirical_bayes, funnel

    rng = np.random.default_rng(1)
    n_m, n_i, n_y = args.municipalities, args.funnel_indicators, args.years
    pop = np.exp(rng.normal(9.5, 1.2, n_m)).round().clip(200, 900_000)
    p = rng.uniform(0.02, 0.4, n_i)
    cells = []
    for i in range(n_i):
        for y in range(n_y):
            theta = np.clip(p[i] * np.exp(rng.normal(0, 0.15, n_m)), 1e-4, 0.99)
            cells.append(rng.binomial(pop.astype(int), theta).astype(float))
    units = [f"K{j:03d}" for j in range(n_m)]
    regions = np.array([f"R{j % 11}" for j in range(n_m)])
    events = np.concatenate(cells)
    population = np.tile(pop, len(cells))
    cell = np.repeat(np.arange(len(cells)), n_m)
    t0 = time.perf_counter()
    f = funnel(events, population, "proportion", adjust="SHMI", units=units * len(cells), by=cell)
    t_funnel = time.perf_counter() - t0
    eb = empirical_bayes(events, population, [f"{c}/{r}" for c, r in zip(cell, np.tile(regions, len(cells)))],
                         units=units * len(cells))
    ours = time.perf_counter() - t0
    classes = int((f["class"] != "inside").sum())
    assert len(eb) == len(f) == len(events)
    # baseline: scalar scipy calls per unit for the four exact binomial limits
    m = min(args.baseline_funnels, len(cells))
    t0 = time.perf_counter()
    for events in cells[:m]:
        target = events.sum() / pop.sum()
        for n in pop:
            for q in (0.001, 0.025, 0.975, 0.999):
                r = stats.binom.ppf(q, n, target)
                f_r, f_b = stats.binom.cdf(r, n, target), stats.binom.cdf(r - 1, n, target)
                _ = (r - (f_r - q) / (f_r - f_b)) / n
    base = (time.perf_counter() - t0) * len(cells) / m
    print(f"funnels + shrinkage: {n_m} municipalities x {n_i} indicators x {n_y} years = {len(cells)} funnels, "
          f"{len(cells) * n_m:,} unit-values: {ours:.2f} s (funnels with exact binomial limits and SHMI "
          f"overdispersion {t_funnel:.2f} s, empirical Bayes within 11 regions {ours - t_funnel:.2f} s; "
          f"{classes:,} units outside a 95 % limit)")
    print(f"  baseline (scalar scipy limits per unit, {m} funnels timed, scaled; no shrinkage): {base:.2f} s; "
          f"ratio {base / ours:.1f}x")
    print(f"  target < 5 s: {'met' if ours < 5 else 'NOT met'}")


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="bench benchmark")
    ap.add_argument("--areas", type=int, default=10_000)
    ap.add_argument("--indicators", type=int, default=40)
    ap.add_argument("--k", type=int, default=15)
    ap.add_argument("--baseline-units", type=int, default=500)
    ap.add_argument("--municipalities", type=int, default=400)
    ap.add_argument("--funnel-indicators", type=int, default=60)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--baseline-funnels", type=int, default=3)
    args = ap.parse_args(argv)
    _nearest(args)
    _funnels(args)
