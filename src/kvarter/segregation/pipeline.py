"""The school-segregation report's analysis in one call.

From pupil microdata (a DataFrame, an Ibis table or a store's ``persons``
table) or from ready counts per unit, :func:`analyse_segregation` builds the
counts per unit and group, applies the report's filters, computes every
index with bootstrap intervals, bias-corrected estimates and permutation
p-values for every municipality x year x pair, and derives Table 1, trends
with disagreement flags, the correlations between indices across
municipalities and the heat-map tables. The same call works for residents
across areas (``units="area"``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

from kvarter.errors import InputError, MissingFieldError
from kvarter.segregation.counting import UNIT_COLUMNS, counts_on_engine, no_rows_message
from kvarter.segregation.dissimilarity import CLASS_BOUNDS, CLASS_LABELS, classify
from kvarter.segregation.groups import ThemeSet, assign_groups, load_themes, pair_id
from kvarter.segregation.inference import summarise_tables
from kvarter.segregation.registry import INDICES
from kvarter.settings import Settings
from kvarter.validation import check_columns, check_scalar

# The report's lead measure and the three it checks D against.
REPORT_INDICES = ("dissimilarity", "standardised_dissimilarity", "theil_h", "correlation_ratio")
RESULT_COLUMNS = [
    "municipality", "year", "theme", "pair", "group_a", "group_b", "index", "estimate",
    "bias_corrected", "se", "low", "high", "null_mean", "null_sd", "p_value", "class",
    "units", "empty_units", "n_a", "n_b", "smallest_cell", "note",
]


@dataclass(frozen=True)
class UnitCounts:
    """Counts per unit and group (``municipality, year, unit, group, n``) and unit sizes
    (``municipality, year, unit, size``: everyone in the unit, in a group or not)."""

    counts: pd.DataFrame
    sizes: pd.DataFrame


def _is_counts_frame(df: pd.DataFrame) -> bool:
    return {"unit", "group", "n"} <= set(df.columns)


def counts_from_microdata(persons: pd.DataFrame, themes: ThemeSet, units: str = "school") -> UnitCounts:
    """Count persons per unit and group from person-year rows.

    For ``units="school"`` only pupils (non-empty ``school_id``) count; income
    quantiles are computed over all of them per year, nationally. For
    ``units="area"`` every person counts, per ``area_id``.

    >>> df = pd.DataFrame({"year": 2018, "municipality": "M", "school_id": ["s1", "s1", "s2", None],
    ...     "origin": ["native", "western", "native", "native"],
    ...     "household_disposable_income": [1., 2., 3., 4.], "parents_education": "basic"})
    >>> uc = counts_from_microdata(df, load_themes())
    >>> uc.sizes["size"].tolist(), uc.counts.query("group == 'native'")["n"].tolist()
    ([2, 1], [1, 1])
    """
    unit_col = UNIT_COLUMNS[units]
    needed = ["year", "municipality", unit_col] + [t.field for t in themes.themes]
    check_columns(list(persons.columns), needed, "persons", "analyse_segregation")
    p = persons[needed]
    p = p[p[unit_col].notna()]
    if len(p) == 0:
        raise MissingFieldError(no_rows_message(units))
    keys = pd.DataFrame({
        "municipality": p["municipality"].astype(str).to_numpy(),
        "year": pd.to_numeric(p["year"]).astype("int64").to_numpy(),
        "unit": p[unit_col].astype(str).to_numpy(),
    })
    by_unit = keys.groupby(["municipality", "year", "unit"])
    sizes = by_unit.size().rename("size").reset_index()
    unit = by_unit.ngroup().to_numpy()
    p = p.reset_index(drop=True)
    frames = []
    for theme in themes.themes:
        code, names = pd.factorize(assign_groups(p, theme), sort=True)
        # Counted per unit and group in sorted (municipality, year, unit, group) order, as a
        # grouped count gives them: units are numbered in sorted order, groups by name.
        k = max(len(names), 1)
        has = code >= 0
        n = np.bincount(unit[has] * k + code[has], minlength=len(sizes) * k)
        cell = np.flatnonzero(n)
        at = sizes.iloc[cell // k][["municipality", "year", "unit"]].reset_index(drop=True)
        frames.append(at.assign(group=np.asarray(names, dtype=object)[cell % k], n=n[cell]))
    return UnitCounts(pd.concat(frames, ignore_index=True), sizes)


def counts_from_table(counts: pd.DataFrame) -> UnitCounts:
    """Ready counts (``municipality, year, unit, group, n``) as :class:`UnitCounts`.

    A ``total`` group, where present, gives the unit sizes; otherwise a unit's
    size is its largest theme-free sum, i.e. the largest total over the groups
    counted for it.

    >>> c = pd.DataFrame({"municipality": "M", "year": 2018, "unit": ["a", "a", "a"],
    ...     "group": ["native", "western", "total"], "n": [5, 2, 9]})
    >>> counts_from_table(c).sizes["size"].tolist()
    [9]
    """
    check_columns(list(counts.columns), ["municipality", "year", "unit", "group", "n"], "counts", "analyse_segregation")
    c = counts[["municipality", "year", "unit", "group", "n"]].copy()
    c["municipality"] = c["municipality"].astype(str)
    c["unit"] = c["unit"].astype(str)
    c["year"] = pd.to_numeric(c["year"]).astype("int64")
    n = pd.to_numeric(c["n"], errors="coerce")
    bad = n.isna() | (n < 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"counts passed to analyse_segregation has {int(bad.sum())} missing or negative n "
            f"(first at row {i}: unit {c['unit'].iloc[i]!r}, group {c['group'].iloc[i]!r}, n={counts['n'].iloc[i]}); "
            "counts must be numbers >= 0."
        )
    c["n"] = n
    is_total = c["group"] == "total"
    if is_total.any():
        sizes = c[is_total].groupby(["municipality", "year", "unit"])["n"].sum().rename("size").reset_index()
    else:
        sizes = c.groupby(["municipality", "year", "unit"])["n"].max().rename("size").reset_index()
    return UnitCounts(c[~is_total].reset_index(drop=True), sizes)


def unit_counts(source, *, units: str = "school", themes: ThemeSet | str | None = None, engine="duckdb",
                persons_source=None) -> UnitCounts:
    """The counts per unit and group that :func:`analyse_segregation` works
    on, from any of its sources (a :class:`UnitCounts` is returned as it is).
    Counting reads the store; the analysis after it does not, so a job may
    count here and run the analysis elsewhere.

    >>> c = pd.DataFrame({"municipality": "M", "year": 2018, "unit": ["s1", "s1"], "group": ["a", "b"], "n": [3, 4]})
    >>> unit_counts(c).sizes.to_dict("records")
    [{'municipality': 'M', 'year': 2018, 'unit': 's1', 'size': 4}]
    """
    if isinstance(source, UnitCounts):
        return source
    if isinstance(source, pd.DataFrame) and _is_counts_frame(source):
        return counts_from_table(source)
    ts = themes if isinstance(themes, ThemeSet) else load_themes(themes)
    if isinstance(source, pd.DataFrame):
        return counts_from_microdata(source, ts, units)
    return UnitCounts(*counts_on_engine(_engine_table(source, engine, persons_source), ts, units))


def _engine_table(source, engine, persons_source):
    """The persons as an Ibis table on their engine: an Ibis table as it is, or a Store's ``persons``
    (or the Parquet files of ``persons_source``) on ``engine``."""
    if hasattr(source, "has_table") and hasattr(source, "table"):
        from kvarter.store.engines import parse_source, store_tables

        if parse_source(persons_source).kind == "store" and not source.has_table("persons"):
            raise MissingFieldError(
                f"The store {getattr(source, 'path', '')} has no persons table; load pupil microdata "
                f"(persons with a school_id) first: kvarter load FILE --table persons --store "
                f"{getattr(source, 'path', 'kvarter.duckdb')}."
            )
        return store_tables(source, engine, ("persons",), source=persons_source)["persons"]
    if hasattr(source, "select") and hasattr(source, "to_pandas"):
        return source
    raise InputError(
        f"analyse_segregation needs a DataFrame, an Ibis table or a Store; got {type(source).__name__}."
    )


@dataclass(frozen=True)
class Dropped:
    """What the filters dropped: units below the minimum size and municipality-years below theirs."""

    units: pd.DataFrame
    municipalities: pd.DataFrame


def apply_filters(uc: UnitCounts, min_unit_size: int, min_municipality_size: int) -> tuple[UnitCounts, Dropped]:
    """Drop municipality-years with fewer than ``min_municipality_size`` persons, then units below ``min_unit_size``.

    >>> s = pd.DataFrame({"municipality": ["A", "A", "B"], "year": 2018, "unit": ["a1", "a2", "b1"], "size": [60, 40, 30]})
    >>> c = pd.DataFrame({"municipality": ["A"], "year": [2018], "unit": ["a1"], "group": ["g"], "n": [5]})
    >>> kept, dropped = apply_filters(UnitCounts(c, s), 50, 100)
    >>> kept.sizes["unit"].tolist(), dropped.units["unit"].tolist(), dropped.municipalities["municipality"].tolist()
    (['a1'], ['a2'], ['B'])
    """
    sizes = uc.sizes
    muni = sizes.groupby(["municipality", "year"])["size"].agg(["sum", "count"]).reset_index()
    muni.columns = ["municipality", "year", "size", "units"]
    small_muni = muni[muni["size"] < min_municipality_size].assign(
        reason=f"fewer than {min_municipality_size} persons in the year"
    )
    keep_m = sizes.merge(small_muni[["municipality", "year"]], how="left", indicator=True)["_merge"].eq("left_only").to_numpy()
    sizes_m = sizes[keep_m]
    small_units = sizes_m[sizes_m["size"] < min_unit_size].assign(reason=f"fewer than {min_unit_size} persons")
    kept_sizes = sizes_m[sizes_m["size"] >= min_unit_size].reset_index(drop=True)
    counts = uc.counts.merge(kept_sizes[["municipality", "year", "unit"]], how="inner")
    return UnitCounts(counts, kept_sizes), Dropped(small_units.reset_index(drop=True), small_muni.reset_index(drop=True))


def nothing_left_message(uc: UnitCounts, units: str, min_unit_size: int, min_municipality_size: int) -> str:
    """Why the filters left no municipality-year, with the largest one there is
    and the argument, option and setting that lower the filter that bit.

    >>> s = pd.DataFrame({"municipality": ["A", "A", "B"], "year": 2018, "unit": ["a1", "a2", "b1"],
    ...                   "size": [600, 400, 300]})
    >>> uc = UnitCounts(pd.DataFrame(columns=["municipality", "year", "unit", "group", "n"]), s)
    >>> print(nothing_left_message(uc, "school", 50, 10_000))
    No municipality-year is left after the filters: every one has fewer than 10,000 pupils (min_municipality_size); they range from 300 (B, 2018) to 1,000 (A, 2018). Lower the filter to keep smaller municipalities, e.g. to keep them all: kvarter segregation --min-municipality-size 300 (analyse_segregation(min_municipality_size=300); for schools also the setting min_municipality_pupils in kvarter.yaml or KVARTER_MIN_MUNICIPALITY_PUPILS).
    >>> print(nothing_left_message(uc, "school", 700, 100))
    No municipality-year is left after the filters: every school has fewer than 700 pupils (min_unit_size); the largest is a1 (A, 2018) with 600. Lower the filter: kvarter segregation --min-unit-size 600 (analyse_segregation(min_unit_size=600); for schools also the setting min_school_pupils in kvarter.yaml or KVARTER_MIN_SCHOOL_PUPILS).
    """
    who = "pupils" if units == "school" else "persons"
    unit = "school" if units == "school" else "area"
    sizes = uc.sizes
    if sizes.empty:
        return f"No municipality-year is left after the filters: there are no {who} to analyse."
    muni = sizes.groupby(["municipality", "year"], as_index=False)["size"].sum().sort_values(
        ["size", "municipality", "year"], ascending=[False, True, True])
    top, low = muni.iloc[0], muni.iloc[-1]
    if int(top["size"]) < min_municipality_size:
        n = int(low["size"])
        setting = ("; for schools also the setting min_municipality_pupils in kvarter.yaml or "
                   "KVARTER_MIN_MUNICIPALITY_PUPILS" if units == "school" else "")
        return (
            f"No municipality-year is left after the filters: every one has fewer than {min_municipality_size:,} "
            f"{who} (min_municipality_size); they range from {n:,} ({low['municipality']}, {int(low['year'])}) "
            f"to {int(top['size']):,} ({top['municipality']}, {int(top['year'])}). Lower the filter to keep "
            f"smaller municipalities, e.g. to keep them all: kvarter segregation --min-municipality-size {n} "
            f"(analyse_segregation(min_municipality_size={n}){setting})."
        )
    big = muni[muni["size"] >= min_municipality_size][["municipality", "year"]]
    units_left = sizes.merge(big).sort_values(["size", "unit"], ascending=[False, True])
    u = units_left.iloc[0]
    n = int(u["size"])
    setting = ("; for schools also the setting min_school_pupils in kvarter.yaml or KVARTER_MIN_SCHOOL_PUPILS"
               if units == "school" else "")
    return (
        f"No municipality-year is left after the filters: every {unit} has fewer than {min_unit_size:,} {who} "
        f"(min_unit_size); the largest is {u['unit']} ({u['municipality']}, {int(u['year'])}) with {n:,}. "
        f"Lower the filter: kvarter segregation --min-unit-size {n} (analyse_segregation(min_unit_size={n}){setting})."
    )


def index_results(
    uc: UnitCounts,
    themes: ThemeSet,
    *,
    indices=tuple(INDICES),
    permutations: int = 1000,
    bootstrap: int = 1000,
    level: float = 0.95,
    seed=0,
    class_bounds: tuple[float, ...] = CLASS_BOUNDS,
    class_labels: tuple[str, ...] = CLASS_LABELS,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """The long results table: municipality x year x pair x index with estimate, interval and class.

    ``class`` is the Massey-Denton level, given for the Dissimilarity Index.
    A pair with an empty group in a municipality-year gets rows with NaN
    estimates and a ``note`` saying so.

    >>> from kvarter.segregation.groups import ThemeSet
    >>> ts = ThemeSet.model_validate({"kind": "segregation_themes", "version": 1, "source": "doctest",
    ...     "themes": [{"name": "origin", "field": "origin", "pairs": [["native", "western"]],
    ...                 "groups": {"native": {"values": ["native"]}, "western": {"values": ["western"]}}}]})
    >>> c = pd.DataFrame({"municipality": "M", "year": 2020, "unit": ["s1"] * 3 + ["s2"] * 3,
    ...                   "group": ["native", "western", "total"] * 2, "n": [8, 2, 10, 2, 8, 10]})
    >>> r = index_results(counts_from_table(c), ts, indices=("dissimilarity",), permutations=0, bootstrap=0)
    >>> # D = (|8/10 - 2/10| + |2/10 - 8/10|) / 2 = 0.6
    >>> r[["pair", "index", "estimate", "class", "n_a", "n_b"]].round(6).to_dict("records")
    [{'pair': 'native_vs_western', 'index': 'dissimilarity', 'estimate': 0.6, 'class': 'high', 'n_a': 10.0, 'n_b': 10.0}]
    """
    wide = uc.counts.pivot_table(index=["municipality", "year", "unit"], columns="group", values="n",
                                 aggfunc="sum", fill_value=0)
    pairs = themes.pairs()
    cells = list(wide.groupby(level=["municipality", "year"], sort=True))
    # Every (cell, pair) first, so that one generator can draw for all of them
    # ahead of the index evaluation, in this order.
    entries, tables = [], []
    for k, ((muni, year), sub) in enumerate(cells):
        for theme, ga, gb in pairs:
            a = sub[ga].to_numpy(dtype=float) if ga in sub else np.zeros(len(sub))
            b = sub[gb].to_numpy(dtype=float) if gb in sub else np.zeros(len(sub))
            base = dict(municipality=muni, year=int(year), theme=theme, pair=pair_id(ga, gb), group_a=ga, group_b=gb,
                        units=int(((a + b) > 0).sum()), empty_units=int(((a + b) == 0).sum()),
                        n_a=float(a.sum()), n_b=float(b.sum()), smallest_cell=smallest_cell(a, b))
            empty = [g for g, x in ((ga, a), (gb, b)) if x.sum() <= 0]
            if empty:
                entries.append((k, base, None, f"group {empty[0]} has no members; index undefined"))
                continue
            integer = bool(np.all(a == np.round(a)) and np.all(b == np.round(b)))
            tables.append((a, b, permutations if integer else 0, bootstrap if integer else 0))
            entries.append((k, base, integer, None))
    summaries = summarise_tables(tables, indices, level=level, seed=seed)
    rows = []
    for i, (k, base, integer, note) in enumerate(entries):
        if note is not None:
            for name in indices:
                rows.append({**base, "index": name, "note": note})
        else:
            for name, s in next(summaries).items():
                rows.append({
                    **base, "index": name, "estimate": s.estimate, "bias_corrected": s.bias_corrected,
                    "se": s.se, "low": s.low, "high": s.high, "null_mean": s.null_mean, "null_sd": s.null_sd,
                    "p_value": s.p_value,
                    "class": classify(s.estimate, class_bounds, class_labels) if name == "dissimilarity" else None,
                    "note": None if integer else "weighted counts: no simulations",
                })
        if progress is not None and (i + 1 == len(entries) or entries[i + 1][0] != k):
            progress(k + 1, len(cells))
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def smallest_cell(a: np.ndarray, b: np.ndarray) -> float:
    """The smallest non-zero unit x group count behind a pair's indices
    (NaN when both groups are empty); disclosure control needs it, since
    indices over few units can be solved back into these counts.

    >>> smallest_cell(np.array([40.0, 0.0, 25.0]), np.array([10.0, 3.0, 0.0]))
    3.0
    """
    cells = np.concatenate([a, b])
    cells = cells[cells > 0]
    return float(cells.min()) if cells.size else float("nan")


def table1(uc: UnitCounts, themes: ThemeSet) -> pd.DataFrame:
    """The report's Table 1: per municipality, averaged over years, sorted by persons.

    Columns: ``municipality, persons, units, units_per_1000`` and one
    ``share_<group>`` per group (share of all persons in the unit table).

    >>> from kvarter.segregation.groups import ThemeSet
    >>> ts = ThemeSet.model_validate({"kind": "segregation_themes", "version": 1, "source": "doctest",
    ...     "themes": [{"name": "origin", "field": "origin", "pairs": [["native", "western"]],
    ...                 "groups": {"native": {"values": ["native"]}, "western": {"values": ["western"]}}}]})
    >>> c = pd.DataFrame({"municipality": "M", "year": 2020, "unit": ["s1"] * 3 + ["s2"] * 3,
    ...                   "group": ["native", "western", "total"] * 2, "n": [8, 2, 10, 2, 8, 10]})
    >>> table1(counts_from_table(c), ts).to_dict("records")
    [{'municipality': 'M', 'persons': 20.0, 'units': 2.0, 'units_per_1000': 100.0, 'share_native': 0.5, 'share_western': 0.5}]
    """
    sizes = uc.sizes.groupby(["municipality", "year"])["size"].agg(["sum", "count"]).reset_index()
    sizes.columns = ["municipality", "year", "persons", "units"]
    g = uc.counts.groupby(["municipality", "year", "group"])["n"].sum().unstack("group", fill_value=0).reset_index()
    per_year = sizes.merge(g, on=["municipality", "year"], how="left")
    groups = [gname for t in themes.themes for gname in t.groups]
    for gname in groups:
        per_year[f"share_{gname}"] = per_year[gname] / per_year["persons"] if gname in per_year else np.nan
    per_year["units_per_1000"] = 1000 * per_year["units"] / per_year["persons"]
    cols = ["persons", "units", "units_per_1000"] + [f"share_{g}" for g in groups]
    out = per_year.groupby("municipality")[cols].mean().reset_index()
    return out.sort_values("persons", ascending=False, kind="stable").reset_index(drop=True)


@lru_cache(maxsize=64)
def _t_quantile(p: float, df: int) -> float:
    # Trends take it for every municipality x pair x index, mostly with the same few df.
    return float(stats.t.ppf(p, df))


def trend(years, values, level: float = 0.95) -> tuple[float, float, float, str]:
    """OLS slope per year with its interval and the reading: rising, falling or stable.

    Stable when the interval contains 0; ``insufficient`` with fewer than
    three years.

    >>> slope, lo, hi, direction = trend([2009, 2010, 2011, 2012], [0.30, 0.32, 0.35, 0.36])
    >>> round(slope, 3), direction
    (0.021, 'rising')
    """
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    ok = np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 3 or np.ptp(x) == 0:
        return float("nan"), float("nan"), float("nan"), "insufficient"
    slope, stderr = _ols_slope(x, y)
    q = _t_quantile(0.5 + level / 2, len(x) - 2)
    lo, hi = slope - q * stderr, slope + q * stderr
    direction = "rising" if lo > 0 else "falling" if hi < 0 else "stable"
    return float(slope), float(lo), float(hi), direction


def _ols_slope(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and its standard error as ``scipy.stats.linregress`` computes them (n >= 3,
    x not constant), step for step, without its per-call overhead (trends make hundreds).

    >>> r = stats.linregress([1.0, 2.0, 3.0, 5.0], [2.0, 2.5, 3.7, 5.1])
    >>> _ols_slope(np.array([1.0, 2.0, 3.0, 5.0]), np.array([2.0, 2.5, 3.7, 5.1])) == (r.slope, r.stderr)
    True
    """
    X = np.vstack([x, y])
    X -= X.mean(axis=1)[:, None]
    c = X @ X.T
    c *= 1.0 / len(x)
    ssxm, ssxym, ssym = c[0, 0], c[0, 1], c[1, 1]
    if ssxm == 0.0 or ssym == 0.0:
        r = np.nan if ssxym == 0 else 0.0
    else:
        r = min(max(ssxym / np.sqrt(ssxm * ssym), -1.0), 1.0)
    return ssxym / ssxm, np.sqrt((1 - r**2) * ssym / ssxm / (len(x) - 2))


