"""Indicators from published aggregates, for users who have no microdata.

A store holding only counts per unit, variable and category (the
``aggregates`` table: Statistics Netherlands' neighbourhood key figures, a
ministry's tables) supports the indicators whose numerator and denominator
are such counts. They are declared in ``catalogue/aggregates.yaml``: ordinary
catalogue entries (labels, definition, source, variants), each with the
``cells`` it is computed from. :func:`aggregate_indicators` returns the same
long table as :func:`kvarter.indicators.compute` (areas, municipalities and
the country), so screening, profiles, benchmarks and the report read it as
they read indicators from microdata.

Rounding: CBS rounds counts to multiples of 5, so categories can exceed
their total. A numerator above its denominator by no more than the rounding
(5 per numerator cell) is taken as the whole denominator, and a note says how
many cells this concerned; a larger excess leaves the cell out, with a note.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from kvarter.errors import InputError, RuleError
from kvarter.indicators.catalogue import Catalogue, parse_catalogue
from kvarter.indicators.compute import OUTPUT_COLUMNS

#: How far a rounded category may exceed its total, per numerator cell (CBS rounds to 5).
ROUNDING = 5

Cell = tuple[str, str]


class Cells(BaseModel):
    """The aggregates cells (``variable``, ``category``) an indicator is computed from."""

    model_config = ConfigDict(extra="forbid")
    count: Cell | None = None
    numerator: list[Cell] | None = None
    denominator: list[Cell] | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.count is None) == (self.numerator is None or self.denominator is None):
            raise ValueError("give either count, or numerator and denominator")
        return self


def _path():
    return resources.files("kvarter.indicators") / "catalogue" / "aggregates.yaml"


@lru_cache(maxsize=1)
def aggregate_catalogue() -> tuple[Catalogue, dict[str, Cells]]:
    """The catalogue of indicators aggregates support, and the cells of each.

    >>> cat, cells = aggregate_catalogue()
    >>> "non_western_share_ratio_to_municipality" in cat.ids, cells["non_western_share"].numerator
    (True, [('origin', 'non_western')])
    """
    raw = yaml.safe_load(_path().read_text(encoding="utf-8"))
    cells: dict[str, Cells] = {}
    for entry in raw.get("indicators", []):
        try:
            cells[entry["id"]] = Cells.model_validate(entry.pop("cells"))
        except (KeyError, ValidationError) as exc:
            raise RuleError(f"{_path()}: indicator {entry.get('id')!r} needs valid cells: {exc}") from None
    return parse_catalogue(raw, source=str(_path())), cells


def _municipality_code(unit_id: str) -> str | None:
    """CBS codes carry their municipality: ``BU05180170`` and ``WK051801`` lie in ``GM0518``.

    >>> _municipality_code("BU05180170"), _municipality_code("WK051801"), _municipality_code("A1")
    ('GM0518', 'GM0518', None)
    """
    s = str(unit_id).strip()
    if len(s) >= 6 and s[:2] in ("BU", "WK", "GM") and s[2:6].isdigit():
        return "GM" + s[2:6]
    return None


def areas_from_aggregates(aggregates: pd.DataFrame, kind: str | None = None) -> pd.DataFrame:
    """The areas of an aggregates-only store: the units of the finest kind, each with its municipality.

    ``kind`` picks the unit kind that plays the areas (default: the kind with
    the most units other than municipalities). The municipality comes from
    the unit code (CBS: ``BU05180170`` → ``GM0518``) or, with one
    municipality in the file, is that one.

    >>> agg = pd.DataFrame({"unit_id": ["GM0518", "WK051801", "BU05180170", "BU05180171"],
    ...                     "unit_kind": ["municipality", "district", "neighbourhood", "neighbourhood"],
    ...                     "unit_name": [None, None, "Oostduinen", None]})
    >>> areas_from_aggregates(agg)[["area_id", "name", "municipality", "kind"]].values.tolist()
    [['BU05180170', 'Oostduinen', 'GM0518', 'neighbourhood'], ['BU05180171', 'BU05180171', 'GM0518', 'neighbourhood']]
    """
    units = aggregates[["unit_id", "unit_kind", "unit_name"]].drop_duplicates("unit_id").copy()
    units["unit_id"] = units["unit_id"].astype(str)
    # An all-empty name column may come back from the store as numbers.
    units["unit_name"] = [n if isinstance(n, str) and n else None for n in units["unit_name"]]
    munis = units[units["unit_kind"] == "municipality"]
    others = units[units["unit_kind"] != "municipality"]
    if others.empty:
        raise InputError("The aggregates hold municipalities only; areas need units inside them "
                         "(neighbourhoods, districts).")
    kind = kind or str(others["unit_kind"].value_counts().index[0])
    if kind not in set(others["unit_kind"]):
        raise InputError(f"The aggregates have no units of kind {kind!r}; they have "
                         f"{', '.join(sorted(map(str, units['unit_kind'].unique())))}.")
    part = others[others["unit_kind"] == kind]
    muni_name = {str(m): (n if isinstance(n, str) and n else str(m)) for m, n in zip(munis["unit_id"], munis["unit_name"])}
    municipality = part["unit_id"].map(_municipality_code)
    if municipality.isna().any():
        if len(munis) == 1:
            municipality = municipality.fillna(str(munis["unit_id"].iloc[0]))
        else:
            bad = part.loc[municipality.isna(), "unit_id"].iloc[0]
            raise InputError(f"Cannot tell the municipality of unit {bad!r} from the aggregates; load an areas table "
                             "(kvarter load areas.csv --table areas) naming each unit's municipality.")
    names = [n if isinstance(n, str) and n else u for n, u in zip(part["unit_name"], part["unit_id"])]
    return pd.DataFrame({
        "area_id": part["unit_id"].to_numpy(), "name": names,
        "municipality": [muni_name.get(m, m) for m in municipality], "region": None, "kind": kind,
    }).reset_index(drop=True)


def _cell_counts(aggregates: pd.DataFrame) -> pd.DataFrame:
    """unit × year rows, one column per (variable, category); NaN where suppressed or missing."""
    a = aggregates.copy()
    a["unit_id"] = a["unit_id"].astype(str)
    hidden = a["status"].eq("suppressed") if "status" in a.columns else pd.Series(False, index=a.index)
    a["n"] = pd.to_numeric(a["count"], errors="coerce").where(~hidden)
    a["cell"] = list(zip(a["variable"].astype(str), a["category"].astype(str)))
    return a.pivot_table(index=["unit_id", "year"], columns="cell", values="n", aggfunc="first", dropna=False)


def aggregate_indicators(aggregates: pd.DataFrame, areas: pd.DataFrame | None = None, *,
                         catalogue: Catalogue | None = None, cells: dict[str, Cells] | None = None) -> pd.DataFrame:
    """The indicator table (columns :data:`~kvarter.indicators.OUTPUT_COLUMNS`) from aggregates.

    Areas are ``areas`` (default :func:`areas_from_aggregates`); the
    municipality level is the sum of its areas as published (so areas add up
    to it exactly, as disclosure control needs) and the country the sum of
    the municipalities.
    ``.attrs["skipped"]`` says which indicators the aggregates cannot give
    and ``.attrs["notes"]`` what rounding did.

    >>> agg = pd.DataFrame({"unit_id": ["GM1"] * 2 + ["BU1"] * 2 + ["BU2"] * 2, "year": 2019,
    ...     "unit_kind": ["municipality"] * 2 + ["neighbourhood"] * 4, "unit_name": None,
    ...     "variable": ["inhabitants", "origin"] * 3, "category": ["total", "non_western"] * 3,
    ...     "count": [300, 100, 200, 40, 100, 60], "status": "published"})
    >>> areas = pd.DataFrame({"area_id": ["BU1", "BU2"], "name": ["B1", "B2"], "municipality": "GM1", "region": None})
    >>> t = aggregate_indicators(agg, areas)
    >>> t[t["indicator"] == "non_western_share"][["level", "unit_id", "value", "numerator", "persons"]].values.tolist()
    [['area', 'BU1', 0.2, 40.0, 200], ['area', 'BU2', 0.6, 60.0, 100], ['municipality', 'GM1', 0.3333333333333333, 100.0, 300], ['country', 'country', 0.3333333333333333, 100.0, 300]]
    >>> r = t[t["indicator"] == "non_western_share_ratio_to_municipality"]
    >>> r["value"].round(3).tolist()
    [0.6, 1.8, 1.0]
    """
    if catalogue is None or cells is None:
        catalogue, cells = aggregate_catalogue()
    for col in ("unit_id", "unit_kind", "year", "variable", "category", "count"):
        if col not in aggregates.columns:
            raise InputError(f"The aggregates table has no column {col!r}.")
    areas = areas_from_aggregates(aggregates) if areas is None else areas
    areas = areas.assign(area_id=areas["area_id"].astype(str))
    wide = _cell_counts(aggregates)
    have = set(wide.columns)
    area_ids = set(areas["area_id"])
    muni_of = dict(zip(areas["area_id"], areas["municipality"].astype(str)))
    region_of = dict(zip(areas["area_id"], areas.get("region", pd.Series([None] * len(areas)))))
    skipped: dict[str, str] = {}
    notes: list[str] = []
    capped = 0
    rows = []
    for base in catalogue.indicators:
        if base.comparison is not None:
            continue
        spec = cells.get(base.id)
        need = [spec.count] if spec.count else [*spec.numerator, *spec.denominator]
        absent = [c for c in need if tuple(c) not in have]
        if absent:
            skipped[base.id] = (f"{base.id} skipped: the aggregates have no {absent[0][0]}={absent[0][1]} counts.")
            continue
        if spec.count:
            num = wide[tuple(spec.count)]
            den = pd.Series(np.nan, index=wide.index)
        else:
            num = wide[[tuple(c) for c in spec.numerator]].sum(axis=1, min_count=len(spec.numerator))
            den = wide[[tuple(c) for c in spec.denominator]].sum(axis=1, min_count=len(spec.denominator))
            over = num - den
            tolerance = ROUNDING * len(spec.numerator)
            within = (over > 0) & (over <= tolerance)
            capped += int(within.sum())
            num = num.where(~within, den)
            beyond = over > tolerance
            if beyond.any():
                unit = beyond[beyond].index[0]
                notes.append(f"{base.id}: {int(beyond.sum())} unit(s) left out, their numerator exceeds the "
                             f"denominator by more than the rounding (first: {unit[0]} {unit[1]}).")
                num, den = num.where(~beyond), den.where(~beyond)
        part = pd.DataFrame({"unit_id": [u for u, _ in wide.index], "year": [int(y) for _, y in wide.index],
                             "numerator": num.to_numpy(float), "denominator": den.to_numpy(float)})
        part["indicator"] = base.id
        rows.append(part)
    if not rows:
        raise InputError("The aggregates support none of the indicators of "
                         f"{_path().name}: {'; '.join(skipped.values())}")
    long = pd.concat(rows, ignore_index=True)
    unit = {i.id: i.unit for i in catalogue.indicators}
    is_count = long["indicator"].map(unit).eq("count")
    long["persons"] = np.where(is_count, long["numerator"], long["denominator"])
    # A cell the source suppressed (CBS ".") stays out: nothing is known of it.
    unknown = long["persons"].isna() | long["numerator"].isna()
    if unknown.any():
        notes.append(f"{int(unknown.sum())} indicator cell(s) rest on counts the source suppressed; they are left out.")
        long = long[~unknown]
    area_rows = long[long["unit_id"].isin(area_ids)].assign(level="area")
    area_rows["municipality"] = area_rows["unit_id"].map(muni_of)
    area_rows["region"] = area_rows["unit_id"].map(region_of)
    # The municipality is the sum of its areas as published: the file's own
    # municipality figure differs by the rounding and by cells it suppressed,
    # and protection needs areas that add up to their municipality exactly.
    muni_rows = (area_rows.groupby(["indicator", "municipality", "year"], as_index=False)[
        ["numerator", "denominator", "persons"]].sum(min_count=1))
    muni_rows = muni_rows.assign(level="municipality", unit_id=muni_rows["municipality"], region=None)
    country = (muni_rows.groupby(["indicator", "year"], as_index=False)[["numerator", "denominator", "persons"]]
               .sum(min_count=1).assign(level="country", unit_id="country", municipality=None, region=None))
    out = pd.concat([area_rows, muni_rows, country], ignore_index=True)
    share = ~out["indicator"].map(unit).eq("count")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["raw_value"] = np.where(share, out["numerator"] / out["denominator"].where(out["denominator"] > 0),
                                    out["numerator"])
    out["value"] = out["raw_value"]
    out["reference_value"] = np.nan
    out = pd.concat([out, _ratios(out, catalogue)], ignore_index=True)
    out["persons"] = out["persons"].round().astype("Int64")
    out = out[OUTPUT_COLUMNS].sort_values(["indicator", "level", "unit_id", "year"],
                                          key=_level_order).reset_index(drop=True)
    if capped:
        notes.append(f"{capped} share cell(s) had categories above their total by no more than the rounding "
                     f"of the published counts (at most {ROUNDING} per category); they are shown as 100 %.")
    out.attrs["skipped"] = skipped
    out.attrs["notes"] = notes
    return out


def _level_order(col: pd.Series) -> pd.Series:
    if col.name == "level":
        return col.map({"area": 0, "municipality": 1, "region": 2, "country": 3})
    return col


def _ratios(table: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """The ``ratio to the municipality`` variants: each area's raw value over its municipality's."""
    parts = []
    for v in catalogue.indicators:
        if v.comparison != "ratio" or v.reference != "municipality":
            continue
        base = catalogue.base_of(v.id)[0]
        rows = table[table["indicator"] == base]
        ref = rows[rows["level"] == "municipality"].set_index(["unit_id", "year"])["raw_value"]
        sub = rows[rows["level"].isin(["area", "municipality"])].copy()
        sub["reference_value"] = [ref.get((m if lvl == "area" else u, y), np.nan)
                                  for lvl, u, m, y in zip(sub["level"], sub["unit_id"], sub["municipality"],
                                                          sub["year"])]
        sub["value"] = sub["raw_value"] / sub["reference_value"].where(sub["reference_value"] > 0)
        sub["indicator"] = v.id
        parts.append(sub)
    return pd.concat(parts, ignore_index=True) if parts else table.iloc[0:0]
