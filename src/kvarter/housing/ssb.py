"""Statistics Norway's register definitions used by the needs overview:
crowding (trangboddhet), consumption units (EU and square-root scales) and
persistent low income (vedvarende lavinntekt).

Each is a small function over arrays, checked at the boundary; the needs
overview (:mod:`kvarter.housing.needs`) applies them to the households table.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from kvarter.errors import InputError
from kvarter.validation import check_consistent_length, check_scalar

#: Where each definition is published, cited by the needs catalogue and the docs.
SOURCES: dict[str, str] = {
    "crowded": (
        "Statistics Norway, variable definition 'Trangboddhet' (vardok 3462, valid from "
        "2015-01-01), used in the register-based housing statistics (Boforhold, "
        "registerbasert; StatBank table 11046)"
    ),
    "eu_scale": (
        "Statistics Norway, 'EUs ekvivalensskala' in the income statistics for households "
        "(Inntekts- og formuesstatistikk for husholdninger): first adult 1, each further "
        "person aged 14 or over 0.5, each child under 14 0.3 (Eurostat's modified OECD scale)"
    ),
    "sqrt_scale": "Square-root scale: household income divided by the square root of the household's size (OECD)",
    "persistent_low_income": (
        "Statistics Norway, 'Vedvarende lavinntekt': income after tax per consumption unit "
        "(EU scale) averaged over three years below the average low-income threshold "
        "(60 % of the median) of the same years, published for children by municipality "
        "(the figure Husbanken's needs overview shows)"
    ),
}


def _as_float(x, name: str, owner: str, *, minimum: float | None = None, integer: bool = False) -> np.ndarray:
    try:
        arr = np.asarray(pd.array(x, dtype="Float64").to_numpy(dtype=float, na_value=np.nan) if isinstance(x, pd.Series) else x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} passed to {owner} must be numbers; got {type(x).__name__} ({exc}).") from None
    arr = np.atleast_1d(arr)
    if np.isinf(arr).any():
        i = int(np.flatnonzero(np.isinf(arr))[0])
        raise InputError(f"{name} passed to {owner} has an infinite value at row {i}.")
    if minimum is not None:
        with np.errstate(invalid="ignore"):
            low = arr < minimum
        if low.any():
            i = int(np.flatnonzero(low)[0])
            raise InputError(
                f"{name} passed to {owner} has {int(low.sum())} value(s) below {minimum:g} "
                f"(first at row {i}: {arr[i]:g}); {name} must be >= {minimum:g}."
            )
    if integer:
        frac = ~np.isnan(arr) & (arr != np.round(arr))
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            raise InputError(f"{name} passed to {owner} must be whole numbers; row {i} is {arr[i]:g}.")
    return arr


def crowded(rooms, persons, floor_m2) -> np.ndarray:
    """Statistics Norway's register rule for a crowded household (trangbodd, from 2015).

    A household is crowded when **both**

    1. it has fewer rooms than persons, or is one person living in one room; and
    2. it has less than 25 m² usable floor area (p-areal) per person.

    Where rooms or floor area is unknown (NaN), the household counts as
    crowded when the condition that can be evaluated holds, as SSB does; with
    both unknown the result is ``False``. Rooms must be at least 1, persons at
    least 1 and floor area positive.

    Reference: SSB, variable definition *Trangboddhet*, vardok 3462 (see :data:`SOURCES`).

    >>> crowded([3, 4, 1, 1], [4, 4, 1, 1], [99.9, 80.0, 24.9, 25.0]).tolist()
    [True, False, True, False]
    >>> crowded([2], [3], [float("nan")]).tolist()  # floor area unknown: rooms decide
    [True]
    >>> crowded([0], [2], [40])
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: rooms passed to crowded has 1 value(s) below 1 (first at row 0: 0); rooms must be >= 1.
    """
    r = _as_float(rooms, "rooms", "crowded", minimum=1, integer=True)
    p = _as_float(persons, "persons", "crowded", minimum=1, integer=True)
    m2 = _as_float(floor_m2, "floor_m2", "crowded", minimum=0)
    check_consistent_length("crowded", rooms=r, persons=p, floor_m2=m2)
    if np.isnan(p).any():
        i = int(np.flatnonzero(np.isnan(p))[0])
        raise InputError(f"persons passed to crowded is missing at row {i}; every household has persons.")
    with np.errstate(invalid="ignore"):
        by_rooms = (r < p) | ((p == 1) & (r == 1))
        by_area = m2 / p < 25.0
    rooms_known, area_known = ~np.isnan(r), ~np.isnan(m2)
    both = rooms_known & area_known
    return np.where(both, by_rooms & by_area, np.where(rooms_known, by_rooms, area_known & by_area))


def consumption_units(persons_14_plus, children_under_14, scale: str = "eu") -> np.ndarray:
    """Consumption units of households, on the EU scale or the square-root scale.

    ``eu``: 1 for the first person aged 14 or over, 0.5 for each further person
    aged 14 or over, 0.3 for each child under 14 (a household of children only
    gives its first child weight 1). ``sqrt``: the square root of the
    household's size. Reference: SSB, *EUs ekvivalensskala*; see :data:`SOURCES`.

    >>> consumption_units([2, 1, 1], [2, 0, 3]).round(2).tolist()  # 2 adults + 2 children = 2.1
    [2.1, 1.0, 1.9]
    >>> consumption_units([2], [2], scale="sqrt").tolist()
    [2.0]
    """
    if scale not in ("eu", "sqrt"):
        raise InputError(f"The 'scale' parameter of consumption_units must be 'eu' or 'sqrt'. Got {scale!r} instead.")
    a = _as_float(persons_14_plus, "persons_14_plus", "consumption_units", minimum=0, integer=True)
    c = _as_float(children_under_14, "children_under_14", "consumption_units", minimum=0, integer=True)
    check_consistent_length("consumption_units", persons_14_plus=a, children_under_14=c)
    size = a + c
    if (size == 0).any():
        i = int(np.flatnonzero(size == 0)[0])
        raise InputError(f"consumption_units got a household of no persons at row {i}.")
    if scale == "sqrt":
        return np.sqrt(size)
    first_adult = np.where(a >= 1, 1.0, 0.0)
    units = first_adult + 0.5 * np.maximum(a - 1, 0) + 0.3 * c
    # only children: the first child is the reference person
    return np.where(a >= 1, units, 1.0 + 0.3 * (c - 1))


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    half = cum[-1] / 2.0
    i = int(np.searchsorted(cum, half, side="left"))
    if np.isclose(cum[i], half) and i + 1 < len(v):
        return float((v[i] + v[i + 1]) / 2.0)
    return float(v[i])


def low_income_thresholds(income, units, year, threshold: float = 0.6, *, persons=None) -> dict[int, float]:
    """The yearly low-income threshold: ``threshold`` × the median income per consumption unit.

    The median is over persons (each household weighted by ``persons``;
    unweighted when ``persons`` is None), as SSB's is over the population.

    >>> low_income_thresholds([100, 200, 300, 400], [1, 1, 1, 1], [2023, 2023, 2024, 2024])
    {2023: 90.0, 2024: 210.0}
    """
    inc = _as_float(income, "income", "low_income_thresholds")
    u = _as_float(units, "units", "low_income_thresholds", minimum=0)
    y = np.asarray(year)
    w = np.ones(len(inc)) if persons is None else _as_float(persons, "persons", "low_income_thresholds", minimum=0)
    check_consistent_length("low_income_thresholds", income=inc, units=u, year=y, persons=w)
    eq = inc / u
    ok = ~np.isnan(eq)
    out: dict[int, float] = {}
    for yr in sorted(set(y[ok].tolist())):
        sel = ok & (y == yr)
        out[int(yr)] = threshold * _weighted_median(eq[sel], w[sel])
    return out


def persistent_low_income(
    income,
    units,
    year,
    threshold: float = 0.6,
    years: int = 3,
    *,
    household=None,
    persons=None,
    medians: Mapping[int, float] | None = None,
) -> np.ndarray:
    """Persistent low income per household-year (SSB's *vedvarende lavinntekt*).

    For a household observed in year t and each of the ``years - 1`` years
    before it, the mean of its income after tax per consumption unit over
    those years is compared with the mean of the yearly low-income
    thresholds (``threshold`` × the median income per consumption unit of each
    year); below it is persistent low income. A household-year without the
    full window (or without income in it) is ``False``. The medians are taken
    from the data (over persons when ``persons`` is given) unless
    ``medians`` gives them per year (e.g. SSB's national medians, which is
    what the published municipal figures use).

    ``household`` gives the household id of each row; when omitted and
    ``income`` is a pandas Series, its index is used. Reference: SSB,
    *Vedvarende lavinntekt* (see :data:`SOURCES`).

    Income 90, 90, 90 per unit against yearly medians 150 (thresholds 90):
    the mean 90 is not below 90, so not persistent; 89.9 is.

    >>> persistent_low_income([90, 90, 90, 89.9, 89.9, 89.9], [1] * 6, [2021, 2022, 2023] * 2,
    ...     household=["a"] * 3 + ["b"] * 3, medians={2021: 150, 2022: 150, 2023: 150}).tolist()
    [False, False, False, False, False, True]
    """
    check_scalar(threshold, "threshold", "persistent_low_income", kind=(int, float), min_value=0, include_min=False)
    check_scalar(years, "years", "persistent_low_income", kind=int, min_value=1)
    if household is None:
        if not isinstance(income, pd.Series):
            raise InputError(
                "persistent_low_income needs the household of each row: pass household=... "
                "(or income as a pandas Series indexed by household)."
            )
        household = income.index.to_numpy()
    inc = _as_float(income, "income", "persistent_low_income")
    u = _as_float(units, "units", "persistent_low_income", minimum=0)
    y = _as_float(year, "year", "persistent_low_income", integer=True)
    hh = np.asarray(household, dtype=object)
    w = None if persons is None else _as_float(persons, "persons", "persistent_low_income", minimum=0)
    check_consistent_length("persistent_low_income", income=inc, units=u, year=y, household=hh)
    if np.isnan(y).any():
        raise InputError(f"year passed to persistent_low_income is missing at row {int(np.flatnonzero(np.isnan(y))[0])}.")
    if (u == 0).any():
        raise InputError(f"units passed to persistent_low_income is 0 at row {int(np.flatnonzero(u == 0)[0])}; a household has at least 1 consumption unit.")
    frame = pd.DataFrame({"hh": hh, "year": y.astype(int), "eq": inc / u})
    if frame.duplicated(["hh", "year"]).any():
        dup = frame[frame.duplicated(["hh", "year"], keep=False)].iloc[0]
        raise InputError(f"persistent_low_income got household {dup['hh']!r} twice in year {dup['year']}; one row per household-year.")
    if medians is None:
        limits = low_income_thresholds(inc, u, y.astype(int), threshold, persons=w)
    else:
        limits = {int(k): threshold * float(v) for k, v in medians.items()}
    frame["limit"] = frame["year"].map(limits).astype(float)
    wide_eq = frame.pivot(index="hh", columns="year", values="eq")
    all_years = sorted(set(frame["year"]) | set(limits))
    wide_eq = wide_eq.reindex(columns=all_years)
    limit_row = pd.Series({yr: limits.get(yr, np.nan) for yr in all_years})
    mean_eq = wide_eq.T.rolling(years, min_periods=years).mean().T
    mean_limit = limit_row.rolling(years, min_periods=years).mean()
    # a window must cover consecutive calendar years, not merely consecutive columns
    step = np.diff(np.asarray(all_years), prepend=all_years[0] - 1) == 1
    consecutive = np.array([j >= years - 1 and step[j - years + 2 : j + 1].all() for j in range(len(all_years))])
    flag = mean_eq.lt(mean_limit, axis=1) & pd.DataFrame(
        np.broadcast_to(consecutive, mean_eq.shape), index=mean_eq.index, columns=mean_eq.columns)
    stacked = flag.stack()
    keys = pd.MultiIndex.from_arrays([frame["hh"], frame["year"]])
    return stacked.reindex(keys).fillna(False).to_numpy(dtype=bool)
