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
