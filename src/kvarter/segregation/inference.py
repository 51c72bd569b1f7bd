"""Uncertainty for the two-group indices: a permutation test against random
allocation, bootstrap intervals with a bias-corrected estimate, and the
batch form that the pipeline uses to get all of them from one set of draws.

All randomness comes from an explicit ``seed`` (an int, ``None`` or a NumPy
``Generator``); the same seed gives the same numbers. Replicates are drawn
as one (replicates x units) array and all indices are evaluated on it in one
pass; for many tables (:func:`summarise_tables`) the draws are made ahead in a
second thread, from the same generator in the same order.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from itertools import islice
from typing import Iterator

import numpy as np

from kvarter.errors import InputError
from kvarter.segregation.counts import two_groups
from kvarter.segregation.dissimilarity import _expected_dissimilarity
from kvarter.segregation.registry import INDICES, KERNELS, LOWER_IS_SEGREGATED, index_function
from kvarter.segregation.replicates import replicate_indices
from kvarter.validation import check_scalar


def as_generator(seed) -> np.random.Generator:
    """A NumPy Generator from an int seed, ``None`` (fresh entropy) or a Generator.

    >>> bool(as_generator(1).integers(10) == as_generator(1).integers(10))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _permutation_counts(a: np.ndarray, b: np.ndarray, iterations: int, rng: np.random.Generator):
    t = (a + b).astype(np.int64)
    ra = rng.multivariate_hypergeometric(t, int(a.sum()), size=iterations)
    return ra, t - ra


def _bootstrap_counts(a: np.ndarray, b: np.ndarray, replicates: int, rng: np.random.Generator):
    n = len(a)
    cells = np.concatenate([a, b])
    draws = rng.multinomial(int(cells.sum()), cells / cells.sum(), size=replicates)
    return draws[:, :n], draws[:, n:]


def permutation_draws(a: np.ndarray, b: np.ndarray, iterations: int, rng: np.random.Generator):
    """Random allocations with both margins fixed: (iterations x units) counts of a and of b.

    Each row puts the A members of group a at random among the T places of
    units with sizes ``a + b`` (a multivariate hypergeometric draw, by
    sequential hypergeometric marginals); the rest of each unit is group b.

    >>> ra, rb = permutation_draws(np.array([2., 13.]), np.array([6., 3.]), 4, as_generator(0))
    >>> ra.sum(axis=1).tolist(), (ra + rb).tolist()[0]
    ([15.0, 15.0, 15.0, 15.0], [8.0, 16.0])
    """
    ra, rb = _permutation_counts(a, b, iterations, rng)
    return ra.astype(float), rb.astype(float)


def bootstrap_draws(a: np.ndarray, b: np.ndarray, replicates: int, rng: np.random.Generator):
    """Bootstrap tables: the N individuals resampled with replacement from the unit x group table.

    Each replicate is a multinomial draw of N individuals over the 2 x units
    cells with the observed cell shares (Allen et al. 2015).

    >>> ra, rb = bootstrap_draws(np.array([2., 13.]), np.array([6., 3.]), 3, as_generator(0))
    >>> (ra.sum(axis=1) + rb.sum(axis=1)).tolist()
    [24.0, 24.0, 24.0]
    """
    ra, rb = _bootstrap_counts(a, b, replicates, rng)
    return ra.astype(float), rb.astype(float)


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


def _null_summaries(values: dict[str, np.ndarray], observed: dict[str, float], iterations: int):
    """(null mean, null sd, p-value) per index from the permutation replicates, all indices at once."""
    names = list(values)
    v = np.stack([values[n] for n in names])
    obs = np.array([observed[n] for n in names])
    tol = 1e-12 * np.maximum(1.0, np.abs(obs))
    lower = np.array([n in LOWER_IS_SEGREGATED for n in names])
    hits = np.where(lower[:, None], v <= (obs + tol)[:, None], v >= (obs - tol)[:, None]).sum(axis=1)
    mean = v.mean(axis=1)
    sd = v.std(axis=1, ddof=1) if iterations > 1 else np.full(len(names), np.nan)
    p = (1 + hits) / (iterations + 1)
    return {n: (float(mean[i]), float(sd[i]), float(p[i])) for i, n in enumerate(names)}


