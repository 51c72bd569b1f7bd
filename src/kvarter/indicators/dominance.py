"""The largest individual contributions behind every published sum.

The (n, k) dominance rule of statistical disclosure control says a sum (or a
mean, which publishes the sum times a known count) may not be released when
its n largest contributors make up more than k of it: the largest
contributor could otherwise estimate the second's value closely. Hundepool et
al., *Statistical Disclosure Control* (Wiley, 2012), section 4.2.2. The rule
needs, for every published cell, the sum of the n largest absolute
contributions (``top_sum``) and the sum of all absolute contributions
(``total_abs``); :func:`top_contributions` computes both for every indicator
whose numerator is a ``sum`` of a field, at the levels and for the units that
:func:`kvarter.indicators.compute` publishes.

Who contributes is exactly who the compiler sums: the persons meeting the
numerator's conditions (population, age band, ``where``; for a mean also a
known value), reusing :func:`kvarter.indicators.compile._measure_conditions`
and :func:`~kvarter.indicators.compile.condition_expr`. A person whose value
is missing adds nothing to the sum and is no contributor.

For ``counting: households`` the compiler weights each member by
1 / household_persons, so a household's members add up to the household's
value once. The contributor is then the household, not the member: its
contribution is the weighted sum over its counted members in the area and
year (the household's income when all members are counted). Households are
identified by ``household_id``; a table with only ``household_size`` has no
household key, so members sharing the value and the household size within an
area and year are taken as one household. That can merge two real households
into one contributor, which only makes the top n larger: the rule errs on the
side of suppression. Members without a ``household_id`` likewise form one
contributor per area and year.

Each distinct (field, numerator conditions, counting) is one pass over the
microdata: a window ranks the contributions of each area and year by
absolute value and keeps the n largest, plus the area's total. Higher levels
merge their areas' top-n lists and take the n largest again; this is exact,
since a unit's n largest contributors are among its areas' n largest (a
person, or a household, lives in one area in a year).
"""

from __future__ import annotations

import json

import ibis
import numpy as np
import pandas as pd

from kvarter.errors import MissingFieldError
from kvarter.indicators.catalogue import DERIVED_FIELDS, Catalogue, Indicator, load_catalogue
from kvarter.indicators.compile import (
    BASE_COLUMNS,
    _measure_conditions,
    _medians,
    _with_derived,
    condition_expr,
    supported,
)
from kvarter.validation import check_scalar

#: Columns of :func:`top_contributions`.
DOMINANCE_COLUMNS = ["indicator", "level", "unit_id", "year", "top_sum", "total_abs", "contributors"]
_AREA_KEYS = ["area_id", "municipality", "year"]


def _is_base(ind: Indicator) -> bool:
    return ind.years == 1 and ind.reference is None


def _has_sum_numerator(ind: Indicator) -> bool:
    return ind.numerator is not None and bool(ind.numerator.sum)


def sum_base(indicator_id: str, catalogue: Catalogue | None = None) -> str | None:
    """The single-year, non-ratio sum indicator whose contributions ``indicator_id``
    shares (itself for a base sum indicator), or None for counts and shares.

    >>> sum_base("income_ratio_to_region"), sum_base("non_western_share")
    ('income_gross_mean_15_64', None)
    """
    cat = catalogue if catalogue is not None else load_catalogue()
    if not _has_sum_numerator(cat[indicator_id]):
        return None
    base, _ = cat.base_of(indicator_id)
    return base if _is_base(cat[base]) else None


def _select(cat: Catalogue, columns: set[str], indicators) -> tuple[list[Indicator], dict[str, str]]:
    """The base sum indicators to compute, and notes on those left out."""
    skipped: dict[str, str] = {}
    if indicators is None:
        wanted = [i for i in cat if _has_sum_numerator(i) and _is_base(i)]
    else:
        wanted = []
        for ind in (cat[i] for i in indicators):  # an unknown id raises KeyError naming the known ones
            if not _has_sum_numerator(ind):
                continue  # a count has no dominant contributor
            base = sum_base(ind.id, cat)
            if base is None:
                skipped[ind.id] = (f"{ind.id} skipped: the catalogue has no single-year, non-ratio "
                                   f"indicator with its definition to carry its contributions.")
            elif cat[base] not in wanted:
                wanted.append(cat[base])
    active, missing = supported(wanted, columns, named=indicators is not None)
    return active, {**skipped, **missing}


def _pass_key(ind: Indicator) -> str:
    _, _, num = _measure_conditions(ind)
    conds = sorted(json.dumps(c, sort_keys=True) for c in num)
    return json.dumps([ind.numerator.sum, ind.counting, conds])


