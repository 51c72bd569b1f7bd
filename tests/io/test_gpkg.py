"""GeoPackage areas: files built here with sqlite3 and struct, read back to the exact coordinate."""

from __future__ import annotations

import json
import sqlite3
import struct

import pytest

from kvarter.errors import InputError, InputErrors, Reason
from kvarter.io.readers import read_table
from kvarter.io.wkb import WKBError, gpkg_geometry, wkb_to_geojson

# Coordinates with all 53 bits in use, so any rounding on the way would show.
X0, Y0 = 12.553716043891276, 55.69347618220914
SQUARE = [[X0, Y0], [X0 + 0.01, Y0], [X0 + 0.01, Y0 + 0.01], [X0, Y0 + 0.01], [X0, Y0]]
HOLE = [[X0 + 0.002, Y0 + 0.002], [X0 + 0.002, Y0 + 0.004], [X0 + 0.004, Y0 + 0.004], [X0 + 0.002, Y0 + 0.002]]
FAR = [[-0.1234567890123, 51.5], [-0.12, 51.5], [-0.12, 51.51], [-0.1234567890123, 51.5]]

ORDER = {"<": 1, ">": 0}


# --- an independent WKB / GeoPackageBinary writer -------------------------------------------

def wkb(geom: dict, bo: str = "<", extra: tuple[float, ...] = (), code_offset: int = 0, ewkb: int = 0) -> bytes:
    """WKB of a GeoJSON dict; ``extra`` ordinates (Z/M) are appended to every point."""
    codes = {"Point": 1, "LineString": 2, "Polygon": 3, "MultiPoint": 4,
             "MultiLineString": 5, "MultiPolygon": 6, "GeometryCollection": 7}
    kind = geom["type"]
    head = struct.pack(f"{bo}BI", ORDER[bo], (codes[kind] + code_offset) | ewkb)

    def pt(p):
        return struct.pack(f"{bo}{2 + len(extra)}d", *p, *extra)

    def line(ps):
        return struct.pack(f"{bo}I", len(ps)) + b"".join(pt(p) for p in ps)

    def poly(rings):
        return struct.pack(f"{bo}I", len(rings)) + b"".join(line(r) for r in rings)

    c = geom.get("coordinates")
    sub = dict(extra=extra, code_offset=code_offset, ewkb=ewkb)
    if kind == "Point":
        body = pt(c) if c else struct.pack(f"{bo}{2 + len(extra)}d", *[float("nan")] * (2 + len(extra)))
    elif kind == "LineString":
        body = line(c)
    elif kind == "Polygon":
        body = poly(c)
    elif kind == "GeometryCollection":
        body = struct.pack(f"{bo}I", len(geom["geometries"])) + b"".join(
            wkb(g, bo, **sub) for g in geom["geometries"])
    else:
        member = kind[len("Multi"):]
        body = struct.pack(f"{bo}I", len(c)) + b"".join(
            wkb({"type": member, "coordinates": m}, bo, **sub) for m in c)
    return head + body


def _flat(geom: dict) -> list[list[float]]:
    c = geom["coordinates"]
    while c and isinstance(c[0], list) and isinstance(c[0][0], list):
        c = [p for part in c for p in part]
    return [c] if c and not isinstance(c[0], list) else c


def gp_blob(geom: dict | None, bo: str = "<", envelope: int = 1, srs_id: int = 4326, wkb_bo: str | None = None,
            wkb_bytes: bytes | None = None) -> bytes:
    """A GeoPackageBinary blob: header in ``bo``, an envelope of kind ``envelope``, WKB in ``wkb_bo``."""
    empty = geom is not None and not geom.get("coordinates", geom.get("geometries"))
    env = b""
    if envelope and geom is not None and not empty:
        pts = _flat(geom)
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        vals = [min(xs), max(xs), min(ys), max(ys)] + [0.0, 0.0] * {1: 0, 2: 1, 3: 1, 4: 2}[envelope]
        env = struct.pack(f"{bo}{len(vals)}d", *vals)
    flags = ORDER[bo] | ((envelope if env else 0) << 1) | (0b10000 if empty else 0)
    body = wkb_bytes if wkb_bytes is not None else wkb(geom, wkb_bo or bo)
    return b"GP" + struct.pack(f"{bo}BBi", 0, flags, srs_id) + env + body


