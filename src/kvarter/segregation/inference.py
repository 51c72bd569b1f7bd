"""Uncertainty for the two-group indices: a permutation test against random
allocation, bootstrap intervals with a bias-corrected estimate, and the
batch form that the pipeline uses to get all of them from one set of draws.

All randomness comes from an explicit ``seed`` (an int, ``None`` or a NumPy
``Generator``); the same seed gives the same numbers. Replicates are drawn
as one (replicates x units) array and every index is evaluated on it in one
array expression.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kvarter.errors import InputError
from kvarter.segregation.counts import two_groups
from kvarter.segregation.dissimilarity import _expected_dissimilarity
from kvarter.segregation.registry import INDICES, KERNELS, LOWER_IS_SEGREGATED, index_function
from kvarter.validation import check_scalar


def as_generator(seed) -> np.random.Generator:
    """A NumPy Generator from an int seed, ``None`` (fresh entropy) or a Generator.

    >>> bool(as_generator(1).integers(10) == as_generator(1).integers(10))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def permutation_draws(a: np.ndarray, b: np.ndarray, iterations: int, rng: np.random.Generator):
    """Random allocations with both margins fixed: (iterations x units) counts of a and of b.

    Each row puts the A members of group a at random among the T places of
    units with sizes ``a + b`` (a multivariate hypergeometric draw); the rest
    of each unit is group b.

    >>> ra, rb = permutation_draws(np.array([2., 13.]), np.array([6., 3.]), 4, as_generator(0))
    >>> ra.sum(axis=1).tolist(), (ra + rb).tolist()[0]
    ([15.0, 15.0, 15.0, 15.0], [8.0, 16.0])
    """
    t = (a + b).astype(np.int64)
    ra = rng.multivariate_hypergeometric(t, int(a.sum()), size=iterations).astype(float)
    return ra, t - ra


def bootstrap_draws(a: np.ndarray, b: np.ndarray, replicates: int, rng: np.random.Generator):
    """Bootstrap tables: the N individuals resampled with replacement from the unit x group table.

    Each replicate is a multinomial draw of N individuals over the 2 x units
    cells with the observed cell shares (Allen et al. 2015).

    >>> ra, rb = bootstrap_draws(np.array([2., 13.]), np.array([6., 3.]), 3, as_generator(0))
    >>> (ra.sum(axis=1) + rb.sum(axis=1)).tolist()
    [24.0, 24.0, 24.0]
    """
    n = len(a)
    cells = np.concatenate([a, b])
    draws = rng.multinomial(int(cells.sum()), cells / cells.sum(), size=replicates).astype(float)
    return draws[:, :n], draws[:, n:]


@dataclass(frozen=True)
class IndexSummary:
    """One index with its uncertainty, as the pipeline's long table holds it.

    ``bias_corrected = 2 * estimate - mean(bootstrap)``; ``low``/``high`` is
    the percentile bootstrap interval; ``null_mean``/``null_sd`` describe the
    index under random allocation and ``p_value`` is the share of random
    allocations at least as segregated as observed (with the +1 correction).
    NaN where no replicates were asked for.
    """

    index: str
    estimate: float
    bias_corrected: float
    se: float
    low: float
    high: float
    null_mean: float
    null_sd: float
    p_value: float


def _check_index_names(indices, owner):
    for name in indices:
        index_function(name, owner)


def summarise_indices(
    a,
    b,
    indices=tuple(INDICES),
    *,
    iterations: int = 1000,
    replicates: int = 1000,
    level: float = 0.95,
    seed=None,
) -> dict[str, IndexSummary]:
    """Every named index with bootstrap interval, bias-corrected estimate and permutation p-value.

    One set of permutation draws and one set of bootstrap draws serve all
    indices. The standardised index uses the exact expectation at the
    observed margins in every replicate (exact for permutations, whose
    margins are the observed ones; an approximation for bootstrap tables).

    >>> s = summarise_indices([20, 80, 50], [80, 20, 50], ["dissimilarity"], iterations=200, replicates=200, seed=1)
    >>> d = s["dissimilarity"]
    >>> round(d.estimate, 3), d.p_value < 0.01, d.low < d.estimate < d.high
    (0.4, True, True)
    """
    owner = "summarise_indices"
    _check_index_names(indices, owner)
    check_scalar(iterations, "iterations", owner, kind=int, min_value=0)
    check_scalar(replicates, "replicates", owner, kind=int, min_value=0)
    check_scalar(level, "level", owner, kind=float, min_value=0.0, max_value=1.0,
                 include_min=False, include_max=False)
    simulate = iterations > 0 or replicates > 0
    g = two_groups(a, b, owner, integer=simulate or "standardised_dissimilarity" in indices)
    rng = as_generator(seed)
    e = _expected_dissimilarity(g.a, g.b) if "standardised_dissimilarity" in indices else None
    observed = {n: float(KERNELS[n](g.a, g.b, e)) for n in indices}
    nan = float("nan")
    null = {n: (nan, nan, nan) for n in indices}
    if iterations > 0:
        pa, pb = permutation_draws(g.a, g.b, iterations, rng)
        for n in indices:
            vals = KERNELS[n](pa, pb, e)
            obs = observed[n]
            tol = 1e-12 * max(1.0, abs(obs))
            hits = (vals <= obs + tol) if n in LOWER_IS_SEGREGATED else (vals >= obs - tol)
            null[n] = (float(vals.mean()), float(vals.std(ddof=1)) if iterations > 1 else nan,
                       float((1 + hits.sum()) / (iterations + 1)))
    boot = {n: (nan, nan, nan, nan) for n in indices}
    if replicates > 0:
        ba, bb = bootstrap_draws(g.a, g.b, replicates, rng)
        alpha = (1.0 - level) / 2.0
        for n in indices:
            vals = KERNELS[n](ba, bb, e)
            vals = vals[np.isfinite(vals)]
            if len(vals) == 0:
                continue
            lo, hi = np.quantile(vals, [alpha, 1.0 - alpha])
            boot[n] = (float(2 * observed[n] - vals.mean()),
                       float(vals.std(ddof=1)) if len(vals) > 1 else nan, float(lo), float(hi))
    return {
        n: IndexSummary(n, observed[n], *boot[n], *null[n])
        for n in indices
    }


