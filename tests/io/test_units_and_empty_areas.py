"""Shares in aggregates (fractions, or percent when declared), areas nobody lives in, and
bad input of every new kind leaving the store exactly as it was."""

from __future__ import annotations

import io
import json

import duckdb
import openpyxl
import pandas as pd
import pytest

from kvarter.errors import InputErrors, Reason
from kvarter.io.mapping import ColumnMapping
from kvarter.store import Store

AGG = "unit_id;unit_kind;year;variable;category;count\n"


def snapshot(store: Store) -> dict:
    names = [n for (n,) in store.con.execute("select table_name from information_schema.tables").fetchall()]
    out = {}
    for n in sorted(names):
        cur = store.con.execute(f'select * from "{n}"')
        out[n] = ([d[0] for d in cur.description], sorted(cur.fetchall(), key=repr))
    return out


def test_a_share_above_one_in_aggregates_is_an_error(tmp_path):
    p = tmp_path / "agg.csv"
    p.write_text(AGG + "0101;municipality;2017;inhabitants;total;1200\n"
                       "0101;municipality;2017;non_western_share;total;36,8\n"
                       "0102;municipality;2017;non_western_share;total;0,42\n", encoding="utf-8")
    with Store(tmp_path / "s.duckdb") as s, pytest.raises(InputErrors) as err:
        s.load(p, "aggregates")
    (f,) = err.value.failures
    assert (f.row, f.column, f.value, f.reason) == (2, "count", "36,8", Reason.out_of_range)
    assert f.message.startswith("count '36,8' is a share above 1: shares are fractions (0.368 for 36.8 %); if the "
                                "table gives percent, say so with a unit column of percent (or --set unit=percent)")


def test_a_declared_percent_unit_loads_a_percent_table_as_shares(tmp_path):
    p = tmp_path / "pct.csv"
    p.write_text(AGG + "0101;municipality;2017;non_western_share;total;36,8\n"
                       "0102;municipality;2017;outside_labour_education_share;total;100\n", encoding="utf-8")
    with Store(tmp_path / "s.duckdb") as s:
        rec = s.load(p, "aggregates", mapping=ColumnMapping.of(constants={"unit": "percent"}))
        got = s.read("aggregates")[["unit_id", "count", "unit"]].values.tolist()
    assert got == [["0101", pytest.approx(0.368), "share"], ["0102", 1.0, "share"]]
    assert rec.columns[-1] == "unit"
    q = tmp_path / "bad.csv"
    q.write_text("unit_id;unit_kind;year;variable;category;count;unit\n"
                 "0101;municipality;2017;non_western_share;total;368;percent\n"
                 "0101;municipality;2017;inhabitants;total;1200;count\n", encoding="utf-8")
    with Store(tmp_path / "s2.duckdb") as s, pytest.raises(InputErrors) as err:
        s.load(q, "aggregates")
    assert [(f.row, f.message) for f in err.value.failures] == [
        (1, "count '368' is above 100 but its unit is percent")]


def test_a_store_made_before_the_unit_column_gains_it(tmp_path):
    path = tmp_path / "old.duckdb"
    with Store(path) as s:
        s.con.execute("alter table aggregates__rows drop column unit")
    with Store(path) as s:
        cols = [r[0] for r in s.con.execute("describe aggregates__rows").fetchall()]
        assert "unit" in cols
        s.load_frame(pd.DataFrame({"unit_id": ["0101"], "unit_kind": ["municipality"], "year": [2017],
                                   "variable": ["non_western_share"], "category": ["total"], "count": [0.4],
                                   "unit": ["share"]}), "aggregates")
        assert s.read("aggregates")["unit"].tolist() == ["share"]
    assert duckdb  # the store is a plain DuckDB file


