"""Criterion values for one year, from either input a rule set accepts.

* the store's tidy indicator table (``indicator, level, unit_id, municipality,
  region, year, value, numerator, denominator, ...``), optionally with the
  areas table for names and the social-housing flag;
* a user's table with one row per area and year and one column per criterion,
  as the ministry publishes them (``area_id, name, municipality, year,
  residents, outside_labour_education_share, ...``).

Both become one frame indexed by ``area_id`` with, per criterion ``c``, the
columns ``c__value``, ``c__numerator``, ``c__denominator``, ``c__reference``
and ``c__note`` (why a value is missing).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd

from kvarter.errors import InputError
from kvarter.validation import check_columns

LONG_COLUMNS = ("indicator", "level", "unit_id", "year", "value")
USER_COLUMNS = ("area_id", "year")
FIELDS = ("value", "numerator", "denominator", "reference", "note")


def is_long(values: pd.DataFrame) -> bool:
    """Whether ``values`` is the store's long indicator table (else a user's table).

    >>> is_long(pd.DataFrame(columns=["indicator", "level", "unit_id", "year", "value"]))
    True
    >>> is_long(pd.DataFrame(columns=["area_id", "year", "residents"]))
    False
    """
    return set(LONG_COLUMNS) <= set(values.columns)


def value_years(values: pd.DataFrame) -> set[int]:
    """The years that ``values`` holds rows for.

    >>> sorted(value_years(pd.DataFrame({"area_id": ["a", "a"], "year": [2020, 2021]})))
    [2020, 2021]
    """
    if "year" not in values.columns:
        return set()
    return {int(y) for y in pd.unique(values["year"].dropna())}


def _numeric(frame: pd.DataFrame, column: str, source: str, owner: str) -> pd.Series:
    col = frame[column]
    out = pd.to_numeric(col, errors="coerce")
    bad = out.isna() & col.notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{source} passed to {owner} has {int(bad.sum())} non-numeric value(s) in column "
            f"{column!r} (first at row {i}: {col.iloc[i]!r}); expected numbers (shares as fractions, e.g. 0.43)."
        )
    return out.astype(float)


def _check_unique(frame: pd.DataFrame, keys: list[str], source: str, owner: str) -> None:
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        first = frame.loc[dup, keys].iloc[0].to_dict()
        raise InputError(
            f"{source} passed to {owner} has {int(dup.sum())} rows that repeat a key "
            f"({', '.join(keys)}); first: {first}. Expected one row per key."
        )


def _user_frame(values, ruleset, year, areas, owner) -> pd.DataFrame:
    source = "user table"
    check_columns(list(values.columns), list(USER_COLUMNS), source, owner)
    years = pd.to_numeric(values["year"], errors="coerce")
    rows = values[years == year].copy()
    if rows.empty:
        raise InputError(
            f"{source} passed to {owner} has no rows for year {year}; it has years "
            f"{sorted(value_years(values))}."
        )
    rows["area_id"] = rows["area_id"].astype(str)
    _check_unique(rows, ["area_id"], source, owner)
    needed = [c.user_column for c in ruleset.criteria.values() if not c.indicator.startswith("composite_")]
    if ruleset.composite is not None:
        needed += [c.user_column for c in ruleset.composite.components.values()]
    if ruleset.population.min_residents > 0:
        needed.append("residents")
    check_columns(list(values.columns), sorted(set(needed)), source, f"{owner} with rule set {ruleset.id}")
    out = pd.DataFrame(index=pd.Index(rows["area_id"], name="area_id"))
    for col in ("name", "municipality", "region", "kind", "parent_area"):
        out[col] = rows[col].to_numpy() if col in rows.columns else None
    out["residents"] = _numeric(rows, "residents", source, owner).to_numpy() if "residents" in rows else np.nan
    if "social_housing" in rows.columns:
        out["social_housing"] = rows["social_housing"].astype("boolean").to_numpy()
        out["social_housing_note"] = ""
    else:
        out["social_housing"] = True
        out["social_housing_note"] = "taken as a social housing area (the table has no social_housing column)"
    _merge_areas(out, areas, only_missing=True)

    def take(column: str) -> dict[str, np.ndarray]:
        v = _numeric(rows, column, source, owner).to_numpy()
        got = {"value": v}
        for part in ("numerator", "denominator", "reference"):
            name = f"{column}_{part}"
            got[part] = _numeric(rows, name, source, owner).to_numpy() if name in rows else np.full(len(rows), np.nan)
        got["note"] = np.where(np.isnan(v), f"{column} not given for {year}", "")
        return got

    for cid, crit in ruleset.criteria.items():
        if crit.indicator.startswith("composite_"):
            continue
        got = take(crit.user_column)
        if crit.relative_to and f"{crit.user_column}_reference" not in rows.columns:
            raise InputError(
                f"{source} passed to {owner} lacks column '{crit.user_column}_reference' "
                f"(the {crit.relative_to} value that criterion {cid!r} of rule set {ruleset.id} "
                f"multiplies by {crit.threshold}); add it or use the store's indicator table."
            )
        for part in FIELDS:
            out[f"{cid}__{part}"] = got[part]
    if ruleset.composite is not None:
        for comp_id, comp in ruleset.composite.components.items():
            out[f"component__{comp_id}"] = take(comp.user_column)["value"]
    return out


def _merge_areas(out: pd.DataFrame, areas: pd.DataFrame | None, *, only_missing: bool) -> None:
    if areas is None:
        return
    check_columns(list(areas.columns), ["area_id"], "areas table", "screen")
    a = areas.assign(area_id=areas["area_id"].astype(str)).set_index("area_id")
    for col in ("name", "municipality", "region", "kind", "parent_area", "social_housing"):
        if col not in a.columns:
            continue
        mapped = out.index.map(a[col])
        if only_missing and col in out.columns and col != "social_housing":
            out[col] = out[col].where(out[col].notna(), mapped)
        elif col == "social_housing":
            if only_missing and "social_housing_note" in out and not out["social_housing_note"].astype(bool).any():
                continue
            known = pd.Series(mapped, index=out.index).astype("boolean")
            out["social_housing"] = known.fillna(False)
            out["social_housing_note"] = np.where(known.isna(), "not in the areas table", "")
        else:
            out[col] = mapped


class _Rows:
    """The rows of the prepared indicator table by (indicator, level) and years,
    each selection made once: a screening asks for the same ones for every
    criterion, rule set and year."""

    def __init__(self, values: pd.DataFrame):
        self.values = values
        self.positions = values.groupby(["indicator", "level"], sort=False).indices
        self._picked: dict = {}

    def pick(self, indicator: str, level: str, years) -> pd.DataFrame:
        """The rows of (indicator, level) in ``years``, in the table's order."""
        key = (indicator, level, tuple(years))
        if key not in self._picked:
            # The rows of (indicator, level) by position: the same rows as
            # masking the whole table, without comparing its strings each time.
            sub = self.values.iloc[self.positions.get((indicator, level), _NO_ROWS)]
            self._picked[key] = sub[sub["year"].isin(list(years))]
        return self._picked[key]


