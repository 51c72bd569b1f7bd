"""Check GeoJSON geometry and bring it to WGS 84 longitude/latitude.

An area's geometry reaches kvarter from a municipal GIS: GeoJSON written by
hand or by QGIS/ogr2ogr/GeoServer, or a GeoPackage. Before it is stored it
must be something a map can draw: a known GeoJSON type with numeric
positions, closed rings of at least four positions, a valid polygon (no
self-intersection; shapely's ``is_valid``, the OGC simple-features rules) and
longitude/latitude within range. :func:`geometry_problems` lists every
problem of one geometry in words.

Coordinates in another reference system — the normal export of Danish
(EPSG:25832, ETRS89 / UTM 32N) and Dutch (EPSG:28992, Amersfoort / RD New)
municipal GIS — are reprojected to EPSG:4326 with PROJ via pyproj
(:func:`to_wgs84`); the system is read from the GeoJSON ``crs`` member
(:func:`geojson_crs`, the 2008 GeoJSON specification; RFC 7946 dropped the
member and fixed WGS 84) or the GeoPackage ``gpkg_spatial_ref_sys`` table.

References: RFC 7946 *The GeoJSON Format* (2016), §3.1; OGC 06-103r4 *Simple
Feature Access*, §6.1.11 (polygon validity); the 2008 GeoJSON specification
§3 (named CRS).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from kvarter.errors import InputError

#: The GeoJSON geometry types (RFC 7946 §1.4).
GEOJSON_TYPES: tuple[str, ...] = (
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection",
)

#: Nesting depth of ``coordinates`` per type: 1 = a position, 2 = a list of positions ...
DEPTH: dict[str, int] = {
    "Point": 1, "MultiPoint": 2, "LineString": 2, "MultiLineString": 3, "Polygon": 3, "MultiPolygon": 4,
}

#: The reference system kvarter stores and draws: WGS 84 longitude/latitude.
WGS84 = "EPSG:4326"

#: Names of WGS 84 longitude/latitude that a file may use.
_WGS84_NAMES = {"epsg:4326", "urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "crs84", "ogc:crs84",
                "urn:ogc:def:crs:epsg::4326", "urn:ogc:def:crs:epsg:6.6:4326", "4326"}

#: Projected systems that municipal exports commonly use, with the box their coordinates fall in
#: (min x, max x, min y, max y), for suggesting the system of a file that does not say.
COMMON_PROJECTED: tuple[tuple[str, str, tuple[float, float, float, float]], ...] = (
    ("EPSG:28992", "Amersfoort / RD New, the Netherlands", (-7_000, 300_000, 289_000, 629_000)),
    ("EPSG:25832", "ETRS89 / UTM zone 32N, Denmark and western Norway", (400_000, 900_000, 6_000_000, 6_500_000)),
    ("EPSG:25833", "ETRS89 / UTM zone 33N, eastern Norway and Sweden", (200_000, 1_100_000, 6_400_000, 7_950_000)),
)


class CRSError(InputError):
    """A coordinate reference system that cannot be read or reprojected."""


def _fmt_xy(p: Sequence) -> str:
    return "(" + ", ".join(f"{v:g}" if isinstance(v, int | float) else repr(v) for v in p[:2]) + ")"


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _where(path: tuple[int, ...], kind: str) -> str:
    """Name a position by its path in the coordinates ("ring 1, position 3 of polygon 2")."""
    if not path:
        return "the point"
    names = {
        "MultiPoint": ("point",), "LineString": ("position",), "MultiLineString": ("line", "position"),
        "Polygon": ("ring", "position"), "MultiPolygon": ("polygon", "ring", "position"),
    }[kind]
    parts = [f"{n} {i + 1}" for n, i in zip(names, path)]
    return ", ".join(reversed(parts)) if kind == "MultiPolygon" else ", ".join(parts)


def _positions(coords, depth: int, kind: str, path: tuple[int, ...], out: list[str], found: list) -> None:
    """Walk ``coords`` ``depth`` levels deep; collect positions and structure problems."""
    if depth == 1:
        if not isinstance(coords, list) or not 2 <= len(coords) <= 4:
            out.append(f"{_where(path, kind)} is {coords!r:.60}; a position is a list of 2 or 3 numbers "
                       "[longitude, latitude]")
            return
        bad = [v for v in coords if not _is_number(v)]
        if bad:
            what = "text" if isinstance(bad[0], str) else type(bad[0]).__name__
            out.append(f"{_where(path, kind)} has the coordinate {bad[0]!r} ({what}); coordinates must be "
                       "numbers, written without quotes")
            return
        found.append(coords)
        return
    if not isinstance(coords, list):
        out.append(f"{_where(path, kind) if path else 'coordinates'} is {coords!r:.60}; expected a list "
                   f"(a {kind} nests its coordinates {DEPTH[kind]} lists deep)")
        return
    for i, sub in enumerate(coords):
        _positions(sub, depth - 1, kind, path + (i,), out, found)


def _ring_problems(ring, where: str) -> list[str]:
    if not isinstance(ring, list) or not all(isinstance(p, list) and len(p) >= 2 for p in ring):
        return []  # reported as a structure problem
    if len(ring) < 4:
        return [f"{where} has {len(ring)} position(s); a ring needs at least 4 (a triangle and its closing "
                "position)"]
    if list(ring[0][:2]) != list(ring[-1][:2]):
        return [f"{where} is not closed: it starts at {_fmt_xy(ring[0])} but ends at {_fmt_xy(ring[-1])}; "
                "repeat the first position at the end"]
    return []


def _closure_problems(geom: dict) -> list[str]:
    kind, coords = geom["type"], geom["coordinates"]
    if kind == "Polygon":
        return [p for i, r in enumerate(coords) for p in _ring_problems(r, f"ring {i + 1}")]
    if kind == "MultiPolygon":
        return [
            p
            for j, poly in enumerate(coords) if isinstance(poly, list)
            for i, r in enumerate(poly)
            for p in _ring_problems(r, f"ring {i + 1} of polygon {j + 1}")
        ]
    return []


def suggest_crs(x: float, y: float) -> str:
    """Projected systems whose usual coordinates contain ``(x, y)``, as a phrase.

    >>> suggest_crs(724_000, 6_175_000)
    'EPSG:25832 (ETRS89 / UTM zone 32N, Denmark and western Norway)'
    >>> suggest_crs(81_000, 455_000)
    'EPSG:28992 (Amersfoort / RD New, the Netherlands)'
    >>> suggest_crs(1e9, 1e9)
    ''
    """
    hits = [f"{code} ({name})" for code, name, (x0, x1, y0, y1) in COMMON_PROJECTED if x0 <= x <= x1 and y0 <= y <= y1]
    return " or ".join(hits)


def geometry_problems(geom, types: Sequence[str] | None = None, *, lonlat: bool = True) -> list[str]:
    """Every problem that keeps ``geom`` (a parsed GeoJSON geometry) from being drawn, in words.

    Checks, in order: a GeoJSON object with a known ``type`` (a misspelt one
    gets a suggestion) among ``types``; ``coordinates`` nested as the type
    requires, of 2-3 finite numbers (strings are named); polygon rings of at
    least 4 positions whose last equals the first (RFC 7946 §3.1.6); with
    ``lonlat``, longitude in [-180, 180] and latitude in [-90, 90]; and last
    shapely's OGC validity (``explain_validity``: self-intersections, rings
    crossing). An empty geometry (``coordinates: []``) has no problems.

    >>> geometry_problems({"type": "Polygn", "coordinates": []})
    ["geometry type 'Polygn' is not a GeoJSON type; did you mean 'Polygon'?"]
    >>> geometry_problems({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]})
    ['ring 1 is not closed: it starts at (0, 0) but ends at (0, 1); repeat the first position at the end']
    >>> bowtie = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
    >>> geometry_problems({"type": "Polygon", "coordinates": bowtie})
    ['the polygon is not valid: Self-intersection at (0.5, 0.5)']
    >>> geometry_problems({"type": "Point", "coordinates": ["12.5", "55.7"]})
    ["the point has the coordinate '12.5' (text); coordinates must be numbers, written without quotes"]
    """
    if not isinstance(geom, dict):
        return [f"the geometry is {type(geom).__name__} {geom!r:.60}; expected a GeoJSON object with type and "
                "coordinates"]
    kind = geom.get("type")
    if kind not in GEOJSON_TYPES:
        near = difflib.get_close_matches(str(kind), GEOJSON_TYPES, n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]!r}?" if near else f"; GeoJSON types are {', '.join(GEOJSON_TYPES)}"
        return [f"geometry type {kind!r} is not a GeoJSON type{hint}"]
    if types is not None and kind not in types:
        return [f"the geometry is a {kind}; expected {' or '.join(types)}"]
    if kind == "GeometryCollection":
        members = geom.get("geometries")
        if not isinstance(members, list):
            return ["a GeometryCollection needs a list of geometries"]
        return [f"member {i + 1}: {p}" for i, g in enumerate(members) for p in geometry_problems(g, lonlat=lonlat)]
    if "coordinates" not in geom:
        return [f"the {kind} has no coordinates"]
    coords = geom["coordinates"]
    if coords == []:
        return []
    problems: list[str] = []
    found: list = []
    _positions(coords, DEPTH[kind], kind, (), problems, found)
    if problems:
        more = f" (and {len(problems) - 1} more malformed position(s))" if len(problems) > 1 else ""
        return [problems[0] + more]
    problems = _closure_problems(geom)
    if lonlat:
        outside = next((p for p in found if abs(p[0]) > 180 or abs(p[1]) > 90), None)
        if outside is not None:
            guess = suggest_crs(outside[0], outside[1])
            problems.append(
                f"the position {_fmt_xy(outside)} is not longitude/latitude: the coordinates are in a projected "
                f"system{' such as ' + guess if guess else ''}; name it (the file's crs member, or crs= / "
                "--crs EPSG:nnnn) so kvarter can reproject them"
            )
    if problems:
        return problems
    return _validity(geom)


def _validity(geom: dict) -> list[str]:
    import shapely
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    try:
        g = shape(geom)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
        return [f"the {geom['type']} cannot be built: {exc}"]
    if g.is_valid:
        return []
    reason = explain_validity(g)
    # explain_validity says "Self-intersection[0.5 0.5]"; write the place as a position.
    head, _, rest = reason.partition("[")
    if rest.endswith("]"):
        xy = rest[:-1].split()
        reason = f"{head} at ({', '.join(f'{float(v):g}' for v in xy[:2])})"
    return [f"the {'polygon' if 'Polygon' in geom['type'] else geom['type']} is not valid: {reason}"]


def crs_name(value) -> str:
    """A CRS given as an EPSG code, ``EPSG:nnnn``, an OGC URN or WKT, as the string PROJ reads.

    >>> crs_name(25832), crs_name("urn:ogc:def:crs:EPSG::28992"), crs_name("urn:ogc:def:crs:OGC:1.3:CRS84")
    ('EPSG:25832', 'EPSG:28992', 'EPSG:4326')
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return f"EPSG:{value}"
    text = str(value).strip()
    if text.lower() in _WGS84_NAMES:
        return WGS84
    if text.isdigit():
        return f"EPSG:{text}"
    low = text.lower()
    if low.startswith("urn:ogc:def:crs:epsg:"):
        return "EPSG:" + text.rsplit(":", 1)[1]
    return text


