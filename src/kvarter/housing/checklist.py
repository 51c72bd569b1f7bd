"""Husbanken's checklist of a dwelling's suitability for children, as a rule file.

``rules/checklist-<id>.yaml`` (``kind: child_checklist``) lists the items:
crowding (SSB's rule, :func:`~kvarter.housing.ssb.crowded`, over the
dwelling's rooms and floor area and its occupants), and conditions over the
dwellings table — damp and rot, too little daylight, neither garden nor
balcony, outside noise, distance to a playground or recreation area, fear of
violence or threats in the neighbourhood, traffic unsuitable for a
five-year-old — each of which may fall back on an areas table where the
dwelling's own value is missing. Per dwelling the result lists the items
failed (an internal working list); per area it gives the share of children
living in dwellings failing at least one and at least three items.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from kvarter.errors import InputError, MissingFieldError
from kvarter.housing.conditions import Condition, Labels, _Model
from kvarter.housing.households import check_households, composition
from kvarter.housing.results import WorkingList, area_table, by_levels
from kvarter.housing.ruledata import read_model, resolve
from kvarter.housing.ssb import crowded
from kvarter.io.contracts import contract


class ChecklistSource(_Model):
    """Where a checklist comes from."""

    document: str
    note: str | None = None


class DwellingCondition(Condition):
    """A condition on a field of the dwellings contract."""

    @field_validator("field")
    @classmethod
    def _known(cls, v: str) -> str:
        names = contract("dwellings").names
        if v not in names:
            raise ValueError(f"unknown dwellings field {v!r}; the dwellings contract has {', '.join(names)}")
        return v


class Item(_Model):
    """One checklist item: SSB's crowding check, or a condition that fails the item."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Labels
    check: Literal["crowded"] | None = None
    fails_when: DwellingCondition | None = None
    area_field: str | None = None

    @model_validator(mode="after")
    def _one_check(self):
        if (self.check is None) == (self.fails_when is None):
            raise ValueError(f"item {self.id!r} must give either check: crowded or fails_when, not both or neither")
        return self


class Checklist(_Model):
    """A validated child-suitability checklist (``kind: child_checklist``)."""

    kind: Literal["child_checklist"]
    version: int = Field(ge=1)
    id: str
    title: str
    source: ChecklistSource
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self):
        ids = [i.id for i in self.items]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"item id(s) used twice: {', '.join(dupes)}")
        return self

    def evaluate(self, dwellings: pd.DataFrame, areas: pd.DataFrame | None = None) -> pd.DataFrame:
        """One nullable boolean column per item: True = fails, False = passes, NA = unknown."""
        out = {}
        area_values = None
        if areas is not None:
            if "area_id" not in areas.columns:
                raise InputError(f"areas passed to checklist lacks the column 'area_id'; it has {', '.join(map(repr, areas.columns))}.")
            area_values = areas.drop_duplicates("area_id").set_index("area_id")
        for item in self.items:
            if item.check == "crowded":
                rooms = pd.to_numeric(dwellings["rooms"]).astype("float64").to_numpy(na_value=np.nan)
                m2 = pd.to_numeric(dwellings["floor_m2"]).astype("float64").to_numpy(na_value=np.nan)
                persons = dwellings["persons"].astype("float64").to_numpy(na_value=np.nan)
                known = ~(np.isnan(rooms) & np.isnan(m2)) & (persons >= 1)
                result = np.zeros(len(dwellings), dtype=bool)
                if known.any():
                    result[known] = crowded(rooms[known], persons[known], m2[known])
                out[item.id] = pd.array(np.where(known, result, None), dtype="boolean")
                continue
            cond = item.fails_when
            values = dwellings[cond.field] if cond.field in dwellings.columns else pd.Series([None] * len(dwellings), index=dwellings.index)
            if item.area_field and area_values is not None and item.area_field in area_values.columns:
                fallback = dwellings["area_id"].map(area_values[item.area_field])
                values = values.astype(object).where(values.notna(), fallback.astype(object))
            fails = cond.evaluate(values)
            out[item.id] = pd.array(np.where(values.notna().to_numpy(), fails, None), dtype="boolean")
        return pd.DataFrame(out, index=dwellings.index)