SRS = [
    ("WGS 84 geodetic", 4326, "EPSG", 4326),
    ("Undefined cartesian SRS", -1, "NONE", -1),
    ("Undefined geographic SRS", 0, "NONE", 0),
    ("ETRS89 / UTM zone 32N", 25832, "EPSG", 25832),
]


def make_gpkg(path, layers: dict[str, list[tuple]], *, srs_id: int = 4326, geom_col: str = "geom",
              attrs: tuple[str, ...] = ("area_id", "name", "municipality", "region", "kind")) -> None:
    """A GeoPackage with the required metadata tables; each layer's rows are (fid, blob, *attrs).

    An attribute is a text column unless given as ``"name type"``.
    """
    con = sqlite3.connect(path)
    con.execute("pragma application_id = 1196444487")  # 'GPKG'
    con.execute("pragma user_version = 10300")
    con.executescript("""
        create table gpkg_spatial_ref_sys (srs_name text not null, srs_id integer primary key,
            organization text not null, organization_coordsys_id integer not null,
            definition text not null, description text);
        create table gpkg_contents (table_name text not null primary key, data_type text not null,
            identifier text unique, description text default '', last_change datetime,
            min_x double, min_y double, max_x double, max_y double, srs_id integer);
        create table gpkg_geometry_columns (table_name text not null, column_name text not null,
            geometry_type_name text not null, srs_id integer not null, z tinyint not null, m tinyint not null,
            primary key (table_name, column_name));
    """)
    con.executemany("insert into gpkg_spatial_ref_sys values (?, ?, ?, ?, 'undefined', null)", SRS)
    for name, rows in layers.items():
        cols = ", ".join(a if " " in a else f'"{a}" text' for a in attrs)
        con.execute(f'create table "{name}" (fid integer primary key autoincrement, "{geom_col}" blob, {cols})')
        con.execute("insert into gpkg_contents (table_name, data_type, identifier, srs_id) "
                    "values (?, 'features', ?, ?)", [name, name, srs_id])
        con.execute("insert into gpkg_geometry_columns values (?, ?, 'GEOMETRY', ?, 0, 0)", [name, geom_col, srs_id])
        marks = ", ".join("?" * (2 + len(attrs)))
        con.executemany(f'insert into "{name}" values ({marks})', rows)
    con.commit()
    con.close()


POLY_HOLE = {"type": "Polygon", "coordinates": [SQUARE, HOLE]}
MULTI = {"type": "MultiPolygon", "coordinates": [[SQUARE, HOLE], [FAR]]}
EMPTY = {"type": "Polygon", "coordinates": []}


def area(fid, blob, area_id, name="Mjølnerparken", kind="housing_area"):
    return (fid, blob, area_id, name, "101", "Hovedstaden", kind)


@pytest.fixture
def areas_gpkg(tmp_path):
    p = tmp_path / "omraader.gpkg"
    make_gpkg(p, {"omraader": [
        area(3, gp_blob(POLY_HOLE, "<", envelope=1), "A1"),
        area(5, gp_blob(MULTI, ">", envelope=0), "A2", name="Gellerup"),
        area(8, gp_blob(EMPTY, "<", envelope=0), "A3", name="Tom"),
        area(9, None, "A4", name="Uden geometri"),
    ]})
    return p


# --- reading -------------------------------------------------------------------------------