def trends(results: pd.DataFrame, level: float = 0.95, compare=REPORT_INDICES[1:]) -> pd.DataFrame:
    """Trend per municipality x pair x index, with flags where D and the other indices disagree.

    On the Dissimilarity Index rows, ``disagrees_direction`` names the
    indices whose trend runs the other way (opposite slope sign with at least
    one of the two significant), and ``disagrees_level`` those that put the
    municipality in the opposite third (lowest vs highest) among
    municipalities for that pair, on the mean over years.

    >>> r = pd.DataFrame({"municipality": "M", "pair": "p", "index": "dissimilarity",
    ...                   "year": [2020, 2021, 2022], "estimate": [0.6, 0.4, 0.2]})
    >>> t = trends(r)
    >>> t[["years", "first", "last", "mean"]].round(3).to_dict("records"), round(float(t["slope"][0]), 3), t["direction"][0]
    ([{'years': 3, 'first': 0.6, 'last': 0.2, 'mean': 0.4}], -0.2, 'falling')
    """
    keys = ["municipality", "pair", "index"]
    # Groups in sorted key order, rows within a group in their order (as a sorted groupby gives them).
    r = results[keys + ["year", "estimate"]].dropna(subset=keys).sort_values(keys, kind="stable")
    if r.empty:
        return pd.DataFrame()
    key_values = [r[k].to_numpy() for k in keys]
    new_group = np.zeros(len(r), dtype=bool)
    new_group[0] = True
    for v in key_values:
        new_group[1:] |= v[1:] != v[:-1]
    starts = np.flatnonzero(new_group)
    ends = np.append(starts[1:], len(r))
    year = r["year"].to_numpy(dtype=float)
    estimate = r["estimate"].to_numpy(dtype=float)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # the mean of a group without estimates is NaN
        for a, b in zip(starts, ends):
            x, y = year[a:b], estimate[a:b]
            slope, lo, hi, direction = trend(x, y, level)
            rows.append(dict(municipality=key_values[0][a], pair=key_values[1][a], index=key_values[2][a],
                             years=int(np.isfinite(y).sum()), first=y[np.argmin(x)], last=y[np.argmax(x)],
                             mean=float(np.nanmean(y)), slope=slope, slope_low=lo, slope_high=hi,
                             direction=direction))
    out = pd.DataFrame(rows)
    out["third"] = np.ceil(3 * out.groupby(["pair", "index"])["mean"].rank(method="average", pct=True)).clip(1, 3)
    found = {(m, p, i): (s, d, t) for m, p, i, s, d, t in
             zip(out["municipality"], out["pair"], out["index"], out["slope"], out["direction"], out["third"])}
    flags_dir, flags_lvl = [], []
    for muni, pair, index, slope, direction, third in zip(out["municipality"], out["pair"], out["index"],
                                                          out["slope"], out["direction"], out["third"]):
        if index != "dissimilarity":
            flags_dir.append(None)
            flags_lvl.append(None)
            continue
        dis_d, dis_l = [], []
        for other in compare:
            if (muni, pair, other) not in found:
                continue
            o_slope, o_direction, o_third = found[(muni, pair, other)]
            opposite = np.sign(o_slope) * np.sign(slope) < 0
            significant = direction in ("rising", "falling") or o_direction in ("rising", "falling")
            if opposite and significant:
                dis_d.append(other)
            if abs(o_third - third) >= 2:
                dis_l.append(other)
        flags_dir.append(",".join(dis_d))
        flags_lvl.append(",".join(dis_l))
    out["disagrees_direction"] = flags_dir
    out["disagrees_level"] = flags_lvl
    return out


