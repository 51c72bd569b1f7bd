"""Lazy validation: every failure is found, each naming file, row, column, value and reason."""

from __future__ import annotations

import pandas as pd
import pytest

from kvarter.errors import InputErrors, Reason
from kvarter.io import check_frame, contract, read_table, validate_frame
from kvarter.io.validate import MAX_FAILURES_PER_CHECK

PERSONS_HEADER = "person_id;year;municipality;area_id;age;origin;income_gross;in_education;charges"


def _persons_csv(tmp_path, lines, codec="cp1252", name="personer.csv"):
    p = tmp_path / name
    p.write_bytes(("\n".join([PERSONS_HEADER, *lines]) + "\n").encode(codec))
    return p


def _check(path, **kw):
    t = read_table(path)
    decimal = t.dialect.decimal if t.dialect.decimal == "," else None
    return check_frame(t.frame, contract("persons"), source=str(path), rows=t.rows, decimal=decimal, **kw)


def _by_reason(failures):
    return {(f.row, f.column, f.reason) for f in failures}


def test_good_semicolon_cp1252_file_with_decimal_commas(tmp_path):
    p = _persons_csv(tmp_path, [
        "p1;2023;København;Ø1;34;native;312.500,5;nej;0",
        "p2;2023;København;Ø1;17;non_western;12,5;ja;2",
    ])
    checked = _check(p)
    assert checked.failures == []
    f = checked.frame
    assert f["income_gross"].tolist() == [312500.5, 12.5]
    assert f["in_education"].tolist() == [False, True]
    assert f["municipality"].tolist() == ["København", "København"]
    assert f["area_id"].tolist() == ["Ø1", "Ø1"]
    assert f["age"].tolist() == [34, 17] and str(f["age"].dtype) == "Int64"
    assert checked.provided == ["person_id", "year", "municipality", "area_id", "age", "origin",
                                "in_education", "income_gross", "charges"]


def test_every_failure_is_reported_at_once(tmp_path):
    p = _persons_csv(tmp_path, [
        "p1;2023;101;A1;34;native;100;nej;0",
        "p2;1850;101;A1;abc;martian;12,5;kanske;-1",   # year, age type, origin, bool, negative charges
        "p1;2023;101;A1;150;western;x;1;1",            # duplicate of row 1, age out of range, income type
        "p4;2023;101;;20;native;1;0;0",                # empty area_id
    ])
    checked = _check(p)
    got = _by_reason(checked.failures)
    expected = {
        (1, "person_id, year", Reason.duplicate_id),
        (3, "person_id, year", Reason.duplicate_id),
        (2, "year", Reason.year_out_of_range),
        (2, "age", Reason.wrong_type),
        (2, "origin", Reason.not_allowed),
        (2, "in_education", Reason.wrong_type),
        (2, "charges", Reason.out_of_range),
        (3, "age", Reason.out_of_range),
        (3, "income_gross", Reason.wrong_type),
        (4, "area_id", Reason.missing_value),
    }
    assert got == expected
    for f in checked.failures:
        assert f.file == str(p)
    values = {(f.row, f.column): f.value for f in checked.failures}
    assert values[(2, "age")] == "abc"
    assert values[(2, "origin")] == "martian"
    assert values[(3, "income_gross")] == "x"
    assert values[(2, "year")] == "1850"


def test_duplicates_name_both_rows(tmp_path):
    p = _persons_csv(tmp_path, ["p1;2023;101;A1;34;native;1;0;0", "p2;2023;101;A1;3;native;1;0;0",
                                "p1;2023;101;A2;35;native;1;0;0"])
    dups = [f for f in _check(p).failures if f.reason == Reason.duplicate_id]
    assert [(f.row, f.value) for f in dups] == [(1, "p1, 2023"), (3, "p1, 2023")]
    assert "also in row(s) 3" in dups[0].message and "also in row(s) 1" in dups[1].message


