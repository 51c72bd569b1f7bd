"""SVG charts: well-formed, accessible, exact geometry and colours, suppression never drawn as zero."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from kvarter.errors import InputError
from kvarter.report import charts, frames
from kvarter.report.svg import interpolate

NS = {"s": "http://www.w3.org/2000/svg"}
NAN = float("nan")


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-label")
    assert root.find("s:title", NS) is not None
    return root


def test_heat_colours_follow_the_scale():
    # by hand: green #006837 at 0, yellow #ffe945 at 0.4, red #8b0000 at 0.8; halfway green→yellow at 0.2
    assert interpolate(0.0) == "#006837" and interpolate(0.8) == "#8b0000" and interpolate(0.95) == "#8b0000"
    assert interpolate(0.2) == "#%02x%02x%02x" % (round(0x00 + 0.5 * 0xff), round(0x68 + 0.5 * (0xe9 - 0x68)),
                                                  round(0x37 + 0.5 * (0x45 - 0x37)))


def test_heatmap_cells_tooltips_and_suppression(tables):
    values, reasons, rows, cols = frames.grid(tables["heat"], index="municipality", columns="year", value="d")
    assert rows == ["Aby", "Bby", "Cby"] and cols == [2016, 2017, 2018]
    svg = charts.heatmap(values, rows, cols, title="D", reasons=reasons)
    root = _parse(svg)
    cells = root.findall(".//s:g[@class='kv-cell']", NS)
    assert len(cells) == 8
    fills = {c.find("s:title", NS).text: c.find("s:rect", NS).get("fill") for c in cells}
    assert fills["Aby, 2016: 0.12"] == interpolate(0.12) and fills["Cby, 2018: 0.79"] == interpolate(0.79)
    (supp,) = root.findall(".//s:g[@class='kv-cell kv-suppressed']", NS)
    assert supp.find("s:title", NS).text == "Bby, 2018: suppressed: to protect the confidentiality of persons"
    assert supp.find("s:rect", NS).get("fill").startswith("url(#")
    assert "0.00" not in svg  # the suppressed cell is not shown as zero
    assert root.find(".//s:rect[@class='kv-legend-scale']", NS) is not None


def test_line_chart_points_sit_where_the_values_are(tables):
    xs, series, reasons = frames.series(tables["trends"], x="year", by="group", value="share")
    assert xs == [2019, 2020, 2021, 2022, 2023]
    svg = charts.line_chart(xs, series, title="T", reasons=reasons)
    root = _parse(svg)
    points = {p.find("s:title", NS).text: (float(p.get("cx")), float(p.get("cy")))
              for p in root.findall(".//s:circle[@class='kv-point']", NS)}
    assert len(points) == 9 and "designated areas, 2021: 22.0%" not in points
    # axis 0..30 % over 220 px from y=34; x from 64 over 320 px
    x, y = points["designated areas, 2023: 17.3%"]
    assert x == pytest.approx(64 + 320) and y == pytest.approx(34 + 220 - 0.173 / 0.3 * 220, abs=0.01)
    x, y = points["rest of the city, 2019: 11.0%"]
    assert x == pytest.approx(64) and y == pytest.approx(34 + 220 - 0.11 / 0.3 * 220, abs=0.01)
    (band,) = root.findall(".//s:g[@class='kv-suppressed']", NS)
    assert band.find("s:title", NS).text == "designated areas, 2021: suppressed: to protect the confidentiality of persons"
    # the designated line is broken at 2021: two segments of two points
    lines = [l.get("points").split() for l in root.findall(".//s:polyline", NS)]
    assert sorted(len(l) for l in lines) == [2, 2, 5]


def test_bar_chart_widths_are_proportional(tables):
    cats, groups, reasons = frames.series(tables["profile"], x="category", by="group", value="share", lang="da")
    svg = charts.bar_chart(cats, groups, title="Employment status", lang="da", reasons=reasons)
    root = _parse(svg)
    bars = {g.find("s:title", NS).text: float(g.find("s:rect", NS).get("width"))
            for g in root.findall(".//s:g[@class='kv-bar']", NS)}
    assert bars["i beskæftigelse, whole municipality: 78,0\u00a0%"] == pytest.approx(300)
    assert bars["i beskæftigelse, Tingbjerg/Husum: 52,0\u00a0%"] == pytest.approx(300 * 0.52 / 0.78, abs=0.01)
    (supp,) = root.findall(".//s:g[@class='kv-bar kv-suppressed']", NS)
    assert supp.find("s:title", NS).text == "ledig, Tingbjerg/Husum: udeladt: af hensyn til diskretion"


def test_inputs_are_checked():
    with pytest.raises(InputError, match="shape"):
        charts.heatmap([[0.1, 0.2]], ["a"], [1], title="x")
    with pytest.raises(InputError, match="series 'a' passed to line_chart has 1 values for 2 years"):
        charts.line_chart([1, 2], {"a": [0.1]}, title="x")
    with pytest.raises(InputError, match="reasons passed to bar_chart"):
        charts.bar_chart(["a"], {"g": [1.0]}, title="x", reasons={"g": [None, None]})
    with pytest.raises(InputError, match="'lang' parameter of heatmap"):
        charts.heatmap([[0.1]], ["a"], [1], title="x", lang="de")


def test_titles_are_escaped():
    svg = charts.bar_chart(["<a>"], {"g & h": [0.5]}, title='"x" < y')
    _parse(svg)
    assert "<a>" not in svg and "g &amp; h" in svg
