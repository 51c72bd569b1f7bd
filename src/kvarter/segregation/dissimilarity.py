"""The Dissimilarity Index and what hangs on it: its exact expectation under
random allocation, the standardised index, the moves that would reach
evenness, and the Massey-Denton reading of its level.

The ``_``-prefixed kernels work on arrays whose last axis is the units and
broadcast over any leading axes, so the simulations in
:mod:`kvarter.segregation.inference` evaluate a thousand replicates in one
expression.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from kvarter.errors import InputError
from kvarter.segregation.counts import two_groups


def _dissimilarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    A = a.sum(axis=-1, keepdims=True)
    B = b.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 0.5 * np.abs(a / A - b / B).sum(axis=-1)


def dissimilarity(a, b) -> float:
    r"""Dissimilarity Index D of two groups over units.

    .. math:: D = \tfrac12 \sum_i \left| \frac{a_i}{A} - \frac{b_i}{B} \right|

    the share of either group that would have to change unit for every unit to
    have the overall mix. 0 = even, 1 = complete separation. Units with nobody
    in them are ignored.

    Reference: Duncan, O. D. & Duncan, B. (1955). A methodological analysis of
    segregation indexes. *American Sociological Review* 20(2), 210-217.

    Examples
    --------
    The report's Appendix A: school I has 2 pupils of A and 6 of B, school II
    13 of A and 3 of B, so D = 0.5 (|2/15 - 6/9| + |13/15 - 3/9|) = 8/15.

    >>> dissimilarity([2, 13], [6, 3])   # 8/15
    0.533333333333
    >>> dissimilarity([10, 20], [5, 10])   # same mix everywhere
    0.0
    >>> dissimilarity([7, 0], [0, 4])      # complete separation
    1.0
    """
    g = two_groups(a, b, "dissimilarity")
    return float(_dissimilarity(g.a, g.b))


def _log_factorials(n: int) -> np.ndarray:
    return gammaln(np.arange(n + 1, dtype=float) + 1.0)


def _expected_dissimilarity(a: np.ndarray, b: np.ndarray) -> float:
    t = (a + b).astype(np.int64)
    A, B = int(a.sum()), int(b.sum())
    T = A + B
    lf = _log_factorials(T)
    lo = np.maximum(0, t - B)
    hi = np.minimum(t, A)
    sizes = hi - lo + 1
    unit = np.repeat(np.arange(len(t)), sizes)
    # x runs over each unit's support lo..hi, laid end to end.
    offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    x = np.repeat(lo, sizes) + offsets
    tu = t[unit]
    logp = (
        lf[A] - lf[x] - lf[A - x]
        + lf[B] - lf[tu - x] - lf[B - tu + x]
        - (lf[T] - lf[tu] - lf[T - tu])
    )
    term = np.exp(logp) * np.abs(x / A - (tu - x) / B)
    return float(0.5 * term.sum())


def expected_dissimilarity(a, b) -> float:
    r"""Exact expectation of D under random allocation with both margins fixed.

    The same individuals (A of group a, B of group b) are allocated at random
    to units of the same sizes :math:`t_i`. Then each unit's count of group a is
    hypergeometric, :math:`X_i \sim \mathrm{Hyp}(T, A, t_i)`, and

    .. math:: E[D] = \tfrac12 \sum_i \sum_{x} P(X_i = x)
              \left| \frac{x}{A} - \frac{t_i - x}{B} \right|

    a finite sum over each unit's support, computed with log-probabilities
    (log-factorials) so that large municipalities do not overflow. This is
    the benchmark of Carrington & Troske's standardised index; the simulated
    null mean of :func:`~kvarter.segregation.permutation_test` checks it.
    Counts must be whole numbers (individuals are allocated).

    Reference: Carrington, W. J. & Troske, K. R. (1997). On measuring
    segregation in samples with small units. *Journal of Business & Economic
    Statistics* 15(4), 402-409.

    Examples
    --------
    Two units of two people, one of each group: a random allocation puts both
    a's in one unit with probability 1/3 (D = 1), else D = 0.

    >>> round(expected_dissimilarity([1, 1], [1, 1]), 12)
    0.333333333333
    >>> round(expected_dissimilarity([2, 13], [6, 3]), 4)
    0.1524
    """
    g = two_groups(a, b, "expected_dissimilarity", integer=True)
    return _expected_dissimilarity(g.a, g.b)


def _standardise(d, e):
    d = np.asarray(d, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        above = np.where(e < 1.0, (d - e) / (1.0 - e), 0.0)
        below = np.where(e > 0.0, (d - e) / e, 0.0)
    return np.where(d >= e, above, below)


def standardised_dissimilarity(a, b) -> float:
    r"""Carrington-Troske standardised Dissimilarity Index.

    D compared with its exact expectation E under random allocation of the
    same individuals to units of the same sizes
    (:func:`expected_dissimilarity`):

    .. math:: D^* = \frac{D - E}{1 - E} \text{ if } D \ge E, \qquad
              D^* = \frac{D - E}{E} \text{ otherwise,}

    so 0 means "as segregated as chance", 1 complete separation and -1 perfect
    evenness. Where E = 1 (every unit holds one person) chance already
    separates completely and D* is 0. Counts must be whole numbers.

    Reference: Carrington, W. J. & Troske, K. R. (1997), *Journal of Business &
    Economic Statistics* 15(4), 402-409.

    Examples
    --------
    >>> round(standardised_dissimilarity([2, 13], [6, 3]), 4)
    0.4494
    >>> standardised_dissimilarity([7, 0], [0, 4])
    1.0
    >>> standardised_dissimilarity([2, 4], [1, 2])
    -1.0
    """
    g = two_groups(a, b, "standardised_dissimilarity", integer=True)
    d = _dissimilarity(g.a, g.b)
    return float(_standardise(d, _expected_dissimilarity(g.a, g.b)))


@dataclass(frozen=True)
class Moves:
    """How many of each group would have to move to reach evenness, and where.

    ``a_change[i]`` is how many members of group a unit ``i`` would gain
    (negative: lose) if only group a moved; ``a_flows`` is one plan that does
    it, as ``(from_unit, to_unit, amount)`` triples. ``b_*`` likewise when
    only group b moves. ``group_a_moved = D * A`` and ``group_b_moved = D * B``.
    Units are numbered as in the input (empty units keep their number).
    """

    dissimilarity: float
    group_a_moved: float
    group_b_moved: float
    a_change: tuple[float, ...]
    b_change: tuple[float, ...]
    a_flows: tuple[tuple[int, int, float], ...]
    b_flows: tuple[tuple[int, int, float], ...]


def _flows(change: np.ndarray) -> tuple[tuple[int, int, float], ...]:
    # North-west-corner plan: walk donors and receivers in unit order.
    donors = [[i, -c] for i, c in enumerate(change) if c < 0]
    receivers = [[i, c] for i, c in enumerate(change) if c > 0]
    flows = []
    di = ri = 0
    while di < len(donors) and ri < len(receivers):
        amount = min(donors[di][1], receivers[ri][1])
        if amount > 1e-12:
            flows.append((int(donors[di][0]), int(receivers[ri][0]), float(amount)))
        donors[di][1] -= amount
        receivers[ri][1] -= amount
        if donors[di][1] <= 1e-12:
            di += 1
        if receivers[ri][1] <= 1e-12:
            ri += 1
    return tuple(flows)


def moves_to_evenness(a, b) -> Moves:
    r"""The reading of D as moves: who would have to change unit, from where to where.

    Evenness means every unit has the overall mix, :math:`a_i / A = b_i / B`.
    Moving only members of group a, unit i must end with
    :math:`A b_i / B`; the units above that send their surplus to the units
    below, in all :math:`D \cdot A` people. Moving only group b instead takes
    :math:`D \cdot B` people. Which units send and which receive is computed,
    not assumed.

    Reference: Duncan & Duncan (1955); the worked example of the school
    segregation report's Appendix A (Staat van het Onderwijs, technical report).

    Examples
    --------
    Appendix A: 8 pupils of A must move from school II to school I, or 4.8 of
    B from school I to school II (the report names the directions the other
    way round).

    >>> m = moves_to_evenness([2, 13], [6, 3])
    >>> round(m.group_a_moved, 10), m.a_flows
    (8.0, ((1, 0, 8.0),))
    >>> round(m.group_b_moved, 10), [(s, r, round(x, 10)) for s, r, x in m.b_flows]
    (4.8, [(0, 1, 4.8)])
    """
    xa = np.asarray(a, dtype=float)
    g = two_groups(a, b, "moves_to_evenness")
    A, B = g.a.sum(), g.b.sum()
    xa_all = xa
    xb_all = np.asarray(b, dtype=float)
    a_change = A * xb_all / B - xa_all
    b_change = B * xa_all / A - xb_all
    d = float(_dissimilarity(g.a, g.b))
    return Moves(
        dissimilarity=d,
        group_a_moved=float(np.clip(a_change, 0, None).sum()),
        group_b_moved=float(np.clip(b_change, 0, None).sum()),
        a_change=tuple(float(x) for x in a_change),
        b_change=tuple(float(x) for x in b_change),
        a_flows=_flows(a_change),
        b_flows=_flows(b_change),
    )


CLASS_BOUNDS: tuple[float, float] = (0.3, 0.6)
CLASS_LABELS: tuple[str, str, str] = ("low", "medium", "high")


def classify(d: float, bounds: tuple[float, ...] = CLASS_BOUNDS, labels: tuple[str, ...] = CLASS_LABELS) -> str:
    """The level of a D value: 0-0.3 low, 0.3-0.6 medium, 0.6-1 high.

    Each band includes its lower bound. ``bounds`` and ``labels`` can be
    changed (``len(labels) == len(bounds) + 1``).

    Reference: Massey, D. S. & Denton, N. A. (1993). *American Apartheid*.
    Harvard University Press.

    Examples
    --------
    >>> classify(0.533), classify(0.3), classify(0.61), classify(0.1)
    ('medium', 'medium', 'high', 'low')
    >>> classify(0.45, bounds=(0.5,), labels=("lower", "upper"))
    'lower'
    """
    if len(labels) != len(bounds) + 1:
        raise InputError(
            f"classify needs one label more than bounds; got {len(bounds)} bounds and {len(labels)} labels."
        )
    if list(bounds) != sorted(bounds):
        raise InputError(f"The bounds passed to classify must be increasing; got {tuple(bounds)}.")
    if d is None or not np.isfinite(d):
        raise InputError(f"classify needs a finite index value; got {d!r}.")
    return labels[int(np.searchsorted(np.asarray(bounds), d, side="right"))]