def test_features_read_back_with_exact_coordinates(areas_gpkg):
    t = read_table(areas_gpkg)
    assert t.format == "gpkg"
    assert t.rows.tolist() == [3, 5, 8, 9]  # feature ids
    assert list(t.frame.columns) == ["area_id", "name", "municipality", "region", "kind", "geometry"]
    assert t.frame["name"].tolist() == ["Mjølnerparken", "Gellerup", "Tom", "Uden geometri"]
    geoms = [None if g is None else json.loads(g) for g in t.frame["geometry"]]
    assert geoms == [POLY_HOLE, MULTI, EMPTY, None]
    # The hole survives as the second ring, every double bit for bit.
    assert geoms[0]["coordinates"][1][2] == [12.557716043891276, 55.69747618220914]
    assert t.notes == ["layer 'omraader'"]


@pytest.mark.parametrize("header_bo", ["<", ">"])
@pytest.mark.parametrize("wkb_bo", ["<", ">"])
@pytest.mark.parametrize("envelope", [0, 1, 2, 3, 4])
def test_header_and_wkb_byte_orders_and_every_envelope(header_bo, wkb_bo, envelope):
    srs, geom = gpkg_geometry(gp_blob(POLY_HOLE, header_bo, envelope=envelope, wkb_bo=wkb_bo))
    assert srs == 4326
    assert geom == POLY_HOLE


GEOMS = [
    {"type": "Point", "coordinates": [X0, Y0]},
    {"type": "LineString", "coordinates": SQUARE[:3]},
    POLY_HOLE,
    {"type": "MultiPoint", "coordinates": [[X0, Y0], [-X0, -Y0]]},
    {"type": "MultiLineString", "coordinates": [SQUARE[:2], HOLE[1:]]},
    MULTI,
    {"type": "GeometryCollection", "geometries": [
        {"type": "Point", "coordinates": [1.0, 2.0]}, MULTI,
        {"type": "GeometryCollection", "geometries": []}]},
]
# (extra ordinates, ISO code offset, EWKB high bits): 2D, then Z, M and ZM both ways.
DIMS = [
    ((), 0, 0),
    ((9.5,), 1000, 0), ((7.25,), 2000, 0), ((9.5, 7.25), 3000, 0),
    ((9.5,), 0, 0x80000000), ((7.25,), 0, 0x40000000), ((9.5, 7.25), 0, 0xC0000000),
]


@pytest.mark.parametrize("geom", GEOMS, ids=[g["type"] for g in GEOMS])
@pytest.mark.parametrize("dims", DIMS, ids=["2d", "iso_z", "iso_m", "iso_zm", "ewkb_z", "ewkb_m", "ewkb_zm"])
@pytest.mark.parametrize("bo", ["<", ">"], ids=["le", "be"])
def test_wkb_types_dimensions_and_byte_orders(geom, dims, bo):
    extra, offset, ewkb = dims
    assert wkb_to_geojson(wkb(geom, bo, extra, offset, ewkb)) == geom


def test_ewkb_srid_is_skipped():
    data = struct.pack("<BIidd", 1, 0x20000001, 4326, X0, Y0)
    assert wkb_to_geojson(data) == {"type": "Point", "coordinates": [X0, Y0]}


def test_empty_geometries():
    assert wkb_to_geojson(wkb({"type": "Point", "coordinates": []})) == {"type": "Point", "coordinates": []}
    assert wkb_to_geojson(wkb({"type": "MultiPolygon", "coordinates": []}, ">")) == {
        "type": "MultiPolygon", "coordinates": []}
    assert gpkg_geometry(gp_blob(EMPTY, ">")) == (4326, EMPTY)


