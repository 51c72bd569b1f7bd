"""Two-year averaging from yearly values, consecutive-year rules across law versions, the store's indicator table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kvarter.screening import designations_long, screen, screen_history

DK_LAWS = {2010: "dk-2010", 2014: "dk-2013", 2018: "dk-2018", 2021: "dk-2024"}


def long_rows(area, year, **indicators):
    return [
        {"indicator": k, "level": "area", "unit_id": area, "municipality": "m1", "region": "r1", "year": year,
         "value": v, "numerator": np.nan, "denominator": np.nan, "persons": np.nan, "raw_value": np.nan,
         "reference_value": np.nan}
        for k, v in indicators.items()
    ]


AREAS = pd.DataFrame({
    "area_id": ["x", "y", "z"], "name": ["X", "Y", "Z"], "municipality": ["m1"] * 3, "region": ["r1"] * 3,
    "kind": ["housing_area"] * 3, "parent_area": [None] * 3, "social_housing": [True, True, True],
})


def base(area, year):
    return dict(residents=1500, convicted_ratio_to_national_2y=0.5, basic_education_share=0.2,
                income_ratio_to_region=0.5, non_western_share=0.2)


def test_two_year_average_from_yearly_values():
    rows = []
    # x: 0.42 and 0.38 average exactly 0.40: not above 40 %; y: 0.42 and 0.3802 -> 0.4001: above; z: 2023 missing.
    for area, (v23, v24) in {"x": (0.42, 0.38), "y": (0.42, 0.3802), "z": (None, 0.50)}.items():
        rows += long_rows(area, 2024, outside_labour_education_share=v24, **base(area, 2024))
        if v23 is not None:
            rows += long_rows(area, 2023, outside_labour_education_share=v23)
    table = pd.DataFrame(rows)
    res = screen(table, "dk-2024", 2024, areas=AREAS, derive_history=False)
    r = res.criterion("employment").set_index("area_id")
    assert r["value"].tolist()[:2] == pytest.approx([0.40, 0.4001])
    assert r["met"].tolist() == [False, True, False]
    assert r.loc["z", "note"] == (
        "outside_labour_education_share missing for 2023; the 2-year average cannot be formed"
    )
    # income 0.5 < 0.55 is met, so y (two criteria) is a deprived housing area and x is not
    assert res.membership()["udsat_boligomraade"].tolist() == [False, True, False]


def test_pooled_indicator_is_used_when_present():
    rows = long_rows("x", 2024, outside_labour_education_share_2y=0.41, outside_labour_education_share=0.10,
                     **base("x", 2024))
    r = screen(pd.DataFrame(rows), "dk-2024", 2024, areas=AREAS, derive_history=False).criterion("employment")
    assert r.loc[0, "value"] == pytest.approx(0.41)
    assert bool(r.loc[0, "met"])


def test_store_table_needs_the_areas_table_for_social_housing():
    from kvarter.errors import InputError

    rows = long_rows("x", 2024, outside_labour_education_share_2y=0.41, **base("x", 2024))
    with pytest.raises(InputError, match="pass areas=store.read\\('areas'\\)"):
        screen(pd.DataFrame(rows), "dk-2024", 2024)


def chain_table(qualifying: dict[str, set[int]], years=range(2013, 2025)) -> pd.DataFrame:
    """A user table where an area meets the ghetto / parallel-society criteria of every law in the given years."""
    rows = []
    for area, yes in qualifying.items():
        for y in years:
            good = y in yes
            rows.append({
                "area_id": area, "year": y, "residents": 1500,
                "non_western_share": 0.6 if good else 0.2,
                "outside_labour_education_share": 0.45 if good else 0.1,
                "convicted_share": 0.03 if good else 0.005,
                "convicted_ratio_to_national": 3.5 if good else 0.5,
                "basic_education_share": 0.65 if good else 0.2,
                "income_ratio_to_region": 0.5 if good else 0.9,
            })
    return pd.DataFrame(rows)


def test_transformation_area_needs_five_years_counting_earlier_laws():
    table = chain_table({"five": set(range(2017, 2022)), "four": set(range(2018, 2022)), "gap": {2017, 2018, 2020, 2021}})
    res = screen(table, "dk-2024", 2021)
    r = res.membership().set_index("area_id")
    assert r["parallelsamfund"].tolist() == [True, True, True]
    assert r["omdannelsesomraade"].tolist() == [True, False, False]
    rule = res.list_rows("omdannelsesomraade").set_index("area_id")["rule"]
    assert rule["four"] == (
        "not designated: parallelsamfund in each of 2017-2021 (5 years); not listed in 2017"
    )
    assert rule["gap"].endswith("not listed in 2019")
    assert res.list_rows("parallelsamfund").set_index("area_id").loc["five", "history"] == (
        "stayed; on the list in 2017, 2018, 2019, 2020")


def test_hard_ghetto_2020_counted_the_2013_law_lists():
    # On the ghetto lists 2016-2020: 2016 and 2017 under the 2013 law, 2018-2020 under the 2018 law.
    table = chain_table({"a": set(range(2016, 2021)), "b": set(range(2017, 2021))})
    result = screen_history(table, DK_LAWS, range(2014, 2021))
    y2020 = result.select(year=2020).membership().set_index("area_id")
    assert y2020["ruleset"].unique().tolist() == ["dk-2018"]
    assert y2020["haardt_ghettoomraade"].tolist() == [True, False]
    hist = designations_long(result)
    assert set(hist.loc[(hist.year == 2017) & hist.designated, "ruleset"]) == {"dk-2013"}


def test_hard_ghetto_2018_required_five_years():
    table = chain_table({"five": set(range(2014, 2019)), "four": set(range(2015, 2019))})
    r = screen(table, "dk-2018", 2018).membership().set_index("area_id")
    assert r["haardt_ghettoomraade"].tolist() == [True, False]


def test_history_from_the_store_is_used_and_never_recomputed():
    # The history says b was on the 2017-2020 lists even though its values would not qualify then.
    table = chain_table({"a": {2021}, "b": {2021}})
    hist = []
    for y, rs in [(2017, "dk-2013"), (2018, "dk-2018"), (2019, "dk-2018"), (2020, "dk-2018")]:
        for area in ("a", "b"):
            hist.append({"ruleset": rs, "ruleset_version": 1, "year": y, "area_id": area, "name": None,
                         "municipality": None, "list": "ghettoomraade", "designated": area == "b",
                         "change": "", "rule": "", "in_force": True})
    res = screen(table, "dk-2024", 2021, history=pd.DataFrame(hist))
    assert res.membership()["omdannelsesomraade"].tolist() == [False, True]
    assert res.list_rows("parallelsamfund").set_index("area_id").loc["a", "history"] == "entered"


def test_entered_stayed_left():
    table = chain_table({"in": {2023, 2024}, "out": {2022, 2023}, "new": {2024}}, years=range(2020, 2025))
    result = screen_history(table, {2021: "dk-2024"}, [2022, 2023, 2024])
    last = result.select(year=2024).list_rows("udsat_boligomraade").set_index("area_id")["history"]
    assert last.to_dict() == {
        "in": "stayed; on the list in 2023",
        "new": "entered",
        "out": "left; on the list in 2022, 2023",
    }
