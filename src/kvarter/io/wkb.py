"""Decode well-known binary (WKB) geometry into GeoJSON geometry dicts.

Covers the seven OGC simple-feature types (Point, LineString, Polygon,
MultiPoint, MultiLineString, MultiPolygon, GeometryCollection) in both byte
orders, in 2D and with Z, M or ZM coordinates, flagged either the ISO way
(type code + 1000 / 2000 / 3000) or the EWKB way (high bits 0x80000000 for Z,
0x40000000 for M, 0x20000000 for an embedded SRID). kvarter's maps are 2D, so
Z and M are dropped. Coordinates are the doubles of the input, unrounded, so a
GeoJSON text written from them with :func:`json.dumps` reads back to the same
bits.

Reference: OGC 06-103r4, *Simple Feature Access – Part 1: Common
Architecture*, 1.2.1, §8.2 (WKB); ISO/IEC 13249-3 for the Z/M codes.
"""

from __future__ import annotations

import math
import struct

from kvarter.errors import InputError

#: GeoJSON type of each WKB base type code.
GEOMETRY_TYPES: dict[int, str] = {
    1: "Point",
    2: "LineString",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}

#: The member type code a multi-geometry may hold.
_MEMBER = {4: 1, 5: 2, 6: 3}

_EWKB_Z, _EWKB_M, _EWKB_SRID = 0x80000000, 0x40000000, 0x20000000

#: Deepest nesting of geometry collections decoded; deeper is corruption, not an area.
MAX_DEPTH = 32


class WKBError(InputError):
    """Bytes that are not valid WKB; the message says what was found and at which byte offset."""


def wkb_type(code: int) -> tuple[int, int]:
    """Split a WKB type code into its base type (1-7) and its number of ordinates (2, 3 or 4).

    >>> wkb_type(3), wkb_type(1003), wkb_type(2001), wkb_type(3006)
    ((3, 2), (3, 3), (1, 3), (6, 4))
    >>> wkb_type(0x80000000 | 2), wkb_type(0xC0000000 | 1)
    ((2, 3), (1, 4))
    """
    dims = 2 + bool(code & _EWKB_Z) + bool(code & _EWKB_M)
    iso, base = divmod(code & 0x0FFFFFFF, 1000)
    if base not in GEOMETRY_TYPES or iso > 3 or (iso and dims > 2):
        raise WKBError(f"unknown WKB geometry type code {code}; expected 1-7, plus 1000/2000/3000 for Z/M/ZM")
    return base, dims + (iso in (1, 2)) + 2 * (iso == 3)


class _Reader:
    """A cursor over WKB bytes; each ``read_*`` advances it."""

    def __init__(self, data: bytes, offset: int = 0):
        self.data = data
        self.pos = offset

    def unpack(self, order: str, fmt: str, what: str) -> tuple:
        size = struct.calcsize(order + fmt)
        if self.pos + size > len(self.data):
            raise WKBError(
                f"WKB ends at byte {len(self.data)} while reading {what} at byte {self.pos} "
                f"({size} bytes needed)"
            )
        values = struct.unpack_from(order + fmt, self.data, self.pos)
        self.pos += size
        return values

    def count(self, order: str, what: str, item_size: int) -> int:
        (n,) = self.unpack(order, "I", f"the number of {what}")
        # A count the remaining bytes cannot hold is corruption, not a huge geometry.
        if n * item_size > len(self.data) - self.pos:
            raise WKBError(
                f"WKB at byte {self.pos - 4} claims {n} {what}, more than the "
                f"{len(self.data) - self.pos} bytes left can hold"
            )
        return n

    def points(self, order: str, n: int, dims: int) -> list[list[float]]:
        flat = self.unpack(order, f"{n * dims}d", f"{n} coordinates")
        pts = [[flat[i], flat[i + 1]] for i in range(0, n * dims, dims)]
        for x, y in pts:
            if not (math.isfinite(x) and math.isfinite(y)):
                raise WKBError(f"WKB coordinate ({x}, {y}) before byte {self.pos} is not a finite number")
        return pts

    def geometry(self, expect: int | None = None, depth: int = 0) -> dict:
        start = self.pos
        if depth > MAX_DEPTH:
            raise WKBError(f"WKB nests geometry collections more than {MAX_DEPTH} deep at byte {start}")
        (flag,) = self.unpack("<", "B", "the byte order")
        if flag not in (0, 1):
            raise WKBError(
                f"WKB byte-order flag at byte {start} is {flag}; expected 0 (big-endian) or 1 (little-endian)"
            )
        order = "<" if flag else ">"
        (code,) = self.unpack(order, "I", "the geometry type")
        base, dims = wkb_type(code)
        if code & _EWKB_SRID:
            self.unpack(order, "i", "the EWKB SRID")
        if expect is not None and base != expect:
            raise WKBError(
                f"WKB member at byte {start} is a {GEOMETRY_TYPES[base]}; "
                f"expected a {GEOMETRY_TYPES[expect]} inside a multi-geometry"
            )
        kind = GEOMETRY_TYPES[base]
        if base == 1:
            x, y = self.unpack(order, f"{dims}d", "a point")[:2]
            if math.isnan(x) and math.isnan(y):
                return {"type": kind, "coordinates": []}  # WKB writes an empty point as NaN, NaN
            return {"type": kind, "coordinates": self._checked(x, y)}
        if base == 2:
            return {"type": kind, "coordinates": self.points(order, self.count(order, "points", 8 * dims), dims)}
        if base == 3:
            return {"type": kind, "coordinates": self._rings(order, dims)}
        n = self.count(order, "member geometries", 5)
        members = [self.geometry(_MEMBER.get(base), depth + 1) for _ in range(n)]
        if base == 7:
            return {"type": kind, "geometries": members}
        return {"type": kind, "coordinates": [m["coordinates"] for m in members]}

    def _rings(self, order: str, dims: int) -> list[list[list[float]]]:
        return [
            self.points(order, self.count(order, "points", 8 * dims), dims)
            for _ in range(self.count(order, "rings", 4))
        ]

    def _checked(self, x: float, y: float) -> list[float]:
        if not (math.isfinite(x) and math.isfinite(y)):
            raise WKBError(f"WKB point ({x}, {y}) before byte {self.pos} is not a finite number")
        return [x, y]


