"""Confidence intervals for one unit's count or share: Wilson's score interval
for proportions, Byar's approximation and the exact (Garwood) interval for
Poisson counts.

Each function takes arrays (or scalars) and returns ``(lower, upper)`` of the
same shape; ``level`` is a two-sided confidence level in (0, 1). These are the
intervals UK Fingertips publishes beside each indicator value (PHE, *Technical
Guide: Confidence intervals*, 2018); :mod:`kvarter.benchmark.funnel` inverts
the same formulas into funnel limits.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from kvarter.errors import InputError
from kvarter.validation import check_counts


def _z(level: float, owner: str) -> float:
    if not isinstance(level, (int, float)) or isinstance(level, bool) or not 0 < level < 1:
        raise InputError(
            f"The 'level' parameter of {owner} must be a float in the range (0, 1). Got {level!r} instead."
        )
    return float(stats.norm.ppf(0.5 + level / 2))


def _shape(arr: np.ndarray, like):
    return np.asarray(arr, dtype=float) if np.ndim(like) else float(arr)


def wilson_interval(events, n, level: float = 0.95):
    r"""Wilson's score interval for a proportion ``events / n``.

    .. math:: \frac{2x + z^2 \mp z\sqrt{z^2 + 4x(1 - x/n)}}{2(n + z^2)}

    with :math:`z` the standard normal quantile at :math:`(1 + \text{level})/2`.
    Unlike the normal (Wald) interval it stays inside [0, 1] and behaves for
    small counts.

    Reference: Wilson, E. B. (1927). Probable inference, the law of
    succession, and statistical inference. *JASA* 22(158), 209-212; the form
    used by PHE's Fingertips (``PHEindicatormethods::wilson_lower/upper``).

    Examples
    --------
    65 of 100 (PHEindicatormethods' test value: 0.552544 to 0.736358):

    >>> lo, hi = wilson_interval(65, 100)
    >>> round(lo, 6), round(hi, 6)
    (0.552544, 0.736358)
    >>> wilson_interval([0, 10], [10, 10], 0.95)[0]   # a zero count still has a lower limit of 0
    array([0.        , 0.72246...])
    """
    z = _z(level, "wilson_interval")
    x = check_counts(events, "events", "wilson_interval")
    m = np.asarray(n, dtype=float)
    if m.shape != x.shape:
        raise InputError(f"events and n passed to wilson_interval have different shapes {x.shape} and {m.shape}.")
    bad = ~(m > 0)
    if bad.any():
        i = int(np.flatnonzero(bad.reshape(-1))[0])
        raise InputError(f"n passed to wilson_interval must be > 0; got {float(m.reshape(-1)[i])!r} at position {i}.")
    over = x > m
    if over.any():
        i = int(np.flatnonzero(over.reshape(-1))[0])
        raise InputError(
            f"events passed to wilson_interval exceed n at position {i} "
            f"({float(x.reshape(-1)[i])!r} > {float(m.reshape(-1)[i])!r}); a proportion needs events <= n."
        )
    root = z * np.sqrt(z * z + 4 * x * (1 - x / m))
    lower = (2 * x + z * z - root) / (2 * (m + z * z))
    upper = (2 * x + z * z + root) / (2 * (m + z * z))
    return _shape(np.clip(lower, 0, 1), events), _shape(np.clip(upper, 0, 1), events)


def byar_interval(count, level: float = 0.95):
    r"""Byar's approximation to the exact Poisson interval of a count ``O``.

    .. math::
        O\left(1 - \frac{1}{9O} - \frac{z}{3\sqrt{O}}\right)^3, \qquad
        (O+1)\left(1 - \frac{1}{9(O+1)} + \frac{z}{3\sqrt{O+1}}\right)^3

    The lower limit of a zero count is 0 (where the cube would go negative,
    the limit is 0).

    Reference: Breslow, N. E. & Day, N. E. (1987). *Statistical Methods in
    Cancer Research, Vol. II*, IARC, p. 69; PHE's Fingertips
    (``PHEindicatormethods::byars_lower/upper``).

    Examples
    --------
    65 events (PHEindicatormethods' test value: 50.163188 to 82.849139):

    >>> lo, hi = byar_interval(65)
    >>> round(lo, 6), round(hi, 6)
    (50.163188, 82.849139)
    >>> byar_interval(0)[0]
    0.0
    """
    z = _z(level, "byar_interval")
    o = check_counts(count, "count", "byar_interval")
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    lower = np.where((o > 0) & (lower > 0), lower, 0.0)
    u = o + 1
    upper = u * (1 - 1 / (9 * u) + z / (3 * np.sqrt(u))) ** 3
    return _shape(lower, count), _shape(upper, count)


def poisson_interval(count, level: float = 0.95):
    r"""Exact (Garwood) interval for the mean of a Poisson count ``O``.

    .. math:: \tfrac12\chi^2_{2O}(\alpha/2), \qquad \tfrac12\chi^2_{2(O+1)}(1 - \alpha/2)

    with :math:`\alpha = 1 - \text{level}`; the lower limit of a zero count
    is 0.

    Reference: Garwood, F. (1936). Fiducial limits for the Poisson
    distribution. *Biometrika* 28, 437-442.

    Examples
    --------
    One event (PHEindicatormethods' funnel test values, found there by
    bisection to about 1e-7: 0.025317898 to 5.571644585):

    >>> lo, hi = poisson_interval(1)
    >>> round(lo, 6), round(hi, 5)
    (0.025318, 5.57164)
    """
    a = 1 - level
    _z(level, "poisson_interval")
    o = check_counts(count, "count", "poisson_interval")
    lower = np.where(o > 0, stats.chi2.ppf(a / 2, 2 * np.maximum(o, 1e-300)) / 2, 0.0)
    upper = stats.chi2.ppf(1 - a / 2, 2 * (o + 1)) / 2
    return _shape(lower, count), _shape(upper, count)
