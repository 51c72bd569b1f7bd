"""Criterion values as users have them: percent tables must be declared, and the ministry's raw lists load."""

from __future__ import annotations

import pandas as pd
import pytest

from kvarter.errors import InputErrors, Reason
from kvarter.io.mapping import ColumnMapping
from kvarter.io.values import read_values

#: The ministry's columns (as in dk_ghettolister_2010_2017.csv) and the criterion values they are.
LISTS = ColumnMapping.of(
    rename={
        "list_year": "year",
        "area": ["area_id", "name"],
        "unemployed_18_64_pct": "outside_labour_education_share",
        "nonwestern_pct": "non_western_share",
        "convicted_18plus_pct": "convicted_share",
        "basic_school_only_30_59_pct": "basic_education_share",
        "gross_income_pct_of_region": "income_ratio_to_region",
    }
)
PERCENT = ["unemployed_18_64_pct", "nonwestern_pct", "convicted_18plus_pct", "basic_school_only_30_59_pct",
           "gross_income_pct_of_region"]


def test_a_share_written_as_percent_is_an_error_naming_row_and_fix(tmp_path):
    p = tmp_path / "values.csv"
    p.write_text("area_id;year;residents;non_western_share\nA1;2024;1200;36,8\nA2;2024;900;0,42\nA3;2024;10;-0,1\n",
                 encoding="cp1252")
    with pytest.raises(InputErrors) as err:
        read_values(p)
    got = [(f.row, f.column, f.value, f.reason) for f in err.value.failures]
    assert got == [(1, "non_western_share", "36,8", Reason.out_of_range),
                   (3, "non_western_share", "-0,1", Reason.out_of_range)]
    assert err.value.failures[0].message == (
        "non_western_share 36.8 is above 1: a share is a fraction (0.368 for 36.8 %); if the column gives percent, "
        "declare it (percent=['non_western_share'], --percent non_western_share)")
    assert str(p) in str(err.value)


def test_a_declared_percent_column_is_divided_by_100(tmp_path):
    p = tmp_path / "values.csv"
    p.write_text("area_id;year;non_western_share;income_ratio_to_region\nA1;2024;36,8;55,9\nA2;2024;101;120\n",
                 encoding="utf-8")
    with pytest.raises(InputErrors) as err:
        read_values(p, percent=["non_western_share", "income_ratio_to_region"])
    # A share cannot pass 100 %; a ratio to the region can.
    assert [(f.row, f.column) for f in err.value.failures] == [(2, "non_western_share")]
    p.write_text("area_id;year;non_western_share;income_ratio_to_region\nA1;2024;36,8;55,9\nA2;2024;100;120\n",
                 encoding="utf-8")
    out = read_values(p, percent=["non_western_share", "income_ratio_to_region"])
    assert out["non_western_share"].tolist() == pytest.approx([0.368, 1.0])
    assert out["income_ratio_to_region"].tolist() == pytest.approx([0.559, 1.2])


def test_declaring_a_column_that_is_not_there_is_an_error():
    from kvarter.io.values import check_values

    _, failures = check_values(pd.DataFrame({"area_id": ["A"], "year": [2024]}), percent=["nonwestern_pct"])
    assert [(f.column, f.reason) for f in failures] == [("nonwestern_pct", Reason.missing_column)]


def test_the_raw_danish_lists_load_with_a_mapping_and_reproduce_the_published_lists(reference_dir):
    from kvarter.screening import screen_history

    path = reference_dir / "dk_ghettolister_2010_2017.csv"
    values = read_values(path, mapping=LISTS, percent=PERCENT)
    raw = pd.read_csv(path)
    assert len(values) == 265
    # Exactly the conversion tests/screening/test_reference_data.py writes by hand.
    assert values["outside_labour_education_share"].tolist() == pytest.approx(
        (raw["unemployed_18_64_pct"] / 100).tolist(), nan_ok=True)
    assert values["income_ratio_to_region"].tolist() == pytest.approx(
        (raw["gross_income_pct_of_region"] / 100).tolist(), nan_ok=True)
    assert values.loc[0, ["area_id", "name", "municipality", "year"]].tolist() == [
        "Blågården", "Blågården", "København", 2010]
    result = screen_history(values, {2010: "dk-2010", 2014: "dk-2013"}, range(2010, 2018))
    counts = result.membership().groupby("year")["ghettoomraade"].sum().to_dict()
    # The ministry's yearly counts, but for the one copying error in the source (2012, see README).
    assert counts == {2010: 29, 2011: 26, 2012: 32, 2013: 39, 2014: 31, 2015: 25, 2016: 25, 2017: 22}


def test_the_raw_lists_without_the_percent_declaration_are_refused(reference_dir):
    with pytest.raises(InputErrors) as err:
        read_values(reference_dir / "dk_ghettolister_2010_2017.csv", mapping=LISTS)
    reasons = {f.reason for f in err.value.failures}
    assert reasons == {Reason.out_of_range}
    columns = {f.column for f in err.value.failures}
    # income relative to the region is a ratio, not a share: above 1 is no error there.
    assert columns == {"outside_labour_education_share", "non_western_share", "convicted_share",
                       "basic_education_share"}
    first = err.value.failures[0]
    assert (first.row, first.column, first.value) == (1, "outside_labour_education_share", "36.8")
