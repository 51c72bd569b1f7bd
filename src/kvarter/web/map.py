"""The web app's map: every area drawn from its stored geometry as an SVG
path that links to the area page, coloured by a designation or by an
indicator's published value (suppressed areas hatched, with the reason).

The projection is the report's (:mod:`kvarter.report.maps`): equirectangular
with the longitude scaled by the cosine of the middle latitude. Nothing is
fetched: no tiles, no map library, the shapes are the store's own.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Sequence

from kvarter.report.maps import NEUTRAL
from kvarter.report.svg import CATEGORICAL, SUPPRESSED_FILL, el, esc, fmt, hatch_pattern, svg_root

#: Sequential colours (light to dark blue) for an indicator's quintiles.
SEQUENTIAL = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")


@dataclass(frozen=True)
class MapArea:
    """One area on the map: its id, name, GeoJSON geometry (EPSG:4326), the
    category or class it is coloured by (None: neutral), whether its value is
    suppressed, and its hover text (lines)."""

    area_id: str
    name: str
    geometry: dict
    category: str | None
    tip: str
    suppressed: bool = False


def _rings(geometry: dict) -> list[list[tuple[float, float]]]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    polys = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    return [[(float(p[0]), float(p[1])) for p in ring] for poly in polys for ring in poly]


def parse_geometry(text) -> dict | None:
    """A stored geometry (GeoJSON text) as a dict, or None when absent or unreadable.

    >>> parse_geometry('{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}')["type"]
    'Polygon'
    >>> parse_geometry(None) is None, parse_geometry("not json") is None
    (True, True)
    """
    if isinstance(text, dict):
        return text
    if not isinstance(text, str) or not text:
        return None
    try:
        g = json.loads(text)
    except ValueError:
        return None
    return g if isinstance(g, dict) and g.get("type") in ("Polygon", "MultiPolygon") else None


def quintile_breaks(values: Sequence[float]) -> list[float]:
    """Four breaks splitting ``values`` into five classes of about equal size (fewer for few distinct values).

    >>> quintile_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    [3.0, 5.0, 7.0, 9.0]
    """
    xs = sorted(float(v) for v in values)
    if len(set(xs)) < 2:
        return []
    out: list[float] = []
    for k in range(1, 5):
        b = xs[k * len(xs) // 5]
        if b not in out and b > xs[0]:
            out.append(b)
    return out


def area_map(areas: Sequence[MapArea], legend: Sequence[tuple[str, str]], *, title: str, href: str = "/areas/{id}",
             colours: dict | None = None, width: float = 900.0, height: float = 680.0, query: str = "") -> str:
    """The SVG map: one linked path per area (``href`` with ``{id}``), a legend of (category, text) rows.

    >>> sq = {"type": "Polygon", "coordinates": [[[12.0, 55.0], [12.1, 55.0], [12.1, 55.1], [12.0, 55.0]]]}
    >>> svg = area_map([MapArea("A1", "Aby", sq, "x", "Aby\\nResidents: 1,200")], [("x", "Listed")], title="Map")
    >>> svg.count("<path"), '<a href="/areas/A1"' in svg, "<title>Aby\\nResidents: 1,200</title>" in svg
    (1, True, True)
    """
    colours = dict(colours or {})
    cats = [c for c, _ in legend if c is not None]
    for k, c in enumerate(c for c in cats if c not in colours):
        colours[c] = CATEGORICAL[k % len(CATEGORICAL)]
    pts = [p for a in areas for ring in _rings(a.geometry) for p in ring]
    legend_h = 22 * (len(legend) + 1) + 16
    pad, title_h = 10.0, 26.0
    parts = [hatch_pattern("kv-web-hatch"),
             el("text", {"x": pad, "y": 20, "font-weight": 600, "font-size": 14}, esc(title))]
    if pts:
        lons, lats = [p[0] for p in pts], [p[1] for p in pts]
        lon0, lat1 = min(lons), max(lats)
        kx = math.cos(math.radians((min(lats) + lat1) / 2))
        span_x, span_y = (max(lons) - lon0) * kx or 1e-9, (lat1 - min(lats)) or 1e-9
        draw_w, draw_h = width - 2 * pad, height - 2 * pad - legend_h - title_h
        scale = min(draw_w / span_x, draw_h / span_y)
        off_x, off_y = pad + (draw_w - span_x * scale) / 2, pad + title_h

        def project(lon: float, lat: float) -> str:
            return f"{fmt(off_x + (lon - lon0) * kx * scale)} {fmt(off_y + (lat1 - lat) * scale)}"

        for a in areas:
            d = " ".join("M" + " L".join(project(*p) for p in ring) + " Z" for ring in _rings(a.geometry) if ring)
            fill = "url(#kv-web-hatch)" if a.suppressed else colours.get(a.category, NEUTRAL)
            path = el("path", {"d": d, "fill": fill, "fill-rule": "evenodd", "stroke": "#ffffff", "stroke-width": 1,
                               "class": "kv-area", "data-area": a.area_id, "data-name": a.name, "data-info": a.tip,
                               "data-category": a.category or ""},
                      el("title", None, esc(a.tip)))
            parts.append(el("a", {"href": href.format(id=a.area_id) + query, "aria-label": a.tip.replace("\n", "; ")},
                            path))
    ly = height - legend_h + 8
    rows = list(legend) + [(None, "")]
    for k, (cat, text) in enumerate(rows):
        y = ly + 16 + 22 * k
        if cat is None and not text:
            continue
        colour = "url(#kv-web-hatch)" if cat == "suppressed" else colours.get(cat, NEUTRAL)
        parts.append(el("rect", {"x": pad, "y": y - 11, "width": 16, "height": 14, "fill": colour, "stroke": "#999",
                                 "class": "kv-legend-swatch"}))
        parts.append(el("text", {"x": pad + 22, "y": y}, esc(text)))
    return svg_root(width, height, title, "".join(parts), cls="kv-map kv-web-map", role="group")


__all__ = ["MapArea", "SEQUENTIAL", "SUPPRESSED_FILL", "area_map", "parse_geometry", "quintile_breaks"]
