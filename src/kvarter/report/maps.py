"""An SVG map of areas from GeoJSON, coloured by category, with a legend and
an info box on hover.

Geometry is EPSG:4326 (longitude, latitude). The projection is
equirectangular with the longitude scaled by the cosine of the map's middle
latitude, which keeps shapes true at the scale of one municipality:

    x = (lon − lon_min) · cos(φ₀),   y = lat_max − lat,   φ₀ = (lat_min + lat_max) / 2

then scaled to fit the drawing. Each area is a ``<path>`` with a ``<title>``
(the browser's tooltip) and ``data-name``/``data-info`` attributes that the
report's inline script shows in a styled info box on hover or focus.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from kvarter.errors import InputError
from kvarter.report.i18n import check_lang, label
from kvarter.report.svg import CATEGORICAL, el, esc, fmt, svg_root

Feature = Mapping

#: Colour of areas whose category is "not designated" (or ``None``).
NEUTRAL = "#e8e8e8"


def load_features(path: str | Path) -> list[dict]:
    """Read the features of a GeoJSON FeatureCollection file.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.geojson")
    >>> _ = open(p, "w").write('{"type": "FeatureCollection", "features": []}')
    >>> load_features(p)
    []
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read GeoJSON ({exc}); expected a FeatureCollection in UTF-8.") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        kind = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise InputError(f"{path}: expected a GeoJSON FeatureCollection; got type {kind!r}.")
    return list(data.get("features", []))


def _polygons(feature: Feature, i: int) -> list[list[list[tuple[float, float]]]]:
    """The feature's polygons, each a list of rings of (lon, lat)."""
    geom = feature.get("geometry") or {}
    kind = geom.get("type")
    coords = geom.get("coordinates")
    name = (feature.get("properties") or {}).get("name", f"feature {i}")
    if kind == "Polygon":
        polys = [coords]
    elif kind == "MultiPolygon":
        polys = coords
    else:
        raise InputError(
            f"Feature {i} ({name!r}) passed to svg_map has geometry type {kind!r}; "
            "expected Polygon or MultiPolygon."
        )
    out = []
    for poly in polys:
        rings = []
        for ring in poly:
            pts = []
            for pt in ring:
                lon, lat = float(pt[0]), float(pt[1])
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise InputError(
                        f"Feature {i} ({name!r}) passed to svg_map has coordinate ({lon}, {lat}) "
                        "outside longitude/latitude range; expected EPSG:4326 (degrees)."
                    )
                pts.append((lon, lat))
            rings.append(pts)
        out.append(rings)
    return out


def _getter(spec, what: str) -> Callable[[Feature], object]:
    if callable(spec):
        return spec
    if isinstance(spec, str):
        return lambda f: (f.get("properties") or {}).get(spec)
    raise InputError(f"{what} passed to svg_map must be a property name or a function of a feature; got {spec!r}.")


def svg_map(
    features: Sequence[Feature],
    fill_by: str | Callable[[Feature], str | None],
    tooltip: str | Callable[[Feature], str],
    *,
    name_by: str | Callable[[Feature], str] | None = None,
    title: str = "",
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    width: float = 720.0,
    height: float = 520.0,
) -> str:
    """Draw ``features`` (GeoJSON Polygon/MultiPolygon in EPSG:4326) as an SVG map.

    ``fill_by`` gives each feature's category (a property name or a function);
    ``None`` or ``"not_designated"`` is drawn light grey. ``tooltip`` gives the
    hover text (name, residents, criteria met), one item per line. ``name_by``
    gives the name shown in bold in the info box (default: the first line of
    the tooltip).

    >>> square = {"type": "Feature", "properties": {"name": "Aby", "list": "prevention"},
    ...           "geometry": {"type": "Polygon",
    ...                        "coordinates": [[[12.0, 55.0], [12.1, 55.0], [12.1, 55.1], [12.0, 55.1], [12.0, 55.0]]]}}
    >>> svg = svg_map([square], "list", lambda f: "Aby\\nResidents: 1,200", title="Areas")
    >>> svg.count("<path"), 'data-name="Aby"' in svg, "<title>Aby\\nResidents: 1,200</title>" in svg
    (1, True, True)
    """
    check_lang(lang, "svg_map")
    fill_of = _getter(fill_by, "fill_by")
    tip_of = _getter(tooltip, "tooltip")
    name_of = _getter(name_by, "name_by") if name_by is not None else None
    shapes = [_polygons(f, i) for i, f in enumerate(features)]
    pts = [p for shape in shapes for poly in shape for ring in poly for p in ring]
    if not pts:
        raise InputError("features passed to svg_map have no coordinates; expected at least one polygon.")
    lons = [p[0] for p in pts]
    lats = [p[1] for p in pts]
    lon0, lat1 = min(lons), max(lats)
    kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = (max(lons) - lon0) * kx or 1e-9
    span_y = (lat1 - min(lats)) or 1e-9

    categories = []
    for f in features:
        c = fill_of(f)
        if c not in categories:
            categories.append(c)
    designated = [c for c in categories if c not in (None, "not_designated")]
    palette = dict(colours or {})
    for k, c in enumerate(c for c in designated if c not in palette):
        palette[c] = CATEGORICAL[k % len(CATEGORICAL)]

    legend_rows = designated + ([None] if len(designated) < len(categories) else [])
    legend_h = 22 * len(legend_rows) + 40
    title_h = 26.0 if title else 0.0
    pad = 10.0
    draw_w, draw_h = width - 2 * pad, height - 2 * pad - legend_h - title_h
    scale = min(draw_w / span_x, draw_h / span_y)
    off_x = pad + (draw_w - span_x * scale) / 2
    off_y = pad + title_h

    def project(lon: float, lat: float) -> str:
        return f"{fmt(off_x + (lon - lon0) * kx * scale)} {fmt(off_y + (lat1 - lat) * scale)}"

    parts = []
    if title:
        parts.append(el("text", {"x": pad, "y": 20, "font-weight": 600, "font-size": 14}, esc(title)))
    for f, shape in zip(features, shapes):
        d = " ".join(
            "M" + " L".join(project(*p) for p in ring) + " Z"
            for poly in shape for ring in poly if ring
        )
        cat = fill_of(f)
        tip = str(tip_of(f))
        name = str(name_of(f)) if name_of else tip.split("\n", 1)[0]
        fill = palette.get(cat, NEUTRAL)
        parts.append(el(
            "path",
            {"d": d, "fill": fill, "fill-rule": "evenodd", "stroke": "#ffffff", "stroke-width": 1,
             "class": "kv-area", "tabindex": 0, "role": "img", "aria-label": tip.replace("\n", "; "),
             "data-name": name, "data-info": tip, "data-category": "" if cat is None else str(cat)},
            el("title", None, esc(tip)),
        ))
    ly = height - legend_h + 8
    parts.append(el("text", {"x": pad, "y": ly + 10, "font-weight": 600}, esc(label("legend", lang))))
    for k, cat in enumerate(legend_rows):
        y = ly + 34 + 22 * k
        colour = palette.get(cat, NEUTRAL)
        text = label("not_designated", lang) if cat is None else label(str(cat), lang)
        parts.append(el("rect", {"x": pad, "y": y - 11, "width": 16, "height": 14, "fill": colour,
                                 "stroke": "#999", "class": "kv-legend-swatch"}))
        parts.append(el("text", {"x": pad + 22, "y": y}, esc(text)))
    return svg_root(width, height, title or label("map", lang), "".join(parts), cls="kv-map", role="group")