@lru_cache(maxsize=16)
def _transformer(source: str):
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError as ProjError

    try:
        crs = CRS.from_user_input(source)
    except ProjError as exc:
        raise CRSError(f"PROJ does not know the coordinate reference system {source!r} ({exc})") from None
    # always_xy: files write easting/longitude first whatever the authority's axis order.
    return Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)


def check_crs(value) -> str:
    """The PROJ name of ``value`` if pyproj can reproject it to WGS 84; else :class:`CRSError`.

    >>> check_crs("EPSG:25832")
    'EPSG:25832'
    >>> check_crs("EPSG:99999")
    Traceback (most recent call last):
    ...
    kvarter.io.geometry.CRSError: PROJ does not know the coordinate reference system 'EPSG:99999' ...
    """
    name = crs_name(value)
    if name != WGS84:
        _transformer(name)
    return name


def is_wgs84(value) -> bool:
    """Whether ``value`` names WGS 84 longitude/latitude.

    >>> is_wgs84("urn:ogc:def:crs:OGC:1.3:CRS84"), is_wgs84("EPSG:25832")
    (True, False)
    """
    return crs_name(value) == WGS84


def _map_positions(coords, depth: int, fn):
    if depth == 1:
        return fn(coords)
    return [_map_positions(c, depth - 1, fn) for c in coords]