def test_missing_required_column(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("person_id,year,municipality,age,origin\np1,2023,101,30,native\n", encoding="utf-8")
    failures = _check(p).failures
    assert [(f.row, f.column, f.reason) for f in failures] == [(None, "area_id", Reason.missing_column)]
    assert "'person_id', 'year'" in failures[0].message


def test_empty_file(tmp_path):
    p = tmp_path / "tom.csv"
    p.write_bytes(b"")
    reasons = {f.reason for f in _check(p).failures}
    assert reasons == {Reason.missing_column, Reason.empty_table}


def test_header_only_is_an_empty_table(tmp_path):
    p = _persons_csv(tmp_path, [])
    assert [f.reason for f in _check(p).failures] == [Reason.empty_table]


def test_unknown_area_only_when_areas_are_known(tmp_path):
    p = _persons_csv(tmp_path, ["p1;2023;101;A1;34;native;1;0;0", "p2;2023;101;ZZ;34;native;1;0;0"])
    assert _check(p).failures == []
    failures = _check(p, references={"areas.area_id": {"A1", "A2"}}).failures
    assert [(f.row, f.column, f.value, f.reason) for f in failures] == [(2, "area_id", "ZZ", Reason.unknown_area)]
    assert "2 known" in failures[0].message


def test_unknown_school():
    df = pd.DataFrame({"person_id": ["a", "b"], "year": [2020, 2020], "municipality": ["1", "1"],
                       "area_id": ["A", "A"], "age": [8, 9], "origin": ["native"] * 2,
                       "school_id": ["S1", None]})
    failures = check_frame(df, contract("persons"), references={"schools.school_id": {"S2"}}).failures
    assert [(f.row, f.value, f.reason) for f in failures] == [(1, "S1", Reason.unknown_school)]


def test_parent_area_refers_to_the_same_file():
    df = pd.DataFrame({"area_id": ["A", "B"], "name": ["Å", "B"], "municipality": ["1", "1"],
                       "region": ["R", "R"], "kind": ["urban_area", "housing_area"], "parent_area": [None, "X"]})
    failures = check_frame(df, contract("areas")).failures
    assert [(f.row, f.column, f.value, f.reason) for f in failures] == [(2, "parent_area", "X", Reason.unknown_area)]
    df.loc[1, "parent_area"] = "A"
    assert check_frame(df, contract("areas")).failures == []


def test_aggregate_negative_count_and_zero_count_allowed():
    df = pd.DataFrame({"unit_id": ["A", "B", "C"], "unit_kind": ["area"] * 3, "year": [2020] * 3,
                       "variable": ["residents"] * 3, "category": ["total"] * 3, "count": [0, -3, 5]})
    checked = check_frame(df, contract("aggregates"), source="agg.csv")
    assert [(f.row, f.column, f.value, f.reason) for f in checked.failures] == [(2, "count", -3, Reason.negative_count)]
    assert checked.failures[0].message == "count -3 is a negative count; counts must be >= 0"


def test_aggregate_status_follows_count_and_must_agree():
    df = pd.DataFrame({"unit_id": ["A", "B", "C", "D"], "unit_kind": ["area"] * 4, "year": [2020] * 4,
                       "variable": ["v"] * 4, "category": ["c"] * 4, "count": ["5", "", "7", ""],
                       "status": ["", "", "suppressed", "published"]})
    checked = check_frame(df, contract("aggregates"))
    assert [(f.row, f.column, f.reason) for f in checked.failures] == [
        (3, "status", Reason.inconsistent), (4, "count", Reason.inconsistent)]
    assert checked.frame["status"].tolist()[:2] == ["published", "suppressed"]


def test_boolean_words_and_codes_are_normalised():
    df = pd.DataFrame({"person_id": list("abcdefgh"), "year": ["2020"] * 8, "municipality": ["1"] * 8,
                       "area_id": ["A"] * 8, "age": ["30"] * 8,
                       "origin": ["Native", "Non-Western", "non western", "WESTERN", "native", "native", "native", "native"],
                       "convicted": ["ja", "Nej", "yes", "no", "1", "0", "TRUE", "false"]})
    checked = validate_frame(df, contract("persons"))
    assert checked.frame["origin"].tolist() == ["native", "non_western", "non_western", "western"] + ["native"] * 4
    assert checked.frame["convicted"].tolist() == [True, False, True, False, True, False, True, False]


def test_typed_frames_and_whole_floats():
    df = pd.DataFrame({"person_id": [1, 2], "year": [2020.0, 2021.0], "municipality": [101, 101],
                       "area_id": ["A", "A"], "age": [30, 40], "origin": ["native"] * 2, "charges": [1.5, 2.0],
                       "in_education": [True, False]})
    checked = check_frame(df, contract("persons"))
    assert [(f.row, f.column, f.value, f.reason) for f in checked.failures] == [(1, "charges", 1.5, Reason.wrong_type)]
    assert checked.frame["person_id"].tolist() == ["1", "2"]
    assert checked.frame["year"].tolist() == [2020, 2021]


def test_unknown_columns_ignored_or_failed():
    df = pd.DataFrame({"school_id": ["S"], "name": ["Ø"], "municipality": ["1"], "rektor": ["x"]})
    assert check_frame(df, contract("schools")).ignored_columns == ["rektor"]
    failures = check_frame(df, contract("schools"), extra="error").failures
    assert [(f.column, f.reason) for f in failures] == [("rektor", Reason.unknown_column)]


def test_failures_are_capped_per_check_with_a_summary_row():
    n = MAX_FAILURES_PER_CHECK + 5
    df = pd.DataFrame({"school_id": [f"S{i}" for i in range(n)], "name": [""] * n, "municipality": ["1"] * n})
    failures = check_frame(df, contract("schools")).failures
    assert len(failures) == MAX_FAILURES_PER_CHECK + 1
    assert "5 more row(s)" in failures[0].message and failures[0].row is None


def test_validate_frame_raises_one_error_with_a_table():
    df = pd.DataFrame({"school_id": ["S", "S"], "name": ["A", ""], "municipality": ["1", "1"]})
    with pytest.raises(InputErrors) as err:
        validate_frame(df, contract("schools"), source="skoler.xlsx")
    table = err.value.table()
    assert table[["row", "column", "reason"]].values.tolist() == [
        [1, "school_id", "duplicate_id"], [2, "name", "missing_value"], [2, "school_id", "duplicate_id"]]
    assert set(table["file"]) == {"skoler.xlsx"}
    assert "3 failure(s) (2 duplicate_id, 1 missing_value)" in str(err.value)