def _area_top(persons: ibis.Table, ind: Indicator, years: list[int] | None, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One pass: the n largest absolute contributions and the total per area and year.

    Returns ``(top, totals)``: ``top`` has ``area_id, municipality, year,
    abs_value`` (at most n rows per area-year), ``totals`` has ``area_id,
    municipality, year, total_abs``.
    """
    _, _, num = _measure_conditions(ind)
    field = ind.numerator.sum
    households = ind.counting == "households"
    used = set(ind.fields())
    keep = [c for c in persons.columns if c in used or c in BASE_COLUMNS
            or (c in ("household_size", "household_id", "household_disposable_income", "dwelling_m2")
                and used & set(DERIVED_FIELDS))]
    if households and "household_id" in persons.columns and "household_id" not in keep:
        keep.append("household_id")
    t = persons.select(keep)
    windowed = "equivalised_income_3y" in used
    if years:
        # The 3-year income reads two earlier years: cut to the years after the window.
        t = t.filter((t.year >= min(years) - (2 if windowed else 0)) & (t.year <= max(years)))
    t = _with_derived(t, used)
    medians = _medians([ind])
    if medians:
        med = t.group_by("year").aggregate(**{f"__median_{m}": t[m].median() for m in medians})
        t = t.left_join(med, "year").drop("year_right")
    if years:
        t = t.filter(t.year.isin([int(y) for y in years]))
    value = t[field].cast("float64")
    if households:
        value = value / t.household_persons
    keep_row = value.notnull()
    for c in num:
        keep_row = keep_row & condition_expr(t, c)
    t = t.mutate(__value=value).filter(keep_row)
    if households:
        key = ["household_id"] if "household_id" in t.columns else [field, "household_persons"]
        t = t.group_by([*_AREA_KEYS, *key]).aggregate(__value=t["__value"].sum())
    t = t.mutate(__abs=t["__value"].abs())
    unit = ibis.window(group_by=[t[k] for k in _AREA_KEYS])
    ranked = ibis.window(group_by=[t[k] for k in _AREA_KEYS], order_by=ibis.desc(t["__abs"]))
    t = t.mutate(total_abs=t["__abs"].sum().over(unit), __rank=ibis.row_number().over(ranked),
                 contributors=(t["__abs"] > 0).cast("int64").sum().over(unit))
    top = t.filter(t["__rank"] < n).select(*_AREA_KEYS, abs_value=t["__abs"], total_abs=t["total_abs"],
                                           contributors=t["contributors"]).execute()
    top["year"] = top["year"].astype("int64")
    # Every area with a contributor has its largest among the kept rows, so the totals come along.
    totals = top.drop_duplicates(_AREA_KEYS)[[*_AREA_KEYS, "total_abs", "contributors"]]
    return top[[*_AREA_KEYS, "abs_value"]], totals


def _top_n_sum(top: pd.DataFrame, keys: list[str], n: int) -> pd.DataFrame:
    """Sum of the n largest ``abs_value`` per ``keys`` group."""
    ordered = top.sort_values("abs_value", ascending=False, kind="mergesort")
    return ordered.groupby(keys, dropna=False).head(n).groupby(keys, as_index=False, dropna=False)["abs_value"].sum()


def _roll_up(units: pd.DataFrame, top: pd.DataFrame, totals: pd.DataFrame, regions: pd.Series | None,
             n: int) -> pd.DataFrame:
    """The per-level rows of one indicator from its areas' top-n lists."""
    top = top.assign(region=top["area_id"].map(regions) if regions is not None else None)
    totals = totals.assign(region=totals["area_id"].map(regions) if regions is not None else None)
    units = units.assign(region=units["area_id"].map(regions) if regions is not None else None)
    levels = [("area", ["area_id", "municipality"]), ("municipality", ["municipality"])]
    if regions is not None:
        levels.append(("region", ["region"]))
    levels.append(("country", []))
    parts = []
    for level, keys in levels:
        group = [*keys, "year"]
        frame = units if level != "region" else units.dropna(subset=["region"])
        cells = frame[group].drop_duplicates().sort_values(group, kind="mergesort")
        tops = top if level != "region" else top.dropna(subset=["region"])
        tot = totals if level != "region" else totals.dropna(subset=["region"])
        cells = cells.merge(_top_n_sum(tops, group, n).rename(columns={"abs_value": "top_sum"}), on=group, how="left")
        cells = cells.merge(tot.groupby(group, as_index=False, dropna=False)[["total_abs", "contributors"]].sum(),
                            on=group, how="left")
        unit_id = cells[keys[0]].to_numpy() if keys else np.full(len(cells), "country", dtype=object)
        parts.append(pd.DataFrame({"level": level, "unit_id": unit_id, "year": cells["year"].to_numpy(),
                                   "top_sum": cells["top_sum"].to_numpy(dtype=float),
                                   "total_abs": cells["total_abs"].to_numpy(dtype=float),
                                   "contributors": cells["contributors"].to_numpy(dtype=float)}))
    return pd.concat(parts, ignore_index=True).fillna({"top_sum": 0.0, "total_abs": 0.0, "contributors": 0.0})


def _regions(areas) -> pd.Series | None:
    if areas is None or "region" not in areas.columns:
        return None
    frame = areas[["area_id", "region"]] if isinstance(areas, pd.DataFrame) else areas.select("area_id", "region").execute()
    if not len(frame):
        return None
    return frame.drop_duplicates("area_id").set_index("area_id")["region"]


def top_contributions(persons: ibis.Table, areas: ibis.Table | None = None, catalogue=None, *, n: int = 2,
                      years=None, indicators=None) -> pd.DataFrame:
    """The n largest absolute contributions behind every sum indicator's cells.

    For every indicator of ``catalogue`` (the built-in one when None; a
    :class:`~kvarter.indicators.catalogue.Catalogue` or a YAML path) whose
    numerator is ``sum: FIELD`` and whose fields ``persons`` has, and for
    every level, unit and year :func:`kvarter.indicators.compute` publishes
    (``area``, ``municipality``, ``region`` when ``areas`` places areas in
    regions, ``country``), one row with::

        top_sum   = Σ of the n largest |c_i|    total_abs = Σ |c_i|
        contributors = #{i : c_i ≠ 0}

    over the contributions c_i counted in the numerator (persons, or
    households for ``counting: households``; see the module docstring).
    Rows are given for the base indicators only (single-year, no
    ``reference``): a ratio variant's numerator is its base's numerator, and a
    pooled ``years: N`` variant's sum for year t pools the base's cells of
    years t-N+1..t, so their dominance is read from the base's rows. Naming a
    variant in ``indicators`` selects its base; naming an indicator that does
    not sum a field adds nothing; naming one whose fields are missing raises
    :class:`~kvarter.errors.MissingFieldError`. Indicators skipped for want of
    a field are noted in ``.attrs["skipped"]``. ``years`` limits the years.

    A unit with no contributor has ``top_sum = total_abs = contributors = 0``.
    ``contributors`` counts the persons (or households) behind a sum: a sum
    of counts such as charges rests on the persons charged, not on the
    charges, so the minimum applies to them.

    >>> import pandas as pd
    >>> from kvarter.store import Store
    >>> store = Store(":memory:")
    >>> store.write_result("persons", pd.DataFrame({"person_id": list("abcd"), "year": [2021] * 4,
    ...     "municipality": ["K"] * 4, "area_id": ["A1", "A1", "A1", "A2"], "age": [30, 40, 50, 20],
    ...     "in_education": [False] * 4, "income_gross": [900.0, 50.0, 50.0, -100.0]}))
    >>> top_contributions(store.table("persons")).drop(columns="indicator")
              level unit_id  year  top_sum  total_abs  contributors
    0          area      A1  2021    950.0     1000.0             3
    1          area      A2  2021    100.0      100.0             1
    2  municipality       K  2021   1000.0     1100.0             4
    3       country country  2021   1000.0     1100.0             4
    """
    check_scalar(n, "n", "top_contributions", kind=int, min_value=1)
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    columns = set(persons.columns)
    absent = [c for c in BASE_COLUMNS if c not in columns]
    if absent:
        raise MissingFieldError(
            f"The persons table lacks the column(s) {', '.join(absent)}; every indicator needs "
            f"{', '.join(BASE_COLUMNS)}."
        )
    if isinstance(years, int):
        years = [years]
    years = sorted(int(y) for y in years) if years is not None else None
    active, skipped = _select(cat, columns, indicators)
    parts = []
    if active:
        unit_rows = persons.select(*_AREA_KEYS)
        if years:
            unit_rows = unit_rows.filter(unit_rows.year.isin(years))
        units = unit_rows.distinct().execute()
        units["year"] = units["year"].astype("int64")
        regions = _regions(areas)
        done: dict[str, pd.DataFrame] = {}
        for ind in active:
            key = _pass_key(ind)
            if key not in done:
                top, totals = _area_top(persons, ind, years, n)
                done[key] = _roll_up(units, top, totals, regions, n)
            parts.append(done[key].assign(indicator=ind.id))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=DOMINANCE_COLUMNS)
    out = out[DOMINANCE_COLUMNS].reset_index(drop=True)
    out["year"] = out["year"].astype("int64")
    for c in ("top_sum", "total_abs"):
        out[c] = out[c].astype("float64")
    out["contributors"] = out["contributors"].astype("int64")
    for c in ("indicator", "level", "unit_id"):
        out[c] = out[c].astype(object)
    out.attrs["skipped"] = skipped
    return out


def dominance_share(df: pd.DataFrame) -> pd.Series:
    """The share of each cell's total that its n largest contributors make: top_sum / total_abs.

    NaN where the total is 0 (no contributor, or only zeros). The (n, k)
    rule suppresses a cell whose share exceeds k.

    >>> dominance_share(pd.DataFrame({"top_sum": [950.0, 0.0], "total_abs": [1000.0, 0.0]})).tolist()
    [0.95, nan]
    """
    top = df["top_sum"].to_numpy(dtype=float)
    total = df["total_abs"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, top / np.where(total > 0, total, 1.0), np.nan)
    return pd.Series(share, index=df.index, name="dominance_share")


__all__ = ["DOMINANCE_COLUMNS", "dominance_share", "top_contributions"]