def to_wgs84(geom: dict, crs) -> dict:
    """``geom`` with its coordinates reprojected from ``crs`` to WGS 84 longitude/latitude (2D).

    The transformation is PROJ's (via pyproj) from ``crs`` to EPSG:4326, with
    x (easting) first in and longitude first out. A geometry whose
    coordinates are malformed is returned unchanged for
    :func:`geometry_problems` to describe.

    Copenhagen City Hall square in ETRS89 / UTM zone 32N:

    >>> g = to_wgs84({"type": "Point", "coordinates": [724_000.0, 6_175_000.0]}, "EPSG:25832")
    >>> [round(v, 6) for v in g["coordinates"]]
    [12.562059, 55.669052]
    """
    name = crs_name(crs)
    if name == WGS84 or not isinstance(geom, dict):
        return geom
    kind = geom.get("type")
    if kind == "GeometryCollection" and isinstance(geom.get("geometries"), list):
        return {**geom, "geometries": [to_wgs84(g, name) for g in geom["geometries"]]}
    if kind not in DEPTH or not _well_formed(geom):
        return geom
    coords = geom.get("coordinates")
    if coords == []:
        return geom
    found: list = []
    _positions(coords, DEPTH[kind], kind, (), [], found)
    xy = np.array([[p[0], p[1]] for p in found], dtype=float)
    lon, lat = _transformer(name).transform(xy[:, 0], xy[:, 1])
    it = iter(zip(np.atleast_1d(lon).tolist(), np.atleast_1d(lat).tolist()))
    return {**geom, "coordinates": _map_positions(coords, DEPTH[kind], lambda _p: list(next(it)))}