_NO_ROWS = np.array([], dtype=np.intp)


def _by_unit(rows: pd.DataFrame, ids: pd.Index, columns) -> dict[str, np.ndarray]:
    """``ids.map(rows.set_index("unit_id")[c])`` for each column ``c`` present,
    as floats: one look-up of the ids for all columns."""
    keyed = pd.Index(rows["unit_id"])
    if not keyed.is_unique:  # as Index.map refuses a non-unique mapping
        raise pd.errors.InvalidIndexError("Reindexing only valid with uniquely valued Index objects")
    pos = keyed.get_indexer(ids)
    found = pos >= 0
    out = {}
    for c in columns:
        if c in rows.columns:
            v = rows[c].to_numpy(dtype=float)
            out[c] = np.where(found, v[np.where(found, pos, 0)] if len(v) else np.nan, np.nan)
    return out


def _long_series(values, crit_indicator, yearly, years, relative_to, year, out, owner, index: _Rows):
    """Value, numerator, denominator, reference and note per area for one indicator."""
    n = len(out)
    res = {p: np.full(n, np.nan) for p in ("value", "numerator", "denominator", "reference")}
    res["note"] = np.full(n, "", dtype=object)
    pooled = index.pick(crit_indicator, "area", [year])
    if not pooled.empty or yearly is None or years == 1:
        used, span = crit_indicator, [year]
        res.update(_by_unit(pooled, out.index, ("value", "numerator", "denominator")))
        res["note"] = np.where(np.isnan(res["value"]), f"{crit_indicator} has no value for {year}", "")
    else:
        used, span = yearly, list(range(year - years + 1, year + 1))
        rows = index.pick(yearly, "area", span)
        wide = rows.pivot(index="unit_id", columns="year", values="value").reindex(index=out.index, columns=span)
        res["value"] = wide.mean(axis=1, skipna=False).to_numpy(dtype=float)
        for p in ("numerator", "denominator"):
            if p in rows.columns:
                w = rows.pivot(index="unit_id", columns="year", values=p).reindex(index=out.index, columns=span)
                res[p] = w.mean(axis=1, skipna=False).to_numpy(dtype=float)
        missing = wide.isna()
        res["note"] = np.array(
            [
                f"{yearly} missing for {', '.join(str(y) for y in span if m[y])}; the {years}-year average cannot be formed"
                if m.any() else ""
                for _, m in missing.iterrows()
            ],
            dtype=object,
        )
    if relative_to is not None:
        ref_rows = index.pick(used, relative_to, span)
        if relative_to == "country":
            per_year = ref_rows.groupby("year")["value"].first().reindex(span)
            ref = np.full(n, per_year.mean(skipna=False))
        else:
            key = "municipality" if relative_to == "municipality" else "region"
            # One row per unit and year (the table's keys are unique): a
            # pivot, as pivot_table's "first" gave, without its grouping.
            wide = ref_rows.pivot(index="unit_id", columns="year", values="value")
            wide = wide.reindex(columns=span)
            means = wide.mean(axis=1, skipna=False)
            ref = out[key].map(means).to_numpy(dtype=float)
        res["reference"] = ref
        res["note"] = np.where(
            np.isnan(ref) & (res["note"] == ""), f"no {relative_to}-level value of {used} for {year}", res["note"]
        )
    return res