@pytest.mark.parametrize("data, expected", [
    (struct.pack("<BIdd", 2, 1, 1.0, 2.0), "byte-order flag at byte 0 is 2"),
    (struct.pack("<BIdd", 1, 8, 1.0, 2.0), "unknown WKB geometry type code 8"),
    (struct.pack("<BIdd", 1, 4001, 1.0, 2.0), "unknown WKB geometry type code 4001"),
    (struct.pack("<BId", 1, 1, 1.0), "WKB ends at byte 13 while reading a point at byte 5"),
    (struct.pack("<BIddB", 1, 1, 1.0, 2.0, 0), "1 more bytes follow"),
    (struct.pack("<BII", 1, 2, 1000), "claims 1000 points"),
    (struct.pack("<BII", 1, 4, 1) + struct.pack("<BII", 1, 2, 0), "is a LineString; expected a Point"),
    (struct.pack("<BIdd", 1, 1, float("inf"), 2.0), "not a finite number"),
    (struct.pack("<BI", 1, 5) + struct.pack("<IBI3d", 1, 1, 1, 1.0, 2.0, 3.0), "is a Point; expected a LineString"),
    (struct.pack("<BII", 1, 7, 1) * 40 + struct.pack("<BII", 1, 7, 0), "more than 32 deep at byte 297"),
])
def test_corrupt_wkb_says_what_and_where(data, expected):
    with pytest.raises(WKBError, match=expected):
        wkb_to_geojson(data)


def test_attribute_values_keep_their_type(tmp_path):
    p = tmp_path / "typer.gpkg"
    make_gpkg(p, {"t": [(1, None, "A1", 101), (2, None, "A2", None)]}, attrs=("area_id", "inhabitants integer"))
    t = read_table(p)
    assert t.frame["inhabitants"].tolist() == [101, None]  # no float 101.0 from the NULL
    assert t.frame["geometry"].tolist() == [None, None]


def test_geometry_column_of_any_name_and_format_override(tmp_path):
    p = tmp_path / "omraader.sqlite"
    make_gpkg(p, {"omr": [area(1, gp_blob(POLY_HOLE), "A1")]}, geom_col="Shape")
    t = read_table(p, format="gpkg")
    assert json.loads(t.frame.loc[0, "geometry"]) == POLY_HOLE
    assert "Shape" not in t.frame.columns


def test_a_file_once_in_wal_mode_reads(tmp_path):
    p = tmp_path / "wal.gpkg"
    make_gpkg(p, {"omr": [area(1, gp_blob(POLY_HOLE), "A1")]})
    con = sqlite3.connect(p)
    con.execute("pragma journal_mode = wal")
    con.close()  # checkpoints and removes the -wal file
    assert p.read_bytes()[18:20] == b"\x02\x02"
    assert json.loads(read_table(p).frame.loc[0, "geometry"]) == POLY_HOLE


# --- choosing the layer --------------------------------------------------------------------

def test_two_feature_tables_need_a_layer(tmp_path):
    p = tmp_path / "to.gpkg"
    make_gpkg(p, {"afdelinger": [area(1, gp_blob(POLY_HOLE), "D1", kind="housing_department")],
                  "boligomraader": [area(1, gp_blob(MULTI), "H1")]})
    with pytest.raises(InputErrors, match=r"2 feature tables \(afdelinger, boligomraader\); name the one") as e:
        read_table(p)
    assert e.value.failures[0].file == str(p)
    assert read_table(p, layer="boligomraader").frame["area_id"].tolist() == ["H1"]
    with pytest.raises(InputErrors, match=r"no feature table 'skoler'; its feature tables are afdelinger, bolig"):
        read_table(p, layer="skoler")


# --- bad files -----------------------------------------------------------------------------

def test_not_a_geopackage(tmp_path):
    p = tmp_path / "omraader.gpkg"
    p.write_bytes(b"area_id,name\nA1,X\n")
    with pytest.raises(InputErrors, match="not a GeoPackage: the file is not an SQLite database") as e:
        read_table(p)
    assert e.value.failures[0].reason is Reason.unreadable_file

    q = tmp_path / "plain.gpkg"
    con = sqlite3.connect(q)
    con.execute("create table areas (area_id text)")
    con.commit()
    con.close()
    with pytest.raises(InputErrors, match="no gpkg_contents or gpkg_geometry_columns table"):
        read_table(q)

    r = tmp_path / "kaputt.gpkg"
    r.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    with pytest.raises(InputErrors, match="not a GeoPackage"):
        read_table(r)


def test_no_feature_table(tmp_path):
    p = tmp_path / "attributter.gpkg"
    make_gpkg(p, {})
    with pytest.raises(InputErrors, match="has no feature table"):
        read_table(p)


