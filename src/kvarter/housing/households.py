"""The households table: checked against its contract, or derived from persons.

Every housing function that takes a households table runs it through
:func:`check_households` first, so a frame built by hand gets the same
checks (and the same error naming file, row, column and value) as a file
loaded into the store: rooms 0, negative income, more children than persons
or an unknown tenure stop the analysis before anything is computed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kvarter.errors import InputErrors, MissingFieldError
from kvarter.io.contracts import contract
from kvarter.io.validate import CHILD_COLUMNS, check_frame

#: Tenures that count as renting, and the municipality's own rentals.
RENTING = ("social_rent", "municipal_rent", "private_rent")


def check_households(households: pd.DataFrame, source: str = "<households>", *, table: str = "households") -> pd.DataFrame:
    """The households (or dwellings) table checked against its contract, typed; raises on any failure.

    Only the columns the frame has are kept (absent optional fields stay
    absent, so a function that needs one can say so).

    >>> hh = pd.DataFrame({"household_id": ["H1"], "year": [2024], "municipality": ["0301"],
    ...     "area_id": ["A1"], "tenure": ["rented"], "persons": [2]})
    >>> check_households(hh, "hh.csv")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputErrors: hh.csv failed validation with 1 failure(s) (1 not_allowed); nothing was stored. First: row 1, column 'tenure': tenure 'rented' is not one of the allowed codes: owner, cooperative, social_rent, municipal_rent, private_rent
    """
    checked = check_frame(households, contract(table), source=source)
    if checked.failures:
        raise InputErrors(checked.failures, source=source)
    return checked.frame[checked.provided].copy()


def composition(households: pd.DataFrame) -> pd.DataFrame:
    """Children, adults, persons aged 14+ and children under 14 of each household.

    Absent children columns count as no children of that age.

    >>> composition(pd.DataFrame({"persons": [4], "children_0_5": [1], "children_14_17": [1]})).iloc[0].tolist()
    [2.0, 2.0, 3.0, 1.0]
    """
    kids = {c: (pd.to_numeric(households[c]).astype("float64").fillna(0).to_numpy()
                if c in households.columns else np.zeros(len(households))) for c in CHILD_COLUMNS}
    children = sum(kids.values())
    persons = pd.to_numeric(households["persons"]).astype("float64").to_numpy()
    under_14 = kids["children_0_5"] + kids["children_6_10"] + kids["children_11_13"]
    return pd.DataFrame({
        "children": children, "adults": persons - children,
        "persons_14_plus": persons - under_14, "children_under_14": under_14,
    }, index=households.index)


def require(households: pd.DataFrame, fields, owner: str) -> None:
    """Raise :class:`~kvarter.errors.MissingFieldError` naming the fields ``owner`` needs and lacks.

    >>> require(pd.DataFrame({"persons": [1]}), ["persons", "rooms"], "crowding")
    Traceback (most recent call last):
    ...
    kvarter.errors.MissingFieldError: crowding needs the households field(s) 'rooms'; the table has 'persons'.
    """
    missing = [f for f in fields if f not in households.columns]
    if missing:
        raise MissingFieldError(
            f"{owner} needs the households field(s) {', '.join(map(repr, missing))}; "
            f"the table has {', '.join(map(repr, households.columns))}."
        )


def households_from_persons(persons: pd.DataFrame) -> pd.DataFrame:
    """Derive household-year rows from the person-year table.

    Per ``household_id`` and ``year``: the municipality and area of its
    members (the most common, should they differ), ``persons`` (members
    counted), children by the age bands of the households contract,
    ``adults_in_work`` (members 18+ with labour status employed) and, where
    the persons table has them, ``tenure``, ``rooms``, ``floor_m2`` (from
    ``dwelling_m2``) and ``income_after_tax`` (from
    ``household_disposable_income``, SSB's income after tax). A room count of 0
    (a dwelling without a registered room) is left empty. The fields persons
    cannot carry — debt, savings, costs, the caseworker's records — come from
    a households file.

    >>> p = pd.DataFrame({"person_id": ["a", "b", "c"], "year": [2024] * 3, "municipality": ["0301"] * 3,
    ...     "area_id": ["N1"] * 3, "age": [40, 38, 4], "household_id": ["H1"] * 3,
    ...     "labour_status": ["employed", "unemployed", "child"], "tenure": ["municipal_rent"] * 3,
    ...     "rooms": [2] * 3, "dwelling_m2": [55.0] * 3, "household_disposable_income": [420_000.0] * 3})
    >>> households_from_persons(p)[["household_id", "persons", "children_0_5", "adults_in_work", "rooms"]].values.tolist()
    [['H1', 3, 1, 1, 2]]
    """
    require(persons, ["household_id", "year", "municipality", "area_id", "age"], "households_from_persons")
    p = persons[persons["household_id"].notna()].copy()
    age = pd.to_numeric(p["age"]).to_numpy()
    bands = {"children_0_5": (0, 5), "children_6_10": (6, 10), "children_11_13": (11, 13), "children_14_17": (14, 17)}
    for col, (lo, hi) in bands.items():
        p[col] = ((age >= lo) & (age <= hi)).astype("int64")
    if "labour_status" in p.columns:
        p["_working"] = ((age >= 18) & (p["labour_status"] == "employed").fillna(False).to_numpy()).astype("int64")
    keys = ["household_id", "year"]
    grouped = p.groupby(keys, sort=True)
    out = grouped.size().rename("persons").reset_index()
    for col in ("municipality", "area_id"):
        out[col] = grouped[col].agg(lambda s: s.mode().iloc[0]).to_numpy()
    for col in bands:
        out[col] = grouped[col].sum().to_numpy()
    if "_working" in p.columns:
        out["adults_in_work"] = grouped["_working"].sum().to_numpy()
    for src, dst in (("tenure", "tenure"), ("rooms", "rooms"), ("dwelling_m2", "floor_m2"),
                     ("household_disposable_income", "income_after_tax")):
        if src in p.columns:
            out[dst] = grouped[src].first().to_numpy()
    if "rooms" in out.columns:
        rooms = pd.to_numeric(out["rooms"]).astype("Float64")
        out["rooms"] = rooms.where(rooms > 0).astype("Int64")
    if "floor_m2" in out.columns:
        m2 = pd.to_numeric(out["floor_m2"]).astype("Float64")
        out["floor_m2"] = m2.where(m2 > 0)
    order = [c for c in contract("households").names if c in out.columns]
    return out[order]
