"""The README's 80,000-person Demoby and the school-segregation filters (issue 9):
Demoby's municipalities have 1,000-6,400 pupils a year, all under the Dutch
report's 10,000-pupil filter, so ``--units school`` leaves nothing. The error
must say so with the figures and the way out, and the way out must work."""

from __future__ import annotations

import re

import pytest

from kvarter.demo import synthesize
from kvarter.errors import InputError
from kvarter.segregation import analyse_segregation
from kvarter.segregation.aggregates import counts_from_aggregates


@pytest.fixture(scope="module")
def pupils():
    p = synthesize(persons=80_000, seed=0)["persons"]  # kvarter synth --persons 80000 (seed 0)
    return p[p["school_id"].notna()]


def test_the_municipality_filter_names_the_sizes_and_the_option(pupils):
    per_year = pupils.groupby(["municipality", "year"]).size().sort_values()
    (lo_m, lo_y), lo = per_year.index[0], int(per_year.iloc[0])
    (hi_m, hi_y), hi = per_year.index[-1], int(per_year.iloc[-1])
    assert (lo_m, hi_m, hi < 10_000) == ("Vestby", "Demoby", True)
    with pytest.raises(InputError) as err:
        analyse_segregation(pupils, units="school", permutations=0, bootstrap=0)
    assert str(err.value) == (
        f"No municipality-year is left after the filters: every one has fewer than 10,000 pupils "
        f"(min_municipality_size); they range from {lo:,} ({lo_m}, {lo_y}) to {hi:,} ({hi_m}, {hi_y}). "
        f"Lower the filter to keep smaller municipalities, e.g. to keep them all: kvarter segregation "
        f"--min-municipality-size {lo} (analyse_segregation(min_municipality_size={lo}); for schools also the "
        f"setting min_municipality_pupils in kvarter.yaml or KVARTER_MIN_MUNICIPALITY_PUPILS).")
    # The advice works: every municipality-year is kept.
    n = int(re.search(r"--min-municipality-size (\d+)", str(err.value)).group(1))
    res = analyse_segregation(pupils, units="school", permutations=0, bootstrap=0, min_municipality_size=n)
    assert res.dropped.municipalities.empty
    assert len(res.results[["municipality", "year"]].drop_duplicates()) == len(per_year)


def test_the_school_filter_names_the_largest_school(pupils):
    sizes = pupils.groupby(["school_id", "municipality", "year"]).size().sort_values(kind="stable")
    (school, mun, year), n = sizes.index[-1], int(sizes.iloc[-1])
    with pytest.raises(InputError) as err:
        analyse_segregation(pupils, units="school", permutations=0, bootstrap=0, min_municipality_size=0,
                            min_unit_size=100_000)
    assert str(err.value) == (
        f"No municipality-year is left after the filters: every school has fewer than 100,000 pupils "
        f"(min_unit_size); the largest is {school} ({mun}, {year}) with {n:,}. Lower the filter: kvarter "
        f"segregation --min-unit-size {n} (analyse_segregation(min_unit_size={n}); for schools also the setting "
        f"min_school_pupils in kvarter.yaml or KVARTER_MIN_SCHOOL_PUPILS).")


def test_residents_across_areas_name_persons_and_no_setting(pupils):
    with pytest.raises(InputError, match=r"every one has fewer than 1,000,000 persons \(min_municipality_size\)"
                                         r".*\(analyse_segregation\(min_municipality_size=\d+\)\)\.$"):
        analyse_segregation(pupils, units="area", permutations=0, bootstrap=0, min_municipality_size=1_000_000)


def test_aggregates_errors_name_the_option():
    import pandas as pd

    agg = pd.DataFrame({"unit_id": ["B1"], "unit_kind": "neighbourhood", "year": 2019, "variable": ["origin"],
                        "category": ["western"], "count": [10]})
    with pytest.raises(InputError) as err:
        counts_from_aggregates(agg, "origin", unit_kind="buurt")
    assert str(err.value) == ("counts_from_aggregates: no units of kind 'buurt'; the aggregates have neighbourhood. "
                              "Pass one of them as unit_kind (kvarter segregation --unit-kind KIND).")
    with pytest.raises(InputError) as err:
        counts_from_aggregates(agg, "income", unit_kind="neighbourhood")
    assert str(err.value) == ("counts_from_aggregates: no variable 'income' among the neighbourhood aggregates; "
                              "the aggregates have origin. Pass one of them as the variable "
                              "(kvarter segregation --aggregates VARIABLE).")
