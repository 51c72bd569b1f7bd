"""Compute the indicator catalogue: run the compiled aggregation on an engine,
then finish the small per-area-year table into the tidy indicator table.

The finishing steps work on areas × years rows only, never on microdata:

* **levels** — municipality, region and country sums are sums of area sums
  (a person lives in one area in a year, so counts add up);
* **pooling** (``years: N``) — numerator, denominator and population are each
  summed over years t-N+1..t and a value exists for year t only when every
  one of those N years is in the data. The Danish law says "averaged over the
  last 2 years"; pooling the counts weighs each year by its population, which
  is what Statistics Denmark's published two-year shares do, and avoids the
  bias of averaging shares of small, changing populations. ``persons`` of a
  pooled value is the largest yearly population in the window (a lower bound
  of the distinct persons behind it, so disclosure control errs on the safe
  side);
* **ratio** — the raw value divided by the raw value of the reference level
  (the area's municipality or region, or the country) in the same year;
  rows are given for the levels at or below the reference level.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kvarter.indicators.catalogue import LOOK_BACK, Catalogue, Indicator, load_catalogue
from kvarter.indicators.compile import CompiledCatalogue, compile_catalogue

OUTPUT_COLUMNS = [
    "indicator", "level", "unit_id", "municipality", "region", "year", "value",
    "numerator", "denominator", "persons", "raw_value", "reference_value",
]
LEVEL_RANK = {"area": 0, "municipality": 1, "region": 2, "country": 3}
_SCALE = {"share": 1.0, "per_1000": 1000.0, "mean": 1.0, "count": 1.0}


def pooled_sums(values: np.ndarray, n: int) -> np.ndarray:
    """Sums over windows of ``n`` consecutive years along axis 1 (units × years × sums).

    The first ``n - 1`` years have incomplete windows and are NaN, so with
    fewer than ``n`` years every window is incomplete.

    >>> pooled_sums(np.array([[[1.], [2.], [3.]]]), 2)[0, :, 0].tolist()
    [nan, 3.0, 5.0]
    >>> pooled_sums(np.array([[[1.], [2.]]]), 4)[0, :, 0].tolist()
    [nan, nan]
    """
    out = np.full(values.shape, np.nan)
    if values.shape[1] < n:
        return out
    csum = np.cumsum(values, axis=1, dtype=float)
    out[:, n - 1] = csum[:, n - 1]
    out[:, n:] = csum[:, n:] - csum[:, :-n]
    return out


def pooled_max(values: np.ndarray, n: int) -> np.ndarray:
    """Largest value over windows of ``n`` consecutive years along axis 1.

    >>> pooled_max(np.array([[[1.], [5.], [3.]]]), 2)[0, :, 0].tolist()
    [nan, 5.0, 5.0]
    """
    out = np.full(values.shape, np.nan)
    for t in range(n - 1, values.shape[1]):
        out[:, t] = values[:, t - n + 1 : t + 1].max(axis=1)
    return out


def years_text(years) -> str:
    """The years of some data, said briefly (consecutive runs as ranges).

    >>> years_text([2024]), years_text([2023, 2024]), years_text([2020, 2022, 2023])
    ('2024 only', '2023-2024', '2020, 2022-2023')
    >>> years_text([])
    'no years'
    """
    ys = sorted({int(y) for y in years})
    if not ys:
        return "no years"
    if len(ys) == 1:
        return f"{ys[0]} only"
    runs: list[list[int]] = [[ys[0], ys[0]]]
    for y in ys[1:]:
        if y == runs[-1][1] + 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def years_needed(ind: Indicator) -> int:
    """How many consecutive years of data a value of ``ind`` for year t reads:
    its pooling (``years: N``) plus the look-back of any derived field it uses
    (the 3-year income reads t-2..t).

    >>> cat = load_catalogue()
    >>> years_needed(cat["non_western_share"]), years_needed(cat["convicted_share_4y"])
    (1, 4)
    >>> years_needed(cat["persistent_low_income_children_share"])
    3
    """
    return ind.years + max((LOOK_BACK.get(f, 0) for f in ind.fields()), default=0)


def window_notes(indicators, table: pd.DataFrame, data_years=None) -> dict[str, str]:
    """Why indicators that read several consecutive years (see
    :func:`years_needed`) have no values: the data hold no run that long, so
    no year t has all of the years it reads.

    ``indicators`` is a :class:`Catalogue` (then only the indicators whose
    single-year base has rows in ``table`` are considered, so one left out for
    a missing field is not also blamed on the years) or a list of
    :class:`Indicator`; ``data_years`` are the years the data hold (default:
    the years of ``table``). A pooled indicator without a full window has no
    rows; one on the 3-year income has rows with a zero denominator. These
    notes are what :func:`compute` adds to ``.attrs["skipped"]``; a stored
    indicator table has lost its attrs, so callers that read one call this.

    >>> cat = load_catalogue().select(["convicted_share", "convicted_share_4y"])
    >>> t = pd.DataFrame({"indicator": ["convicted_share"], "year": [2024]})
    >>> window_notes(cat, t)["convicted_share_4y"]
    'convicted_share_4y has no values: it pools 4 consecutive years (t-3..t) and the data hold 2024 only; load at least 4 consecutive years for it.'
    >>> window_notes(cat, t, data_years=[2021, 2022, 2023, 2024])
    {}
    """
    years = {int(y) for y in (table["year"].unique() if data_years is None else data_years)}
    have = set(table["indicator"].unique()) if len(table) else set()
    notes: dict[str, str] = {}
    for ind in indicators:
        n = years_needed(ind)
        if n <= 1 or any(all((y - k) in years for k in range(n)) for y in years):
            continue
        if isinstance(indicators, Catalogue) and indicators.base_of(ind.id)[0] not in have:
            continue
        why = (f"it pools {n} consecutive years (t-{n - 1}..t)" if ind.years == n else
               f"it reads each person's {n} consecutive years (t-{n - 1}..t)")
        notes[ind.id] = (f"{ind.id} has no values: {why} and the data hold {years_text(years)}; "
                         f"load at least {n} consecutive years for it.")
    return notes


def _level_frames(agg: pd.DataFrame, areas: pd.DataFrame | None, sum_cols: list[str]) -> dict[str, pd.DataFrame]:
    agg = agg.copy()
    if areas is not None and "region" in areas.columns and len(areas):
        regions = areas.drop_duplicates("area_id").set_index("area_id")["region"]
        agg["region"] = agg["area_id"].map(regions)
    else:
        agg["region"] = None
    agg["region"] = agg["region"].astype(object).where(agg["region"].notna(), None)
    area = agg.rename(columns={"area_id": "unit_id"})
    area = area.groupby(["unit_id", "municipality", "year"], as_index=False, dropna=False).agg(
        {**{c: "sum" for c in sum_cols}, "region": "first"})
    mun_region = agg.dropna(subset=["region"]).groupby("municipality")["region"].agg(lambda s: s.mode().iloc[0])
    mun = agg.groupby(["municipality", "year"], as_index=False)[sum_cols].sum()
    mun["unit_id"] = mun["municipality"]
    mun["region"] = mun["municipality"].map(mun_region)
    reg = agg.dropna(subset=["region"]).groupby(["region", "year"], as_index=False)[sum_cols].sum()
    reg["unit_id"] = reg["region"]
    reg["municipality"] = None
    country = agg.groupby("year", as_index=False)[sum_cols].sum()
    country["unit_id"] = "country"
    country["municipality"] = None
    country["region"] = None
    return {"area": area, "municipality": mun, "region": reg, "country": country}


def _pool(frame: pd.DataFrame, n: int, sum_cols: list[str], persons_cols: list[str], data_years: set[int]) -> pd.DataFrame:
    """``frame`` with its sums pooled over ``n`` years, for the years that allow it.

    Population columns also get a ``<name>_max`` twin: the largest yearly
    value in the window (a population count may double as a denominator, so
    the pooled sum and the maximum both live on).
    """
    if n == 1:
        return frame.assign(**{f"{c}_max": frame[c] for c in persons_cols})
    lo, hi = min(data_years), max(data_years)
    all_years = np.arange(lo, hi + 1)
    units = frame["unit_id"].drop_duplicates().tolist()
    grid = pd.MultiIndex.from_product([units, all_years], names=["unit_id", "year"])
    dense = frame.set_index(["unit_id", "year"])[sum_cols].reindex(grid, fill_value=0)
    cube = dense.to_numpy(dtype=float).reshape(len(units), len(all_years), len(sum_cols))
    which = [sum_cols.index(c) for c in persons_cols]
    values = np.concatenate([pooled_sums(cube, n), pooled_max(cube[:, :, which], n)], axis=2)
    complete = np.array([all((y - k) in data_years for k in range(n)) for y in all_years])
    names = sum_cols + [f"{c}_max" for c in persons_cols]
    out = pd.DataFrame(values.reshape(-1, len(names)), index=grid, columns=names).reset_index()
    out = out[np.tile(complete, len(units))]
    keys = frame.drop(columns=sum_cols)
    return keys.merge(out, on=["unit_id", "year"], how="inner")


class _Levels:
    """The pooled level frames of one pooling length, as numpy columns.

    Each indicator's rows are its numbers beside the same keys, so the keys
    (unit, municipality, region, year) and the row lookup of each reference
    level are built once per pooling length, not once per indicator; the
    indicators' rows are then concatenated column by column, never frame by
    frame (the finishing step is over areas × years, but 50-odd indicators
    times four levels of small frames cost more than the sums themselves).
    """

    def __init__(self, frames: dict[str, pd.DataFrame]):
        self.frames = frames
        self.keys = {}
        for lvl, f in frames.items():
            n = len(f)
            self.keys[lvl] = {
                "unit_id": f["unit_id"].to_numpy(dtype=object),
                "municipality": f["municipality"].to_numpy(dtype=object) if lvl in ("area", "municipality")
                else np.full(n, None, dtype=object),
                "region": f["region"].to_numpy(dtype=object) if lvl != "country" else np.full(n, None, dtype=object),
                "year": f["year"].to_numpy(),
            }
        self._lookup: dict[tuple[str, str], np.ndarray] = {}
        self._numbers: dict[tuple[str, str], np.ndarray] = {}

    def numbers(self, lvl: str, column: str) -> np.ndarray:
        """Column ``column`` of level ``lvl`` as floats (read from the frame once)."""
        if (lvl, column) not in self._numbers:
            self._numbers[(lvl, column)] = self.frames[lvl][column].to_numpy(dtype=float)
        return self._numbers[(lvl, column)]

    def lookup(self, lvl: str, reference: str) -> np.ndarray:
        """Row of ``reference``'s frame holding each row's reference unit and year (-1: none)."""
        if (lvl, reference) not in self._lookup:
            rf, keys = self.frames[reference], self.keys[lvl]
            index = pd.MultiIndex.from_arrays([rf["unit_id"].astype(object), rf["year"]])
            units = np.full(len(keys["year"]), "country", dtype=object) if reference == "country" else keys[reference]
            want = pd.MultiIndex.from_arrays([pd.Series(units).astype(object), pd.Series(keys["year"])])
            self._lookup[(lvl, reference)] = index.get_indexer(want)
        return self._lookup[(lvl, reference)]


def _indicator_rows(ind: Indicator, cols, levels_of: _Levels) -> dict[str, list]:
    """The rows of ``ind`` at each level at or below its reference, as column arrays."""
    num_col, den_col, persons_col = cols
    scale = _SCALE[ind.unit]
    frames = levels_of.frames

    def raw(lvl):
        num = levels_of.numbers(lvl, num_col)
        if den_col is None:
            return num
        with np.errstate(divide="ignore", invalid="ignore"):
            out = num / levels_of.numbers(lvl, den_col)
        out[~np.isfinite(out)] = np.nan
        return out * scale

    levels = [lvl for lvl in LEVEL_RANK if ind.reference is None or LEVEL_RANK[lvl] <= LEVEL_RANK[ind.reference]]
    ref = raw(ind.reference) if ind.reference is not None else None
    out: dict[str, list] = {c: [] for c in OUTPUT_COLUMNS}
    for lvl in levels:
        keys = levels_of.keys[lvl]
        n = len(frames[lvl])
        raw_value = raw(lvl)
        out["indicator"].append(np.full(n, ind.id, dtype=object))
        out["level"].append(np.full(n, lvl, dtype=object))
        for k in ("unit_id", "municipality", "region", "year"):
            out[k].append(keys[k])
        out["numerator"].append(levels_of.numbers(lvl, num_col))
        out["denominator"].append(levels_of.numbers(lvl, den_col) if den_col is not None else np.full(n, np.nan))
        out["persons"].append(levels_of.numbers(lvl, f"{persons_col}_max"))
        out["raw_value"].append(raw_value)
        if ref is not None:
            at = levels_of.lookup(lvl, ind.reference)
            reference_value = np.where(at >= 0, ref[np.maximum(at, 0)] if len(ref) else np.nan, np.nan)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = raw_value / reference_value
            value[~np.isfinite(value)] = np.nan
        else:
            reference_value, value = np.full(n, np.nan), raw_value
        out["reference_value"].append(reference_value)
        out["value"].append(value)
    return out


def _with_empty_areas(agg: pd.DataFrame, areas: pd.DataFrame | None, sum_cols: list[str]) -> pd.DataFrame:
    """``agg`` plus a row of zero sums for each leaf area nobody lives in, in each year of the data.

    An area without residents is a fact to show (residents = 0, shares
    without a value), not a row to lose. Only leaf areas (no other area's
    ``parent_area``) count, since persons live in the smallest area, and only
    in municipalities the data cover, so an area of a municipality whose
    persons were not loaded is not reported as empty.

    >>> agg = pd.DataFrame({"area_id": ["A1"], "municipality": ["K"], "year": [2020], "s0": [3]})
    >>> areas = pd.DataFrame({"area_id": ["A1", "A2", "B1"], "municipality": ["K", "K", "L"]})
    >>> _with_empty_areas(agg, areas, ["s0"]).values.tolist()
    [['A1', 'K', 2020, 3], ['A2', 'K', 2020, 0]]
    """
    agg = agg.copy()
    if areas is None or not len(agg) or not {"area_id", "municipality"} <= set(areas.columns):
        return agg
    a = areas.dropna(subset=["area_id", "municipality"]).drop_duplicates("area_id")
    if "parent_area" in a.columns:
        a = a[~a["area_id"].isin(set(areas["parent_area"].dropna()))]
    a = a[a["municipality"].isin(set(agg["municipality"]))]
    have = set(zip(agg["area_id"], agg["year"]))
    data_years = sorted(agg["year"].unique())
    missing = [(aid, mun, y) for aid, mun in zip(a["area_id"], a["municipality"])
               for y in data_years if (aid, y) not in have]
    if not missing:
        return agg
    empty = pd.DataFrame(missing, columns=["area_id", "municipality", "year"])
    for c in sum_cols:
        empty[c] = 0
    return pd.concat([agg, empty[agg.columns]], ignore_index=True)


def finish(plan: CompiledCatalogue, agg: pd.DataFrame, areas: pd.DataFrame | None = None,
           years: list[int] | None = None) -> pd.DataFrame:
    """Turn the executed aggregation of ``plan`` into the tidy indicator table.

    ``agg`` has one row per area, municipality and year with the sums named in
    ``plan.columns``; ``areas`` (area_id, region) places areas in regions.

    >>> import ibis
    >>> from kvarter.indicators.compile import compile_catalogue
    >>> persons = ibis.memtable(pd.DataFrame({"person_id": list("abcd"), "year": [2020] * 4,
    ...     "municipality": ["K"] * 4, "area_id": ["A1", "A1", "A1", "A2"],
    ...     "origin": ["native", "non_western", "non_western", "native"]}))
    >>> plan = compile_catalogue(load_catalogue(), persons, indicators=["non_western_share"])
    >>> out = finish(plan, plan.aggregates[0].execute())
    >>> out[["level", "unit_id", "numerator", "denominator", "value"]]
              level  unit_id  numerator  denominator     value
    0          area       A1        2.0          3.0  0.666667
    1          area       A2        0.0          1.0  0.000000
    2  municipality        K        2.0          4.0  0.500000
    3       country  country        2.0          4.0  0.500000
    """
    sum_cols = [c for c in agg.columns if c.startswith("s")]
    agg = _with_empty_areas(agg, areas, sum_cols)
    agg[sum_cols] = agg[sum_cols].fillna(0)
    agg["year"] = agg["year"].astype(int)
    data_years = set(agg["year"].unique().tolist())
    frames = _level_frames(agg, areas, sum_cols) if len(agg) else {}
    persons_cols = sorted({c[2] for c in plan.columns.values()})
    pooled: dict[int, _Levels] = {}
    columns: dict[str, list] = {c: [] for c in OUTPUT_COLUMNS}
    for ind in plan.indicators:
        if not frames:
            break
        if ind.years not in pooled:
            pooled[ind.years] = _Levels(
                {lvl: _pool(f, ind.years, sum_cols, persons_cols, data_years) for lvl, f in frames.items()})
        for c, arrays in _indicator_rows(ind, plan.columns[ind.id], pooled[ind.years]).items():
            columns[c].extend(arrays)
    if columns["year"]:
        out = pd.DataFrame({c: np.concatenate(arrays) for c, arrays in columns.items()})
    else:
        out = pd.DataFrame(columns=OUTPUT_COLUMNS)
    if years:
        out = out[out["year"].isin(list(years))]
    out = out[OUTPUT_COLUMNS].reset_index(drop=True)
    out["year"] = out["year"].astype("int64")
    out["persons"] = out["persons"].astype("float64").round().astype("int64")
    for c in ("value", "numerator", "denominator", "raw_value", "reference_value"):
        out[c] = out[c].astype("float64")
    for c in ("indicator", "level", "unit_id", "municipality", "region"):
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    # An indicator reading more consecutive years than the data hold has no
    # values; say why beside the indicators left out for want of a field.
    out.attrs["skipped"] = {**plan.skipped, **window_notes(plan.indicators, out, data_years)}
    return out


def _as_catalogue(catalogue) -> Catalogue:
    if catalogue is None:
        return load_catalogue()
    if isinstance(catalogue, (str, Path)):
        return load_catalogue(catalogue)
    return catalogue


def _backend_of(table):
    try:
        return table.get_backend()
    except Exception:  # an unbound memtable has no backend until executed
        return None


def compute_tables(persons, areas=None, catalogue=None, years=None, *, indicators=None) -> pd.DataFrame:
    """Compute the catalogue over Ibis tables ``persons`` and ``areas`` (on their engine).

    Returns the tidy table (columns :data:`OUTPUT_COLUMNS`); ``.attrs["skipped"]``
    maps each indicator without rows to a note saying why: a field the data
    lack, or (a pooled ``years: N`` indicator) no N consecutive years in the
    data, see :func:`window_notes`. A single year of data gives every yearly
    indicator and no pooled one.

    >>> import ibis, pandas as pd
    >>> persons = ibis.memtable(pd.DataFrame({"person_id": list("abcd"), "year": [2020] * 4,
    ...     "municipality": ["K"] * 4, "area_id": ["A1", "A1", "A1", "A2"], "age": [30, 40, 50, 60],
    ...     "origin": ["native", "non_western", "non_western", "native"]}))
    >>> areas = ibis.memtable(pd.DataFrame({"area_id": ["A1", "A2"], "region": ["R", "R"]}))
    >>> out = compute_tables(persons, areas, indicators=["non_western_share_ratio_to_municipality"])
    >>> out[["level", "unit_id", "numerator", "denominator", "raw_value", "value"]]
              level unit_id  numerator  denominator  raw_value     value
    0          area      A1        2.0          3.0   0.666667  1.333333
    1          area      A2        0.0          1.0   0.000000  0.000000
    2  municipality       K        2.0          4.0   0.500000  1.000000
    """
    cat = _as_catalogue(catalogue)
    years = _years(years)
    plan = compile_catalogue(cat, persons, years=years, indicators=indicators, backend=_backend_of(persons))
    agg = None
    for expr in plan.aggregates:
        part = expr.execute()
        agg = part if agg is None else agg.merge(part, on=["area_id", "municipality", "year"], how="outer")
    areas_df = None
    if areas is not None:
        # municipality and parent_area let finish keep areas nobody lives in (residents = 0).
        cols = [c for c in ("area_id", "municipality", "region", "parent_area") if c in areas.columns]
        areas_df = areas.select(*cols).execute()
    return finish(plan, agg, areas_df, years)


def _years(years) -> list[int] | None:
    if years is None:
        return None
    if isinstance(years, int):
        return [years]
    if isinstance(years, range):
        return list(years)
    return sorted(int(y) for y in years)


def compute(store, engine="duckdb", catalogue=None, years=None, *, indicators=None, source=None) -> pd.DataFrame:
    """Compute the indicator catalogue over a store's ``persons`` (and ``areas``) tables.

    ``engine`` is ``"duckdb"`` (the store's own connection), ``"spark"``
    (PySpark local mode) or a :class:`kvarter.store.engines.Engine` naming a
    Spark master (a cluster); ``source="parquet:PATH"`` reads the person-year
    rows from Parquet files in place instead of the store's ``persons`` (the
    store still gives the areas); ``catalogue`` is a :class:`Catalogue`, a YAML path
    or None for the built-in one; ``years`` limits the output years (earlier
    years are still read for pooled values); ``indicators`` names the ids to
    compute (asking for one whose fields are missing raises
    :class:`~kvarter.errors.MissingFieldError`).

    >>> import pandas as pd
    >>> from kvarter.store import Store
    >>> store = Store(":memory:")
    >>> store.write_result("persons", pd.DataFrame({"person_id": ["a", "b"], "year": [2021, 2021],
    ...     "municipality": ["K", "K"], "area_id": ["A1", "A1"], "age": [20, 70], "origin": ["native"] * 2}))
    >>> out = compute(store, indicators=["residents"])
    >>> out[["level", "unit_id", "year", "value", "persons"]]
              level unit_id  year  value  persons
    0          area      A1  2021    2.0        2
    1  municipality       K  2021    2.0        2
    2       country country  2021    2.0        2
    """
    from kvarter.store.engines import store_tables

    tables = store_tables(store, engine, ("persons", "areas"), source=source)
    return compute_tables(tables["persons"], tables.get("areas"), catalogue, years, indicators=indicators)
