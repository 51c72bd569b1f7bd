"""A screening session reuses what it derived from one indicator table (issue 14.4);
it must give what screening without it gives, and hand out nothing shared."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kvarter.screening import load_ruleset, screening_session
from kvarter.screening.values import criterion_values

CITY = {"basic_education_share": 0.20, "outside_labour_education_share": 0.20, "no_youth_education_share": 0.10,
        "child_poverty_share": 0.10, "chronic_condition_share": 0.20, "charged_per_1000": 10.0}


def long_table() -> pd.DataFrame:
    """Two areas of one municipality in 2024, the city's criteria and their municipality values."""
    u1 = {"residents": 5000, "income_ratio_to_municipality": 1.0, **CITY, "basic_education_share": 0.40}
    h1 = {"residents": 1500, "outside_labour_education_share_2y": 0.45, "income_ratio_to_region": 0.5,
          "convicted_ratio_to_national_2y": 1.0, "non_western_share": 0.2, **CITY,
          "basic_education_share": 0.30, "income_ratio_to_municipality": 0.8}
    rows = [{"indicator": k, "level": "area", "unit_id": a, "municipality": "K", "region": "R", "year": 2024, "value": v}
            for a, vals in (("U1", u1), ("H1", h1)) for k, v in vals.items()]
    rows += [{"indicator": k, "level": "municipality", "unit_id": "K", "municipality": "K", "region": "R",
              "year": 2024, "value": v} for k, v in CITY.items()]
    return pd.DataFrame(rows)


AREAS = pd.DataFrame({"area_id": ["U1", "H1"], "name": ["Urban", "Housing"], "municipality": "K", "region": "R",
                      "kind": ["urban_area", "housing_area"], "parent_area": [None, "U1"],
                      "social_housing": [False, True]})


def test_criterion_values_in_a_session_are_those_outside_it_and_each_call_gets_its_own():
    values = long_table()
    alone = {rs: criterion_values(values, load_ruleset(rs), 2024, AREAS) for rs in ("city-7", "dk-2024")}
    with screening_session():
        first = criterion_values(values, load_ruleset("city-7"), 2024, AREAS)
        first.loc["U1", "education__value"] = 99.0  # a caller's change must not reach the next caller
        again = {rs: criterion_values(values, load_ruleset(rs), 2024, AREAS) for rs in ("city-7", "dk-2024")}
    for rs in alone:
        pd.testing.assert_frame_equal(again[rs], alone[rs])
    # The value itself, from the rows above: U1's basic education share.
    assert again["city-7"].loc["U1", "education__value"] == 0.40
    # Relative to the municipality: 0.20 for K, as given.
    assert again["city-7"].loc["H1", "education__reference"] == 0.20
    assert np.isnan(again["dk-2024"].loc["U1", "crime__value"])  # U1 has no conviction ratio


def test_a_session_does_not_outlive_its_block():
    values = long_table()
    with screening_session():
        criterion_values(values, load_ruleset("city-7"), 2024, AREAS)
    values.loc[(values["unit_id"] == "U1") & (values["indicator"] == "basic_education_share"), "value"] = 0.55
    assert criterion_values(values, load_ruleset("city-7"), 2024, AREAS).loc["U1", "education__value"] == 0.55


def test_a_loaded_rule_set_is_a_fresh_copy():
    rs = load_ruleset("dk-2024")
    rs.criteria["employment"].threshold = 0.9
    assert load_ruleset("dk-2024").criteria["employment"].threshold == 0.4
