"""Delimited text as it really arrives: cut-off lines, repeated headers, UTF-16, workbooks renamed .csv.

Each file is written here byte by byte, so the expected line numbers and
causes are known by construction.
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from kvarter.errors import InputErrors, Reason
from kvarter.io.readers import read_csv_bytes, read_table
from kvarter.io.sniff import detect_encoding
from kvarter.store import Store

AREAS = "area_id;name;municipality;region;kind\nA1;Æblehaven;101;1084;housing_area\nA2;Søndre Ø;101;1084;housing_area\n"


def _failures(exc: pytest.ExceptionInfo) -> list[tuple]:
    return [(f.row, f.column, f.reason) for f in exc.value.failures]


def test_truncated_last_line_is_an_error_naming_the_line(tmp_path):
    p = tmp_path / "areas.csv"
    # The third data line stops after "101": the file was cut while being written.
    p.write_bytes((AREAS + "A3;Tingbjerg;101").encode("cp1252"))
    with pytest.raises(InputErrors) as err:
        read_table(p)
    assert _failures(err) == [(3, None, Reason.ragged_row)]
    msg = err.value.failures[0].message
    assert msg.startswith("line 4 has 3 field(s) but the header has 5: the line is cut short (the last line")
    assert str(p) in str(err.value)


def test_truncated_inside_a_quote_says_so():
    data = 'area_id,name,kind\nA1,"Blågården",housing_area\nA2,"Mjølner'.encode()
    with pytest.raises(InputErrors) as err:
        read_csv_bytes(data, "cut.csv")
    (f,) = err.value.failures
    assert f.row == 2 and f.reason == Reason.ragged_row
    assert "line 3 has 2 field(s)" in f.message and "a quoted value on it is never closed" in f.message


def test_every_ragged_line_is_listed_at_once():
    text = "a;b;c\n1;2;3\n4;5\n6;7;8;9\n\n10;11;12\n13\n"
    with pytest.raises(InputErrors) as err:
        read_csv_bytes(text.encode(), "ragged.csv")
    # Rows count the blank line 6 too, as the reader does for good files.
    assert [(f.row, f.message.split(":")[0]) for f in err.value.failures] == [
        (2, "line 3 has 2 field(s) but the header has 3"),
        (3, "line 4 has 4 fields but the header has 3"),
        (6, "line 7 has 1 field(s) but the header has 3"),
    ]


def test_ragged_line_inside_quoted_multiline_values_counts_file_lines():
    text = 'a,b\n"two\nlines",1\nshort\n'
    with pytest.raises(InputErrors) as err:
        read_csv_bytes(text.encode(), "q.csv")
    (f,) = err.value.failures
    assert (f.row, f.message.split(":")[0]) == (2, "line 4 has 1 field(s) but the header has 2")


def test_trailing_delimiter_on_the_header_only_still_reads():
    t = read_csv_bytes(b"a;b;\n1;2\n3;4\n", "x.csv")
    assert t.frame[["a", "b"]].values.tolist() == [["1", "2"], ["3", "4"]]


def test_repeated_header_name_is_an_error():
    data = "area_id;name;municipality;name;region\nA1;Blågården;101;Nørrebro;1084\n".encode()
    with pytest.raises(InputErrors) as err:
        read_csv_bytes(data, "dup.csv")
    (f,) = err.value.failures
    assert (f.row, f.column, f.reason) == (0, "name", Reason.duplicate_column)
    assert f.message.startswith("line 1 (the header) names column 'name' twice, as field 2 and field 4")


def test_header_names_that_match_one_contract_column_twice_are_an_error(tmp_path):
    p = tmp_path / "areas.csv"
    p.write_text("area_id;Name;municipality;region;kind;NAME\nA1;Blågården;101;1084;housing_area;x\n",
                 encoding="utf-8")
    with Store(tmp_path / "s.duckdb") as s, pytest.raises(InputErrors) as err:
        s.load(p, "areas")
    assert [(f.column, f.reason) for f in err.value.failures] == [("name", Reason.duplicate_column)]
    assert "'Name' and 'NAME' both give the column name" in err.value.failures[0].message


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_unicode_text_loads_correctly(tmp_path, codec):
    # Excel's "Unicode text" is UTF-16 little-endian with a byte-order mark, tab-delimited.
    text = "area_id\tname\tmunicipality\tregion\tkind\r\nA1\tÆblehaven\tKøbenhavn\tHovedstaden\thousing_area\r\n"
    assert detect_encoding(text.encode(codec)) == codec
    p = tmp_path / "omraader.txt"
    p.write_bytes(text.encode(codec))
    t = read_table(p)
    assert list(t.frame.columns) == ["area_id", "name", "municipality", "region", "kind"]
    assert t.frame.loc[0, "name"] == "Æblehaven" and t.frame.loc[0, "municipality"] == "København"
    assert t.dialect.delimiter == "\t"
    with Store(tmp_path / "s.duckdb") as s:
        s.load(p, "areas")
        assert s.read("areas")["name"].tolist() == ["Æblehaven"]


def test_xlsx_renamed_csv_is_named_for_what_it_is(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["area_id", "name"])
    wb.active.append(["A1", "Blågården"])
    buf = io.BytesIO()
    wb.save(buf)
    p = tmp_path / "areas.csv"
    p.write_bytes(buf.getvalue())
    with pytest.raises(InputErrors) as err:
        read_table(p)
    (f,) = err.value.failures
    assert f.file == str(p) and f.reason == Reason.unreadable_file
    assert f.message.startswith("the file is a zip archive, such as an Excel workbook (.xlsx), not delimited text, "
                                "although its name ends in '.csv'")
    # Its real suffix reads it.
    q = tmp_path / "areas.xlsx"
    q.write_bytes(buf.getvalue())
    assert read_table(q).frame.to_dict("records") == [{"area_id": "A1", "name": "Blågården"}]


def test_parquet_renamed_csv_is_named_too():
    data = io.BytesIO()
    pd.DataFrame({"a": [1]}).to_parquet(data)
    with pytest.raises(InputErrors, match="the file is a Parquet file, not delimited text"):
        read_csv_bytes(data.getvalue(), "a.csv")


def test_repeated_header_in_a_workbook_is_an_error(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["area_id", "name", "name"])
    wb.active.append(["A1", "Blågården", "Nørrebro"])
    p = tmp_path / "areas.xlsx"
    wb.save(p)
    with pytest.raises(InputErrors) as err:
        read_table(p)
    (f,) = err.value.failures
    assert (f.row, f.column, f.reason) == (0, "name", Reason.duplicate_column)
    assert "names column 'name' twice, as columns B and C" in f.message
