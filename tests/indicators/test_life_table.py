"""The life table against a published one: PHEindicatormethods' test table
(inputs and expected life expectancies with 95 % limits at every age,
vendored in ``data/phe_life_expectancy.csv`` with its source), and against
hand-computed limit cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kvarter.errors import InputError
from kvarter.indicators.life_table import (
    AGE_BANDS,
    LifeExpectancy,
    age_band,
    difference,
    life_expectancy,
    life_table,
    pooled_life_expectancy,
)

PHE = pd.read_csv(Path(__file__).parent / "data" / "phe_life_expectancy.csv", comment="#")


def test_matches_phe_published_table_at_every_age():
    t = life_table(PHE["deaths"], PHE["pops"])
    assert t["start"].tolist() == PHE["startage"].tolist() == list(AGE_BANDS)
    np.testing.assert_allclose(t["e"], PHE["value"], atol=5e-5)
    np.testing.assert_allclose(t["e"] - 1.959963984540054 * t["se"], PHE["lowercl"], atol=5e-5)
    np.testing.assert_allclose(t["e"] + 1.959963984540054 * t["se"], PHE["uppercl"], atol=5e-5)


def test_life_expectancy_at_birth_and_interval_match_phe():
    le = life_expectancy(PHE["deaths"], PHE["pops"])
    low, high = le.interval()
    assert round(le.value, 4) == 80.1696 and round(low, 4) == 79.8827 and round(high, 4) == 80.4565
    assert le.deaths == PHE["deaths"].sum() == 9357 and le.person_years == PHE["pops"].sum() == 787_954


def test_two_band_table_by_hand():
    # All deaths in the open band apart from infancy: with no deaths below 90 everyone reaches 90,
    # survives 1/M more years there, so e0 = 90 + 1/M and se0 = sqrt(l_w^2 / (D M^2)) / l_0 = 1/(M sqrt(D)).
    deaths = [0.0] * 19 + [50.0]
    pop = [1000.0] * 19 + [200.0]
    t = life_table(deaths, pop)
    assert t["e"].iloc[0] == pytest.approx(90 + 200 / 50)
    assert t["se"].iloc[0] == pytest.approx(1 / (0.25 * np.sqrt(50)))


def test_too_small_is_said_with_its_reason():
    assert life_expectancy([1.0] * 20, [200.0] * 20).too_small == "below_min_person_years"
    assert life_expectancy([1.0] * 19 + [0.0], [1000.0] * 20).too_small == "no_deaths_in_last_band"
    assert life_expectancy([1.0] * 20, [0.0] + [1000.0] * 19).too_small == "empty_band"
    # 5,000+ person-years but a handful of deaths: the interval is far wider than 20 years.
    wide = life_expectancy([0.0] * 19 + [1.0], [300.0] * 20)
    assert wide.too_small == "interval_too_wide" and np.isnan(wide.value)


def test_pooling_adds_years_until_big_enough():
    rows = pd.DataFrame({"year": np.repeat([2019, 2020, 2021, 2022, 2023], 20), "band": list(AGE_BANDS) * 5,
                         "deaths": 5.0, "population": 90.0})
    le = pooled_life_expectancy(rows, 2023)
    # 1,800 person-years a year: 3 years give 5,400 >= 5,000.
    assert le.years == (2021, 2022, 2023) and le.person_years == 5400 and le.too_small is None
    same = life_expectancy([15.0] * 20, [270.0] * 20)
    assert le.value == pytest.approx(same.value) and le.se == pytest.approx(same.se)
    assert pooled_life_expectancy(rows, 2023, max_years=2).too_small == "below_min_person_years"


def test_difference_of_two_tables():
    a = life_expectancy(PHE["deaths"], PHE["pops"])
    b = life_expectancy(PHE["deaths"] * 2, PHE["pops"] * 2)  # same rates, half the variance
    d = difference(a, b)
    assert d.value == pytest.approx(0.0, abs=1e-12)
    assert d.se == pytest.approx(np.sqrt(a.se**2 + a.se**2 / 2))


def test_bad_input_names_the_band():
    with pytest.raises(InputError, match="band starting at 20 has none"):
        life_table([1] * 20, [10] * 5 + [0] + [10] * 14)
    with pytest.raises(InputError, match="deaths passed to life_table"):
        life_table([-1] + [1] * 19, [10] * 20)
    assert age_band([0, 3, 17, 95]).tolist() == [0, 1, 15, 90]
    assert LifeExpectancy(1.0, 0.0, 0, 0).interval() == (1.0, 1.0)