def test_other_srs_is_reprojected_to_wgs84(tmp_path, utm_to_lonlat):
    e, n = 724_000.0, 6_175_000.0
    square = [[e, n], [e + 500, n], [e + 500, n + 500], [e, n + 500], [e, n]]
    p = tmp_path / "utm.gpkg"
    make_gpkg(p, {"omr": [area(1, gp_blob({"type": "Polygon", "coordinates": [square]}, srs_id=25832), "A1")]},
              srs_id=25832)
    t = read_table(p)
    assert t.notes == ["layer 'omr'", "reprojected from EPSG:25832 to EPSG:4326 (WGS 84)"]
    (ring,) = json.loads(t.frame.loc[0, "geometry"])["coordinates"]
    for (lon, lat), (x, y) in zip(ring, square):
        want = utm_to_lonlat(x, y, zone=32)
        # Snyder's series and PROJ agree to 2 mm here, 3.5 degrees east of zone 32's meridian.
        assert lon == pytest.approx(want[0], abs=1e-7) and lat == pytest.approx(want[1], abs=1e-7)


def test_undefined_cartesian_srs_is_refused_with_the_reason(tmp_path):
    p = tmp_path / "lokal.gpkg"
    make_gpkg(p, {"omr": [area(1, gp_blob(POLY_HOLE, srs_id=-1), "A1")]}, srs_id=-1)
    with pytest.raises(InputErrors) as e:
        read_table(p)
    (f,) = e.value.failures
    assert f.reason == Reason.unsupported_crs and f.file == str(p)
    for part in ("'omr'", "srs_id -1 (NONE:-1)", "undefined Cartesian", "WGS 84 longitude/latitude (EPSG:4326)",
                 "ogr2ogr -t_srs EPSG:4326 out.gpkg lokal.gpkg omr"):
        assert part in f.message


def test_blob_srs_must_match_its_column(tmp_path):
    p = tmp_path / "blandet.gpkg"
    make_gpkg(p, {"omr": [area(4, gp_blob(POLY_HOLE, srs_id=25832), "A1")]})
    with pytest.raises(InputErrors, match="srs_id is 25832 but its column's is 4326"):
        read_table(p)


def test_corrupt_blobs_are_all_named_by_feature_id(tmp_path):
    p = tmp_path / "skadet.gpkg"
    good = gp_blob(POLY_HOLE)
    make_gpkg(p, {"omr": [
        area(1, good, "A1"),
        area(17, good[:-5], "A2"),                    # truncated WKB
        area(23, b"XX" + good[2:], "A3"),              # wrong magic
        area(24, gp_blob(None, envelope=0, wkb_bytes=b""), "A4"),  # header without WKB
        area(30, "POLYGON((0 0))", "A5"),              # text, not a blob
    ]})
    with pytest.raises(InputErrors) as e:
        read_table(p)
    fails = e.value.failures
    assert [f.row for f in fails] == [17, 23, 24, 30]
    assert {f.column for f in fails} == {"geom"} and {f.file for f in fails} == {str(p)}
    # 8-byte header + 32-byte envelope + 9 bytes of polygon head + 4 + 5 points x 16 bytes = byte 133,
    # where the hole claims 4 points (64 bytes) of which 5 bytes were cut off.
    assert fails[0].message == ("GeoPackage table 'omr', feature id 17: cannot read the geometry: "
                                "WKB at byte 133 claims 4 points, more than the 59 bytes left can hold")
    assert "expected the magic b'GP'" in fails[1].message
    assert "has no WKB after its 8-byte header" in fails[2].message
    assert "found str" in fails[3].message
    assert "skadet.gpkg failed validation with 4 failure(s)" in str(e.value)


# --- into the store ------------------------------------------------------------------------

