"""Area geometry at load: every bad geometry named at once, projected files reprojected to WGS 84.

The reprojection is checked against second implementations of the two
projections (tests/io/conftest.py: Snyder's UTM series, and the
Schreutelkamp-Strang van Hees formulas for RD New), not against PROJ itself.
"""

from __future__ import annotations

import json

import pytest

from kvarter.errors import InputErrors, Reason
from kvarter.io.geometry import geometry_problems, to_wgs84
from kvarter.io.readers import read_table
from kvarter.store import Store

SQUARE = [[12.50, 55.70], [12.51, 55.70], [12.51, 55.71], [12.50, 55.71], [12.50, 55.70]]


def feature(i: int, geometry, name: str = "Område") -> dict:
    return {"type": "Feature", "geometry": geometry,
            "properties": {"area_id": f"A{i}", "name": name, "municipality": "101", "region": "1084",
                           "kind": "urban_area"}}


def write(path, features, crs: str | None = None) -> None:
    doc = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def snapshot(store: Store) -> dict:
    return {t: store.read(t).to_dict("list") for t in store.tables()}


def test_every_bad_geometry_is_reported_at_once_and_nothing_is_stored(tmp_path):
    p = tmp_path / "areas.geojson"
    write(p, [
        feature(1, {"type": "Polygon", "coordinates": [SQUARE[:-1]]}),                        # ring not closed
        feature(2, {"type": "Polygon", "coordinates": [[[str(x), str(y)] for x, y in SQUARE]]}),  # strings
        feature(3, {"type": "Polygn", "coordinates": [SQUARE]}),                                # misspelt type
        feature(4, {"type": "Polygon", "coordinates": [[[12.5, 55.7], [12.51, 55.71], [12.51, 55.7],
                                                        [12.5, 55.71], [12.5, 55.7]]]}),      # bow tie
        feature(5, {"type": "Polygon", "coordinates": [SQUARE]}),                               # good
        feature(6, {"type": "Point", "coordinates": [12.5, 55.7]}),                             # not an area
    ])
    with Store(tmp_path / "s.duckdb") as s:
        s.load_frame(__import__("pandas").DataFrame({"area_id": ["B1"], "name": ["Før"], "municipality": ["101"],
                                                      "region": ["1084"], "kind": ["urban_area"]}), "areas")
        before = snapshot(s)
        with pytest.raises(InputErrors) as err:
            s.load(p, "areas")
        assert snapshot(s) == before
    got = [(f.row, f.column, f.reason, f.message) for f in err.value.failures]
    assert got == [
        (1, "geometry", Reason.bad_geometry, "geometry: ring 1 is not closed: it starts at (12.5, 55.7) but ends "
                                             "at (12.5, 55.71); repeat the first position at the end"),
        (2, "geometry", Reason.bad_geometry, "geometry: ring 1, position 1 has the coordinate '12.5' (text); "
                                             "coordinates must be numbers, written without quotes (and 4 more "
                                             "malformed position(s))"),
        (3, "geometry", Reason.bad_geometry, "geometry: geometry type 'Polygn' is not a GeoJSON type; did you mean "
                                             "'Polygon'?"),
        (4, "geometry", Reason.bad_geometry, "geometry: the polygon is not valid: Self-intersection at "
                                             "(12.505, 55.705)"),
        (6, "geometry", Reason.bad_geometry, "geometry: the geometry is a Point; expected Polygon or MultiPolygon"),
    ]
    assert str(p) in str(err.value)


def test_projected_coordinates_without_a_crs_are_refused_with_a_suggestion(tmp_path):
    p = tmp_path / "udsatte.geojson"
    e, n = 724_000.0, 6_175_000.0
    ring = [[e, n], [e + 300, n], [e + 300, n + 300], [e, n + 300], [e, n]]
    write(p, [feature(1, {"type": "Polygon", "coordinates": [ring]})])
    with Store(tmp_path / "s.duckdb") as s, pytest.raises(InputErrors) as err:
        s.load(p, "areas")
    (f,) = err.value.failures
    assert f.reason == Reason.bad_geometry and f.row == 1
    assert ("the position (724000, 6.175e+06) is not longitude/latitude: the coordinates are in a projected system "
            "such as EPSG:25832 (ETRS89 / UTM zone 32N, Denmark and western Norway)") in f.message