def test_an_area_nobody_lives_in_survives_loading_and_indicators(tmp_path):
    from kvarter.indicators import compute

    areas = tmp_path / "areas.csv"
    areas.write_text("area_id;name;municipality;region;kind;parent_area\n"
                     "U1;Nordvest;101;1084;urban_area;\n"
                     "A1;Bispeparken;101;1084;housing_area;U1\n"
                     "A2;Tomgården;101;1084;housing_area;U1\n", encoding="utf-8")
    persons = tmp_path / "persons.csv"
    persons.write_text("person_id;year;municipality;area_id;age;origin\n"
                       "p1;2023;101;A1;30;native\np2;2023;101;A1;40;non_western\n"
                       "p1;2024;101;A1;31;native\n", encoding="utf-8")
    with Store(tmp_path / "s.duckdb") as s:
        s.load(areas, "areas")
        s.load(persons, "persons")
        assert s.read("areas")["area_id"].tolist() == ["U1", "A1", "A2"]
        out = compute(s, indicators=["residents", "non_western_share"])
    area = out[out["level"] == "area"].set_index(["indicator", "unit_id", "year"])
    assert area.loc[("residents", "A2", 2023), "value"] == 0
    assert area.loc[("residents", "A2", 2024), "value"] == 0
    assert area.loc[("residents", "A2", 2023), "persons"] == 0
    # No one to take a share of: a row without a value, 0 of 0.
    share = area.loc[("non_western_share", "A2", 2023)]
    assert (share["numerator"], share["denominator"]) == (0, 0) and pd.isna(share["value"])
    assert area.loc[("residents", "A1", 2023), "value"] == 2
    # The urban area holds housing areas and no residents of its own: it gets no made-up zero.
    assert "U1" not in set(out["unit_id"])
    # The municipality's figures are unchanged by the empty area.
    mun = out[(out["level"] == "municipality") & (out["indicator"] == "residents")]
    assert mun.set_index("year")["value"].to_dict() == {2023: 2, 2024: 1}


def _workbook_bytes() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["area_id", "name"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


AREA_HEAD = "area_id;name;municipality;region;kind\n"
SQUARE = [[12.5, 55.7], [12.51, 55.7], [12.51, 55.71], [12.5, 55.71], [12.5, 55.7]]


def _geojson(geometry, crs=None) -> bytes:
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": geometry, "properties": {
        "area_id": "N1", "name": "Ny", "municipality": "101", "region": "1084", "kind": "urban_area"}}]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc).encode()


BAD_INPUTS = {
    "truncated line": ("areas.csv", (AREA_HEAD + "N1;Ny;101;1084;urban_area\nN2;Ny2;101").encode(), None, "areas"),
    "repeated header": ("areas.csv", b"area_id;name;name;region;kind\nN1;a;b;1084;urban_area\n", None, "areas"),
    "workbook renamed .csv": ("areas.csv", _workbook_bytes(), None, "areas"),
    "unclosed ring": ("areas.geojson", _geojson({"type": "Polygon", "coordinates": [SQUARE[:-1]]}), None, "areas"),
    "unknown crs": ("areas.geojson", _geojson({"type": "Polygon", "coordinates": [SQUARE]}, "EPSG:99999"), None,
                    "areas"),
    "mapping to a missing column": ("areas.csv", (AREA_HEAD + "N1;Ny;101;1084;urban_area\n").encode(),
                                    ColumnMapping.of({"fid": "area_id"}), "areas"),
    "share in percent": ("agg.csv", (AGG + "0101;municipality;2017;non_western_share;total;36.8\n").encode(), None,
                         "aggregates"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_of_every_new_kind_leaves_the_store_exactly_as_it_was(tmp_path, case):
    name, data, mapping, table = BAD_INPUTS[case]
    with Store(tmp_path / "s.duckdb") as s:
        s.load_frame(pd.DataFrame({"area_id": ["A1"], "name": ["Før"], "municipality": ["101"], "region": ["1084"],
                                   "kind": ["housing_area"]}), "areas")
        s.load_frame(pd.DataFrame({"unit_id": ["0101"], "unit_kind": ["municipality"], "year": [2017],
                                   "variable": ["inhabitants"], "category": ["total"], "count": [5]}), "aggregates")
        before = snapshot(s)
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(InputErrors) as err:
            s.load(p, table, mapping=mapping)
        assert all(f.file == str(p) for f in err.value.failures)
        assert snapshot(s) == before
