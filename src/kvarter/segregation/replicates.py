"""Every two-group index over a stack of replicate tables in one pass.

The simulations in :mod:`kvarter.segregation.inference` evaluate all indices
on the same (replicates x units) arrays. Evaluating each index on its own
recomputes the unit totals, the shares and their logarithms ten times and
sorts every replicate for Gini; here they are computed once per array and
shared. The values equal those of the single-index kernels in
:data:`~kvarter.segregation.registry.KERNELS` up to rounding (a test checks
this, including replicates in which a group or a unit is empty).

Gini needs the units of each replicate in the order of their share
:math:`p_i = a_i / t_i`, and that order differs between replicates. For
whole-number counts (all simulated tables) the order, a and t are packed into
one 64-bit integer per unit and the replicates are sorted as plain integers;
the pair sum is then computed in exact integer arithmetic.
"""

from __future__ import annotations

import numpy as np

from kvarter.segregation.dissimilarity import _standardise
from kvarter.segregation.inequality import _gini
from kvarter.segregation.information import _binary_entropy

ATKINSON_SHAPES = {"atkinson_0.1": 0.1, "atkinson_0.5": 0.5, "atkinson_0.9": 0.9}
# Count bits per unit for the packed Gini sort: order key (2k + 2 bits), a and
# t (k bits each) must fit in the 63 bits of a non-negative int64.
_MAX_COUNT_BITS = 15
# Replicates are evaluated in blocks of about this many cells: each temporary
# array then stays small enough to be reused from the heap (and cache) rather
# than mapped afresh from the OS, which for 1000-replicate arrays cost more
# than the arithmetic.
_BLOCK_ELEMENTS = 1 << 15


def _gini_pairs_packed(ai: np.ndarray, ti: np.ndarray, p: np.ndarray, k: int) -> np.ndarray:
    r"""Pair sum :math:`\sum_{i<j} t_i t_j |p_i - p_j|` for whole-number counts below 2**k.

    Distinct shares a/t and a'/t' differ by at least 1/(t t') > 2**-2k, so
    ``floor(p * 2**(2k+1))`` keeps their order (and equal shares give equal
    keys); a and t ride along in the low bits. In that order
    :math:`t_i t_j |p_i - p_j| = a_j t_i - a_i t_j` for i before j, and the sum
    over pairs is :math:`\sum_j a_j (2 W_j - t_j) - A T` with W the running
    total of t: exact in integers, whatever the order inside ties (their terms
    are 0).
    """
    s = 2 * k + 1
    key = np.multiply(p, float(2**s)).astype(np.int64)
    key <<= 2 * k
    key |= ai << k
    key |= ti
    key.sort(axis=-1)
    mask = (1 << k) - 1
    ts = key & mask
    key >>= k
    key &= mask
    as_ = key
    w = np.cumsum(ts, axis=-1)
    w <<= 1
    w -= ts
    w *= as_
    return w.sum(axis=-1) - as_.sum(axis=-1) * ts.sum(axis=-1)


def replicate_indices(a: np.ndarray, b: np.ndarray, names, e: float | None = None) -> dict[str, np.ndarray]:
    """The named indices of every replicate table (rows of ``a`` and ``b``; last axis = units).

    ``e`` is the expected Dissimilarity Index for ``standardised_dissimilarity``
    (as for :data:`~kvarter.segregation.registry.KERNELS`). Integer arrays take
    the exact packed sort for Gini; float arrays are accepted too. A replicate
    in which a group is empty gets NaN (or inf) where the index is undefined,
    exactly where the single-index kernels give one.

    >>> a = np.array([[2, 13], [13, 2]]); b = np.array([[6, 3], [3, 6]])
    >>> v = replicate_indices(a, b, ["dissimilarity", "gini", "isolation"])
    >>> [round(float(x), 6) for x in v["dissimilarity"]], [round(float(x), 6) for x in v["gini"]]
    ([0.533333, 0.533333], [0.533333, 0.533333])
    >>> round(float(v["isolation"][0]), 6)   # (2/15)(2/8) + (13/15)(13/16)
    0.7375
    """
    names = list(dict.fromkeys(names))
    a, b = np.asarray(a), np.asarray(b)
    rows = max(16, _BLOCK_ELEMENTS // max(1, a.shape[-1]))
    if a.ndim != 2 or len(a) <= rows:
        return _block_indices(a, b, names, e)
    out = {n: np.empty(len(a)) for n in names}
    for start in range(0, len(a), rows):
        block = _block_indices(a[start:start + rows], b[start:start + rows], names, e)
        for n in names:
            out[n][start:start + rows] = block[n]
    return out


def _block_indices(a: np.ndarray, b: np.ndarray, names: list, e: float | None) -> dict[str, np.ndarray]:
    want = set(names)
    integer = np.issubdtype(a.dtype, np.integer) and np.issubdtype(b.dtype, np.integer)
    ai, bi = a, b
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    out: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        A = a.sum(axis=-1)
        B = b.sum(axis=-1)
        if want & {"dissimilarity", "standardised_dissimilarity"}:
            d = 0.5 * np.abs(a / A[..., None] - b / B[..., None]).sum(axis=-1)
            out["dissimilarity"] = d
            if "standardised_dissimilarity" in want:
                out["standardised_dissimilarity"] = _standardise(d, e)
        rest = want - {"dissimilarity", "standardised_dissimilarity"}
        if not rest:
            return {n: out[n] for n in names}
        t = a + b
        T = t.sum(axis=-1)
        P = A / T
        p = np.divide(a, t, out=np.zeros_like(a), where=t > 0)
        q = 1.0 - p
        if want & {"isolation", "correlation_ratio"}:
            iso = (a * p).sum(axis=-1) / A
            out["isolation"] = iso
            out["correlation_ratio"] = (iso - P) / (1.0 - P)
        if "interaction" in want:
            out["interaction"] = (a * q).sum(axis=-1) / A
        if "gini" in want:
            if integer:
                ti = ai + bi
                k = max(int(ti.max(initial=0)).bit_length(), 1)
            if integer and k <= _MAX_COUNT_BITS:
                pairs = _gini_pairs_packed(ai.astype(np.int64), ti.astype(np.int64), p, k).astype(float)
                out["gini"] = pairs / (T**2 * P * (1.0 - P))
            else:
                out["gini"] = _gini(a, b)
        atk = [n for n in ATKINSON_SHAPES if n in want]
        if "theil_h" in want or atk:
            lp = np.log(p)
            lq = np.log(q)
        if "theil_h" in want:
            # p ln p + q ln q, with 0 ln 0 = 0: the only NaNs are those 0 * -inf.
            plogp = p * lp
            plogp += q * lq
            np.nan_to_num(plogp, copy=False, nan=0.0)
            E = _binary_entropy(P)
            plogp += E[..., None]
            out["theil_h"] = (t * plogp).sum(axis=-1) / (T * E)
        for n in atk:
            s = ATKINSON_SHAPES[n]
            # (1 - p)^(1 - s) p^s as one exp of logs; log 0 = -inf gives 0 as the powers do.
            w = lp * s
            w += lq * (1.0 - s)
            np.exp(w, out=w)
            w *= t
            inner = w.sum(axis=-1) / (P * T)
            out[n] = 1.0 - P / (1.0 - P) * np.abs(inner) ** (1.0 / (1.0 - s))
    return {n: out[n] for n in names}
