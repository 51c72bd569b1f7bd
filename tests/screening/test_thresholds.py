"""Each criterion of each Danish list just below, exactly at and just above its threshold.

The comparisons are written out here from the law texts (not read from the rule
files): "overstiger" (above) is >, "mindst" (at least) is >=, "mindre end"
(below) is <.
"""

from __future__ import annotations

import pytest

from kvarter.screening import screen

# rule set -> criterion -> (user-table column, comparison in the law, threshold in the law)
LAW = {
    "dk-2010": {
        "non_western": ("non_western_share", ">", 0.50),
        "employment": ("outside_labour_education_share", ">", 0.40),
        "crime": ("convicted_share", ">", 0.027),
    },
    "dk-2013": {
        "non_western": ("non_western_share", ">", 0.50),
        "employment": ("outside_labour_education_share", ">", 0.40),
        "crime": ("convicted_share", ">", 0.027),
        "education": ("basic_education_share", ">", 0.50),
        "income": ("income_ratio_to_region", "<", 0.55),
    },
    "dk-2018": {
        "employment": ("outside_labour_education_share", ">", 0.40),
        "crime": ("convicted_ratio_to_national", ">=", 3.0),
        "education": ("basic_education_share", ">", 0.60),
        "income": ("income_ratio_to_region", "<", 0.55),
        "non_western": ("non_western_share", ">", 0.50),
    },
    "dk-2024": {
        "employment": ("outside_labour_education_share", ">", 0.40),
        "crime": ("convicted_ratio_to_national", ">=", 3.0),
        "education": ("basic_education_share", ">", 0.60),
        "income": ("income_ratio_to_region", "<", 0.55),
        "non_western": ("non_western_share", ">", 0.50),
        "prevention_employment": ("outside_labour_education_share", ">", 0.30),
        "prevention_crime": ("convicted_ratio_to_national", ">=", 2.0),
        "prevention_education": ("basic_education_share", ">", 0.60),
        "prevention_income": ("income_ratio_to_region", "<", 0.65),
        "prevention_non_western": ("non_western_share", ">", 0.30),
    },
}
YEAR = {"dk-2010": 2012, "dk-2013": 2015, "dk-2018": 2019, "dk-2024": 2024}
EXPECTED = {">": [False, False, True], ">=": [False, True, True], "<": [True, False, False], "<=": [True, True, False]}
CASES = [(rs, cid, *spec) for rs, crits in LAW.items() for cid, spec in crits.items()]


@pytest.mark.parametrize(("ruleset", "criterion", "column", "op", "threshold"), CASES)
def test_criterion_below_at_above(ruleset, criterion, column, op, threshold, make_user_table):
    eps = 0.0001 if threshold < 1 else 0.01
    table = make_user_table([{column: threshold - eps}, {column: threshold}, {column: threshold + eps}], YEAR[ruleset])
    result = screen(table, ruleset, YEAR[ruleset], history=None, derive_history=False).criterion(criterion)
    assert result["met"].tolist() == EXPECTED[op]
    assert result["threshold"].tolist() == pytest.approx([threshold] * 3)
    assert result["margin"].tolist() == pytest.approx([-eps, 0.0, eps], abs=1e-12)
    assert "within the published rounding" in result.loc[1, "note"]


def test_rule_files_have_exactly_the_law_criteria():
    from kvarter.screening import load_ruleset

    for rs_id, crits in LAW.items():
        assert sorted(load_ruleset(rs_id).criteria) == sorted(crits)


# The four § 61 a criteria at values that meet them, for building combinations.
MEETS = {
    "employment": {"outside_labour_education_share": 0.45},
    "crime": {"convicted_ratio_to_national": 3.2},
    "education": {"basic_education_share": 0.65},
    "income": {"income_ratio_to_region": 0.50},
}


def _combo(names, **extra):
    row = {}
    for n in names:
        row.update(MEETS[n])
    row.update(extra)
    return row


def test_udsat_needs_two_of_four(make_user_table):
    rows = [_combo([]), _combo(["employment"]), _combo(["employment", "income"]), _combo(["crime", "education", "income"])]
    res = screen(make_user_table(rows), "dk-2024", 2024, derive_history=False)
    r = res.membership()
    assert r["udsat_boligomraade"].tolist() == [False, False, True, True]
    assert res.list_rows("udsat_boligomraade").loc[2, "rule"] == "designated: at least 2 of 4: 2 met (employment, income)"


def test_parallelsamfund_is_udsat_plus_non_western_above_half(make_user_table):
    rows = [
        _combo(["employment", "income"], non_western_share=0.50),  # at 50 %: not above
        _combo(["employment", "income"], non_western_share=0.5001),
        _combo(["employment"], non_western_share=0.90),  # only one criterion
    ]
    r = screen(make_user_table(rows), "dk-2024", 2024, derive_history=False).membership()
    assert r["parallelsamfund"].tolist() == [False, True, False]
    assert r["udsat_boligomraade"].tolist() == [True, True, False]
    # one list includes another: every parallel society is a deprived housing area
    assert not (r["parallelsamfund"] & ~r["udsat_boligomraade"]).any()


def test_ghetto_2018_includes_udsat(make_user_table):
    rows = [_combo(["employment", "crime"], non_western_share=0.6), _combo(["crime"], non_western_share=0.6)]
    r = screen(make_user_table(rows, 2019), "dk-2018", 2019, derive_history=False).membership()
    assert r["udsat_boligomraade"].tolist() == [True, False]
    assert r["ghettoomraade"].tolist() == [True, False]


def test_prevention_area_needs_thirty_percent_and_two_of_the_looser_four(make_user_table):
    rows = [
        {"non_western_share": 0.31, "outside_labour_education_share": 0.31, "income_ratio_to_region": 0.64},
        {"non_western_share": 0.30, "outside_labour_education_share": 0.31, "income_ratio_to_region": 0.64},
        {"non_western_share": 0.31, "outside_labour_education_share": 0.31, "income_ratio_to_region": 0.65},
        {"non_western_share": 0.31, "convicted_ratio_to_national": 2.0, "basic_education_share": 0.61},
    ]
    r = screen(make_user_table(rows), "dk-2024", 2024, derive_history=False).membership()
    assert r["forebyggelsesomraade"].tolist() == [True, False, False, True]
    assert not r["udsat_boligomraade"].any()


def test_population_thousand_residents_and_social_housing(make_user_table):
    rows = [
        _combo(["employment", "income"], residents=999),
        _combo(["employment", "income"], residents=1000),
        _combo(["employment", "income"], residents=5000, social_housing=False),
    ]
    table = make_user_table(rows)
    table["social_housing"] = [True, True, False]
    res = screen(table, "dk-2024", 2024, derive_history=False)
    r = res.areas
    assert r["in_population"].tolist() == [False, True, False]
    assert res.membership()["udsat_boligomraade"].tolist() == [False, True, False]
    assert r.loc[0, "population_note"] == "999 residents < 1000"
    assert r.loc[2, "population_note"] == "not a social housing area"


def test_missing_value_counts_as_not_met_and_says_so(make_user_table):
    rows = [_combo(["employment", "income"], income_ratio_to_region=None)]
    r = screen(make_user_table(rows), "dk-2024", 2024, derive_history=False)
    income = r.criterion("income")
    assert not income.loc[0, "met"]
    assert not r.membership().loc[0, "udsat_boligomraade"]
    assert income.loc[0, "note"] == "income_ratio_to_region not given for 2024"
    assert "income: not met — income_ratio_to_region not given for 2024" in r.explanation("a0")