def load_checklist(name: str | Path = "husbanken") -> Checklist:
    """A checklist by built-in name (``husbanken``) or YAML path; errors name file and line.

    >>> [i.id for i in load_checklist().items]
    ['crowding', 'damp_rot', 'daylight', 'garden_balcony', 'noise', 'playground', 'safety', 'traffic']
    """
    return read_model(resolve(name, "checklist-", "checklist"), Checklist, "checklist")


def occupied_dwellings(dwellings: pd.DataFrame, households: pd.DataFrame) -> pd.DataFrame:
    """Dwelling-years with their occupants: ``persons`` and ``children`` summed over the households living there.

    Households are matched by ``dwelling_id`` and ``year``; a dwelling's own
    rooms and floor area come first, the household's fill gaps. Both tables
    are checked against their contracts.

    >>> d = pd.DataFrame({"dwelling_id": ["D1"], "year": [2024], "municipality": ["0301"], "area_id": ["A1"],
    ...     "rooms": [2], "floor_m2": [48.0]})
    >>> h = pd.DataFrame({"household_id": ["H1"], "year": [2024], "municipality": ["0301"], "area_id": ["A1"],
    ...     "dwelling_id": ["D1"], "tenure": ["municipal_rent"], "persons": [3], "children_0_5": [1]})
    >>> occupied_dwellings(d, h)[["dwelling_id", "persons", "children"]].values.tolist()
    [['D1', 3.0, 1.0]]
    """
    d = check_households(dwellings, "<dwellings>", table="dwellings")
    h = check_households(households, "<households>")
    if "dwelling_id" not in h.columns:
        raise MissingFieldError("occupied_dwellings needs the households column 'dwelling_id' to match households to dwellings.")
    h = h[h["dwelling_id"].notna()].copy()
    comp = composition(h)
    h["children"] = comp["children"].to_numpy()
    h["persons"] = h["persons"].astype("float64")
    occ = h.groupby(["dwelling_id", "year"], as_index=False).agg(persons=("persons", "sum"), children=("children", "sum"))
    for col in ("rooms", "floor_m2"):
        if col in h.columns:
            occ = occ.merge(h.groupby(["dwelling_id", "year"], as_index=False)[col].first().rename(columns={col: f"_{col}"}),
                            on=["dwelling_id", "year"], how="left")
    out = d.merge(occ, on=["dwelling_id", "year"], how="left")
    for col in ("rooms", "floor_m2"):
        if f"_{col}" in out.columns:
            own = out[col] if col in out.columns else pd.Series(np.nan, index=out.index)
            out[col] = own.astype("Float64").where(own.notna(), out[f"_{col}"].astype("Float64"))
            out = out.drop(columns=f"_{col}")
    out["persons"] = out["persons"].astype("float64")
    out["children"] = out["children"].fillna(0).astype("float64")
    return out