def wkb_to_geojson(data: bytes, offset: int = 0) -> dict:
    """Decode one WKB geometry starting at ``offset`` into a 2D GeoJSON geometry dict.

    The geometry must run to the end of ``data``; trailing bytes, truncation
    and unknown type codes raise :class:`WKBError`. Empty geometries come back
    with empty ``coordinates`` (``geometries`` for a collection), as RFC 7946
    allows.

    A little-endian point, then a big-endian LineString Z whose Z is dropped:

    >>> wkb_to_geojson(struct.pack("<BIdd", 1, 1, 12.5, 55.75))
    {'type': 'Point', 'coordinates': [12.5, 55.75]}
    >>> wkb_to_geojson(struct.pack(">BII6d", 0, 1002, 2, 0.0, 1.0, 9.0, 2.0, 3.0, 9.0))
    {'type': 'LineString', 'coordinates': [[0.0, 1.0], [2.0, 3.0]]}

    A MultiPoint holding one EWKB PointM (type 0x40000001), and an empty polygon:

    >>> wkb_to_geojson(struct.pack("<BI", 1, 4) + struct.pack("<IBI3d", 1, 1, 0x40000001, 4.0, 5.0, 7.0))
    {'type': 'MultiPoint', 'coordinates': [[4.0, 5.0]]}
    >>> wkb_to_geojson(struct.pack("<BII", 1, 3, 0))
    {'type': 'Polygon', 'coordinates': []}
    """
    reader = _Reader(data, offset)
    geom = reader.geometry()
    if reader.pos != len(data):
        raise WKBError(f"WKB geometry ends at byte {reader.pos} but {len(data) - reader.pos} more bytes follow")
    return geom


#: Envelope length in bytes for each GeoPackageBinary envelope indicator
#: (none, xy, xyz, xym, xyzm).
ENVELOPE_BYTES = (0, 32, 48, 48, 64)


def gpkg_geometry(blob: bytes) -> tuple[int, dict]:
    """Decode a GeoPackageBinary blob into its ``srs_id`` and a GeoJSON geometry dict.

    The header (OGC 12-128r18, GeoPackage 1.3, §2.1.3) is the magic ``GP``, a
    version byte (0), a flags byte — bit 0 the header's byte order (1 =
    little-endian), bits 1-3 the envelope indicator (0-4: an envelope of 0,
    32, 48, 48 or 64 bytes), bit 4 set for an empty geometry, bit 5 for a
    GeoPackage extension type — and the int32 ``srs_id``; standard WKB
    follows the envelope, which is skipped.

    >>> header = b"GP" + struct.pack("<BBi", 0, 0b011, 4326) + struct.pack("<4d", 12.0, 12.0, 55.0, 55.0)
    >>> gpkg_geometry(header + struct.pack("<BIdd", 1, 1, 12.0, 55.0))
    (4326, {'type': 'Point', 'coordinates': [12.0, 55.0]})
    >>> gpkg_geometry(b"GP" + struct.pack(">BBi", 0, 0b10000, 4326) + struct.pack(">BII", 0, 3, 0))
    (4326, {'type': 'Polygon', 'coordinates': []})
    """
    if len(blob) < 8 or blob[:2] != b"GP":
        raise WKBError(
            f"not a GeoPackage geometry: starts with {bytes(blob[:8])!r}, "
            "expected the magic b'GP' and an 8-byte header"
        )
    version, flags = blob[2], blob[3]
    if version != 0:
        raise WKBError(f"GeoPackage geometry version {version}; kvarter reads version 0 (GeoPackage 1.x)")
    if flags & 0b100000:
        raise WKBError(
            "GeoPackage extension geometry type (flags bit 5); kvarter reads the OGC simple-feature types only"
        )
    envelope = (flags >> 1) & 0b111
    if envelope >= len(ENVELOPE_BYTES):
        raise WKBError(f"GeoPackage geometry envelope indicator {envelope}; expected 0-4")
    (srs_id,) = struct.unpack_from("<i" if flags & 1 else ">i", blob, 4)
    start = 8 + ENVELOPE_BYTES[envelope]
    if len(blob) <= start:
        raise WKBError(f"GeoPackage geometry of {len(blob)} bytes has no WKB after its {start}-byte header")
    return srs_id, wkb_to_geojson(bytes(blob), start)
