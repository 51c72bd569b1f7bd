"""The SVG map, on Copenhagen's deprived urban areas read in place."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from kvarter.errors import InputError
from kvarter.report.maps import NEUTRAL, load_features, svg_map
from kvarter.report.svg import CATEGORICAL

NS = {"s": "http://www.w3.org/2000/svg"}


def _coords(d: str) -> list[tuple[float, float]]:
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return list(zip(nums[::2], nums[1::2]))


def test_copenhagen_areas_are_drawn_coloured_and_explained(reference_dir):
    features = load_features(reference_dir / "kk_udsatte_byomraader_2017.geojson")
    assert len(features) == 17
    svg = svg_map(features, "byomraade", lambda f: f"{f['properties']['delomraade']}\nm2: {f['properties']['m2']}",
                  title="Copenhagen")
    root = ET.fromstring(svg)
    paths = root.findall(".//s:path", NS)
    assert len(paths) == 17
    # one sub-path per ring in the file
    rings = [sum(len(p) for p in f["geometry"]["coordinates"]) for f in features]
    assert [p.get("d").count("M") for p in paths] == rings
    # five city areas, five colours in order of first appearance, and a legend row each
    order = list(dict.fromkeys(f["properties"]["byomraade"] for f in features))
    assert [p.get("fill") for p in paths[:2]] == [CATEGORICAL[0], CATEGORICAL[1]]
    assert {p.get("data-category"): p.get("fill") for p in paths} == {c: CATEGORICAL[k] for k, c in enumerate(order)}
    assert len(root.findall(".//s:rect[@class='kv-legend-swatch']", NS)) == 5
    assert paths[4].get("data-name") == "Ydre Nørrebro" and paths[4].find("s:title", NS).text == "Ydre Nørrebro\nm2: 983531"


def test_projection_keeps_the_aspect_ratio(reference_dir):
    features = load_features(reference_dir / "kk_udsatte_byomraader_2017.geojson")
    pts = [p for f in features for poly in f["geometry"]["coordinates"] for ring in poly for p in ring]
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    expected = (max(lons) - min(lons)) * math.cos(math.radians((min(lats) + max(lats)) / 2)) / (max(lats) - min(lats))
    root = ET.fromstring(svg_map(features, lambda f: None, "delomraade"))
    xy = [c for p in root.findall(".//s:path", NS) for c in _coords(p.get("d"))]
    xs, ys = [c[0] for c in xy], [c[1] for c in xy]
    assert (max(xs) - min(xs)) / (max(ys) - min(ys)) == pytest.approx(expected, rel=0.01)
    # north is up: the northernmost point has the smallest y
    north = max(range(len(pts)), key=lambda i: lats[i])
    assert len(xy) == len(pts) and ys[north] == min(ys)
    assert all(p.get("fill") == NEUTRAL for p in root.findall(".//s:path", NS))


def test_bad_geometry_is_named():
    point = {"type": "Feature", "properties": {"name": "X"}, "geometry": {"type": "Point", "coordinates": [12, 55]}}
    with pytest.raises(InputError, match="Feature 0 \\('X'\\).*'Point'; expected Polygon or MultiPolygon"):
        svg_map([point], "name", "name")
    projected = {"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[720000, 6170000], [720100, 6170000], [720000, 6170100], [720000, 6170000]]]}}
    with pytest.raises(InputError, match="expected EPSG:4326"):
        svg_map([projected], "name", "name")


def test_unreadable_file_is_named(tmp_path):
    bad = tmp_path / "x.geojson"
    bad.write_text('{"type": "Feature"}')
    with pytest.raises(InputError, match="x.geojson: expected a GeoJSON FeatureCollection; got type 'Feature'"):
        load_features(bad)
