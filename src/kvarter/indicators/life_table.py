"""Life expectancy at birth per area: an abridged period life table (Chiang's
method) with its standard error, pooled over years until an area is big enough.

The table has the ONS/PHE age bands 0, 1-4, 5-9, ..., 85-89, 90+ (:data:`AGE_BANDS`).
For band *i* starting at age *x_i*, of width *n_i*, with deaths *D_i* and
person-years (mid-year population summed over the pooled years) *P_i*:

- death rate ``M_i = D_i / P_i``; fraction of the band lived by those who die
  in it ``a_i`` = 0.1 for the first year of life, 0.5 otherwise;
- probability of dying ``q_i = n_i M_i / (1 + n_i M_i (1 - a_i))`` (at most 1),
  survivors ``l_0 = 100,000``, ``l_{i+1} = l_i (1 - q_i)``, ``d_i = l_i - l_{i+1}``;
- years lived ``L_i = n_i (l_{i+1} + a_i d_i)``, in the open last band
  ``L_w = l_w / M_w``; ``T_i = Σ_{j≥i} L_j`` and ``e_i = T_i / l_i``;
- variance (Chiang II, as ONS and PHE use it, with Silcocks et al.'s term for
  the open band): ``var(q_i) = q_i² (1 - q_i) / D_i``,
  ``var(e_x) = [Σ_{x≤i<w} l_i² ((1 - a_i) n_i + e_{i+1})² var(q_i) + l_w² / (D_w M_w²)] / l_x²``.

References: Chiang CL, *Introduction to Stochastic Processes in Biostatistics*
(Wiley 1968), ch. 9; Silcocks PBS, Jenner DA, Reza R, "Life expectancy as a
summary of mortality in a population", *J Epidemiol Community Health* 2001;
55:38-43; Public Health England, Life Expectancy Calculator (Fingertips
technical guidance); Eayres D, Williams ES, "Evaluation of methodologies for
small area life expectancy estimation", *JECH* 2004;58:243-249 (the 5,000
person-year minimum). Checked against PHEindicatormethods' published test
table in ``tests/indicators/test_life_table.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from kvarter.errors import InputError
from kvarter.validation import check_counts

#: Start ages of the abridged life table's bands (the last, 90+, is open).
AGE_BANDS: tuple[int, ...] = (0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90)

#: The smallest pooled population (person-years) for a life expectancy (Eayres & Williams 2004; PHE).
MIN_PERSON_YEARS = 5_000

#: A life expectancy whose 95 % interval is wider than this many years is not shown (PHE).
MAX_INTERVAL_WIDTH = 20.0

#: Why a life expectancy could not be given ("too small"), in the order they are checked.
TOO_SMALL_REASONS = ("empty_band", "no_deaths_in_last_band", "below_min_person_years", "interval_too_wide")


def age_band(age) -> np.ndarray:
    """The start of the life-table band (:data:`AGE_BANDS`) each age falls in.

    >>> age_band([0, 1, 4, 5, 89, 90, 104]).tolist()
    [0, 1, 1, 5, 85, 90, 90]
    """
    a = np.asarray(age, dtype=float)
    starts = np.asarray(AGE_BANDS)
    return starts[np.searchsorted(starts, a, side="right") - 1]


def life_table(deaths, population) -> pd.DataFrame:
    """Chiang's abridged life table with Chiang II standard errors, one row per
    band of :data:`AGE_BANDS` (formulas in the module docstring).

    ``deaths`` and ``population`` (person-years) are counts per band, in band
    order. Columns: ``start, n, a, M, q, l, d, L, T, e, se``; ``e`` and
    ``se`` are the life expectancy at the band's start age and its standard
    error. A band with no person-years, or no deaths in the open band, makes
    the table undefined: an :class:`~kvarter.errors.InputError` says which.

    With a constant death rate of 0.1 at every age, e = 1/0.1 = 10 years at
    every age, since ``q_i`` is chosen so that each band's ``d_i / L_i = M_i``:

    >>> t = life_table([10.0] * 20, [100.0] * 20)
    >>> t["e"].round(10).unique().tolist(), round(float(t["se"].iloc[0]), 4)
    ([10.0], 1.3528)
    >>> life_table([1] * 19 + [0], [100] * 20)
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: life_table needs at least one death in the open band 90+; got none (pool more years or a larger area).
    """
    k = len(AGE_BANDS)
    D = check_counts(deaths, "deaths", "life_table")
    P = check_counts(population, "population", "life_table")
    if len(D) != k or len(P) != k:
        raise InputError(f"life_table needs deaths and population for the {k} bands {AGE_BANDS[0]}, "
                         f"{AGE_BANDS[1]}-4, ..., {AGE_BANDS[-1]}+; got {len(D)} and {len(P)}.")
    if (P <= 0).any():
        first = AGE_BANDS[int(np.flatnonzero(P <= 0)[0])]
        raise InputError(f"life_table needs person-years in every band; the band starting at {first} has none.")
    if D[-1] <= 0:
        raise InputError(f"life_table needs at least one death in the open band {AGE_BANDS[-1]}+; got none "
                         "(pool more years or a larger area).")
    starts = np.asarray(AGE_BANDS, dtype=float)
    n = np.append(np.diff(starts), np.nan)
    a = np.where(starts == 0, 0.1, 0.5)
    M = D / P
    q = np.minimum(n * M / (1 + n * M * (1 - a)), 1.0)
    q[-1] = 1.0
    l = np.empty(k)
    l[0] = 100_000.0
    for i in range(1, k):
        l[i] = l[i - 1] * (1 - q[i - 1])
    d = l - np.append(l[1:], 0.0)
    L = np.empty(k)
    L[:-1] = n[:-1] * (l[1:] + a[:-1] * d[:-1])
    L[-1] = l[-1] / M[-1]
    T = np.cumsum(L[::-1])[::-1]
    e = np.where(l > 0, T / np.where(l > 0, l, 1.0), 0.0)
    var_q = np.where(D > 0, q**2 * (1 - q) / np.where(D > 0, D, 1.0), 0.0)
    w = np.empty(k)
    w[:-1] = l[:-1] ** 2 * ((1 - a[:-1]) * n[:-1] + e[1:]) ** 2 * var_q[:-1]
    w[-1] = l[-1] ** 2 / (D[-1] * M[-1] ** 2)
    S = np.cumsum(w[::-1])[::-1]
    se = np.sqrt(S / np.where(l > 0, l, np.nan) ** 2)
    return pd.DataFrame({"start": np.asarray(AGE_BANDS), "n": n, "a": a, "M": M, "q": q, "l": l, "d": d,
                         "L": L, "T": T, "e": e, "se": se})


@dataclass(frozen=True)
class LifeExpectancy:
    """Life expectancy at birth of one population: ``value`` and ``se`` in
    years (NaN when ``too_small`` names why not), over ``years`` pooled,
    with ``deaths`` and ``person_years`` behind it."""

    value: float
    se: float
    deaths: float
    person_years: float
    years: tuple[int, ...] = ()
    too_small: str | None = None

    def interval(self, confidence: float = 0.95) -> tuple[float, float]:
        """The normal interval ``value ± z · se``.

        >>> LifeExpectancy(80.0, 0.5, 900, 60_000).interval()
        (79.02, 80.98)
        """
        z = NormalDist().inv_cdf(0.5 + confidence / 2)
        return (round(self.value - z * self.se, 10), round(self.value + z * self.se, 10))


def life_expectancy(deaths, population, *, years: tuple[int, ...] = (),
                    min_person_years: float = MIN_PERSON_YEARS,
                    max_interval_width: float = MAX_INTERVAL_WIDTH) -> LifeExpectancy:
    """Life expectancy at birth from deaths and person-years per band, or a
    :class:`LifeExpectancy` whose ``too_small`` says why there is none:
    ``empty_band`` (a band has no person-years), ``no_deaths_in_last_band``,
    ``below_min_person_years`` (under 5,000 person-years, Eayres & Williams
    2004) or ``interval_too_wide`` (the 95 % interval is wider than 20 years,
    PHE's rule).

    >>> le = life_expectancy([100.0] * 20, [1_000.0] * 20)
    >>> round(le.value, 2), le.too_small
    (10.0, None)
    >>> life_expectancy([10.0] * 20, [100.0] * 20).too_small
    'below_min_person_years'
    """
    D = check_counts(deaths, "deaths", "life_expectancy")
    P = check_counts(population, "population", "life_expectancy")
    nan = float("nan")
    base = dict(deaths=float(D.sum()), person_years=float(P.sum()), years=tuple(years))
    if len(P) == len(AGE_BANDS) and (P <= 0).any():
        return LifeExpectancy(nan, nan, too_small="empty_band", **base)
    if len(D) == len(AGE_BANDS) and D[-1] <= 0:
        return LifeExpectancy(nan, nan, too_small="no_deaths_in_last_band", **base)
    if P.sum() < min_person_years:
        return LifeExpectancy(nan, nan, too_small="below_min_person_years", **base)
    t = life_table(D, P)
    value, se = float(t["e"].iloc[0]), float(t["se"].iloc[0])
    if 2 * NormalDist().inv_cdf(0.975) * se > max_interval_width:
        return LifeExpectancy(nan, se, too_small="interval_too_wide", **base)
    return LifeExpectancy(value, se, **base)


def band_counts(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Deaths and person-years per band of :data:`AGE_BANDS` from rows with
    ``band``, ``deaths`` and ``population`` (bands missing from the rows count 0).

    >>> d, p = band_counts(pd.DataFrame({"band": [0, 90, 90], "deaths": [1, 2, 3], "population": [10, 20, 30]}))
    >>> d[[0, 1, -1]].tolist(), p[[0, -1]].tolist()
    ([1.0, 0.0, 5.0], [10.0, 50.0])
    """
    g = rows.groupby("band")[["deaths", "population"]].sum().reindex(list(AGE_BANDS), fill_value=0)
    return g["deaths"].to_numpy(dtype=float), g["population"].to_numpy(dtype=float)


def pooled_life_expectancy(rows: pd.DataFrame, last_year: int, *, max_years: int = 5,
                           min_person_years: float = MIN_PERSON_YEARS,
                           max_interval_width: float = MAX_INTERVAL_WIDTH) -> LifeExpectancy:
    """Life expectancy at birth of one population, pooling the years ``last_year``,
    ``last_year - 1``, ... (at most ``max_years``) until it can be given.

    ``rows`` has ``year, band, deaths, population`` (person-years). The
    first pooled period that gives a life expectancy is used, so a large area
    gets its latest year alone and a small one a longer period; when even
    ``max_years`` years do not suffice, the result is ``too_small`` with the
    reason of the longest period.

    >>> rows = pd.DataFrame({"year": np.repeat([2022, 2023], 20), "band": list(AGE_BANDS) * 2,
    ...                      "deaths": 10.0, "population": 150.0})
    >>> le = pooled_life_expectancy(rows, 2023)
    >>> le.years, le.person_years, le.too_small
    ((2022, 2023), 6000.0, None)
    >>> pooled_life_expectancy(rows, 2023, max_years=1).too_small
    'below_min_person_years'
    """
    years = sorted({int(y) for y in rows["year"] if int(y) <= int(last_year)}, reverse=True)[:max_years]
    result = None
    for k in range(1, len(years) + 1):
        use = tuple(sorted(years[:k]))
        d, p = band_counts(rows[rows["year"].isin(use)])
        result = life_expectancy(d, p, years=use, min_person_years=min_person_years,
                                 max_interval_width=max_interval_width)
        if result.too_small is None:
            return result
    if result is None:
        nan = float("nan")
        return LifeExpectancy(nan, nan, 0.0, 0.0, (), "below_min_person_years")
    return result


@dataclass(frozen=True)
class Difference:
    """``group - reference`` in years, its standard error and 95 % interval."""

    value: float
    se: float
    low: float
    high: float


def difference(group: LifeExpectancy, reference: LifeExpectancy, confidence: float = 0.95) -> Difference:
    """The difference of two independent life expectancies,
    ``se = sqrt(se_g² + se_r²)``, with a normal interval.

    >>> d = difference(LifeExpectancy(77.0, 0.3, 1, 1), LifeExpectancy(80.5, 0.4, 1, 1))
    >>> d.value, d.se, round(d.low, 3), round(d.high, 3)
    (-3.5, 0.5, -4.48, -2.52)
    """
    value = group.value - reference.value
    se = math.hypot(group.se, reference.se)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    return Difference(value, se, value - z * se, value + z * se)
