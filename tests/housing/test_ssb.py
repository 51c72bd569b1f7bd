"""Statistics Norway's definitions, each checked on hand-computed households."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kvarter.errors import InputError
from kvarter.housing import consumption_units, crowded, persistent_low_income
from kvarter.housing.ssb import low_income_thresholds


# --- crowding (trangboddhet, vardok 3462) ------------------------------------------
@pytest.mark.parametrize(
    ("rooms", "persons", "m2", "expected", "why"),
    [
        (3, 4, 96.0, True, "3 rooms < 4 persons and 24 m² a person < 25"),
        (3, 4, 100.0, False, "just not: exactly 25 m² a person is not under 25"),
        (4, 4, 60.0, False, "just not: 4 rooms is not fewer than 4 persons, however small"),
        (1, 1, 24.9, True, "one person in one room with under 25 m²"),
        (1, 1, 25.0, False, "one person in one room with 25 m²"),
        (2, 1, 20.0, False, "one person in two rooms is not crowded by rooms"),
        (2, 3, float("nan"), True, "floor area unknown: rooms alone decide (SSB)"),
        (float("nan"), 3, 60.0, True, "rooms unknown: 20 m² a person decides"),
        (float("nan"), 3, 75.0, False, "rooms unknown: 25 m² a person is not crowded"),
        (float("nan"), 3, float("nan"), False, "both unknown: not counted as crowded"),
    ],
)
def test_crowded_by_hand(rooms, persons, m2, expected, why):
    assert crowded([rooms], [persons], [m2]).tolist() == [expected], why


@pytest.mark.parametrize(("rooms", "persons", "m2", "fragment"), [
    ([0], [2], [40], "rooms passed to crowded has 1 value(s) below 1 (first at row 0: 0)"),
    ([2], [0], [40], "persons passed to crowded has 1 value(s) below 1"),
    ([2], [2], [-1], "floor_m2 passed to crowded has 1 value(s) below 0"),
    ([2.5], [2], [40], "rooms passed to crowded must be whole numbers; row 0 is 2.5"),
    ([2, 3], [2], [40, 50], "inconsistent lengths"),
])
def test_crowded_rejects_bad_input(rooms, persons, m2, fragment):
    with pytest.raises(InputError, match=None) as err:
        crowded(rooms, persons, m2)
    assert fragment in str(err.value)


# --- consumption units ---------------------------------------------------------------
def test_eu_scale_by_hand():
    # two adults, a 15-year-old and two children under 14: 1 + 0.5 + 0.5 + 0.3 + 0.3
    assert consumption_units([3], [2]).tolist() == pytest.approx([2.6])
    # SSB's example: two adults and two children → 2.1
    assert consumption_units([2], [2]).tolist() == pytest.approx([2.1])


def test_sqrt_scale_by_hand():
    assert consumption_units([3], [2], scale="sqrt").tolist() == pytest.approx([math.sqrt(5)])


def test_unknown_scale_is_refused():
    with pytest.raises(InputError, match="'scale' parameter of consumption_units must be 'eu' or 'sqrt'. Got 'oecd'"):
        consumption_units([1], [0], scale="oecd")


# --- persistent low income -------------------------------------------------------------
# Medians 300,000, 310,000 and 320,000 give thresholds 180,000, 186,000 and 192,000,
# averaging 186,000. Each household is one adult and a child aged 15: 1.5 units
# (exact in binary, so the hand values are exact).
MEDIANS = {2021: 300_000, 2022: 310_000, 2023: 320_000}
YEARS = [2021, 2022, 2023]


def _flags(per_unit: list[float]) -> list[bool]:
    income = [v * 1.5 for v in per_unit]
    return persistent_low_income(income, [1.5] * 3, YEARS, household=["h"] * 3, medians=MEDIANS).tolist()


def test_persistent_low_income_child_by_hand():
    # mean per unit 185,999 < 186,000: persistent in 2023 (the only year with a full window)
    assert _flags([185_999, 185_999, 185_999]) == [False, False, True]


def test_just_not_persistent_child_by_hand():
    # mean per unit exactly 186,000 = the mean threshold: not below it
    assert _flags([186_000, 186_000, 186_000]) == [False, False, False]


def test_persistence_is_the_three_year_mean_not_each_year():
    # below the threshold in 2021 and 2022, well above in 2023: mean 184,000 < 186,000
    assert _flags([170_000, 170_000, 212_000]) == [False, False, True]
    # one poor year is not persistent: mean 190,000
    assert _flags([150_000, 210_000, 210_000]) == [False, False, False]


def test_a_gap_year_breaks_the_window():
    flags = persistent_low_income([100.0, 100.0, 100.0], [1, 1, 1], [2020, 2021, 2023], household=["h"] * 3,
                                  medians={2020: 300, 2021: 300, 2022: 300, 2023: 300})
    assert flags.tolist() == [False, False, False]


def test_medians_from_the_data_weighted_by_persons():
    # one year, weights 3 and 1 and 1: the person-weighted median of (100, 200, 300) is 100
    assert low_income_thresholds([100, 200, 300], [1, 1, 1], [2024] * 3, persons=[3, 1, 1]) == {2024: 60.0}
    assert low_income_thresholds([100, 200, 300], [1, 1, 1], [2024] * 3) == {2024: 120.0}


def test_household_ids_are_needed():
    with pytest.raises(InputError, match="needs the household of each row"):
        persistent_low_income([1.0], [1.0], [2024])


def test_duplicate_household_year_is_refused():
    with pytest.raises(InputError, match="household 'h' twice in year 2024"):
        persistent_low_income([1.0, 2.0], [1, 1], [2024, 2024], household=["h", "h"])


def test_series_index_gives_the_households():
    import pandas as pd

    inc = pd.Series([100.0] * 3, index=["h"] * 3)
    assert persistent_low_income(inc, np.ones(3), YEARS, medians={y: 1000 for y in YEARS}).tolist() == [False, False, True]
