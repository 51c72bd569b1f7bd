"""Readers keep letters, strip quotes and padding, and remember file rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kvarter.errors import InputErrors, Reason
from kvarter.io.readers import read_csv_bytes, read_table

ROWS = [("A1", "Æblehaven", "12,5"), ("A2", "Søndre Ø", "7"), ("A3", "Blåbærgården", "0,25")]


def _csv(delim: str, rows=ROWS) -> str:
    return "\n".join([delim.join(["area_id", "navn", "andel"])] + [delim.join(r) for r in rows]) + "\n"


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
@pytest.mark.parametrize("delim", [";", "\t"])
def test_csv_letters_and_decimal_commas(tmp_path, codec, delim):
    p = tmp_path / "omraader.csv"
    p.write_bytes(_csv(delim).encode(codec))
    t = read_table(p)
    assert t.frame["navn"].tolist() == ["Æblehaven", "Søndre Ø", "Blåbærgården"]
    assert list(t.frame.columns) == ["area_id", "navn", "andel"]
    assert t.dialect.delimiter == delim
    assert t.dialect.decimal == ","
    assert t.rows.tolist() == [1, 2, 3]


def test_quoted_space_padded_values_are_stripped():
    data = b'"id";"n"\n"  X1  ";"   120"\n'
    t = read_csv_bytes(data)
    assert t.frame.to_dict("list") == {"id": ["X1"], "n": ["120"]}


def test_padding_outside_quotes():
    t = read_csv_bytes(b'"id" ; "n"\n"  X1 " ;  " 12,5 "  \n')
    assert t.frame.to_dict("list") == {"id": ["X1"], "n": ["12,5"]}


def test_blank_lines_are_skipped_but_counted():
    t = read_csv_bytes(b"id,n\n\na,1\n\n\nb,2\n")
    assert t.frame["id"].tolist() == ["a", "b"]
    assert t.rows.tolist() == [2, 5]


def test_sha256_is_of_the_file_bytes(tmp_path):
    import hashlib

    p = tmp_path / "x.csv"
    p.write_bytes(b"a,b\n1,2\n")
    assert read_table(p).sha256 == hashlib.sha256(b"a,b\n1,2\n").hexdigest()


def test_empty_file_gives_an_empty_frame(tmp_path):
    p = tmp_path / "tom.csv"
    p.write_bytes(b"")
    t = read_table(p)
    assert t.frame.empty and len(t.rows) == 0


def test_header_only_file_keeps_columns(tmp_path):
    p = tmp_path / "header.csv"
    p.write_bytes(b"area_id;name\n")
    t = read_table(p)
    assert list(t.frame.columns) == ["area_id", "name"] and len(t.frame) == 0


def test_parquet_round_trip(tmp_path):
    df = pd.DataFrame({"area_id": ["A1", "A2"], "n": [3, 4], "navn": ["Ærø", "Øst"]})
    p = tmp_path / "t.parquet"
    df.to_parquet(p)
    t = read_table(p)
    assert t.frame["n"].tolist() == [3, 4] and t.frame["navn"].tolist() == ["Ærø", "Øst"]
    assert t.format == "parquet" and t.rows.tolist() == [1, 2]


def test_excel_reads_values_and_skips_blank_rows(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["area_id", "name", "andel"])
    ws.append(["A1", " Tåstrup ", 12.5])
    ws.append([None, None, None])
    ws.append([101, "Høje-Taastrup", "0,5"])
    p = tmp_path / "omr.xlsx"
    wb.save(p)
    t = read_table(p)
    assert t.format == "excel"
    assert t.frame["name"].tolist() == ["Tåstrup", "Høje-Taastrup"]
    assert t.frame["area_id"].tolist() == ["A1", 101]
    assert t.frame["andel"].tolist() == [12.5, "0,5"]
    assert t.rows.tolist() == [1, 3]


def test_geojson_properties_and_geometry(tmp_path):
    poly = {"type": "Polygon", "coordinates": [[[12.5, 55.7], [12.6, 55.7], [12.6, 55.8], [12.5, 55.7]]]}
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"area_id": "B1", "name": "Bispebjerg"}, "geometry": poly},
            {"type": "Feature", "properties": {"area_id": "B2", "name": "Tingbjerg"}, "geometry": None},
        ],
    }
    p = tmp_path / "areas.geojson"
    p.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    t = read_table(p)
    assert t.frame["area_id"].tolist() == ["B1", "B2"]
    assert json.loads(t.frame.loc[0, "geometry"]) == poly
    assert pd.isna(t.frame.loc[1, "geometry"])
    assert t.rows.tolist() == [1, 2]


def test_copenhagen_geojson_reference_file(reference_dir):
    t = read_table(reference_dir / "kk_udsatte_byomraader_2017.geojson")
    assert len(t.frame) == 17
    assert {"byomraade", "delomraade", "geometry"} <= set(t.frame.columns)
    assert all(json.loads(g)["type"] in ("Polygon", "MultiPolygon") for g in t.frame["geometry"])


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("x.doc", b"hello", Reason.unreadable_file),
        ("x.parquet", b"not parquet", Reason.unreadable_file),
        ("x.xlsx", b"not a workbook", Reason.unreadable_file),
        ("x.geojson", b"{not json", Reason.unreadable_file),
        ("x.csv", b"a,b\n1,2,3,4\n", Reason.ragged_row),
    ],
)
def test_unreadable_files_name_the_file(tmp_path, name, content, reason):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputErrors) as err:
        read_table(p)
    (failure,) = err.value.failures
    assert failure.reason == reason and failure.file == str(p)


def test_missing_file(tmp_path):
    with pytest.raises(InputErrors, match="cannot read the file"):
        read_table(tmp_path / "nowhere.csv")


def test_explicit_encoding_that_does_not_fit_is_bad_encoding():
    with pytest.raises(InputErrors) as err:
        read_csv_bytes("navn\nØ\n".encode("cp1252"), "f.csv", encoding="utf-8")
    assert err.value.failures[0].reason == Reason.bad_encoding


def test_rows_are_numpy_int64():
    t = read_csv_bytes(b"a\n1\n")
    assert t.rows.dtype == np.int64
