"""Composite deprivation indices and the gap to the rest of the city.

A composite combines domain scores (higher = more deprived) into one score with
stated weights, after one of three transformations of each domain:

* ``exponential`` — the transformation of the English Indices of Deprivation
  and the Scottish Index of Multiple Deprivation: each domain is ranked so that
  the most deprived unit gets the highest rank ``r`` (1..N), normalised to
  ``R = r / N`` and transformed ``X = -23 ln(1 - R (1 - exp(-100/23)))``, which
  spreads the most deprived tenth over 50-100 so that deprivation in one
  domain is not cancelled by affluence in another;
* ``zscore`` — ``(x - mean) / sd`` (population standard deviation);
* ``rank`` — ``R = r / N``.

The score is the weighted mean ``sum(w X) / sum(w)``; rank 1 and decile 1 are
the most deprived.

References: Noble, M. et al. (2019), *The English Indices of Deprivation 2019:
Technical Report*, MHCLG, section 3.8; Scottish Government (2016), *SIMD16
Technical Notes*, p. 14.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd

from kvarter.errors import InputError
from kvarter.validation import check_columns

TRANSFORMS = ("exponential", "zscore", "rank")


def exponential_transform(normalised_rank) -> np.ndarray:
    """``X = -23 ln(1 - R (1 - exp(-100/23)))`` for normalised ranks ``R`` in (0, 1].

    R = 1 (the most deprived) gives 100, R near 0 about 0, the median unit
    only about 15.6 and the start of the most deprived tenth about 50.
    Reference: Noble et al. (2019), English Indices of Deprivation, Technical Report, 3.8.

    >>> exponential_transform([1.0, 0.5, 0.9]).round(3)
    array([100.   ,  15.647,  50.427])
    """
    r = np.asarray(normalised_rank, dtype=float)
    return -23.0 * np.log(1.0 - r * (1.0 - math.exp(-100.0 / 23.0)))


def _transform(col: pd.Series, transform: str) -> pd.Series:
    ok = col.notna()
    out = pd.Series(np.nan, index=col.index)
    x = col[ok]
    if transform == "zscore":
        sd = x.std(ddof=0)
        out[ok] = 0.0 if sd == 0 else (x - x.mean()) / sd
    else:
        r = x.rank(method="average", ascending=True) / len(x)
        out[ok] = exponential_transform(r) if transform == "exponential" else r
    return out


def deciles_from_rank(rank, n: int) -> np.ndarray:
    """Decile of each rank among ``n`` units: ``ceil(10 rank / n)`` (1 = the first tenth).

    >>> deciles_from_rank([1, 10, 11, 100], 100).tolist()
    [1, 1, 2, 10]
    """
    r = np.asarray(rank, dtype=float)
    return np.ceil(10.0 * r / n).astype(int)


def composite_index(table: pd.DataFrame, weights: Mapping[str, float], transform: str = "exponential") -> pd.DataFrame:
    """Weighted composite of domain columns (higher = more deprived) with rank and decile.

    Each domain is transformed across the rows (see the module docstring),
    ``score = sum(w_d X_d) / sum(w_d)``, ``rank`` 1 is the highest score
    (ties share the lowest rank) and ``decile = ceil(10 rank / N)``. A row
    missing any domain gets no score, rank or decile and is left out of N.

    >>> t = pd.DataFrame({"income": [3, 1, 2, 4], "health": [1, 2, 4, 3]}, index=list("abcd"))
    >>> composite_index(t, {"income": 3, "health": 1}, transform="rank")
        score  rank  decile
    a  0.6250     2       5
    b  0.3125     4      10
    c  0.6250     2       5
    d  0.9375     1       3
    >>> composite_index(t, {"income": 1}, transform="exponential")["score"].round(2).tolist()
    [31.01, 6.52, 15.65, 100.0]
    """
    if transform not in TRANSFORMS:
        raise InputError(
            f"The 'transform' parameter of composite_index must be one of {', '.join(TRANSFORMS)}. Got {transform!r} instead."
        )
    if not weights:
        raise InputError("The 'weights' parameter of composite_index must name at least one column with a weight.")
    check_columns(list(table.columns), list(weights), "table", "composite_index")
    for name, w in weights.items():
        if not isinstance(w, (int, float)) or isinstance(w, bool) or not w > 0:
            raise InputError(f"The weight of {name!r} passed to composite_index must be a number > 0. Got {w!r} instead.")
    total = float(sum(weights.values()))
    score = pd.Series(0.0, index=table.index)
    for name, w in weights.items():
        col = pd.to_numeric(table[name], errors="coerce").astype(float)
        bad = col.isna() & table[name].notna()
        if bad.any():
            raise InputError(
                f"Column {name!r} passed to composite_index has non-numeric value(s) "
                f"(first at row {table.index[bad.to_numpy()][0]!r}: {table[name][bad].iloc[0]!r})."
            )
        score = score + w * _transform(col, transform)
    score = score / total
    ok = score.notna()
    rank = score[ok].rank(method="min", ascending=False)
    out = pd.DataFrame({"score": score}, index=table.index)
    out["rank"] = pd.array(rank.reindex(table.index), dtype="Int64")
    dec = pd.Series(pd.NA, index=table.index, dtype="Int64")
    dec[ok] = deciles_from_rank(rank, int(ok.sum()))
    out["decile"] = dec
    return out


def deprivation_gap(
    table: pd.DataFrame,
    score: str = "score",
    group: str = "designated",
    year: str = "year",
    weight: str | None = None,
) -> pd.DataFrame:
    """The gap in deprivation between a group of areas and the rest, per year.

    ``gap = mean score of the group - mean score of the rest`` (weighted by
    ``weight``, e.g. residents, when given) and ``change = gap / gap_first - 1``
    against the first year, so ``change = -0.17`` reads "the areas are 17 % less
    deprived (relative to the rest of the city) than in the first year", the
    measure behind Copenhagen's "17 % less deprived over seven years". Use
    scores comparable over years (z-scores of fixed indicators against the
    city, or shares), not ranks, which always have the same mean.

    >>> t = pd.DataFrame({"year": [2016, 2016, 2016, 2023, 2023, 2023],
    ...                   "score": [1.2, 0.2, -0.4, 0.9, 0.1, -0.4],
    ...                   "designated": [True, False, False, True, False, False]})
    >>> deprivation_gap(t).round(3)
          group  rest    gap  change
    year
    2016    1.2  -0.1  1.300   0.000
    2023    0.9  -0.15  1.050  -0.192
    """
    cols = [score, group, year] + ([weight] if weight else [])
    check_columns(list(table.columns), cols, "table", "deprivation_gap")
    t = table[cols].dropna(subset=[score])
    w = t[weight].astype(float) if weight else pd.Series(1.0, index=t.index)
    g = t[group].astype(bool)
    rows = []
    for y, idx in t.groupby(year).groups.items():
        sel_g = g.loc[idx]
        s, ww = t.loc[idx, score].astype(float), w.loc[idx]
        if not sel_g.any() or sel_g.all():
            raise InputError(
                f"deprivation_gap needs areas both in and outside the group in every year; {year} {y} has "
                f"{int(sel_g.sum())} of {len(sel_g)} in the group."
            )
        gm = float(np.average(s[sel_g], weights=ww[sel_g]))
        rm = float(np.average(s[~sel_g], weights=ww[~sel_g]))
        rows.append({year: y, "group": gm, "rest": rm, "gap": gm - rm})
    out = pd.DataFrame(rows).set_index(year).sort_index()
    out["change"] = out["gap"] / out["gap"].iloc[0] - 1.0
    return out


def less_deprived_share(gap_start: float, gap_end: float) -> float:
    """How much smaller the gap became: ``1 - gap_end / gap_start``.

    >>> round(less_deprived_share(1.30, 1.079), 2)
    0.17
    """
    if gap_start == 0:
        raise InputError("less_deprived_share needs a non-zero starting gap; got 0.")
    return 1.0 - gap_end / gap_start