def _bootstrap_summaries(values: dict[str, np.ndarray], observed: dict[str, float], level: float):
    """(bias-corrected, se, low, high) per index from the bootstrap replicates.

    Replicates where an index is undefined (a group drawn empty) are left out
    of that index's summary; all indices share one vectorised pass when none is.
    """
    nan = float("nan")
    alpha = (1.0 - level) / 2.0
    names = list(values)
    v = np.stack([values[n] for n in names])
    out = {}
    if np.isfinite(v).all():
        lo, hi = np.quantile(v, [alpha, 1.0 - alpha], axis=1)
        mean = v.mean(axis=1)
        sd = v.std(axis=1, ddof=1) if v.shape[1] > 1 else np.full(len(names), nan)
        for i, n in enumerate(names):
            out[n] = (float(2 * observed[n] - mean[i]), float(sd[i]), float(lo[i]), float(hi[i]))
        return out
    for i, n in enumerate(names):
        vals = v[i][np.isfinite(v[i])]
        if len(vals) == 0:
            out[n] = (nan, nan, nan, nan)
            continue
        lo, hi = np.quantile(vals, [alpha, 1.0 - alpha])
        out[n] = (float(2 * observed[n] - vals.mean()),
                  float(vals.std(ddof=1)) if len(vals) > 1 else nan, float(lo), float(hi))
    return out


def _check_index_names(indices, owner):
    for name in indices:
        index_function(name, owner)


@dataclass(frozen=True)
class _Table:
    """One checked table with what its summaries need besides the draws."""

    g: object
    names: list
    e: float | None
    observed: dict
    iterations: int
    replicates: int
    level: float


def _check(a, b, indices, iterations: int, replicates: int, level: float, owner: str) -> _Table:
    """The checked table, without its observed indices yet (:func:`_observe`): all a draw needs."""
    _check_index_names(indices, owner)
    check_scalar(iterations, "iterations", owner, kind=int, min_value=0)
    check_scalar(replicates, "replicates", owner, kind=int, min_value=0)
    check_scalar(level, "level", owner, kind=float, min_value=0.0, max_value=1.0,
                 include_min=False, include_max=False)
    simulate = iterations > 0 or replicates > 0
    g = two_groups(a, b, owner, integer=simulate or "standardised_dissimilarity" in indices)
    return _Table(g, list(dict.fromkeys(indices)), None, {}, iterations, replicates, level)


def _observe(table: _Table) -> _Table:
    """The table with the expected D (when the standardised index is asked for) and the observed indices."""
    g, names = table.g, table.names
    e = _expected_dissimilarity(g.a, g.b) if "standardised_dissimilarity" in names else None
    observed = {n: float(KERNELS[n](g.a, g.b, e)) for n in names}
    return replace(table, e=e, observed=observed)


def _prepare(a, b, indices, iterations: int, replicates: int, level: float, owner: str) -> _Table:
    return _observe(_check(a, b, indices, iterations, replicates, level, owner))


def _draw(table: _Table, rng: np.random.Generator):
    """The permutation and bootstrap count tables of one table, in that order from ``rng``."""
    g = table.g
    perm = _permutation_counts(g.a, g.b, table.iterations, rng) if table.iterations > 0 else None
    boot = _bootstrap_counts(g.a, g.b, table.replicates, rng) if table.replicates > 0 else None
    return perm, boot