def _well_formed(geom: dict) -> bool:
    problems: list[str] = []
    _positions(geom.get("coordinates"), DEPTH[geom["type"]], geom["type"], (), problems, [])
    return not problems


def geojson_crs(doc: dict) -> str | None:
    """The CRS named by a GeoJSON document's ``crs`` member (2008 specification), or ``None``.

    Both the ``name`` form (``{"type": "name", "properties": {"name": "EPSG:25832"}}``)
    and the older ``EPSG`` form (``{"type": "EPSG", "properties": {"code": 25832}}``)
    are read; a ``link`` CRS cannot be followed offline and is refused.

    >>> geojson_crs({"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}}})
    'EPSG:25832'
    >>> geojson_crs({"type": "FeatureCollection"}) is None
    True
    """
    crs = doc.get("crs") if isinstance(doc, dict) else None
    if crs is None:
        return None
    props = crs.get("properties") if isinstance(crs, dict) else None
    kind = str(crs.get("type", "")).lower() if isinstance(crs, dict) else ""
    if kind == "name" and isinstance(props, dict) and props.get("name"):
        return crs_name(props["name"])
    if kind == "epsg" and isinstance(props, dict) and props.get("code") is not None:
        return crs_name(int(props["code"]))
    raise CRSError(
        f"the crs member {crs!r:.120} is not a named CRS ({{\"type\": \"name\", \"properties\": "
        "{\"name\": \"EPSG:25832\"}}); write it so, or remove it and name the system with crs= / --crs"
    )
