"""Helpers for the (n, k) dominance rule, computed upstream from microdata.

A sum or average of a magnitude (income, wealth) reveals a contributor when a
few contributors make up nearly all of it: the second-largest earner in an area
can subtract their own income from the published sum and estimate the largest.
The rule: the ``n`` largest contributors may hold at most ``k`` of the sum
(Hundepool et al. 2012, *Statistical Disclosure Control*, section 4.2.2).
Contributions are taken as absolute values, so a single large loss dominates
just as a large income does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kvarter.errors import InputError
from kvarter.validation import check_columns, check_scalar


def top_n_share(values, n: int) -> float:
    """Share of the sum held by the ``n`` largest contributions of one group.

    ``sum(top n |v|) / sum(|v|)``; ``0.0`` for an empty or all-zero group.

    >>> top_n_share([100, 50, 30, 20], 2)
    0.75
    >>> top_n_share([900, 50, 30, 20], 1)
    0.9
    >>> top_n_share([10, 10], 2)
    1.0
    >>> top_n_share([], 2)
    0.0
    """
    check_scalar(n, "n", "top_n_share", kind=int, min_value=1)
    v = np.abs(np.asarray(values, dtype=float))
    if v.size and not np.isfinite(v).all():
        raise InputError(
            "values passed to top_n_share contain NaN or infinite contributions; "
            "drop persons without a value before computing dominance."
        )
    total = v.sum()
    if total == 0:
        return 0.0
    top = np.sort(v)[::-1][:n].sum()
    return float(top / total)


def dominance_shares(df: pd.DataFrame, by, value: str, n: int) -> pd.Series:
    """:func:`top_n_share` of column ``value`` per group of ``by`` (one value per group).

    Pass the result as the ``dominance_column`` of :func:`kvarter.disclosure.protect`.

    >>> df = pd.DataFrame({"area": ["A", "A", "A", "B", "B", "B"],
    ...                    "income": [900, 50, 50, 300, 300, 400]})
    >>> dominance_shares(df, "area", "income", 1)
    area
    A    0.9
    B    0.4
    Name: dominance_share, dtype: float64
    """
    keys = [by] if isinstance(by, str) else list(by)
    check_columns(list(df.columns), keys + [value], "df", "dominance_shares")
    check_scalar(n, "n", "dominance_shares", kind=int, min_value=1)
    out = df.groupby(keys, sort=True)[value].agg(lambda v: top_n_share(v.to_numpy(), n))
    return out.astype(float).rename("dominance_share")


def dominated(share, k: float):
    """Whether a top-n share breaks the rule (share > k); NaN means not checked.

    >>> dominated([0.9, 0.85, 0.2, float("nan")], 0.85).tolist()
    [True, False, False, False]
    """
    s = np.asarray(share, dtype=float)
    return np.where(np.isnan(s), False, s > k)
