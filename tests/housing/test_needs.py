"""The needs overview on hand-made households, and households derived from persons."""

from __future__ import annotations

import pandas as pd
import pytest

from kvarter.housing import NEEDS, households_from_persons, needs_overview, population_by_age
from kvarter.housing.ssb import SOURCES


def _hh(hid, year, **kw):
    row = {"household_id": hid, "year": year, "municipality": "0301", "area_id": "A1", "tenure": "owner",
           "persons": 1, "children_0_5": 0, "children_14_17": 0, "rooms": 3, "floor_m2": 80.0}
    return row | kw


def _values(t, level="area", unit="A1", year=2023):
    sub = t[(t["level"] == level) & (t["unit_id"] == unit) & (t["year"] == year)]
    return sub.set_index("measure")[["numerator", "denominator", "value"]]


def test_crowding_among_households_persons_and_families_by_hand():
    hh = pd.DataFrame([
        _hh("a", 2023, persons=4, children_0_5=2, rooms=3, floor_m2=96.0, tenure="municipal_rent"),  # crowded
        _hh("b", 2023, persons=4, children_0_5=2, rooms=3, floor_m2=100.0),  # just not
        _hh("c", 2023, persons=1, rooms=1, floor_m2=20.0, tenure="private_rent"),  # crowded single
        _hh("d", 2023, persons=2, rooms=None, floor_m2=None),  # unknown: out of the base
    ])
    v = _values(needs_overview(hh))
    assert tuple(v.loc["crowded_households_share", ["numerator", "denominator"]]) == (2, 3)
    assert tuple(v.loc["crowded_persons_share", ["numerator", "denominator"]]) == (5, 9)
    assert tuple(v.loc["crowded_families_share", ["numerator", "denominator"]]) == (1, 2)
    assert tuple(v.loc["renting_share", ["numerator", "denominator"]]) == (2, 4)
    assert v.loc["municipal_dwellings_per_1000", "value"] == pytest.approx(1 / 11 * 1000)


def test_persistent_low_income_children_and_low_income_crowding_by_hand():
    # medians 300,000 / 310,000 / 320,000 → mean threshold 186,000 per consumption unit.
    # "p": one adult and a child of 15 (1.5 units) at 185,999 a unit, crowded → persistent;
    # "n": the same at 186,000 a unit, not crowded → just not persistent.
    medians = {2021: 300_000, 2022: 310_000, 2023: 320_000}
    rows = []
    for y in (2021, 2022, 2023):
        rows.append(_hh("p", y, persons=2, children_14_17=1, income_after_tax=185_999 * 1.5, rooms=1, floor_m2=40.0))
        rows.append(_hh("n", y, persons=2, children_14_17=1, income_after_tax=186_000 * 1.5))
    v = _values(needs_overview(pd.DataFrame(rows), medians=medians))
    assert tuple(v.loc["persistent_low_income_children_share", ["numerator", "denominator"]]) == (1, 2)
    assert tuple(v.loc["crowded_low_income_families_share", ["numerator", "denominator"]]) == (1, 1)
    # the square-root scale divides by √2 instead of 1.5: both per-unit incomes rise above 186,000
    assert tuple(v.loc["persistent_low_income_children_share_sqrt", ["numerator", "denominator"]]) == (0, 2)
    # only 2023 has three years of income
    early = _values(needs_overview(pd.DataFrame(rows), medians=medians), year=2022)
    assert early.loc["persistent_low_income_children_share", "denominator"] == 0


def test_start_loan_applications_per_1000():
    hh = pd.DataFrame([_hh("a", 2024, persons=3), _hh("b", 2024, persons=2)])
    sl = pd.DataFrame({"municipality": ["0301"], "year": [2024], "scheme": ["start_loan"], "applications": [2],
                       "granted": [1]})
    t = needs_overview(hh, start_loans=sl)
    row = t[t["measure"] == "start_loan_applications_per_1000"].iloc[0]
    assert (row["level"], row["numerator"], row["denominator"], row["value"]) == ("municipality", 2, 5, 400.0)


def test_every_need_cites_its_source():
    for need in NEEDS.values():
        assert need.source.strip(), need.id
    assert "vardok 3462" in NEEDS["crowded_households_share"].source
    assert "Vedvarende lavinntekt" in NEEDS["persistent_low_income_children_share"].source
    assert "0.3" in SOURCES["eu_scale"] and "14" in SOURCES["eu_scale"]


def test_population_by_age_bands():
    p = pd.DataFrame({"year": [2024] * 5, "municipality": ["0301"] * 5, "area_id": ["A", "A", "A", "B", "B"],
                      "age": [0, 5, 6, 67, 80]})
    t = population_by_age(p)
    a = t[(t["level"] == "area") & (t["unit_id"] == "A")].set_index("category")["numerator"]
    assert (a["0-5"], a["6-15"], a["67-79"]) == (2, 1, 0)
    tot = t[t["level"] == "all"].set_index("category")["numerator"]
    assert (tot["67-79"], tot["80+"], tot.sum()) == (1, 1, 5)


def test_households_derived_from_persons_match_the_households(demodal):
    derived = households_from_persons(demodal["persons"]).set_index(["household_id", "year"]).sort_index()
    given = demodal["households"].set_index(["household_id", "year"]).sort_index()
    cols = ["municipality", "area_id", "tenure", "rooms", "floor_m2", "persons", "children_0_5", "children_6_10",
            "children_11_13", "children_14_17", "income_after_tax", "adults_in_work"]
    pd.testing.assert_frame_equal(derived[cols], given[cols], check_dtype=False)