def index_correlations(results: pd.DataFrame) -> pd.DataFrame:
    """Pearson correlation across municipalities between every two (pair, index) series, per year.

    Long table ``year, pair_1, index_1, pair_2, index_2, r, municipalities``
    (each unordered combination once). The report finds 0.93 between the
    standardised D for income high/low and for education high/low in 2018.

    >>> r = pd.DataFrame({"year": 2020, "municipality": ["A", "B", "C"] * 3, "pair": "p",
    ...                   "index": ["x"] * 3 + ["y"] * 3 + ["z"] * 3, "estimate": [1, 2, 3, 2, 4, 6, 3, 2, 1]})
    >>> index_correlations(r)[["index_1", "index_2", "r", "municipalities"]].round(6).to_dict("records")
    [{'index_1': 'x', 'index_2': 'y', 'r': 1.0, 'municipalities': 3}, {'index_1': 'x', 'index_2': 'z', 'r': -1.0, 'municipalities': 3}, {'index_1': 'y', 'index_2': 'z', 'r': -1.0, 'municipalities': 3}]
    """
    out = []
    for year, g in results.groupby("year", sort=True):
        wide = g.pivot_table(index="municipality", columns=["pair", "index"], values="estimate")
        cols = list(wide.columns)
        corr = wide.corr(min_periods=3).to_numpy()
        present = wide.notna().to_numpy().astype(int)
        n = present.T @ present
        i, j = np.triu_indices(len(cols), k=1)
        out.append(pd.DataFrame({
            "year": int(year),
            "pair_1": [cols[k][0] for k in i], "index_1": [cols[k][1] for k in i],
            "pair_2": [cols[k][0] for k in j], "index_2": [cols[k][1] for k in j],
            "r": corr[i, j], "municipalities": n[i, j],
        }))
    if out:
        return pd.concat(out, ignore_index=True)
    return pd.DataFrame(out, columns=["year", "pair_1", "index_1", "pair_2", "index_2", "r", "municipalities"])