def test_crs_member_epsg_25832_is_reprojected(tmp_path, utm_to_lonlat):
    e, n = 724_000.0, 6_175_000.0
    ring = [[e, n], [e + 300, n], [e + 300, n + 300], [e, n + 300], [e, n]]
    p = tmp_path / "udsatte.geojson"
    write(p, [feature(1, {"type": "Polygon", "coordinates": [ring]})], crs="urn:ogc:def:crs:EPSG::25832")
    with Store(tmp_path / "s.duckdb") as s:
        rec = s.load(p, "areas")
        (got,) = json.loads(s.read("areas").loc[0, "geometry"])["coordinates"]
    assert rec.notes == "reprojected from EPSG:25832 to EPSG:4326 (WGS 84)"
    for (lon, lat), (x, y) in zip(got, ring):
        want_lon, want_lat = utm_to_lonlat(x, y, zone=32)
        assert lon == pytest.approx(want_lon, abs=1e-7) and lat == pytest.approx(want_lat, abs=1e-7)


def test_crs_argument_epsg_28992_is_reprojected(tmp_path, rd_to_lonlat):
    # A Dutch buurt as RD New exports it, without a crs member: the caller names the system.
    x, y = 81_000.0, 455_000.0
    ring = [[x, y], [x + 400, y], [x + 400, y + 400], [x, y + 400], [x, y]]
    p = tmp_path / "buurten.geojson"
    write(p, [feature(1, {"type": "Polygon", "coordinates": [ring]})])
    t = read_table(p, crs="EPSG:28992")
    (got,) = json.loads(t.frame.loc[0, "geometry"])["coordinates"]
    for (lon, lat), (px, py) in zip(got, ring):
        want_lon, want_lat = rd_to_lonlat(px, py)
        # The approximation formulas are good to about a metre: 1e-5 degrees.
        assert lon == pytest.approx(want_lon, abs=1e-5) and lat == pytest.approx(want_lat, abs=1e-5)
    # The origin of RD, the tower of Amersfoort, at its published WGS 84 position.
    origin = to_wgs84({"type": "Point", "coordinates": [155_000.0, 463_000.0]}, "EPSG:28992")["coordinates"]
    assert origin == pytest.approx([5.38720621, 52.15517440], abs=1e-5)


def test_a_crs_that_cannot_be_used_is_refused_clearly(tmp_path):
    p = tmp_path / "x.geojson"
    write(p, [feature(1, {"type": "Polygon", "coordinates": [SQUARE]})], crs="EPSG:99999")
    with pytest.raises(InputErrors) as err:
        read_table(p)
    (f,) = err.value.failures
    assert f.reason == Reason.unsupported_crs and f.file == str(p)
    assert f.message.startswith("PROJ does not know the coordinate reference system 'EPSG:99999'")
    q = tmp_path / "link.geojson"
    q.write_text(json.dumps({"type": "FeatureCollection", "features": [],
                             "crs": {"type": "link", "properties": {"href": "http://example.org/crs"}}}))
    with pytest.raises(InputErrors, match="is not a named CRS"):
        read_table(q)


def test_declared_and_given_crs_must_agree(tmp_path):
    p = tmp_path / "x.geojson"
    write(p, [feature(1, {"type": "Polygon", "coordinates": [SQUARE]})], crs="EPSG:4326")
    with pytest.raises(InputErrors, match="declares its coordinates in EPSG:4326 but crs=EPSG:25832 was given"):
        read_table(p, crs="EPSG:25832")


def test_geometry_given_as_text_in_a_csv_is_checked_too(tmp_path):
    p = tmp_path / "areas.csv"
    good = json.dumps({"type": "Polygon", "coordinates": [SQUARE]}).replace('"', '""')
    p.write_text("area_id;name;municipality;region;kind;geometry\n"
                 f'A1;Ryparken;101;1084;urban_area;"{good}"\n'
                 'A2;Nordvest;101;1084;urban_area;"{""type"": ""Polygon"", ""coordinates"": [[[12.5, 55.7]"\n',
                 encoding="utf-8")
    with Store(tmp_path / "s.duckdb") as s, pytest.raises(InputErrors) as err:
        s.load(p, "areas")
    (f,) = err.value.failures
    assert (f.row, f.reason) == (2, Reason.bad_geometry)
    assert f.message.startswith("geometry: not GeoJSON text (Expecting ',' delimiter")


def test_copenhagen_layer_is_valid_wgs84(reference_dir):
    t = read_table(reference_dir / "kk_udsatte_byomraader_2017.geojson")
    assert t.notes == []  # its crs member names EPSG:4326: nothing to reproject
    for g in t.frame["geometry"]:
        assert geometry_problems(json.loads(g), ("Polygon", "MultiPolygon")) == []


def test_multipolygon_positions_are_named_by_polygon_and_ring():
    geom = {"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE, [[12.502, 55.702], [12.503, "55.70"],
                                                                        [12.503, 55.703], [12.502, 55.702]]]]}
    assert geometry_problems(geom) == [
        "position 2, ring 2, polygon 2 has the coordinate '55.70' (text); coordinates must be numbers, "
        "written without quotes"]
