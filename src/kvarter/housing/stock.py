"""The social-housing stock and the move-out rate (Gentofte's overview, seed 000).

:func:`stock_overview` summarises the social_housing_stock table per area
and organisation (dwellings by size, departments, addresses, the
municipality's allocation right, residents' representation);
:func:`move_out_rate` computes the yearly move-out rate from the person-year
panel: those living in an area in year t−1 and elsewhere in year t, over
those living there in t−1 who are still in the panel in t.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kvarter.errors import InputError, InputErrors
from kvarter.housing.households import require
from kvarter.housing.results import area_table
from kvarter.io.contracts import contract
from kvarter.io.validate import check_frame

ROOM_COLUMNS = ("rooms_1", "rooms_2", "rooms_3", "rooms_4", "rooms_5_plus")


def _checked_stock(stock: pd.DataFrame, source: str) -> pd.DataFrame:
    checked = check_frame(stock, contract("social_housing_stock"), source=source)
    if checked.failures:
        raise InputErrors(checked.failures, source=source)
    f = checked.frame
    for c in ROOM_COLUMNS:
        f[c] = f[c].astype("Float64").fillna(0).astype("float64")
    f["dwellings"] = f[list(ROOM_COLUMNS)].sum(axis=1)
    return f


def stock_overview(stock: pd.DataFrame, source: str = "<social_housing_stock>") -> pd.DataFrame:
    """The stock per area and organisation, by kind: dwellings by size, departments, addresses, allocation right.

    Long table with ``measure`` (``dwellings``, ``departments``, ``addresses``,
    ``dwellings_by_rooms`` with ``category`` the size,
    ``dwellings_by_allocation_right`` with ``category`` the right, and
    ``representation`` — departments with residents' representation over
    those where it is possible), ``level`` ``area`` (``unit_id`` the area,
    ``organisation`` and ``kind`` columns added) or ``all``.

    >>> s = pd.DataFrame({"department_id": ["d1", "d2"], "organisation": ["KAB", "KAB"], "area_id": ["A", "A"],
    ...     "municipality": ["157", "157"], "kind": ["social_family"] * 2, "rooms_2": [10, 20], "rooms_3": [5, 5],
    ...     "allocation_right": [0.25, 0.5], "representation_eligible": [True, True], "representation": [True, False]})
    >>> t = stock_overview(s)
    >>> t[(t["level"] == "all") & t["measure"].isin(["dwellings", "departments", "representation"])][
    ...     ["measure", "numerator", "denominator"]].values.tolist()
    [['dwellings', 40.0, nan], ['departments', 2.0, nan], ['representation', 1.0, 2.0]]
    """
    f = _checked_stock(stock, source)
    f["one"] = 1.0
    f["addr"] = f["addresses"].astype("Float64").fillna(0).astype("float64")
    f["elig"] = f["representation_eligible"].astype("boolean").fillna(False).astype(float)
    f["rep"] = (f["representation"].astype("boolean").fillna(False) & f["representation_eligible"].astype("boolean").fillna(False)).astype(float)
    rows = []
    for level, keys in (("area", ["area_id", "municipality", "organisation", "kind"]), ("all", ["kind"])):
        g = f.groupby(keys, as_index=False, dropna=False)
        t = g.agg(dwellings=("dwellings", "sum"), departments=("one", "sum"), addresses=("addr", "sum"),
                  elig=("elig", "sum"), rep=("rep", "sum"), **{c: (c, "sum") for c in ROOM_COLUMNS})
        base = {"level": level, "year": 0}
        for _, r in t.iterrows():
            ident = {**base, "unit_id": r.get("area_id", "all"), "municipality": r.get("municipality"),
                     "organisation": r.get("organisation"), "kind": r["kind"]}
            for m in ("dwellings", "departments", "addresses"):
                rows.append({**ident, "measure": m, "category": None, "numerator": r[m], "denominator": np.nan, "value": r[m]})
            for c in ROOM_COLUMNS:
                rows.append({**ident, "measure": "dwellings_by_rooms", "category": c.removeprefix("rooms_"),
                             "numerator": r[c], "denominator": r["dwellings"]})
            rows.append({**ident, "measure": "representation", "category": None, "numerator": r["rep"], "denominator": r["elig"]})
        keyed = f.dropna(subset=["allocation_right"]).groupby([*keys, "allocation_right"], as_index=False, dropna=False)["dwellings"].sum()
        totals = f.groupby(keys, dropna=False)["dwellings"].sum()
        for _, r in keyed.iterrows():
            key = tuple(r[k] for k in keys)
            ident = {**base, "unit_id": r.get("area_id", "all"), "municipality": r.get("municipality"),
                     "organisation": r.get("organisation"), "kind": r["kind"]}
            rows.append({**ident, "measure": "dwellings_by_allocation_right", "category": f"{r['allocation_right']:g}",
                         "numerator": r["dwellings"], "denominator": float(totals.loc[key if len(keys) > 1 else key[0]])})
    out = pd.DataFrame(rows)
    extra = out[["organisation", "kind"]]
    table = area_table(out.drop(columns=["organisation", "kind"]).assign(value=out.get("value")))
    table["value"] = np.where(out["denominator"].notna().to_numpy(),
                              out["numerator"] / out["denominator"].where(out["denominator"] > 0), out["numerator"])
    table.insert(3, "organisation", extra["organisation"].astype(object).where(extra["organisation"].notna(), None).to_numpy())
    table.insert(4, "kind", extra["kind"].to_numpy())
    return table.drop(columns="year")


def stock_sentences(stock: pd.DataFrame) -> list[str]:
    """Gentofte's overview in words, from the stock table.

    >>> s = pd.DataFrame({"department_id": ["d1", "d2", "m1"], "organisation": ["KAB", "FSB", "municipality"],
    ...     "area_id": ["A"] * 3, "municipality": ["157"] * 3, "kind": ["social_family", "social_family", "municipal"],
    ...     "addresses": [1, 2, 4], "rooms_2": [10, 20, 30], "representation_eligible": [True, True, False],
    ...     "representation": [True, False, False]})
    >>> stock_sentences(s)
    ['30 social family dwellings in 2 departments of 2 housing organisations.', '30 municipal dwellings at 4 addresses.', "Residents' representation in 1 of 2 eligible departments."]
    """
    f = _checked_stock(stock, "<social_housing_stock>")
    out = []
    fam = f[f["kind"] == "social_family"]
    if len(fam):
        out.append(f"{fam['dwellings'].sum():,.0f} social family dwellings in {len(fam)} departments of "
                   f"{fam['organisation'].nunique()} housing organisations.")
    mun = f[f["kind"] == "municipal"]
    if len(mun):
        addr = mun["addresses"].astype("Float64").fillna(0).sum()
        out.append(f"{mun['dwellings'].sum():,.0f} municipal dwellings at {addr:,.0f} addresses.")
    elig = f["representation_eligible"].astype("boolean").fillna(False)
    if elig.any():
        rep = (f["representation"].astype("boolean").fillna(False) & elig).sum()
        out.append(f"Residents' representation in {int(rep)} of {int(elig.sum())} eligible departments.")
    return out


def move_out_rate(persons: pd.DataFrame, *, unit: str = "persons", areas: pd.DataFrame | None = None) -> pd.DataFrame:
    """Yearly move-out rate per area, with the municipality's, the region's and the overall rate beside it.

    ``unit="persons"``: persons living in an area in year t−1 and in another
    area in year t, over the persons living there in t−1 who are in the panel
    in t (those who left the panel — died or emigrated — are in neither,
    since the panel cannot tell them apart). ``unit="households"``: the
    households of t−1 none of whose members still observed in t live in the
    same area. The rate of a municipality or region pools its areas (movers
    out of their area over residents), so the region's rate stands beside
    each area's as Gentofte's 9.5 % beside the region's 9.6 %. ``areas``
    (area_id, region) adds the region level.

    Of four persons in A in 2023, one lives in B in 2024 and one has left the
    panel: 1 / 3.

    >>> p = pd.DataFrame({"person_id": ["a", "b", "c", "d", "a", "b", "c"],
    ...     "year": [2023] * 4 + [2024] * 3, "municipality": ["m"] * 7,
    ...     "area_id": ["A", "A", "A", "A", "A", "A", "B"]})
    >>> t = move_out_rate(p)
    >>> t[t["level"] == "area"][["unit_id", "year", "numerator", "denominator"]].values.tolist()
    [['A', 2024, 1.0, 3.0]]
    """
    if unit not in ("persons", "households"):
        raise InputError(f"The 'unit' parameter of move_out_rate must be 'persons' or 'households'. Got {unit!r} instead.")
    need = ["person_id", "year", "municipality", "area_id"] + (["household_id"] if unit == "households" else [])
    require(persons, need, "move_out_rate")
    p = persons[need].dropna(subset=["person_id", "year", "area_id"]).copy()
    p["year"] = p["year"].astype(int)
    prev = p.rename(columns={"area_id": "area_before", "municipality": "municipality_before"})
    prev = prev.assign(year=prev["year"] + 1)
    now = p[["person_id", "year", "area_id"]]
    pair = prev.merge(now, on=["person_id", "year"], how="inner")
    pair["moved"] = (pair["area_id"] != pair["area_before"]).astype(float)
    if unit == "households":
        pair = pair.groupby(["household_id", "year", "area_before", "municipality_before"], as_index=False).agg(
            stayed=("moved", lambda s: float((s == 0).any())))
        pair["moved"] = 1.0 - pair["stayed"]
    pair["one"] = 1.0
    area = pair.groupby(["area_before", "municipality_before", "year"], as_index=False).agg(
        numerator=("moved", "sum"), denominator=("one", "sum"))
    area = area.rename(columns={"area_before": "unit_id", "municipality_before": "municipality"})
    parts = [area.assign(level="area")]
    mun = area.groupby(["municipality", "year"], as_index=False)[["numerator", "denominator"]].sum()
    parts.append(mun.assign(level="municipality", unit_id=mun["municipality"]))
    if areas is not None:
        require(areas, ["area_id", "region"], "move_out_rate (areas)")
        region = area.merge(areas[["area_id", "region"]].drop_duplicates("area_id"), left_on="unit_id", right_on="area_id", how="left")
        reg = region.dropna(subset=["region"]).groupby(["region", "year"], as_index=False)[["numerator", "denominator"]].sum()
        parts.append(reg.assign(level="region", unit_id=reg["region"], municipality=None))
    tot = area.groupby("year", as_index=False)[["numerator", "denominator"]].sum()
    parts.append(tot.assign(level="all", unit_id="all", municipality=None))
    out = pd.concat(parts, ignore_index=True)
    return area_table(out.assign(measure=f"move_out_rate_{unit}", category=None))
