"""Small-area estimation: empirical-Bayes shrinkage of rates and shares
(Marshall 1991, method of moments), globally or within groups, with
posterior intervals and ranks with uncertainty.

For units i with events eᵢ and populations nᵢ, raw rates rᵢ = eᵢ/nᵢ, in a
group with pooled rate m = Σe/Σn and mean population n̄:

    s² = Σ nᵢ (rᵢ − m)² / Σ nᵢ,    v = max(0, s² − m/n̄)
    wᵢ = v / (v + m/nᵢ),           shrunk rᵢ = wᵢ rᵢ + (1 − wᵢ) m

(for shares the within-unit variance m/nᵢ becomes m(1 − m)/nᵢ). A small
unit (large m/nᵢ) is pulled most towards m. The interval is the posterior of
the conjugate prior with the same moments — Gamma(m²/v, m/v) for rates,
Beta with prior sample size m(1 − m)/v for shares — whose posterior mean is
exactly the shrunk rate. When the moments find no variance between units
(v = 0) every unit is estimated by m and its interval collapses to m.

Reference: Marshall, R. J. (1991). Mapping disease and mortality rates using
empirical Bayes estimators. *Applied Statistics* 40(2), 283-294; the global
estimator is PySAL ``esda.smoothing.Empirical_Bayes`` (which does not floor
v at 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from kvarter.errors import InputError

SHRINK_KINDS = ("rate", "share")


def _inputs(events, population, groups, units, kind, owner):
    if kind not in SHRINK_KINDS:
        raise InputError(f"The 'kind' parameter of {owner} must be 'rate' or 'share'. Got {kind!r} instead.")
    e = np.asarray(events, dtype=float).reshape(-1)
    n = np.asarray(population, dtype=float).reshape(-1)
    if units is None:
        units = list(events.index) if isinstance(events, pd.Series) else list(range(len(e)))
    units = list(units)
    g = np.asarray(["all"] * len(e) if groups is None else list(groups), dtype=object)
    if not (len(e) == len(n) == len(units) == len(g)):
        raise InputError(f"events, population, groups and units passed to {owner} have different lengths "
                         f"({len(e)}, {len(n)}, {len(g)}, {len(units)}).")
    missing = np.isnan(e) | np.isnan(n)
    left_out = [units[i] for i in np.flatnonzero(missing)]
    keep = ~missing
    e, n, g = e[keep], n[keep], g[keep]
    units = [u for u, k in zip(units, keep) if k]
    for arr, name, cond, what in ((n, "population", n > 0, "> 0"), (e, "events", e >= 0, ">= 0")):
        if not cond.all():
            i = int(np.flatnonzero(~cond)[0])
            raise InputError(f"{name} passed to {owner} must be {what}; unit {units[i]!r} has {float(arr[i])!r}.")
    if kind == "share" and (e > n).any():
        i = int(np.flatnonzero(e > n)[0])
        raise InputError(f"events passed to {owner} exceed the population at unit {units[i]!r} ({float(e[i])!r} > {float(n[i])!r}).")
    return e, n, g, units, left_out


def _moments(e: np.ndarray, n: np.ndarray, g: np.ndarray, kind: str):
    """Per unit: the group's pooled rate m and between-unit variance v."""
    codes, inv = np.unique(g.astype(str), return_inverse=True)
    E = np.bincount(inv, e)
    N = np.bincount(inv, n)
    k = np.bincount(inv)
    m = E / N
    r = e / n
    s2 = np.bincount(inv, n * (r - m[inv]) ** 2) / N
    within = m / (N / k) if kind == "rate" else m * (1 - m) / (N / k)
    v = np.maximum(s2 - within, 0.0)
    return m[inv], v[inv]