def test_areas_load_into_the_store_and_geometry_round_trips(areas_gpkg, tmp_path):
    from kvarter.store import Store

    with Store(tmp_path / "kvarter.duckdb") as s:
        rec = s.load(areas_gpkg, table="areas")
        got = s.con.execute(
            "select area_id, geometry, _source_row from areas__rows order by area_id").fetchall()
        loads = s.loads()
    assert rec.rows == 4 and rec.format == "gpkg"
    assert [(a, r) for a, _, r in got] == [("A1", 3), ("A2", 5), ("A3", 8), ("A4", 9)]
    assert [None if g is None else json.loads(g) for _, g, _ in got] == [POLY_HOLE, MULTI, EMPTY, None]
    assert loads.loc[0, "format"] == "gpkg" and "layer 'omraader'" in loads.loc[0, "notes"]


def test_store_load_with_layer_and_validation_rows_are_feature_ids(tmp_path):
    from kvarter.store import Store

    p = tmp_path / "to.gpkg"
    make_gpkg(p, {"a": [area(1, gp_blob(POLY_HOLE), "A1")],
                  "b": [area(41, gp_blob(MULTI), "B1"), area(42, gp_blob(MULTI), "B2", kind="housing_aera")]})
    with Store(tmp_path / "kvarter.duckdb") as s:
        assert s.load(p, table="areas", layer="a").rows == 1
        with pytest.raises(InputErrors) as e:
            s.load(p, table="areas", layer="b")
        assert [(f.row, f.column, f.reason) for f in e.value.failures] == [(42, "kind", Reason.not_allowed)]
        assert s.con.execute("select count(*) from areas").fetchone()[0] == 1


def test_cli_loads_a_geopackage(areas_gpkg, tmp_path):
    from typer.testing import CliRunner

    from kvarter.cli.main import app

    store = tmp_path / "cli.duckdb"
    res = CliRunner().invoke(app, ["load", str(areas_gpkg), "--table", "areas", "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert "Loaded 4 rows" in res.output


@pytest.mark.parametrize("blob, expected", [
    (b"GP" + struct.pack("<BBi", 1, 1, 4326) + wkb(POLY_HOLE), "version 1; kvarter reads version 0"),
    (b"GP" + struct.pack("<BBi", 0, 1 | 0b100000, 4326) + wkb(POLY_HOLE), "extension geometry type"),
    (b"GP" + struct.pack("<BBi", 0, 1 | (5 << 1), 4326) + wkb(POLY_HOLE), "envelope indicator 5; expected 0-4"),
    (b"GP\x00\x01", "expected the magic b'GP' and an 8-byte header"),
])
def test_bad_geopackage_headers(blob, expected):
    with pytest.raises(WKBError, match=expected):
        gpkg_geometry(blob)


def test_unsaved_wal_changes_are_refused(tmp_path):
    p = tmp_path / "aaben.gpkg"
    make_gpkg(p, {"omr": [area(1, gp_blob(POLY_HOLE), "A1")]})
    (tmp_path / "aaben.gpkg-wal").write_bytes(b"\x37\x7f\x06\x82" + b"\x00" * 28)
    with pytest.raises(InputErrors, match="unsaved changes in aaben.gpkg-wal"):
        read_table(p)


def test_text_that_is_not_utf8_is_a_bad_encoding(tmp_path):
    p = tmp_path / "latin1.gpkg"
    make_gpkg(p, {"omr": [area(1, gp_blob(POLY_HOLE), "A1")]})
    con = sqlite3.connect(p)
    con.execute("update omr set name = cast(? as text)", ["Blåbær".encode("latin-1")])
    con.commit()
    con.close()
    with pytest.raises(InputErrors, match="cannot read GeoPackage table 'omr'") as e:
        read_table(p)
    assert e.value.failures[0].reason is Reason.bad_encoding


def test_an_attribute_named_geometry_beside_the_geometry_column(tmp_path):
    p = tmp_path / "dobbelt.gpkg"
    make_gpkg(p, {"omr": [(1, gp_blob(POLY_HOLE), "A1", "x")]}, attrs=("area_id", "Geometry"))
    with pytest.raises(InputErrors, match="attribute column named geometry besides its geometry column 'geom'"):
        read_table(p)