@contextmanager
def screening_session():
    """Within this block, the indicator table is prepared once per table, and
    each year's criterion frame computed once per table, areas, year and the
    criteria that read it; outside it nothing is kept.

    A screening reads one indicator table over and over: every year of a
    history, every rule set, and again for the lists one rule set reads from
    another (the same year screened once more). The tables are held by
    identity, so they must not change while the block runs, which the
    screening functions that open it (:func:`~kvarter.screening.screen`,
    :func:`~kvarter.screening.screen_history`) guarantee: they only read them.

    >>> with screening_session():
    ...     inside = _SESSION.get() is not None
    ...     with screening_session():  # nested: the outer session is kept
    ...         nested = _SESSION.get() is not None
    >>> inside, nested, _SESSION.get() is None
    (True, True, True)
    """
    if _SESSION.get() is not None:
        yield
        return
    token = _SESSION.set({})
    try:
        yield
    finally:
        _SESSION.reset(token)


#: What :func:`screening_session` keeps: key -> (the tables the key names by identity, kept alive, value).
_SESSION: ContextVar[dict | None] = ContextVar("kvarter_screening_session", default=None)


def _reads(ruleset) -> tuple:
    """Everything of a rule set that :func:`_long_frame` reads (not the thresholds or the lists)."""
    crit = tuple((cid, c.indicator, c.yearly_indicator, c.years, c.relative_to) for cid, c in ruleset.criteria.items())
    comp = tuple((k, c.indicator) for k, c in ruleset.composite.components.items()) if ruleset.composite else None
    return crit, comp, bool(ruleset.population.social_housing)


def _long_frame(values, ruleset, year, areas, owner) -> pd.DataFrame:
    session = _SESSION.get()
    if session is None:
        return _long_frame_of(values, ruleset, year, areas, owner)
    key = ("frame", id(values), id(areas), int(year), _reads(ruleset))
    if key not in session:
        session[key] = ((values, areas), _long_frame_of(values, ruleset, year, areas, owner))
    return session[key][1].copy()


def _prepared(values, owner) -> tuple[pd.DataFrame, _Rows]:
    """The indicator table with numeric values and text unit ids, checked for
    repeated keys, and the row positions of each (indicator, level)."""
    session = _SESSION.get()
    key = ("values", id(values))
    if session is not None and key in session:
        return session[key][1]
    source = "indicator table"
    values = values.copy()
    values["year"] = pd.to_numeric(values["year"], errors="coerce")
    values["value"] = _numeric(values, "value", source, owner)
    for part in ("numerator", "denominator"):
        if part in values.columns:
            values[part] = _numeric(values, part, source, owner)
    values["unit_id"] = values["unit_id"].astype(str)
    _check_unique(values, ["indicator", "level", "unit_id", "year"], source, owner)
    prepared = values, _Rows(values)
    if session is not None:
        session[key] = (values, prepared)
    return prepared