def _summarise(table: _Table, perm, boot) -> dict[str, IndexSummary]:
    nan = float("nan")
    names, e, observed = table.names, table.e, table.observed
    null = {n: (nan, nan, nan) for n in names}
    if perm is not None and names:
        null = _null_summaries(replicate_indices(*perm, names, e), observed, table.iterations)
    bs = {n: (nan, nan, nan, nan) for n in names}
    if boot is not None and names:
        bs = _bootstrap_summaries(replicate_indices(*boot, names, e), observed, table.level)
    return {n: IndexSummary(n, observed[n], *bs[n], *null[n]) for n in names}


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
    indices, and every index is evaluated on them in one pass
    (:func:`~kvarter.segregation.replicates.replicate_indices`). The
    standardised index uses the exact expectation at the observed margins in
    every replicate (exact for permutations, whose margins are the observed
    ones; an approximation for bootstrap tables).

    >>> s = summarise_indices([20, 80, 50], [80, 20, 50], ["dissimilarity"], iterations=200, replicates=200, seed=1)
    >>> d = s["dissimilarity"]
    >>> round(d.estimate, 3), d.p_value < 0.01, d.low < d.estimate < d.high
    (0.4, True, True)
    """
    table = _prepare(a, b, indices, iterations, replicates, level, "summarise_indices")
    return _summarise(table, *_draw(table, as_generator(seed)))


def summarise_tables(
    tables,
    indices=tuple(INDICES),
    *,
    level: float = 0.95,
    seed=None,
    ahead: int = 2,
) -> Iterator[dict[str, IndexSummary]]:
    """:func:`summarise_indices` for many tables in turn, with the draws made ahead in a second thread.

    ``tables`` holds ``(a, b, iterations, replicates)`` per table. One worker
    thread draws the tables' permutations and bootstraps from the one
    generator in the order of ``tables`` (at most ``ahead`` tables before the
    one being summarised), while the caller's thread evaluates the indices:
    the numbers are exactly those of calling :func:`summarise_indices` on each
    table in turn with the same Generator. All tables are checked before any
    draw.

    >>> t = [([20, 80, 50], [80, 20, 50], 100, 100), ([5, 9], [7, 2], 50, 20)]
    >>> s = list(summarise_tables(t, ["dissimilarity"], seed=4))
    >>> rng = np.random.default_rng(4)
    >>> s == [summarise_indices(a, b, ["dissimilarity"], iterations=i, replicates=r, seed=rng) for a, b, i, r in t]
    True
    """
    # Checked first (every error before any draw); the observed indices are computed in
    # this thread while the worker draws.
    prepared = [_check(a, b, indices, it, rep, level, "summarise_tables") for a, b, it, rep in tables]
    rng = as_generator(seed)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kvarter-draws") as pool:
        pending: deque = deque()
        queue = iter(prepared)
        try:
            for table in islice(queue, max(1, ahead)):
                pending.append((table, pool.submit(_draw, table, rng)))
            while pending:
                table, future = pending.popleft()
                following = next(queue, None)
                if following is not None:
                    pending.append((following, pool.submit(_draw, following, rng)))
                table = _observe(table)
                yield _summarise(table, *future.result())
        finally:
            for _, future in pending:
                future.cancel()


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
    A, B = float(g.a.sum()), float(g.b.sum())
    if index == "dissimilarity" and A > 0 and B > 0:
        # The draws summarise_indices would make (same generator, same order),
        # D evaluated from group a's counts alone in one buffer.
        t = (g.a + g.b).astype(np.int64)
        ra = as_generator(seed).multivariate_hypergeometric(t, int(A), size=iterations)
        observed = float(KERNELS[index](g.a, g.b, None))
        mean, sd, p = _null_summaries({index: permutation_dissimilarity(ra, t, A, B)}, {index: observed},
                                      iterations)[index]
        return PermutationResult(index, observed, mean, sd, p, iterations, g.empty_units)
    s = summarise_indices(g.a, g.b, [index], iterations=iterations, replicates=0, seed=seed)[index]
    return PermutationResult(index, s.estimate, s.null_mean, s.null_sd, s.p_value, iterations, g.empty_units)


def permutation_dissimilarity(ra: np.ndarray, t: np.ndarray, A: float, B: float) -> np.ndarray:
    """D of permuted tables from group a's counts ``ra`` (replicates x units) alone.

    Both margins are fixed under permutation (``A`` and ``B`` persons, units
    of ``t``), so with :math:`b_i = t_i - a_i`

    .. math:: D = \\tfrac12 \\sum_i \\left| \\frac{a_i}{A} - \\frac{b_i}{B} \\right|
              = \\tfrac12 \\sum_i \\left| a_i \\left(\\tfrac1A + \\tfrac1B\\right) - \\frac{t_i}{B} \\right|,

    evaluated in one float buffer (Duncan & Duncan 1955).

    The brief's example (2 of 8 and 13 of 16 in group a) and an even table:

    >>> permutation_dissimilarity(np.array([[2, 13], [5, 10]]), np.array([8, 16]), 15.0, 9.0).round(4).tolist()
    [0.5333, 0.0]
    """
    buf = ra.astype(float)
    buf *= 1.0 / A + 1.0 / B
    buf -= t / B
    np.abs(buf, out=buf)
    return 0.5 * buf.sum(axis=1)


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
