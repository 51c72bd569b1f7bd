"""The store: versioned schema, all-or-nothing loads, load records, cross-file checks."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pandas as pd
import pytest

from kvarter.errors import InputErrors, Reason
from kvarter.store import SCHEMA_VERSION, Store, StoreError

AREAS = (
    "area_id;name;municipality;region;kind;parent_area\n"
    "K1;Nørrebro;101;Hovedstaden;urban_area;\n"
    "A1;Mjølnerparken;101;Hovedstaden;housing_area;K1\n"
    "A2;Aldersrogade;101;Hovedstaden;housing_area;K1\n"
    "A3;Tomgården;101;Hovedstaden;housing_area;K1\n"   # nobody lives here: allowed
)
PERSONS_1 = (
    "person_id;year;municipality;area_id;age;origin;income_gross\n"
    "p1;2023;101;A1;34;native;312000,5\n"
    "p2;2023;101;A1;8;non_western;0\n"
    "p3;2023;101;A2;71;western;189000\n"
)
PERSONS_2 = (
    "person_id;year;municipality;area_id;age;origin\n"
    "p4;2023;101;A2;40;native\n"
    "p1;2023;101;A2;35;native\n"    # p1 2023 is already in the store (file 1, row 1)
    "p5;2023;101;X9;50;native\n"    # unknown area
    "p6;2399;101;A1;50;native\n"    # year out of range
)


def _write(tmp_path, name, text, codec="cp1252"):
    p = tmp_path / name
    p.write_bytes(text.encode(codec))
    return p


def _snapshot(store: Store) -> dict:
    names = [n for (n,) in store.con.execute("select table_name from information_schema.tables").fetchall()]
    snap = {}
    for n in sorted(names):
        cur = store.con.execute(f'select * from "{n}"')
        snap[n] = ([d[0] for d in cur.description], sorted(cur.fetchall(), key=repr))
    return snap


@pytest.fixture
def loaded(tmp_path):
    store = Store(tmp_path / "kvarter.duckdb")
    store.load(_write(tmp_path, "omraader.csv", AREAS), table="areas")
    store.load(_write(tmp_path, "personer_1.csv", PERSONS_1), table="persons")
    yield store, tmp_path
    store.close()


def test_new_store_is_versioned_and_empty(tmp_path):
    with Store(tmp_path / "s.duckdb") as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.tables() == ["load_records"]
        assert not s.has_table("persons")
        assert s.loads().empty


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "s.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("update kvarter_meta set value = ? where key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    con.close()
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1}.*up to {SCHEMA_VERSION}"):
        Store(path)
    with pytest.raises(StoreError):
        Store(path, read_only=True)


def test_not_a_duckdb_file(tmp_path):
    p = tmp_path / "notes.duckdb"
    p.write_text("hello")
    with pytest.raises(StoreError, match="Cannot open the store"):
        Store(p)


def test_load_reads_letters_decimal_commas_and_records_the_load(loaded):
    store, tmp_path = loaded
    areas = store.read("areas")
    assert areas["name"].tolist() == ["Nørrebro", "Mjølnerparken", "Aldersrogade", "Tomgården"]
    assert "geometry" not in areas.columns  # not provided: stays absent
    persons = store.read("persons").sort_values("person_id")
    assert persons["income_gross"].tolist() == [312000.5, 0.0, 189000.0]
    assert persons["age"].tolist() == [34, 8, 71]
    assert list(persons.columns) == ["person_id", "year", "municipality", "area_id", "age", "origin",
                                     "income_gross"]
    loads = store.loads()
    assert loads[["load_id", "table", "rows", "replace", "format"]].values.tolist() == [
        [1, "areas", 4, False, "csv"], [2, "persons", 3, False, "csv"]]
    raw = (tmp_path / "personer_1.csv").read_bytes()
    assert loads.loc[1, "sha256"] == hashlib.sha256(raw).hexdigest()
    assert loads.loc[1, "source"] == str(tmp_path / "personer_1.csv")
    assert loads.loc[1, "kvarter_version"] and pd.notna(loads.loc[1, "loaded_at"])
    assert loads.loc[1, "columns"] == "person_id,year,municipality,area_id,age,origin,income_gross"


def test_bad_file_reports_everything_and_leaves_the_store_exactly_as_it_was(loaded):
    store, tmp_path = loaded
    before = _snapshot(store)
    bad = _write(tmp_path, "personer_2.csv", PERSONS_2)
    with pytest.raises(InputErrors) as err:
        store.load(bad, table="persons")
    failures = err.value.failures
    assert [(f.row, f.column, f.value, f.reason) for f in failures] == [
        (2, "person_id, year", "p1, 2023", Reason.duplicate_id),
        (3, "area_id", "X9", Reason.unknown_area),
        (4, "year", "2399", Reason.year_out_of_range),
    ]
    assert all(f.file == str(bad) for f in failures)
    assert _snapshot(store) == before
    # The snapshot does see a change when one happens.
    store.load(_write(tmp_path, "ok.csv", "person_id;year;municipality;area_id;age;origin\np7;2023;101;A3;1;native\n"),
               table="persons")
    assert _snapshot(store) != before


def test_duplicate_across_files_names_both(loaded):
    store, tmp_path = loaded
    before = _snapshot(store)
    p = _write(tmp_path, "personer_3.csv", "person_id;year;municipality;area_id;age;origin\n"
                                           "p9;2023;101;A2;40;native\np1;2023;101;A2;35;native\n")
    with pytest.raises(InputErrors) as err:
        store.load(p, table="persons")
    (f,) = err.value.failures
    assert (f.file, f.row, f.reason, f.value) == (str(p), 2, Reason.duplicate_id, "p1, 2023")
    assert f"already in the store from {tmp_path / 'personer_1.csv'} row 1 (load 2)" in f.message
    assert _snapshot(store) == before


def test_append_then_replace(loaded):
    store, tmp_path = loaded
    more = _write(tmp_path, "p4.csv", "person_id;year;municipality;area_id;age;origin;sex\n"
                                      "p4;2023;101;A3;40;native;f\np1;2024;101;A1;35;native;m\n")
    store.load(more, table="persons")
    persons = store.read("persons")
    assert len(persons) == 5
    assert "sex" in persons.columns and persons["sex"].isna().sum() == 3
    store.load(more, table="persons", replace=True)
    persons = store.read("persons")
    assert sorted(persons["person_id"]) == ["p1", "p4"]
    assert "income_gross" not in persons.columns  # only the remaining load's columns
    assert store.loads()["replace"].tolist() == [False, False, False, True]


def test_failure_inside_the_transaction_rolls_everything_back(loaded, monkeypatch):
    store, tmp_path = loaded
    before = _snapshot(store)

    def broken(self, record):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Store, "_record", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        store.load(_write(tmp_path, "p.csv", PERSONS_1), table="persons", replace=True)
    assert _snapshot(store) == before


def test_replacing_areas_cannot_orphan_persons(loaded):
    store, tmp_path = loaded
    before = _snapshot(store)
    p = _write(tmp_path, "a.csv", "area_id;name;municipality;region;kind\nA1;M;101;H;housing_area\n")
    with pytest.raises(InputErrors) as err:
        store.load(p, table="areas", replace=True)
    assert [(f.column, f.value, f.reason) for f in err.value.failures] == [("area_id", "A2", Reason.inconsistent)]
    assert "1 persons row(s)" in err.value.failures[0].message
    assert _snapshot(store) == before


def test_unknown_area_is_not_checked_before_areas_are_loaded(tmp_path):
    with Store(":memory:") as s:
        s.load(_write(tmp_path, "p.csv", PERSONS_1), table="persons")
        assert len(s.read("persons")) == 3


def test_data_survives_reopening_and_read_only(loaded):
    store, tmp_path = loaded
    store.close()
    with Store(tmp_path / "kvarter.duckdb", read_only=True) as s:
        assert len(s.read("persons")) == 3
        assert int(s.table("persons").age.sum().execute()) == 113
        with pytest.raises(StoreError, match="read-only"):
            s.load(tmp_path / "personer_1.csv", table="persons")
    store.con = duckdb.connect(":memory:")  # let the fixture's close() succeed


def test_load_frame_and_write_result_escape_hatch(tmp_path):
    with Store(":memory:") as s:
        rec = s.load_frame(pd.DataFrame({"school_id": ["S1"], "name": ["Ørestad Skole"], "municipality": ["101"]}),
                           table="schools", source="skoler")
        assert (rec.table, rec.rows, rec.format, rec.source) == ("schools", 1, "frame", "skoler")
        assert len(rec.sha256) == 64
        s.write_result("persons", pd.DataFrame({"person_id": ["a"]}))
        assert s.read("persons").columns.tolist() == ["person_id"]
        with pytest.raises(StoreError, match="written unvalidated"):
            s.load(_write(tmp_path, "p.csv", PERSONS_1), table="persons")
        s.load(_write(tmp_path, "p.csv", PERSONS_1), table="persons", replace=True)
        assert len(s.read("persons")) == 3
        s.write_result("indicators", pd.DataFrame({"v": [1.0]}))
        assert s.tables() == ["indicators", "load_records", "persons", "schools"]
        with pytest.raises(ValueError, match="store's own tables"):
            s.write_result("load_records", pd.DataFrame({"v": [1]}))


def test_cbs_file_loads_as_aggregates(reference_dir):
    with Store(":memory:") as s:
        rec = s.load(reference_dir / "cbs_kwb2019_84583NED_denhaag.csv", table="aggregates", format="cbs")
        assert rec.rows == 159 * 13
        agg = s.read("aggregates")
        sup = agg[agg["status"] == "suppressed"]
        assert len(sup) == 18 and sup["count"].isna().all()
        total = s.con.execute("select count from aggregates where unit_id = 'GM0518' and variable = 'inhabitants'")
        assert total.fetchone()[0] == 537833


def test_geojson_areas_keep_geometry(tmp_path):
    fc = {"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"area_id": "T1", "name": "Tingbjerg", "municipality": "101", "region": "H",
                       "kind": "housing_area"},
        "geometry": {"type": "Polygon", "coordinates": [[[12.4, 55.7], [12.5, 55.7], [12.5, 55.8], [12.4, 55.7]]]},
    }]}
    p = tmp_path / "areas.geojson"
    p.write_text(json.dumps(fc), encoding="utf-8")
    with Store(":memory:") as s:
        s.load(p, table="areas")
        geom = s.read("areas").loc[0, "geometry"]
        assert json.loads(geom) == fc["features"][0]["geometry"]


def test_load_many_replaces_a_whole_data_set_with_other_area_ids(loaded):
    store, tmp_path = loaded
    areas = pd.DataFrame({"area_id": ["N1", "N2"], "name": ["Furuset", "Grorud"], "municipality": ["0301"] * 2,
                          "region": ["Oslo"] * 2, "kind": ["urban_area"] * 2})
    persons = pd.DataFrame({"person_id": ["q1", "q2"], "year": [2024, 2024], "municipality": ["0301"] * 2,
                            "area_id": ["N1", "N2"], "age": [9, 44], "origin": ["native", "western"]})
    # One table at a time this cannot work: new areas would orphan the old persons.
    with pytest.raises(InputErrors):
        store.load_frame(areas, table="areas", replace=True)
    records = store.load_many({"persons": persons, "areas": areas}, replace=True)
    assert [(r.table, r.rows, r.replace) for r in records] == [("areas", 2, True), ("persons", 2, True)]
    assert sorted(store.read("persons")["area_id"]) == ["N1", "N2"]
    assert sorted(store.read("areas")["area_id"]) == ["N1", "N2"]


def test_load_many_is_all_or_nothing_across_tables(loaded):
    store, tmp_path = loaded
    before = _snapshot(store)
    areas = pd.DataFrame({"area_id": ["N1"], "name": ["Furuset"], "municipality": ["0301"],
                          "region": ["Oslo"], "kind": ["urban_area"]})
    persons = pd.DataFrame({"person_id": ["q1", "q2"], "year": [2024, 2024], "municipality": ["0301"] * 2,
                            "area_id": ["N1", "A1"], "age": [9, 44], "origin": ["native", "western"]})
    with pytest.raises(InputErrors) as err:
        store.load_many({"areas": areas, "persons": persons}, replace=True)
    # A1 exists in the store but not among the new areas that replace it.
    assert [(f.file, f.row, f.value, f.reason) for f in err.value.failures] == [
        ("<persons frame>", 2, "A1", Reason.unknown_area)]
    assert _snapshot(store) == before


def test_excel_and_latin1_inputs_end_to_end(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["School_ID", "Name", "Municipality", "Area ID"])
    ws.append(["S1", "Æbeltoft Skole", 101, "A1"])
    ws.append(["S2", "Ørestad Skole", 101, None])
    xlsx = tmp_path / "skoler.xlsx"
    wb.save(xlsx)
    areas = _write(tmp_path, "omr.csv", "area_id\tname\tmunicipality\tregion\tkind\tsocial_housing\n"
                                        "A1\tTåsinge Vænge\t101\tSyd\thousing_area\tja\n", codec="latin-1")
    with Store(":memory:") as s:
        s.load(areas, table="areas")
        s.load(xlsx, table="schools")
        schools = s.read("schools")
        assert schools["name"].tolist() == ["Æbeltoft Skole", "Ørestad Skole"]
        assert schools["municipality"].tolist() == ["101", "101"]
        assert s.read("areas")[["name", "social_housing"]].values.tolist() == [["Tåsinge Vænge", True]]
        ws.append(["S3", "Vestskolen", 101, "A9"])
        wb.save(xlsx)
        with pytest.raises(InputErrors) as err:
            s.load(xlsx, table="schools")
        assert [(f.row, f.column, f.reason) for f in err.value.failures] == [
            (1, "school_id", Reason.duplicate_id), (2, "school_id", Reason.duplicate_id),
            (3, "area_id", Reason.unknown_area)]


def test_a_large_load_keeps_its_rows_in_order_and_leaves_the_threads_as_they_were(tmp_path):
    # The insert runs on one DuckDB thread (issue 14.4); more than one row group of rows
    # (122,880) must come back in the file's order, and the setting must be restored.
    n = 130_000
    persons = pd.DataFrame({"person_id": [f"p{i}" for i in range(n)], "year": 2023, "municipality": "101",
                            "area_id": "A1", "age": [i % 90 for i in range(n)], "origin": "native"})
    with Store(tmp_path / "big.duckdb") as s:
        s.con.execute("set threads = 2")
        s.load_frame(persons, table="persons")
        assert s.con.execute("select current_setting('threads')").fetchone()[0] == 2
    with Store(tmp_path / "big.duckdb", read_only=True) as s:
        back = s.con.execute("select person_id, age from persons").df()
    assert len(back) == n
    assert back["person_id"].tolist()[:3] == ["p0", "p1", "p2"] and back["person_id"].iloc[-1] == f"p{n - 1}"
    assert (back["age"].to_numpy() == [i % 90 for i in range(n)]).all()
