"""What would it take; composite index and gap; the seven-criteria city screening."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kvarter.errors import InputError
from kvarter.screening import (
    composite_index, count_change, deprivation_gap, less_deprived_share, screen, what_would_it_take,
)


def test_count_change_by_hand():
    # 412 of 1000 outside work/education, "above 40 %": 400/1000 is not above -> 12 persons.
    assert count_change(412, 1000, 0.412, ">", 0.40) == 12
    assert count_change(412, 1000, 0.412, ">=", 0.40) == 13
    # convicted 36 of 1000 with national share 1 % -> ratio 3.6; "at least 3 times": 29/1000 = 2.9 -> 7 fewer
    assert count_change(36, 1000, 3.6, ">=", 3.0) == 7
    # "below 55 %" as a count: 50 of 100 must reach 55 -> 5 more
    assert count_change(50, 100, 0.50, "<", 0.55) == 5
    with pytest.raises(InputError):
        count_change(0, 100, 0.0, ">", 0.4)


def test_what_would_it_take_with_counts_and_single_sufficient_criterion(make_user_table):
    table = make_user_table([{
        "outside_labour_education_share": 1034 / 2400, "income_ratio_to_region": 0.50,
        "outside_labour_education_share_numerator": 1034, "outside_labour_education_share_denominator": 2400,
    }])
    w = what_would_it_take(screen(table, "dk-2024", 2024, derive_history=False))
    udsat = w[w.list == "udsat_boligomraade"].set_index("criterion")
    # 0.40 * 2400 = 960 -> 1034 - 960 = 74 more in work or education
    assert udsat.loc["employment", "change"] == "74 more residents aged 18-64 in work or education"
    assert udsat.loc["employment", "change_count"] == 74
    assert udsat.loc["employment", "new_value"] == pytest.approx(0.40)
    # income 0.50 -> 0.55 is 10 % higher
    assert udsat.loc["income", "change"] == "average gross income 10.0 % higher (0.5 → 0.55 of the region's)"
    assert udsat["sufficient"].tolist() == [True, True]  # two of four met: losing either takes it off
    assert set(w.list) == {"udsat_boligomraade"}  # non-western share 0.10: no other list


def test_composite_zscore_by_hand():
    t = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 3.0, 0.0]})
    r = composite_index(t, {"a": 1, "b": 1}, transform="zscore")
    za = (t.a - 2) / np.sqrt(2 / 3)
    zb = (t.b - 2) / np.sqrt(2)
    assert r["score"].tolist() == pytest.approx(((za + zb) / 2).tolist())
    # scores -0.259, 0.354, -0.095
    assert r["rank"].tolist() == [3, 1, 2]
    assert r["decile"].tolist() == [10, 4, 7]


def test_composite_missing_domain_and_bad_arguments():
    t = pd.DataFrame({"a": [1.0, np.nan, 3.0]})
    r = composite_index(t, {"a": 1}, transform="rank")
    assert r["rank"].isna().tolist() == [False, True, False]
    assert r["rank"].dropna().tolist() == [2, 1]
    with pytest.raises(InputError, match="must be one of exponential, zscore, rank"):
        composite_index(t, {"a": 1}, transform="log")
    with pytest.raises(InputError, match="must be a number > 0"):
        composite_index(t, {"a": 0})
    with pytest.raises(InputError, match="lacks required column"):
        composite_index(t, {"b": 1})


def test_gap_seventeen_percent():
    t = pd.DataFrame({
        "year": [2016] * 3 + [2023] * 3,
        "score": [1.5, 0.0, -0.5, 1.18, 0.0, -0.48],
        "designated": [True, False, False] * 2,
        "residents": [100, 100, 100] * 2,
    })
    g = deprivation_gap(t, weight="residents")
    assert g.loc[2016, "gap"] == pytest.approx(1.75)
    assert g.loc[2023, "gap"] == pytest.approx(1.42)
    assert less_deprived_share(g.loc[2016, "gap"], g.loc[2023, "gap"]) == pytest.approx(1 - 1.42 / 1.75)
    assert round(-g.loc[2023, "change"], 2) == 0.19


CITY = ["income_ratio_to_municipality", "basic_education_share", "outside_labour_education_share",
        "no_youth_education_share", "child_poverty_share", "chronic_condition_share", "charged_per_1000"]


def city_long(area_values: dict[str, dict[str, float]], city: dict[str, float], year=2024) -> pd.DataFrame:
    rows = []
    for area, vals in area_values.items():
        for ind, v in vals.items():
            rows.append({"indicator": ind, "level": "area", "unit_id": area, "municipality": "K", "region": "R",
                         "year": year, "value": v})
    for ind, v in city.items():
        rows.append({"indicator": ind, "level": "municipality", "unit_id": "K", "municipality": "K", "region": "R",
                     "year": year, "value": v})
    return pd.DataFrame(rows)


def test_city7_relative_thresholds_and_four_of_seven():
    city = {"basic_education_share": 0.20, "outside_labour_education_share": 0.20, "no_youth_education_share": 0.10,
            "child_poverty_share": 0.10, "chronic_condition_share": 0.20, "charged_per_1000": 10.0}
    neutral = {"residents": 800, "income_ratio_to_municipality": 1.0, **city}
    areas = {
        "at": {**neutral, "basic_education_share": 0.30, "outside_labour_education_share": 0.30,
               "no_youth_education_share": 0.15, "chronic_condition_share": 0.25},  # exactly 1.5x / 1.25x: met (>=)
        "below": {**neutral, "basic_education_share": 0.2999, "outside_labour_education_share": 0.30,
                  "no_youth_education_share": 0.15, "chronic_condition_share": 0.25},
        "small": {**neutral, "residents": 499, "income_ratio_to_municipality": 0.5, "basic_education_share": 0.5,
                  "outside_labour_education_share": 0.5, "child_poverty_share": 0.5},
    }
    res = screen(city_long(areas, city), "city-7", 2024)
    at = res.criteria[res.criteria["area_id"] == "at"].set_index("criterion")
    assert at.loc[["education", "employment", "youth_education", "health"], "met"].tolist() == [True] * 4
    assert at.loc["education", "threshold"] == pytest.approx(0.30)
    assert at.loc["education", "reference"] == pytest.approx(0.20)
    r = res.membership().set_index("area_id")
    assert r["screened"].to_dict() == {"at": True, "below": False, "small": False}
    assert r["udsat_byomraade"].to_dict() == {"at": True, "below": False, "small": False}
    assert "education: 0.3 >= 1.5 × municipality 0.2 = 0.3: met" in res.explanation("at")


def test_city7_includes_the_state_lists_of_a_sub_area(make_user_table):
    # A housing area on the state's 2024 list inside a city area that does not meet the city criteria.
    city = {"basic_education_share": 0.20, "outside_labour_education_share": 0.20, "no_youth_education_share": 0.10,
            "child_poverty_share": 0.10, "chronic_condition_share": 0.20, "charged_per_1000": 10.0}
    long = city_long({"U1": {"residents": 5000, "income_ratio_to_municipality": 1.0, **city}}, city)
    state = [{"indicator": k, "level": "area", "unit_id": "H1", "municipality": "K", "region": "R", "year": 2024, "value": v}
             for k, v in {"residents": 1500, "outside_labour_education_share_2y": 0.45, "income_ratio_to_region": 0.5,
                          "basic_education_share": 0.2, "convicted_ratio_to_national_2y": 1.0, "non_western_share": 0.2,
                          "income_ratio_to_municipality": 1.0, **{k2: v2 for k2, v2 in city.items() if k2 != "basic_education_share"}}.items()]
    values = pd.concat([long, pd.DataFrame(state)], ignore_index=True)
    areas = pd.DataFrame({"area_id": ["U1", "H1"], "name": ["Urban", "Housing"], "municipality": ["K", "K"],
                          "region": ["R", "R"], "kind": ["urban_area", "housing_area"], "parent_area": [None, "U1"],
                          "social_housing": [False, True]})
    res = screen(values, "city-7", 2024, areas=areas)
    r = res.membership().set_index("area_id")
    assert not r.loc["U1", "screened"]
    assert r.loc["U1", "udsat_byomraade"]
    assert "contains H1, on the dk-2024 lists" in res.list_rows("udsat_byomraade").set_index("area_id").loc["U1", "rule"]
    assert r.loc["H1", "udsat_byomraade"]


def test_composite_ruleset_designates_the_most_deprived_tenth():
    city = {"basic_education_share": 0.20, "outside_labour_education_share": 0.20, "no_youth_education_share": 0.10,
            "child_poverty_share": 0.10, "chronic_condition_share": 0.20, "charged_per_1000": 10.0}
    areas = {}
    for i in range(10):
        f = 1 + i / 10
        areas[f"A{i}"] = {"residents": 1000, "income_ratio_to_municipality": 1 / f,
                          **{k: v * f for k, v in city.items()}}
    res = screen(city_long(areas, city), "composite", 2024)
    assert res.areas["composite_rank"].tolist() == [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
    assert res.membership()["composite_deprived"].tolist() == [False] * 9 + [True]