def _long_frame_of(values, ruleset, year, areas, owner) -> pd.DataFrame:
    values, index = _prepared(values, owner)
    out = _area_frame(values, ruleset, year, areas, owner)
    # The criteria's columns are made apart and joined once: adding them one
    # by one to the frame was most of the time of this function.
    columns: dict[str, np.ndarray] = {}
    for cid, crit in ruleset.criteria.items():
        if crit.indicator.startswith("composite_"):
            continue
        got = _series(values, crit.indicator, crit.yearly_indicator, crit.years, crit.relative_to, year, out, areas,
                      owner, index)
        for part in FIELDS:
            columns[f"{cid}__{part}"] = got[part]
    if ruleset.composite is not None:
        for comp_id, comp in ruleset.composite.components.items():
            columns[f"component__{comp_id}"] = _series(values, comp.indicator, None, 1, None, year, out, areas, owner,
                                                       index)["value"]
    if not columns:
        return out
    return pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)


def _series(values, indicator, yearly, years, relative_to, year, out, areas, owner, index) -> dict:
    """:func:`_long_series`, once per session for each indicator and year (rule
    sets of one law chain share most of their indicators). The frame ``out``
    is the one :func:`_area_frame` makes of the same values, areas and year."""
    session = _SESSION.get()
    if session is None:
        return _long_series(values, indicator, yearly, years, relative_to, year, out, owner, index)
    key = ("series", id(values), id(areas), int(year), indicator, yearly, years, relative_to)
    if key not in session:
        session[key] = ((values, areas), _long_series(values, indicator, yearly, years, relative_to, year, out, owner,
                                                      index))
    return session[key][1]


def _area_frame(values, ruleset, year, areas, owner) -> pd.DataFrame:
    """One row per area of ``year``: municipality, region, names, residents and
    the social-housing flag from ``areas`` (once per session for each values,
    areas and year; a copy each time)."""
    session = _SESSION.get()
    key = ("areas", id(values), id(areas), int(year))
    if session is not None and key in session:
        _check_social_housing(ruleset, areas)
        return session[key][1].copy()
    source = "indicator table"
    area_rows = values[(values["level"] == "area") & (values["year"] == year)]
    if area_rows.empty:
        raise InputError(
            f"{source} passed to {owner} has no area-level rows for year {year}; it has years "
            f"{sorted(value_years(values))}."
        )
    ids = pd.Index(sorted(area_rows["unit_id"].unique()), name="area_id")
    out = pd.DataFrame(index=ids)
    first = area_rows.drop_duplicates("unit_id").set_index("unit_id")
    for col in ("municipality", "region"):
        out[col] = ids.map(first[col]) if col in first.columns else None
    out["name"] = None
    out["kind"] = None
    out["parent_area"] = None
    res = area_rows[area_rows["indicator"] == "residents"].set_index("unit_id")["value"]
    out["residents"] = ids.map(res).to_numpy(dtype=float)
    _check_social_housing(ruleset, areas)
    out["social_housing"] = True
    out["social_housing_note"] = ""
    _merge_areas(out, areas, only_missing=False)
    for col in ("municipality", "region"):
        if out[col].isna().any():
            out[col] = out[col].where(out[col].notna(), ids.map(first[col]) if col in first.columns else None)
    if session is not None:
        session[key] = ((values, areas), out.copy())
    return out


def _check_social_housing(ruleset, areas) -> None:
    if ruleset.population.social_housing:
        if areas is None or "social_housing" not in areas.columns:
            raise InputError(
                f"Rule set {ruleset.id} screens social housing areas only, but no areas table with a "
                "'social_housing' column was given to screen; pass areas=store.read('areas')."
            )


def criterion_values(values: pd.DataFrame, ruleset, year: int, areas: pd.DataFrame | None = None,
                     owner: str = "screen") -> pd.DataFrame:
    """One row per area with every criterion's value, numerator, denominator and reference.

    >>> from kvarter.screening.rules import load_ruleset
    >>> user = pd.DataFrame({"area_id": ["a"], "year": [2012], "residents": [1200],
    ...     "non_western_share": [0.55], "outside_labour_education_share": [0.41],
    ...     "convicted_share": [0.02]})
    >>> v = criterion_values(user, load_ruleset("dk-2010"), 2012)
    >>> float(v.loc["a", "employment__value"]), bool(v.loc["a", "social_housing"])
    (0.41, True)
    """
    if not isinstance(values, pd.DataFrame):
        raise InputError(f"values passed to {owner} must be a pandas DataFrame; got {type(values).__name__}.")
    if is_long(values):
        return _long_frame(values, ruleset, year, areas, owner)
    return _user_frame(values, ruleset, year, areas, owner)