def _posterior(e, n, m, v, kind):
    """Posterior parameters (a, b) per unit; a or b infinite where v = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "rate":
            return m * m / v + e, m / v + n
        c = m * (1 - m) / v
        return m * c + e, (1 - m) * c + (n - e)


def empirical_bayes(events, population, groups=None, *, units=None, level: float = 0.95,
                    kind: str = "rate") -> pd.DataFrame:
    """Empirical-Bayes shrunk rates (global when ``groups`` is None, else within each group).

    ``events`` and ``population`` are counts per unit (``kind="share"``: events
    of n persons); ``groups`` labels each unit's group (e.g. its region).
    A unit with a missing count (a suppressed cell) is left out, never read
    as zero, and named in ``.attrs["left_out"]``. Returns one row per unit:
    ``unit, group, events, population, raw, shrunk, lower, upper, weight,
    prior_mean, prior_variance``. See the module text for the formulas.

    Examples
    --------
    A tiny area with 2 events in 10 persons and two large ones: the tiny one
    is pulled almost all the way to the pooled rate.

    >>> eb = empirical_bayes([2, 100, 300], [10, 10_000, 20_000], units=["tiny", "A", "B"])
    >>> eb[["unit", "raw", "shrunk", "weight"]].round(4).values.tolist()
    [['tiny', 0.2, 0.0156, 0.0117], ['A', 0.01, 0.0103, 0.9219], ['B', 0.015, 0.0149, 0.9594]]
    """
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise InputError(f"The 'level' parameter of empirical_bayes must be a float in the range (0, 1). Got {level!r} instead.")
    e, n, g, units, left_out = _inputs(events, population, groups, units, kind, "empirical_bayes")
    m, v = _moments(e, n, g, kind)
    raw = e / n
    within = m / n if kind == "rate" else m * (1 - m) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(v > 0, v / (v + within), 0.0)
    shrunk = w * raw + (1 - w) * m
    a, b = _posterior(e, n, m, v, kind)
    lo_p, hi_p = (1 - level) / 2, (1 + level) / 2
    live = v > 0
    lower, upper = m.copy(), m.copy()
    if live.any():
        if kind == "rate":
            lower[live] = stats.gamma.ppf(lo_p, a[live], scale=1 / b[live])
            upper[live] = stats.gamma.ppf(hi_p, a[live], scale=1 / b[live])
        else:
            lower[live] = stats.beta.ppf(lo_p, a[live], b[live])
            upper[live] = stats.beta.ppf(hi_p, a[live], b[live])
    out = pd.DataFrame({"unit": units, "group": g if groups is not None else None, "events": e, "population": n,
                        "raw": raw, "shrunk": shrunk, "lower": lower, "upper": upper, "weight": w,
                        "prior_mean": m, "prior_variance": v})
    out.attrs["left_out"] = left_out
    out.attrs["level"] = level
    return out


def rank_intervals(events, population, groups=None, *, units=None, kind: str = "rate", n_sims: int = 1000,
                   level: float = 0.95, rng=0) -> pd.DataFrame:
    """Ranks with uncertainty: each unit's rank (1 = highest) and a simulated rank interval.

    Draws ``n_sims`` sets of rates from the empirical-Bayes posteriors of
    :func:`empirical_bayes`, ranks each set, and reports the ``level``
    interval of each unit's ranks beside the rank of its shrunk and of its
    raw rate. ``rng`` is a seed or a :class:`numpy.random.Generator`.
    Returns ``unit, raw, shrunk, raw_rank, rank, rank_lower, rank_upper``.

    Reference: Goldstein, H. & Spiegelhalter, D. J. (1996). League tables and
    their limitations. *JRSS A* 159(3), 385-443.

    Examples
    --------
    >>> r = rank_intervals([2, 100, 300, 150], [10, 10_000, 20_000, 12_000], units=["tiny", "A", "B", "C"])
    >>> r[["unit", "raw_rank", "rank"]].values.tolist()   # the tiny area's raw 20 % no longer tops the table
    [['tiny', 1, 2], ['A', 4, 4], ['B', 2, 1], ['C', 3, 3]]
    """
    eb = empirical_bayes(events, population, groups, units=units, kind=kind)
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    e, n = eb["events"].to_numpy(), eb["population"].to_numpy()
    m, v = eb["prior_mean"].to_numpy(), eb["prior_variance"].to_numpy()
    a, b = _posterior(e, n, m, v, kind)
    live = v > 0
    draws = np.broadcast_to(m, (n_sims, len(m))).copy()
    if live.any():
        if kind == "rate":
            draws[:, live] = rng.gamma(a[live], 1 / b[live], size=(n_sims, int(live.sum())))
        else:
            draws[:, live] = rng.beta(a[live], b[live], size=(n_sims, int(live.sum())))
    ranks = stats.rankdata(-draws, axis=1, method="average")
    lo, hi = np.quantile(ranks, [(1 - level) / 2, (1 + level) / 2], axis=0)
    out = pd.DataFrame({
        "unit": eb["unit"], "raw": eb["raw"], "shrunk": eb["shrunk"],
        "raw_rank": stats.rankdata(-eb["raw"].to_numpy(), method="min").astype(int),
        "rank": stats.rankdata(-eb["shrunk"].to_numpy(), method="min").astype(int),
        "rank_lower": np.floor(lo).astype(int), "rank_upper": np.ceil(hi).astype(int),
    })
    out.attrs["left_out"] = eb.attrs["left_out"]
    return out
