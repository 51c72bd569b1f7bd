"""Leaks an outside attack found in the published indicator table, each with
a table small enough to check by hand."""

from __future__ import annotations

import pandas as pd

from kvarter.disclosure import DisclosurePolicy
from kvarter.publish.indicators import protect_indicators


def _charges_table(contributors_a: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    # Two areas of one municipality; area A has 10 charges by `contributors_a`
    # persons among 400 residents 15+, area B 30 charges by 20 persons.
    ind = pd.DataFrame({
        "indicator": "charges_per_1000", "level": ["area", "area", "municipality"], "unit_id": ["A", "B", "K"],
        "year": 2024, "numerator": [10.0, 30.0, 40.0], "denominator": [400.0, 600.0, 1000.0],
        "persons": [400, 600, 1000]})
    ind["value"] = 1000 * ind["numerator"] / ind["denominator"]
    dominance = pd.DataFrame({
        "indicator": "charges_per_1000", "level": ["area", "area", "municipality"], "unit_id": ["A", "B", "K"],
        "year": 2024, "top_sum": [4.0, 4.0, 4.0], "total_abs": [10.0, 30.0, 40.0],
        "contributors": [contributors_a, 20, contributors_a + 20]})
    return ind, dominance


def test_a_sum_of_counts_rests_on_its_contributors_not_on_the_count():
    areas = pd.DataFrame({"area_id": ["A", "B"], "municipality": ["K", "K"]})
    ind, dominance = _charges_table(3)
    f = protect_indicators(ind, DisclosurePolicy(), areas=areas, dominance=dominance).frame.set_index("unit_id")
    # 10 charges by 3 persons are 3 persons' records: A is suppressed, and B
    # with it (or K - B gives A back). Before, 10 >= 5 published A.
    assert f.loc["A", "value_status"] in ("primary", "secondary") and f.loc["B", "value_status"] in ("primary", "secondary")
    assert pd.isna(f.loc["A", "value"]) and pd.isna(f.loc["B", "value"])
    assert f.loc["K", "value_status"] == "published"
    ind, dominance = _charges_table(5)
    f = protect_indicators(ind, DisclosurePolicy(), areas=areas, dominance=dominance).frame.set_index("unit_id")
    assert (f["value_status"] == "published").all()


def test_a_sum_is_never_read_as_a_count_of_persons():
    # Without contributors, a sum smaller than its denominator used to be
    # taken for a share's numerator (charges for persons).
    ind, _ = _charges_table(3)
    f = protect_indicators(ind, DisclosurePolicy()).frame
    assert f["share_numerator"].isna().all()


# ------------------------------------------------------------------ profiles


def _income_profile_inputs():
    # Four leaf areas of K; A, B, C are designated. Each designated area has one
    # household holding 90 of its 100 (a single large income); D is even.
    ind = pd.DataFrame({
        "indicator": "household_income_mean", "level": ["area"] * 4 + ["municipality"],
        "unit_id": ["A", "B", "C", "D", "K"], "year": 2024,
        "numerator": [100.0, 100.0, 100.0, 100.0, 400.0], "denominator": [20.0, 20.0, 20.0, 20.0, 80.0],
        "persons": [40, 40, 40, 40, 160]})
    ind["value"] = ind["raw_value"] = ind["numerator"] / ind["denominator"]
    # top_sum is the top-3 sum of each unit (the policy's n = 3): 90 + 1 + 1 in A-C.
    dominance = pd.DataFrame({
        "indicator": "household_income_mean", "level": ["area"] * 4 + ["municipality"],
        "unit_id": ["A", "B", "C", "D", "K"], "year": 2024,
        "top_sum": [92.0, 92.0, 92.0, 15.0, 270.0], "total_abs": [100.0, 100.0, 100.0, 100.0, 400.0]})
    return ind, dominance


def test_the_pooled_dominance_uses_the_policys_n():
    from kvarter.publish.profiles import protect_profile

    ind, dominance = _income_profile_inputs()
    policy = DisclosurePolicy(dominance_n=3, dominance_k=0.85)
    p = protect_profile(ind, {"A", "B", "C"}, "K", 2024, policy, dominance)["income_panel"].frame.set_index("group")
    # The pool's three largest contributions are the three 90s: 270 of 300 =
    # 0.9 > 0.85. The bound over the three largest areas' top-3 sums gives
    # 276 / 300 = 0.92 (suppressed); the two largest only 184 / 300 = 0.61.
    assert p.loc["designated", "value_status"] == "primary"
    assert p.loc["designated", "value_reason"].startswith("dominance: the largest 3 contributors")
    # The municipality's own top-3 share is 270 / 400 = 0.675: published.
    assert p.loc["municipality", "value_status"] == "published"
