"""Exposure indices: isolation, interaction and the correlation ratio.

Isolation and interaction are asymmetric: they describe the units in which
the average member of group a finds itself.
"""

from __future__ import annotations

import numpy as np

from kvarter.segregation.counts import two_groups


def _safe_share(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.where(t > 0, x / np.where(t > 0, t, 1.0), 0.0)


def _isolation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    t = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((a / a.sum(axis=-1, keepdims=True)) * _safe_share(a, t)).sum(axis=-1)


def _interaction(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    t = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((a / a.sum(axis=-1, keepdims=True)) * _safe_share(b, t)).sum(axis=-1)


def _correlation_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    P = a.sum(axis=-1) / (a + b).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (_isolation(a, b) - P) / (1.0 - P)


def isolation(a, b) -> float:
    r"""Isolation index :math:`{}_aP^*_a`: the share of group a in the unit of the average member of a.

    .. math:: {}_aP^*_a = \sum_i \frac{a_i}{A} \cdot \frac{a_i}{t_i}, \qquad t_i = a_i + b_i

    Equals the overall share P of a under evenness and 1 under complete
    separation.

    Reference: Massey, D. S. & Denton, N. A. (1988). The dimensions of
    residential segregation. *Social Forces* 67(2), 281-315.

    Examples
    --------
    >>> round(isolation([2, 13], [6, 3]), 6)    # (2/15)(2/8) + (13/15)(13/16)
    0.737500
    >>> isolation([7, 0], [0, 4])
    1.0
    """
    g = two_groups(a, b, "isolation")
    return float(_isolation(g.a, g.b))


def interaction(a, b) -> float:
    r"""Interaction index :math:`{}_aP^*_b`: the share of group b in the unit of the average member of a.

    .. math:: {}_aP^*_b = \sum_i \frac{a_i}{A} \cdot \frac{b_i}{t_i}

    For two groups, isolation + interaction = 1. 0 under complete separation.

    Reference: Massey & Denton (1988), *Social Forces* 67(2), 281-315.

    Examples
    --------
    >>> round(interaction([2, 13], [6, 3]), 6)
    0.262500
    >>> interaction([7, 0], [0, 4])
    0.0
    """
    g = two_groups(a, b, "interaction")
    return float(_interaction(g.a, g.b))


def correlation_ratio(a, b) -> float:
    r"""Correlation ratio :math:`\eta^2` (the Correlation Index): isolation adjusted for group size.

    .. math:: \eta^2 = \frac{{}_aP^*_a - P}{1 - P}, \qquad P = A / T

    the share of the variance of the individual indicator "belongs to a" that
    lies between units. 0 = even, 1 = complete separation; symmetric in a and b.

    Reference: Massey & Denton (1988), *Social Forces* 67(2), 281-315
    (after Bell 1954 and Duncan & Duncan 1955).

    Examples
    --------
    >>> round(correlation_ratio([2, 13], [6, 3]), 6)   # (0.7375 - 0.625) / 0.375
    0.300000
    >>> correlation_ratio([10, 20], [5, 10]), correlation_ratio([7, 0], [0, 4])
    (0.0, 1.0)
    """
    g = two_groups(a, b, "correlation_ratio")
    return float(np.clip(_correlation_ratio(g.a, g.b), 0.0, 1.0))
