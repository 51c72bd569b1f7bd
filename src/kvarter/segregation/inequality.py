"""Evenness indices built on inequality measures: Gini and Atkinson."""

from __future__ import annotations

import numpy as np

from kvarter.segregation.counts import two_groups
from kvarter.validation import check_scalar


def _gini(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    t = a + b
    T = t.sum(axis=-1)
    P = a.sum(axis=-1) / T
    p = np.where(t > 0, a / np.where(t > 0, t, 1.0), 0.0)
    # Sum over pairs of t_i t_j |p_i - p_j| in O(n log n): sort by p, then each
    # unit's p times the weight below it minus the weighted p below it.
    order = np.argsort(p, axis=-1, kind="stable")
    ps = np.take_along_axis(p, order, axis=-1)
    ts = np.take_along_axis(t, order, axis=-1)
    w_below = np.cumsum(ts, axis=-1) - ts
    wp_below = np.cumsum(ts * ps, axis=-1) - ts * ps
    pairs = (ts * (ps * w_below - wp_below)).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pairs / (T**2 * P * (1.0 - P))


def gini(a, b) -> float:
    r"""Gini segregation index: the mean absolute difference of the units' shares of a.

    .. math:: G = \frac{\sum_i \sum_j t_i t_j |p_i - p_j|}{2 T^2 P (1 - P)}

    with :math:`p_i = a_i / t_i`, :math:`P = A / T`. 0 = even, 1 = complete
    separation. Computed by sorting (O(n log n)), not over all pairs.

    Reference: Massey & Denton (1988), *Social Forces* 67(2), 281-315.

    Examples
    --------
    Appendix A: 2 x 8 x 16 x |2/8 - 13/16| / (2 x 24^2 x 0.625 x 0.375) = 8/15.

    >>> round(gini([2, 13], [6, 3]), 12)
    0.533333333333
    >>> gini([10, 20], [5, 10]), gini([7, 0], [0, 4])
    (0.0, 1.0)
    """
    g = two_groups(a, b, "gini")
    return float(np.clip(_gini(g.a, g.b), 0.0, 1.0))


def _atkinson(a: np.ndarray, b: np.ndarray, b_param: float) -> np.ndarray:
    t = a + b
    T = t.sum(axis=-1)
    P = a.sum(axis=-1) / T
    p = np.where(t > 0, a / np.where(t > 0, t, 1.0), 0.0)
    inner = ((1.0 - p) ** (1.0 - b_param) * p**b_param * t).sum(axis=-1) / (P * T)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 - P / (1.0 - P) * np.abs(inner) ** (1.0 / (1.0 - b_param))


def atkinson(a, b, b_param: float = 0.5) -> float:
    r"""Atkinson segregation index with shape parameter b (0 < b < 1).

    .. math:: A_b = 1 - \frac{P}{1-P} \left| \frac{1}{P T}
              \sum_i (1 - p_i)^{1-b} p_i^{b} t_i \right|^{1/(1-b)}

    b weighs where unevenness counts: below 0.5 units where a is
    under-represented weigh more, above 0.5 units where a is
    over-represented. The report's companion measures use b = 0.1, 0.5, 0.9.
    0 = even, 1 = complete separation.

    Reference: Atkinson, A. B. (1970). On the measurement of inequality.
    *Journal of Economic Theory* 2(3), 244-263; Massey & Denton (1988).

    Examples
    --------
    >>> round(atkinson([2, 13], [6, 3], 0.5), 6)
    0.301729
    >>> atkinson([10, 20], [5, 10], 0.1), atkinson([7, 0], [0, 4], 0.9)
    (0.0, 1.0)
    """
    check_scalar(b_param, "b_param", "atkinson", kind=float, min_value=0.0, max_value=1.0,
                 include_min=False, include_max=False)
    g = two_groups(a, b, "atkinson")
    return float(np.clip(_atkinson(g.a, g.b, b_param), 0.0, 1.0))