def heatmap_tables(results: pd.DataFrame, order: list[str], index: str = "dissimilarity") -> dict[str, pd.DataFrame]:
    """Per pair, the index as municipalities (rows, in ``order``) x years (columns): the figures' data.

    >>> r = pd.DataFrame({"municipality": ["A", "A", "B", "B"], "year": [2020, 2021, 2020, 2021],
    ...                   "pair": "p", "index": "dissimilarity", "estimate": [0.1, 0.2, 0.3, 0.4]})
    >>> heatmap_tables(r, ["B", "A"])["p"]
    year          2020  2021
    municipality
    B              0.3   0.4
    A              0.1   0.2
    """
    sel = results[results["index"] == index]
    out = {}
    for pair, g in sel.groupby("pair", sort=False):
        wide = g.pivot_table(index="municipality", columns="year", values="estimate")
        out[pair] = wide.reindex([m for m in order if m in wide.index])
    return out


@dataclass(frozen=True)
class SegregationAnalysis:
    """Everything the report shows, as tables.

    ``results`` is the long table; ``table1``, ``trends`` and
    ``correlations`` the derived tables; ``heatmaps`` maps each pair to its
    municipalities x years table of D; ``dropped`` says what the filters removed.
    """

    results: pd.DataFrame
    table1: pd.DataFrame
    trends: pd.DataFrame
    correlations: pd.DataFrame
    heatmaps: dict[str, pd.DataFrame]
    dropped: Dropped
    units: str
    settings: dict = field(default_factory=dict)

    def correlation(self, year: int, pair_1: str, index_1: str, pair_2: str, index_2: str) -> float:
        """One correlation from :attr:`correlations` (in either order)."""
        c = self.correlations
        m = (c["year"] == year) & (
            ((c["pair_1"] == pair_1) & (c["index_1"] == index_1) & (c["pair_2"] == pair_2) & (c["index_2"] == index_2))
            | ((c["pair_1"] == pair_2) & (c["index_1"] == index_2) & (c["pair_2"] == pair_1) & (c["index_2"] == index_1))
        )
        if not m.any():
            raise InputError(f"No correlation for {year}, ({pair_1}, {index_1}) x ({pair_2}, {index_2}).")
        return float(c.loc[m, "r"].iloc[0])


