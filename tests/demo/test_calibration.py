"""Calibration of the default Demoby against the sources, computed here in
plain pandas, independently of the generator.

* Gentofte (seed 000): selected social housing areas vs the whole
  municipality, pooled over three years as Gentofte pooled 2014-2016.
* The Danish state's criteria (almenboligloven § 61 a), per housing area in a
  year: deprived = at least two of (18-64 outside labour market and education
  > 40 %; convicted 18+ ≥ 3 × the national share; 30-59 with basic education
  only > 60 %; mean gross income of 15-64 not in education < 55 % of the
  region's); prevention area = non-western > 30 % and at least two of the
  milder thresholds 30 %, 2 ×, 50 %, 65 %. Only social housing areas with at
  least 1,000 residents are eligible.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

SINGLES = ["single_no_children", "single_with_children"]
WORKING = ["employed", "in_education"]


@pytest.fixture(scope="module")
def persons(demoby):
    return demoby["persons"].merge(
        demoby["areas"][["area_id", "social_housing", "region"]], on="area_id", how="left"
    )


def _key_figures(g: pd.DataFrame) -> dict:
    households = g.drop_duplicates(["year", "household_id"])
    return dict(
        non_western=(g["origin"] == "non_western").mean(),
        singles=households["household_type"].isin(SINGLES).mean(),
        household_income=households["household_disposable_income"].mean(),
        charged=1000 * g["charged"].mean(),
        charges=1000 * g["charges"].mean(),
        convictions=1000 * g["convicted"].mean(),
        employed_18_64=(g.loc[g["age"].between(18, 64), "labour_status"] == "employed").mean(),
        basic_15_64=(g.loc[g["age"].between(15, 64), "education"] == "basic").mean(),
    )


@pytest.fixture(scope="module")
def gentofte(persons):
    demoby = persons[(persons["municipality"] == "Demoby") & persons["year"].between(2022, 2024)]
    return _key_figures(demoby[demoby["social_housing"]]), _key_figures(demoby)


def test_selected_areas_are_small_like_gentoftes(persons):
    sel = persons[(persons["municipality"] == "Demoby") & persons["social_housing"] & (persons["year"] == 2024)]
    sizes = sel.groupby("area_id").size()
    assert len(sizes) == 5 and sizes.max() < 1000
    share = len(sel) / ((persons["municipality"] == "Demoby") & (persons["year"] == 2024)).sum()
    assert 0.04 < share < 0.10  # Gentofte: about 2,000 rented dwellings in a municipality of 75,000


def test_non_western_29_vs_8_percent(gentofte):
    sel, mun = gentofte
    assert sel["non_western"] == pytest.approx(0.29, abs=0.05)
    assert mun["non_western"] == pytest.approx(0.08, abs=0.03)


def test_single_adult_households_67_vs_46_percent(gentofte):
    sel, mun = gentofte
    assert sel["singles"] == pytest.approx(0.67, abs=0.05)
    assert mun["singles"] == pytest.approx(0.46, abs=0.04)


def test_household_income_about_a_third(gentofte):
    sel, mun = gentofte
    assert sel["household_income"] / mun["household_income"] == pytest.approx(1 / 3, abs=0.07)


def test_crime_per_1000_residents_several_times_the_municipalitys(gentofte):
    sel, mun = gentofte
    assert 3.0 <= sel["charged"] / mun["charged"] <= 5.5  # ×4
    assert 5.0 <= sel["charges"] / mun["charges"] <= 9.0  # more than ×5
    assert 4.5 <= sel["convictions"] / mun["convictions"] <= 8.5  # ×6
    assert sel["charges"] / sel["charged"] > mun["charges"] / mun["charged"]


def test_fewer_employed_and_more_basic_education(gentofte):
    sel, mun = gentofte
    assert mun["employed_18_64"] == pytest.approx(0.80, abs=0.06)  # Gentofte: 77 %
    assert sel["employed_18_64"] < mun["employed_18_64"] - 0.15
    assert sel["basic_15_64"] > 2 * mun["basic_15_64"]


def criteria(persons: pd.DataFrame, year: int) -> pd.DataFrame:
    """The state's four criteria, non-western share and residents per area."""
    p = persons[persons["year"] == year]
    national_convicted = p.loc[p["age"] >= 18, "convicted"].mean()
    earners = p[p["age"].between(15, 64) & ~p["in_education"]]
    region_income = earners.groupby("region")["income_gross"].mean()
    rows = []
    for area_id, g in p.groupby("area_id"):
        a1864 = g[g["age"].between(18, 64)]
        a3059 = g[g["age"].between(30, 59)]
        earn = g[g["age"].between(15, 64) & ~g["in_education"]]
        rows.append(dict(
            area_id=area_id,
            social_housing=bool(g["social_housing"].iloc[0]),
            residents=len(g),
            non_western=(g["origin"] == "non_western").mean(),
            outside=(~a1864["labour_status"].isin(WORKING)).mean(),
            convicted=g.loc[g["age"] >= 18, "convicted"].mean() / national_convicted,
            basic=(a3059["education"] == "basic").mean(),
            income=earn["income_gross"].mean() / region_income[g["region"].iloc[0]],
        ))
    c = pd.DataFrame(rows).set_index("area_id")
    c["deprived_n"] = ((c["outside"] > 0.40).astype(int) + (c["convicted"] >= 3) + (c["basic"] > 0.60)
                       + (c["income"] < 0.55))
    c["prevention_n"] = ((c["outside"] > 0.30).astype(int) + (c["convicted"] >= 2) + (c["basic"] > 0.50)
                         + (c["income"] < 0.65))
    c["eligible"] = c["social_housing"] & (c["residents"] >= 1000)
    return c