@dataclass(frozen=True)
class ChecklistResult:
    """Items failed per dwelling (internal working list) and children in failing dwellings per area."""

    working_list: WorkingList
    checklist: Checklist
    __kvarter_internal__ = True

    def by_area(self) -> pd.DataFrame:
        """Children in dwellings failing at least one / at least three items, and each item, per area.

        Long table (:data:`~kvarter.housing.results.AREA_COLUMNS`): measures
        ``children_failing_1plus``, ``children_failing_3plus`` and
        ``children_failing_item`` (``category`` the item), ``numerator`` the
        children in such dwellings, ``denominator`` all children in the
        dwellings checked. An unknown item counts as passed, so the shares
        are lower bounds where data is missing.
        """
        f = self.working_list.frame
        f = f.assign(
            c1=f["children"] * (f["n_failed"] >= 1), c3=f["children"] * (f["n_failed"] >= 3))
        sums = {"denominator": "children", "c1": "c1", "c3": "c3"}
        for item in self.checklist.items:
            f[f"i_{item.id}"] = f["children"] * f[item.id].fillna(False).astype(bool)
            sums[f"i_{item.id}"] = f"i_{item.id}"
        t = by_levels(f, [], sums)
        parts = [t.assign(measure="children_failing_1plus", numerator=t["c1"], category=None),
                 t.assign(measure="children_failing_3plus", numerator=t["c3"], category=None)]
        parts += [t.assign(measure="children_failing_item", numerator=t[f"i_{i.id}"], category=i.id)
                  for i in self.checklist.items]
        return area_table(pd.concat(parts, ignore_index=True))


def checklist(dwellings: pd.DataFrame, areas: pd.DataFrame | None = None, *, households: pd.DataFrame | None = None,
              rules: str | Path = "husbanken", source: str = "<dwellings>") -> ChecklistResult:
    """Check every dwelling against the child-suitability checklist: items failed per dwelling.

    ``dwellings`` follows the dwellings contract; crowding also needs its
    occupants, from a ``persons`` (and ``children``) column or from
    ``households`` (matched by dwelling and year, see :func:`occupied_dwellings`).
    ``areas`` may give area-level values (``unsafe_neighbourhood``,
    ``safe_traffic``, ``playground_distance_m``) where a dwelling has none.

    A 2-room, 40 m² flat for three with damp, no balcony and busy traffic
    fails crowding, damp_rot, garden_balcony and traffic:

    >>> d = pd.DataFrame({"dwelling_id": ["D1"], "year": [2024], "municipality": ["0301"], "area_id": ["A1"],
    ...     "rooms": [2], "floor_m2": [40.0], "persons": [3], "children": [1], "damp_or_rot": [True],
    ...     "too_little_daylight": [False], "garden_or_balcony": [False], "outside_noise": [False],
    ...     "playground_distance_m": [80.0], "unsafe_neighbourhood": [False], "safe_traffic": [False]})
    >>> checklist(d).working_list.frame[["failed", "n_failed"]].values.tolist()
    [['crowding, damp_rot, garden_balcony, traffic', 4]]
    """
    cl = load_checklist(rules)
    if households is not None:
        d = occupied_dwellings(dwellings, households)
    else:
        if "persons" not in dwellings.columns:
            raise MissingFieldError(
                "checklist needs each dwelling's occupants for crowding and the children counts: give a 'persons' "
                "and 'children' column, or households=... to match households to dwellings."
            )
        d = check_households(dwellings, source, table="dwellings")
        for col in ("persons", "children"):
            values = pd.to_numeric(dwellings[col], errors="coerce") if col in dwellings.columns else pd.Series(0.0, index=dwellings.index)
            bad = values.isna() | (values < 0) if col == "persons" else (values < 0)
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(f"{source} row {i + 1}: {col} {dwellings[col].iloc[i]!r} must be a count >= 0.")
            d[col] = values.fillna(0).astype("float64").to_numpy()
    items = cl.evaluate(d, areas)
    ids = [i.id for i in cl.items]
    failed = items.fillna(False).astype(bool)
    frame = d[["dwelling_id", "year", "municipality", "area_id", "persons", "children"]].copy()
    frame = pd.concat([frame, items], axis=1)
    frame["failed"] = [", ".join(i for i, f in zip(ids, row) if f) for row in failed.to_numpy()]
    frame["n_failed"] = failed.sum(axis=1).astype("int64").to_numpy()
    frame["n_unknown"] = items.isna().sum(axis=1).astype("int64").to_numpy()
    return ChecklistResult(WorkingList(frame, "checklist", f"checklist {cl.id} v{cl.version}"), cl)