@dataclass(frozen=True)
class PermutationResult:
    """An index against random allocation with both margins fixed.

    ``null_mean`` is the simulated expectation of the index (for D it checks
    :func:`~kvarter.segregation.expected_dissimilarity`); ``p_value`` is the
    one-sided share of allocations at least as segregated as observed.
    ``empty_units`` counts units without anyone, which were ignored.
    """

    index: str
    observed: float
    null_mean: float
    null_sd: float
    p_value: float
    iterations: int
    empty_units: int


def permutation_test(a, b, index: str = "dissimilarity", iterations: int = 1000, seed=None) -> PermutationResult:
    """Permutation test of a two-group index against random allocation.

    The same individuals are allocated at random to units of the same sizes
    ``iterations`` times (multivariate hypergeometric draws, one array); the
    p-value is ``(1 + #{null >= observed}) / (iterations + 1)`` (``<=`` for
    interaction, where lower means more segregated). Needs whole-number counts.

    Reference: Carrington & Troske (1997); Boisso, D. et al. (1994).
    Occupational segregation in the multidimensional case. *Journal of
    Econometrics* 61(1), 161-171.

    Examples
    --------
    >>> r = permutation_test([2, 13], [6, 3], iterations=2000, seed=7)
    >>> round(r.observed, 4), round(r.null_mean, 2), r.p_value < 0.05
    (0.5333, 0.15, True)
    >>> permutation_test([2, 13], [6, 3], seed=7) == permutation_test([2, 13], [6, 3], seed=7)
    True
    """
    owner = "permutation_test"
    index_function(index, owner)
    check_scalar(iterations, "iterations", owner, kind=int, min_value=1)
    g = two_groups(a, b, owner, integer=True)
    s = summarise_indices(g.a, g.b, [index], iterations=iterations, replicates=0, seed=seed)[index]
    return PermutationResult(index, s.estimate, s.null_mean, s.null_sd, s.p_value, iterations, g.empty_units)


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap estimate of an index: the estimate, ``bias_corrected =
    2 * estimate - mean(replicates)``, the standard error and the percentile
    interval at ``level``."""

    index: str
    estimate: float
    bias_corrected: float
    se: float
    interval: tuple[float, float]
    level: float
    replicates: int
    empty_units: int


def bootstrap(a, b, index: str = "dissimilarity", replicates: int = 1000, seed=None, level: float = 0.95) -> BootstrapResult:
    """Bootstrap interval and bias-corrected estimate of a two-group index.

    Replicates resample the N individuals from the unit x group table
    (multinomial over its cells). Small units make D biased upwards; the
    bias-corrected estimate removes the bootstrap estimate of that bias.
    Needs whole-number counts.

    Reference: Allen, R., Burgess, S., Davidson, R. & Windmeijer, F. (2015).
    More reliable inference for the dissimilarity index of segregation.
    *The Econometrics Journal* 18(1), 40-66.

    Examples
    --------
    >>> r = bootstrap([20, 80, 50], [80, 20, 50], replicates=500, seed=3)
    >>> round(r.estimate, 2), r.bias_corrected < r.estimate, r.interval[0] < 0.4 < r.interval[1]
    (0.4, True, True)
    """
    owner = "bootstrap"
    index_function(index, owner)
    check_scalar(replicates, "replicates", owner, kind=int, min_value=2)
    g = two_groups(a, b, owner, integer=True)
    s = summarise_indices(g.a, g.b, [index], iterations=0, replicates=replicates, level=level, seed=seed)[index]
    if not np.isfinite(s.low):
        raise InputError(f"bootstrap of {index}: no replicate gave a defined value (a group is too small).")
    return BootstrapResult(index, s.estimate, s.bias_corrected, s.se, (s.low, s.high), level, replicates, g.empty_units)