@pytest.fixture(scope="module")
def by_year(persons):
    return {year: criteria(persons, year) for year in range(2015, 2025)}


def test_a_few_eligible_housing_areas_are_deprived_most_areas_meet_none(by_year):
    c = by_year[2024]
    eligible = c[c["eligible"]]
    assert len(eligible) >= 6
    deprived = eligible[eligible["deprived_n"] >= 2]
    assert 2 <= len(deprived) <= 0.30 * len(eligible)
    assert (c["deprived_n"] == 0).mean() > 0.6
    assert (c.loc[~c["social_housing"], "deprived_n"] <= 1).all()


def test_a_parallel_society_for_five_consecutive_years(by_year):
    qualifying = [
        set(c.index[c["eligible"] & (c["deprived_n"] >= 2) & (c["non_western"] > 0.5)])
        for year, c in sorted(by_year.items()) if year >= 2020
    ]
    assert len(set.intersection(*qualifying)) == 1


def test_a_prevention_area_that_is_not_deprived(by_year):
    c = by_year[2024]
    prevention = c[c["eligible"] & (c["non_western"] > 0.3) & (c["non_western"] <= 0.5)
                   & (c["prevention_n"] >= 2) & (c["deprived_n"] < 2)]
    assert len(prevention) == 1


def test_employment_improves_slowly_in_deprived_areas(by_year):
    last = by_year[2024]
    deprived = last.index[last["eligible"] & (last["deprived_n"] >= 2)]
    first_outside = by_year[2015].loc[deprived, "outside"].mean()
    last_outside = last.loc[deprived, "outside"].mean()
    assert first_outside - last_outside > 0.05
    assert last_outside > 0.35  # still far above the country's


def test_attributes_correlate_across_areas(by_year):
    c = by_year[2024]
    c = c[c["residents"] >= 500]
    assert c["non_western"].corr(c["outside"], method="spearman") > 0.5
    assert c["basic"].corr(c["income"], method="spearman") < -0.7


def test_income_rises_with_education(persons):
    p = persons[(persons["year"] == 2024) & (persons["labour_status"] == "employed")]
    mean = p.groupby("education")["income_gross"].mean()
    assert mean["long_tertiary"] > 1.3 * mean["basic"]


def test_pupils_mostly_attend_the_nearest_school_with_some_choice(demoby):
    areas, schools = demoby["areas"], demoby["schools"]
    centre = {
        row.area_id: np.array(json.loads(row.geometry)["coordinates"][0][:-1]).mean(axis=0)
        for row in areas.itertuples()
    }
    nearest = {}
    for row in areas[areas["kind"] != "urban_area"].itertuples():
        own = schools[schools["municipality"] == row.municipality]
        scale = np.array([np.cos(np.radians(55.7)), 1.0])
        d = [np.sum(((centre[row.area_id] - centre[a]) * scale) ** 2) for a in own["area_id"]]
        nearest[row.area_id] = own["school_id"].iloc[int(np.argmin(d))]
    pupils = demoby["persons"][demoby["persons"]["school_id"].notna()]
    share = (pupils["school_id"] == pupils["area_id"].map(nearest)).mean()
    assert 0.75 < share < 0.95
    same_municipality = pupils["school_id"].str[:3] == pupils["area_id"].str[:3]
    assert same_municipality.all()


def test_default_size_is_fifty_thousand_persons_over_ten_years(demoby):
    sizes = demoby["persons"].groupby("year").size()
    assert list(sizes.index) == list(range(2015, 2025))
    assert sizes.iloc[0] == 50_000 and sizes.between(49_000, 51_000).all()
