"""Information-theory indices: Theil's H for two groups, the mutual
information index M and Theil's H for several groups, the exact
between/within decomposition of M, and each unit's local contribution.

Natural logarithms throughout (as the R package ``segregation``); H does not
depend on the base, M does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import xlogy

from kvarter.errors import InputError
from kvarter.segregation.counts import two_groups, units_by_groups
from kvarter.validation import check_consistent_length


def _binary_entropy(p):
    return -(xlogy(p, p) + xlogy(1.0 - p, 1.0 - p))


def _theil_h(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    t = a + b
    T = t.sum(axis=-1, keepdims=True)
    P = a.sum(axis=-1, keepdims=True) / T
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(t > 0, a / np.where(t > 0, t, 1.0), 0.0)
        E = _binary_entropy(P)
        return (t * (E - _binary_entropy(p))).sum(axis=-1) / (T * E)[..., 0]


def theil_h(a, b) -> float:
    r"""Theil's information index H for two groups.

    With :math:`P = A / T` the overall share of group a, :math:`p_i = a_i / t_i`
    its share in unit i and :math:`E(p) = -p \ln p - (1-p) \ln(1-p)`,

    .. math:: H = \sum_i \frac{t_i \, (E(P) - E(p_i))}{T \, E(P)}

    the relative loss of diversity (entropy) inside units. 0 = even,
    1 = complete separation.

    Reference: Reardon, S. F. & Firebaugh, G. (2002). Measures of multigroup
    segregation. *Sociological Methodology* 32, 33-67.

    Examples
    --------
    >>> round(theil_h([2, 13], [6, 3]), 6)
    0.230363
    >>> theil_h([10, 20], [5, 10]), theil_h([7, 0], [0, 4])
    (0.0, 1.0)
    """
    g = two_groups(a, b, "theil_h")
    return float(np.clip(_theil_h(g.a, g.b), 0.0, 1.0))


def _mutual_information(counts: np.ndarray) -> float:
    T = counts.sum()
    p_ug = counts / T
    p_u = p_ug.sum(axis=1, keepdims=True)
    p_g = p_ug.sum(axis=0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.where(p_ug > 0, xlogy(p_ug, p_ug / (p_u * p_g)), 0.0).sum())


def _group_entropy(counts: np.ndarray) -> float:
    p_g = counts.sum(axis=0) / counts.sum()
    return float(-xlogy(p_g, p_g).sum())


def mutual_information(counts) -> float:
    r"""Mutual information index M of a units x groups table.

    .. math:: M = \sum_u \sum_g p_{ug} \ln \frac{p_{ug}}{p_{u\cdot}\, p_{\cdot g}}

    0 = every unit has the overall group mix; its maximum is the group entropy
    (complete separation).

    Reference: Theil, H. & Finizza, A. J. (1971). A note on the measurement of
    racial integration of schools. *Journal of Mathematical Sociology* 1(2),
    187-193; Mora, R. & Ruiz-Castillo, J. (2011). Entropy-based segregation
    indices. *Sociological Methodology* 41(1), 159-194.

    Examples
    --------
    Two groups completely separated in equal halves: M = ln 2.

    >>> round(mutual_information([[5, 0], [0, 5]]), 12) == round(float(np.log(2)), 12)
    True
    >>> mutual_information([[1, 2, 3], [2, 4, 6]])
    0.0
    """
    return _mutual_information(units_by_groups(counts, "mutual_information"))


def theil_h_multigroup(counts) -> float:
    r"""Theil's H for several groups: M divided by the entropy of the group shares.

    .. math:: H = M / E, \qquad E = -\sum_g p_{\cdot g} \ln p_{\cdot g}

    Reference: Reardon & Firebaugh (2002), *Sociological Methodology* 32, 33-67.

    Examples
    --------
    >>> theil_h_multigroup([[5, 0, 0], [0, 5, 0], [0, 0, 5]])
    1.0
    >>> round(theil_h_multigroup([[2, 6], [13, 3]]), 6) == round(theil_h([2, 13], [6, 3]), 6)
    True
    """
    c = units_by_groups(counts, "theil_h_multigroup")
    return float(min(1.0, _mutual_information(c) / _group_entropy(c)))


@dataclass(frozen=True)
class Decomposition:
    """M split into a between-block and a within-block part (``total = between + within``).

    ``within_by_block`` holds each block's own M and ``block_weights`` its share
    of all individuals, so ``within = sum(weight * M_block)``. The ``h_*``
    fields are the same parts divided by the overall group entropy.
    """

    total: float
    between: float
    within: float
    within_by_block: dict
    block_weights: dict
    h_total: float
    h_between: float
    h_within: float


def decompose_mutual_information(counts, blocks) -> Decomposition:
    r"""Exact decomposition of M into between- and within-block segregation.

    Units are nested in blocks (schools in municipalities). With
    :math:`M_B` the M of the blocks x groups table and :math:`M_b` the M of the
    units inside block b,

    .. math:: M = M_B + \sum_b p_b M_b

    Reference: Theil (1971); Mora & Ruiz-Castillo (2011); Elbers, B. (2023).
    A method for studying differences in segregation across time and space.
    *Sociological Methods & Research* 52(1), 5-42.

    Examples
    --------
    >>> d = decompose_mutual_information([[4, 0], [0, 4], [2, 2], [2, 2]], ["x", "x", "y", "y"])
    >>> round(d.between, 12), round(d.within, 12), round(d.total - d.between - d.within, 12)
    (0.0, 0.346573590280, 0.0)
    """
    arr = units_by_groups(counts, "decompose_mutual_information")
    raw = np.asarray(counts, dtype=float)
    check_consistent_length("decompose_mutual_information", counts=raw, blocks=blocks)
    labels = np.asarray(blocks, dtype=object)[raw.sum(axis=1) > 0]
    if any(lab is None or (isinstance(lab, float) and np.isnan(lab)) for lab in labels):
        raise InputError("blocks passed to decompose_mutual_information has a missing block label.")
    uniq = list(dict.fromkeys(labels.tolist()))
    block_tab = np.vstack([arr[labels == k].sum(axis=0) for k in uniq])
    T = arr.sum()
    between = _mutual_information(block_tab)
    within_by, weights = {}, {}
    for k, row in zip(uniq, block_tab):
        sub = arr[labels == k]
        sub = sub[:, sub.sum(axis=0) > 0]
        within_by[k] = _mutual_information(sub) if sub.shape[1] > 1 else 0.0
        weights[k] = float(row.sum() / T)
    within = float(sum(weights[k] * within_by[k] for k in uniq))
    total = _mutual_information(arr)
    E = _group_entropy(arr)
    return Decomposition(total, between, within, within_by, weights, total / E, between / E, within / E)


@dataclass(frozen=True)
class LocalSegregation:
    """Each unit's local segregation score ``ls`` (the divergence of its group
    mix from the overall mix), its weight ``p`` (share of individuals), and the
    contribution ``p * ls``; the contributions sum to M."""

    ls: np.ndarray
    p: np.ndarray

    @property
    def contributions(self) -> np.ndarray:
        return self.ls * self.p


def local_mutual_information(counts) -> LocalSegregation:
    r"""Local contributions to M, one per unit (rows; empty rows get ls = 0, p = 0).

    .. math:: ls_u = \sum_g p_{g|u} \ln \frac{p_{g|u}}{p_{\cdot g}}, \qquad
              M = \sum_u p_{u\cdot}\, ls_u

    Reference: Mora & Ruiz-Castillo (2011); R package ``segregation``
    (``mutual_local``).

    Examples
    --------
    >>> loc = local_mutual_information([[5, 0], [0, 5], [0, 0]])
    >>> [round(float(x), 6) for x in loc.ls], [float(x) for x in loc.p]
    ([0.693147, 0.693147, 0.0], [0.5, 0.5, 0.0])
    """
    units_by_groups(counts, "local_mutual_information")
    arr = np.asarray(counts, dtype=float)
    T = arr.sum()
    t_u = arr.sum(axis=1)
    p_g = arr.sum(axis=0) / T
    with np.errstate(invalid="ignore", divide="ignore"):
        cond = np.where(t_u[:, None] > 0, arr / np.where(t_u > 0, t_u, 1.0)[:, None], 0.0)
        ls = np.where(cond > 0, xlogy(cond, cond / p_g), 0.0).sum(axis=1)
    return LocalSegregation(ls=ls, p=t_u / T)