def analyse_segregation(
    source,
    *,
    units: str = "school",
    themes: ThemeSet | str | None = None,
    indices=tuple(INDICES),
    permutations: int = 1000,
    bootstrap: int = 1000,
    level: float = 0.95,
    seed=0,
    min_unit_size: int | None = None,
    min_municipality_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    engine="duckdb",
    persons_source=None,
) -> SegregationAnalysis:
    """Run the school-segregation report's analysis on microdata or counts.

    ``source`` is a persons DataFrame, an Ibis table, a
    :class:`~kvarter.store.Store` (its ``persons`` table), a counts
    DataFrame (``municipality, year, unit, group, n``) or the
    :class:`UnitCounts` of :func:`unit_counts`. ``units`` is
    ``"school"`` (pupils per ``school_id``) or ``"area"`` (residents per
    ``area_id``). From a store or an Ibis table the counting runs on the
    engine (:func:`~kvarter.segregation.counting.counts_on_engine`; ``engine``
    names it for a store, ``persons_source="parquet:PATH"`` reads the persons
    from Parquet files in place), so only the counts come back; a persons
    DataFrame is counted here. The filters default to the settings
    ``min_school_pupils`` (50) and ``min_municipality_pupils`` (10,000) for
    schools and to no filter for areas.

    >>> from kvarter.demo.school_panel import school_panel
    >>> pupils = school_panel(seed=3, municipalities=3, years=range(2015, 2019), scale=0.2)
    >>> res = analyse_segregation(pupils, permutations=50, bootstrap=50, seed=1,
    ...                           min_municipality_size=2000)
    >>> sorted(res.results["pair"].unique())[:2], res.dropped.municipalities["municipality"].unique().tolist()
    (['education_high_vs_education_low', 'income_high_vs_income_low'], ['GM0004'])
    """
    owner = "analyse_segregation"
    if units not in UNIT_COLUMNS:
        raise InputError(f"The 'units' parameter of {owner} must be one of 'school', 'area'. Got {units!r} instead.")
    check_scalar(permutations, "permutations", owner, kind=int, min_value=0)
    check_scalar(bootstrap, "bootstrap", owner, kind=int, min_value=0)
    for name in indices:
        if name not in INDICES:
            raise InputError(f"Unknown index {name!r} passed to {owner}; choose from {', '.join(INDICES)}.")
    ts = themes if isinstance(themes, ThemeSet) else load_themes(themes)
    # The documented defaults; a caller with settings of its own passes the sizes.
    settings = Settings()
    if min_unit_size is None:
        min_unit_size = settings.min_school_pupils if units == "school" else 0
    if min_municipality_size is None:
        min_municipality_size = settings.min_municipality_pupils if units == "school" else 0
    uc = unit_counts(source, units=units, themes=ts, engine=engine, persons_source=persons_source)
    kept, dropped = apply_filters(uc, min_unit_size, min_municipality_size)
    if kept.sizes.empty:
        raise InputError(nothing_left_message(uc, units, min_unit_size, min_municipality_size))
    results = index_results(kept, ts, indices=indices, permutations=permutations, bootstrap=bootstrap,
                            level=level, seed=seed, progress=progress)
    t1 = table1(kept, ts)
    return SegregationAnalysis(
        results=results,
        table1=t1,
        trends=trends(results, level),
        correlations=index_correlations(results),
        heatmaps=heatmap_tables(results, t1["municipality"].tolist()),
        dropped=dropped,
        units=units,
        settings=dict(permutations=permutations, bootstrap=bootstrap, level=level, seed=seed,
                      min_unit_size=min_unit_size, min_municipality_size=min_municipality_size),
    )
