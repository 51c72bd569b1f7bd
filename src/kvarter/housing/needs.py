"""Husbanken's needs overview: the indicators of the seed, with Statistics Norway's definitions.

:data:`NEEDS` declares each indicator — what it counts, among whom, and the
source of the definition — and :func:`needs_overview` computes them from the
households table as one long table by area, municipality and overall
(``level`` ``all``), each value with its count (``numerator``) and base
(``denominator``), ready for the publication layer's minimum-count rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kvarter.housing.households import RENTING, check_households, composition, require
from kvarter.housing.results import area_table, by_levels
from kvarter.housing.ssb import SOURCES, consumption_units, crowded, persistent_low_income
from kvarter.io.contracts import contract
from kvarter.io.validate import check_frame
from kvarter.errors import InputErrors


@dataclass(frozen=True)
class Need:
    """One needs-overview indicator: id, label, what is counted among whom, unit and source."""

    id: str
    label: str
    counts: str
    among: str
    unit: str
    source: str


NEEDS: dict[str, Need] = {n.id: n for n in (
    Need("crowded_households_share", "Households living crowded", "crowded households",
         "households with rooms or floor area known", "share", SOURCES["crowded"]),
    Need("crowded_persons_share", "Persons living crowded", "persons in crowded households",
         "persons in households with rooms or floor area known", "share", SOURCES["crowded"]),
    Need("crowded_families_share", "Families with children living crowded", "crowded households with children",
         "households with children, rooms or floor area known", "share", SOURCES["crowded"]),
    Need("crowded_low_income_families_share", "Low-income families with children living crowded",
         "crowded households with children and persistent low income",
         "households with children and persistent low income, rooms or floor area known", "share",
         SOURCES["crowded"] + "; " + SOURCES["persistent_low_income"]),
    Need("persistent_low_income_children_share", "Children in households with persistent low income (EU scale)",
         "children in households with persistent low income", "children in households observed three years",
         "share", SOURCES["persistent_low_income"] + "; " + SOURCES["eu_scale"]),
    Need("persistent_low_income_children_share_sqrt", "Children in households with persistent low income (square-root scale)",
         "children in households with persistent low income", "children in households observed three years",
         "share", SOURCES["persistent_low_income"] + "; " + SOURCES["sqrt_scale"]),
    Need("renting_share", "Households renting", "households renting (social, municipal or private)", "households",
         "share", "Husbanken needs overview ('Andel leie', SSB)"),
    Need("municipal_dwellings_per_1000", "Municipally disposed dwellings per 1,000 inhabitants",
         "households in municipally disposed rental dwellings", "inhabitants (persons in households)", "per_1000",
         "Husbanken needs overview ('Kommunalt disponerte boliger per 1000 innbyggere', SSB KOSTRA)"),
    Need("social_assistance_households_share", "Households receiving social assistance",
         "households receiving economic social assistance", "households with the field known", "share",
         "Husbanken needs overview ('sosialhjelpsmottakere')"),
    Need("start_loan_applications_per_1000", "Start-loan applications per 1,000 inhabitants",
         "start-loan applications received", "inhabitants (persons in households)", "per_1000",
         "Husbanken needs overview ('Søkt startlån pr innbygger'); Husbanken's start-loan statistics"),
)}


def _rows(frame: pd.DataFrame, measure: str, num: str, den: str, scale: float = 1.0) -> pd.DataFrame:
    t = by_levels(frame, [], {"numerator": num, "denominator": den})
    t["value"] = t["numerator"] / t["denominator"].where(t["denominator"] > 0) * scale
    return t.assign(measure=measure, category=None)


def needs_overview(households: pd.DataFrame, *, start_loans: pd.DataFrame | None = None,
                   medians: dict | None = None, source: str = "<households>") -> pd.DataFrame:
    """The needs-overview indicators of :data:`NEEDS` per area, municipality and overall, per year.

    Crowding is SSB's register rule (:func:`~kvarter.housing.ssb.crowded`);
    persistent low income is SSB's three-year rule over income after tax per
    consumption unit (:func:`~kvarter.housing.ssb.persistent_low_income`, EU
    scale and square-root scale), with the medians of the data unless
    ``medians`` gives them per year. Start-loan applications come from a
    start_loans table (municipality level only). Indicators whose fields the
    households lack are left out.

    >>> hh = pd.DataFrame({"household_id": ["H1", "H2"], "year": [2024, 2024], "municipality": ["0301"] * 2,
    ...     "area_id": ["A1", "A1"], "tenure": ["municipal_rent", "owner"], "persons": [3, 2],
    ...     "children_0_5": [1, 0], "rooms": [2, 3], "floor_m2": [50.0, 90.0]})
    >>> t = needs_overview(hh)
    >>> t[(t["level"] == "area")].set_index("measure")[["numerator", "denominator"]].loc[
    ...     ["crowded_households_share", "crowded_persons_share", "renting_share"]].values.tolist()
    [[1.0, 2.0], [3.0, 5.0], [1.0, 2.0]]
    """
    hh = check_households(households, source)
    comp = composition(hh)
    f = hh[["household_id", "year", "municipality", "area_id"]].copy()
    f["persons"] = hh["persons"].astype("float64").to_numpy()
    f["children"] = comp["children"].to_numpy()
    f["one"] = 1.0
    f["family"] = (f["children"] > 0).astype(float)
    parts = []
    if {"rooms", "floor_m2"} & set(hh.columns):
        rooms = hh["rooms"].astype("Float64").to_numpy(dtype=float, na_value=np.nan) if "rooms" in hh.columns else np.full(len(hh), np.nan)
        m2 = hh["floor_m2"].astype("Float64").to_numpy(dtype=float, na_value=np.nan) if "floor_m2" in hh.columns else np.full(len(hh), np.nan)
        known = ~(np.isnan(rooms) & np.isnan(m2))
        crowd = np.zeros(len(hh), dtype=bool)
        crowd[known] = crowded(rooms[known], f["persons"].to_numpy()[known], m2[known])
        f["k"] = known.astype(float)
        f["c"] = crowd.astype(float)
        f["kp"], f["cp"] = f["k"] * f["persons"], f["c"] * f["persons"]
        f["kf"], f["cf"] = f["k"] * f["family"], f["c"] * f["family"]
        parts += [_rows(f, "crowded_households_share", "c", "k"), _rows(f, "crowded_persons_share", "cp", "kp"),
                  _rows(f, "crowded_families_share", "cf", "kf")]
    if "income_after_tax" in hh.columns:
        income = hh["income_after_tax"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        for scale, measure in (("eu", "persistent_low_income_children_share"), ("sqrt", "persistent_low_income_children_share_sqrt")):
            units = consumption_units(comp["persons_14_plus"], comp["children_under_14"], scale=scale)
            low = persistent_low_income(income, units, hh["year"].to_numpy(), household=hh["household_id"].to_numpy(),
                                        persons=f["persons"].to_numpy(), medians=medians)
            observed = _observed(hh, income)
            f["ch_obs"] = f["children"] * observed
            f["ch_low"] = f["children"] * low
            parts.append(_rows(f, measure, "ch_low", "ch_obs"))
            if scale == "eu" and "c" in f.columns:
                f["lf_k"] = f["kf"] * low
                f["lf_c"] = f["cf"] * low
                parts.append(_rows(f, "crowded_low_income_families_share", "lf_c", "lf_k"))
    f["renting"] = hh["tenure"].isin(RENTING).astype(float).to_numpy()
    f["municipal"] = (hh["tenure"] == "municipal_rent").astype(float).to_numpy()
    parts += [_rows(f, "renting_share", "renting", "one"),
              _rows(f, "municipal_dwellings_per_1000", "municipal", "persons", 1000.0)]
    if "social_assistance" in hh.columns:
        sa = hh["social_assistance"].astype("boolean")
        f["sa_k"] = sa.notna().astype(float).to_numpy()
        f["sa"] = sa.fillna(False).astype(float).to_numpy()
        parts.append(_rows(f, "social_assistance_households_share", "sa", "sa_k"))
    out = pd.concat(parts, ignore_index=True)
    if start_loans is not None:
        out = pd.concat([out, _start_loan_rate(start_loans, f)], ignore_index=True)
    return area_table(out)


def _observed(hh: pd.DataFrame, income: np.ndarray, years: int = 3) -> np.ndarray:
    """Household-years with income in each of the last ``years`` calendar years (persistent low income is defined)."""
    frame = pd.DataFrame({"hh": hh["household_id"].to_numpy(), "year": hh["year"].astype(int).to_numpy(),
                          "ok": ~np.isnan(income)})
    have = set(zip(frame.loc[frame["ok"], "hh"], frame.loc[frame["ok"], "year"]))
    return np.array([all((h, y - k) in have for k in range(years)) for h, y in zip(frame["hh"], frame["year"])])


def _start_loan_rate(start_loans: pd.DataFrame, f: pd.DataFrame) -> pd.DataFrame:
    checked = check_frame(start_loans, contract("start_loans"), source="<start_loans>")
    if checked.failures:
        raise InputErrors(checked.failures, source="<start_loans>")
    sl = checked.frame[checked.frame["scheme"] == "start_loan"]
    apps = sl.groupby(["municipality", "year"])["applications"].sum().astype(float)
    pop = f.groupby(["municipality", "year"])["persons"].sum()
    t = pd.DataFrame({"numerator": apps}).join(pop.rename("denominator"), how="inner").reset_index()
    t["value"] = t["numerator"] / t["denominator"] * 1000.0
    return t.assign(level="municipality", unit_id=t["municipality"], measure="start_loan_applications_per_1000", category=None)


def population_by_age(persons: pd.DataFrame, bands=((0, 5), (6, 15), (16, 19), (20, 44), (45, 66), (67, 79), (80, 120))) -> pd.DataFrame:
    """Demographic development: persons by age band per area, municipality and overall, per year.

    The default bands are those of SSB's municipal population projections
    (0-5, 6-15, 16-19, 20-44, 45-66, 67-79, 80+). Long table: measure
    ``population_by_age``, ``category`` the band, ``numerator`` the persons in
    it, ``denominator`` all persons.

    >>> p = pd.DataFrame({"year": [2024] * 3, "municipality": ["0301"] * 3, "area_id": ["A"] * 3, "age": [3, 40, 85]})
    >>> t = population_by_age(p)
    >>> t[(t["level"] == "area") & (t["numerator"] > 0)]["category"].tolist()
    ['0-5', '20-44', '80+']
    """
    require(persons, ["year", "municipality", "area_id", "age"], "population_by_age")
    age = pd.to_numeric(persons["age"]).to_numpy()
    f = persons[["year", "municipality", "area_id"]].copy()
    f["one"] = 1.0
    cols = []
    for lo, hi in bands:
        name = f"{lo}+" if hi >= 120 else f"{lo}-{hi}"
        f[name] = ((age >= lo) & (age <= hi)).astype(float)
        cols.append(name)
    t = by_levels(f, [], {"denominator": "one", **{c: c for c in cols}})
    long = t.melt(id_vars=["level", "unit_id", "municipality", "year", "denominator"], value_vars=cols,
                  var_name="category", value_name="numerator")
    return area_table(long.assign(measure="population_by_age"))


def compare_sentences(needs: pd.DataFrame, unit_id: str, year: int, *, against: str = "all") -> list[str]:
    """Sentences comparing a unit's needs figures with another level's (``all``, or ``municipality``).

    >>> t = pd.DataFrame({"measure": ["renting_share"] * 2, "level": ["municipality", "all"],
    ...     "unit_id": ["0301", "all"], "municipality": ["0301", None], "year": [2024] * 2, "category": [None] * 2,
    ...     "value": [0.32, 0.24], "numerator": [320.0, 2400.0], "denominator": [1000.0, 10000.0]})
    >>> compare_sentences(t, "0301", 2024)
    ['Households renting: 32.0 % in 0301 against 24.0 % overall (8.0 points higher).']
    """
    sub = needs[(needs["year"] == year) & needs["category"].isna()]
    mine = sub[sub["unit_id"] == unit_id].set_index("measure")
    if against == "all":
        ref = sub[sub["level"] == "all"].set_index("measure")
        where = "overall"
    else:
        mun = mine["municipality"].dropna()
        ref = sub[(sub["level"] == "municipality") & (sub["unit_id"].isin(mun.unique()))].set_index("measure")
        where = "in the municipality"
    out = []
    for measure, need in NEEDS.items():
        if measure not in mine.index or measure not in ref.index:
            continue
        a, b = float(mine.loc[measure, "value"]), float(ref.loc[measure, "value"])
        if np.isnan(a) or np.isnan(b):
            continue
        if need.unit == "share":
            diff = (a - b) * 100
            word = "higher" if diff > 0 else "lower" if diff < 0 else "the same"
            tail = f" ({abs(diff):.1f} points {word})" if diff else " (the same)"
            out.append(f"{need.label}: {a:.1%} in {unit_id} against {b:.1%} {where}{tail}.".replace("%", " %"))
        else:
            out.append(f"{need.label}: {a:.1f} in {unit_id} against {b:.1f} {where}.")
    return out
