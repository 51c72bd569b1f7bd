"""Read an input file into a pandas DataFrame that remembers where each row came from.

Every reader returns a :class:`SourceTable`: the frame, the row number of each
record in the file (the header is row 0, the first data record row 1; in a
GeoJSON file the first feature is row 1; in a GeoPackage a feature's row is
its feature id), the file's SHA-256 and, for text
files, the sniffed :class:`~kvarter.io.sniff.Dialect`. Delimited text is read
as strings, stripped of quotes and padding, so that validation sees the value
exactly as written and can name it in an error; typing is validation's job.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kvarter.errors import Failure, InputErrors, Reason
from kvarter.io.geometry import WGS84, CRSError, check_crs, geojson_crs, to_wgs84
from kvarter.io.sniff import Dialect, binary_kind, detect_encoding, sniff
from kvarter.io.wkb import WKBError, gpkg_geometry

#: File formats by suffix.
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
}



@dataclass
class SourceTable:
    """A table read from a file, with the file row of every record.

    ``rows[i]`` is the row number in the file of ``frame.iloc[i]``, used by
    validation to point at the offending record.
    """

    frame: pd.DataFrame
    rows: np.ndarray
    source: str
    format: str
    sha256: str
    dialect: Dialect | None = None
    notes: list[str] = field(default_factory=list)


def _unreadable(path: str, message: str, reason: Reason = Reason.unreadable_file) -> InputErrors:
    return InputErrors([Failure(path, None, None, None, reason, message)], source=path)


def format_of(path: str | Path) -> str:
    """The reader format for a file name, from its suffix.

    >>> format_of("personer_2023.CSV")
    'csv'
    >>> format_of("areas.geojson"), format_of("omraader.gpkg")
    ('geojson', 'gpkg')
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise _unreadable(str(path), f"unknown file type {suffix or '(none)'!r}; kvarter reads {known}")
    return FORMATS[suffix]


def _unquote(v: str) -> str:
    """Strip padding, and quotes that padding outside them kept the parser from removing."""
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] == '"':
        v = v[1:-1].strip()
    return v


def _unquote_column(s: pd.Series) -> pd.Series:
    s = s.astype("str").str.strip()
    quoted = s.str.startswith('"') & s.str.endswith('"') & (s.str.len() >= 2)
    if quoted.any():
        s = s.where(~quoted, s.str.slice(1, -1).str.strip())
    return s


#: At most this many ragged lines are listed; the rest are counted in one more failure.
MAX_RAGGED = 1000


def _field_counts(text: str, delimiter: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The header's fields and, per record below it, (line number where it ends, field count).

    A blank line is a record of 0 fields (pandas counts it as a row too).
    Without quotes in the text, lines are records and counting delimiters is enough.
    """
    if '"' not in text:
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        header = [f.strip() for f in lines[0].rstrip("\r").split(delimiter)] if lines else []
        counts = [
            (i, 0 if not ln.strip() else ln.count(delimiter) + 1)
            for i, ln in enumerate(lines[1:], start=2)
        ]
        return header, counts
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', skipinitialspace=True)
    header = [_unquote(f) for f in next(reader, [])]
    counts = []
    for row in reader:
        blank = not row or (len(row) == 1 and not row[0].strip())
        counts.append((reader.line_num, 0 if blank else len(row)))
    return header, counts


def _layout_failures(text: str, delimiter: str, source: str) -> list[Failure]:
    """A repeated header name, and lines with fewer or more fields than the header.

    pandas would silently rename a repeated name (``a``, ``a.1``) and pad a
    short line with empty cells, so a truncated last line would load with its
    trailing fields empty.
    """
    header, counts = _field_counts(text, delimiter)
    failures: list[Failure] = []
    seen: dict[str, int] = {}
    for pos, name in enumerate(header, start=1):
        if name and name in seen:
            failures.append(Failure(
                source, 0, name, name, Reason.duplicate_column,
                f"line 1 (the header) names column {name!r} twice, as field {seen[name]} and field {pos}; "
                "rename one of them, as kvarter cannot tell which one to use",
            ))
        seen.setdefault(name, pos)
    width = len(header)
    # Trailing empty header names ("a;b;c;") are padding that a line may leave out.
    needed = max((i + 1 for i, name in enumerate(header) if name), default=width)
    odd_quotes = text.count('"') % 2 == 1
    bad = [(i, ln, n) for i, (ln, n) in enumerate(counts, start=1) if n and not needed <= n <= width]
    last_record = len(counts)
    for i, ln, n in bad[:MAX_RAGGED]:
        if n < needed:
            cause = f"line {ln} has {n} field(s) but the header has {width}: the line is cut short"
            if i == last_record:
                cause += " (the last line: was the file truncated?)"
                if odd_quotes:
                    cause += "; a quoted value on it is never closed"
            fix = "; complete the line or delete it"
        else:
            cause = (f"line {ln} has {n} fields but the header has {width}: a value holds the delimiter "
                     f"{delimiter!r} without quotes, or the line has values beyond the last column")
            fix = "; quote that value or remove the extra fields"
        failures.append(Failure(source, i, None, None, Reason.ragged_row, cause + fix))
    if len(bad) > MAX_RAGGED:
        failures.append(Failure(source, None, None, None, Reason.ragged_row,
                                f"... and {len(bad) - MAX_RAGGED} more line(s) with the wrong number of fields"))
    if odd_quotes and not any(i == last_record for i, _, _ in bad):
        failures.append(Failure(
            source, None, None, None, Reason.ragged_row,
            "the file ends inside a quoted value (an odd number of \" characters): a quote is never closed, "
            "or the file was truncated",
        ))
    return failures


def read_csv_bytes(
    data: bytes,
    source: str = "<bytes>",
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
) -> SourceTable:
    """Read delimited text from bytes, guessing what is not given.

    All cells come back as stripped strings (``""`` for an empty cell); blank
    lines are skipped but still counted, so ``rows`` are the file's line
    numbers below the header whenever no quoted value spans lines.

    >>> t = read_csv_bytes('kommune;område\\n"  København ";"Nørrebro  "\\n\\n101;12,5\\n'.encode("cp1252"))
    >>> t.frame.to_dict("list")
    {'kommune': ['København', '101'], 'område': ['Nørrebro', '12,5']}
    >>> t.rows.tolist(), t.dialect
    ([1, 3], Dialect(encoding='cp1252', delimiter=';', decimal=','))
    """
    sha = hashlib.sha256(data).hexdigest()
    kind = binary_kind(data)
    if kind is not None:
        named = f"its name ends in {Path(source).suffix!r}" if Path(source).suffix else "it is read as text"
        raise _unreadable(
            source,
            f"the file is {kind}, not delimited text, although {named}; save it as CSV, or give it "
            f"its real suffix (an Excel workbook as .xlsx) so kvarter reads it as what it is",
        )
    guessed = sniff(data)
    if encoding is None:
        encoding = guessed.encoding
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise _unreadable(
            source, f"cannot decode the file as {encoding}: {exc}", Reason.bad_encoding
        ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise _unreadable(
            source,
            f"line {line} holds a NUL byte: the file is binary, or text in an encoding other than {encoding}; "
            "save it as CSV (UTF-8)",
            Reason.bad_encoding,
        )
    if not text.strip():
        return SourceTable(
            pd.DataFrame(), np.zeros(0, dtype=np.int64), source, "csv", sha,
            Dialect(encoding, delimiter or guessed.delimiter, decimal or guessed.decimal),
        )
    dialect = Dialect(
        encoding,
        delimiter or guessed.delimiter,
        decimal or guessed.decimal,
    )
    layout = _layout_failures(text, dialect.delimiter, source)
    if layout:
        raise InputErrors(layout, source=source)
    try:
        with warnings.catch_warnings():
            # pandas only warns when the first data row is longer than the header.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                sep=dialect.delimiter,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                skipinitialspace=True,
                index_col=False,
                quotechar='"',
                engine="c",
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError) as exc:
        found = re.search(r"EOF inside string starting at row (\d+)", str(exc))
        if found:  # pandas counts rows from 0 at the header: row r is line r + 1
            raise _unreadable(
                source,
                f"a quoted value opened on line {int(found.group(1)) + 1} is never closed before the end of "
                "the file: close the quote, or the file was truncated",
            ) from None
        raise _unreadable(
            source, f"cannot parse the file as text delimited by {dialect.delimiter!r}: {exc}"
        ) from None
    frame.columns = [_unquote(str(c)) for c in frame.columns]
    for col in frame.columns:
        frame[col] = _unquote_column(frame[col])
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    if len(frame.columns):
        blank = (frame == "").all(axis=1).to_numpy()
        if blank.any():
            frame = frame.loc[~blank].reset_index(drop=True)
            rows = rows[~blank]
    return SourceTable(frame, rows, source, "csv", sha, dialect)


def _source_crs(declared: str | None, given, source: str) -> str:
    """The CRS of a file's coordinates: what it declares, else what the caller says, else WGS 84."""
    try:
        named = None if given is None else check_crs(given)
        if declared is not None:
            declared = check_crs(declared)
    except CRSError as exc:
        raise _unreadable(source, f"{exc}; name a system PROJ knows, such as EPSG:25832", Reason.unsupported_crs) from None
    if declared is not None and named is not None and declared != named:
        raise _unreadable(
            source,
            f"the file declares its coordinates in {declared} but crs={named} was given; "
            "drop the crs argument, or correct the file",
            Reason.unsupported_crs,
        )
    return declared or named or WGS84


def read_geojson_bytes(data: bytes, source: str = "<bytes>", *, crs=None) -> SourceTable:
    """Read a GeoJSON FeatureCollection: properties become columns, geometry stays GeoJSON text.

    The coordinates' reference system is the file's ``crs`` member (the 2008
    specification's named CRS, which GeoServer, QGIS and ogr2ogr still write),
    else ``crs`` (for a file that does not say), else WGS 84 as RFC 7946 has
    it. Coordinates in any other system are reprojected to WGS 84
    longitude/latitude with pyproj (:func:`~kvarter.io.geometry.to_wgs84`),
    and ``notes`` says so. Geometry is checked by validation, not here.

    >>> fc = {"type": "FeatureCollection", "features": [{"type": "Feature",
    ...     "properties": {"area_id": "A1", "name": "Mjølnerparken"},
    ...     "geometry": {"type": "Point", "coordinates": [12.5, 55.7]}}]}
    >>> t = read_geojson_bytes(json.dumps(fc).encode())
    >>> t.frame.loc[0, "name"], t.frame.loc[0, "geometry"]
    ('Mjølnerparken', '{"type": "Point", "coordinates": [12.5, 55.7]}')
    >>> fc["features"][0]["geometry"]["coordinates"] = [724000, 6175000]
    >>> t = read_geojson_bytes(json.dumps(fc).encode(), crs="EPSG:25832")
    >>> t.frame.loc[0, "geometry"], t.notes
    ('{"type": "Point", "coordinates": [12.56205877021406, 55.66905190079341]}', ['reprojected from EPSG:25832 to EPSG:4326 (WGS 84)'])
    """
    sha = hashlib.sha256(data).hexdigest()
    try:
        doc = json.loads(data.decode(detect_encoding(data)).removeprefix("\ufeff"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _unreadable(source, f"not valid JSON: {exc}") from None
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        features = [doc]
    elif isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        features = doc.get("features") or []
    else:
        raise _unreadable(source, "a GeoJSON file must hold a FeatureCollection or a Feature")
    if not isinstance(features, list):
        raise _unreadable(source, f"the FeatureCollection's features is {type(features).__name__}, not a list")
    try:
        declared = geojson_crs(doc)
    except CRSError as exc:
        raise _unreadable(source, str(exc), Reason.unsupported_crs) from None
    src_crs = _source_crs(declared, crs, source)
    failures, records = [], []
    for row, feat in enumerate(features, start=1):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            failures.append(Failure(source, row, None, None, Reason.bad_geometry,
                                    f"feature {row} is {str(feat)[:60]!r}, not a GeoJSON Feature object"))
            continue
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            failures.append(Failure(source, row, None, None, Reason.unreadable_file,
                                    f"feature {row}'s properties are {type(props).__name__}, not an object"))
            continue
        props = dict(props)
        geom = feat.get("geometry")
        geom = to_wgs84(geom, src_crs)
        props["geometry"] = None if geom is None else json.dumps(geom, ensure_ascii=False)
        records.append(props)
    if failures:
        raise InputErrors(failures, source=source)
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    notes = [] if src_crs == WGS84 else [f"reprojected from {src_crs} to EPSG:4326 (WGS 84)"]
    return SourceTable(frame, rows, source, "geojson", sha, notes=notes)


def _quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _open_gpkg(data: bytes, source: str) -> sqlite3.Connection:
    if not data.startswith(b"SQLite format 3\x00"):
        raise _unreadable(source, "not a GeoPackage: the file is not an SQLite database")
    # A file last written in WAL mode has bytes 18-19 set to 2, which an
    # in-memory copy cannot honour; its (checkpointed) pages read the same as 1.
    db = bytearray(data)
    if db[18:20] == b"\x02\x02":
        db[18:20] = b"\x01\x01"
    con = sqlite3.connect(":memory:")
    try:
        con.deserialize(bytes(db))
        names = {r[0] for r in con.execute("select name from sqlite_master where type in ('table', 'view')")}
    except sqlite3.DatabaseError as exc:
        con.close()
        raise _unreadable(source, f"not a GeoPackage: not a readable SQLite database ({exc})") from None
    missing = {"gpkg_contents", "gpkg_geometry_columns"} - names
    if missing:
        con.close()
        raise _unreadable(
            source, f"not a GeoPackage: the SQLite database has no {' or '.join(sorted(missing))} table"
        )
    return con


def _gpkg_layer(con: sqlite3.Connection, source: str, layer: str | None) -> tuple[str, str, int, str]:
    """The feature table to read, its geometry column, its srs_id and that system's PROJ name."""
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from gpkg_contents where lower(data_type) = 'features' order by table_name"
        )
    ]
    if not tables:
        raise _unreadable(source, "the GeoPackage has no feature table (gpkg_contents lists no data_type 'features')")
    if layer is None:
        if len(tables) > 1:
            raise _unreadable(
                source,
                f"the GeoPackage has {len(tables)} feature tables ({', '.join(tables)}); "
                "name the one to read with layer=",
            )
        layer = tables[0]
    elif layer not in tables:
        raise _unreadable(
            source, f"the GeoPackage has no feature table {layer!r}; its feature tables are {', '.join(tables)}"
        )
    found = con.execute(
        "select column_name, srs_id from gpkg_geometry_columns where table_name = ?", [layer]
    ).fetchall()
    if len(found) != 1:
        raise _unreadable(
            source,
            f"GeoPackage table {layer!r} has {len(found)} rows in gpkg_geometry_columns; expected exactly 1",
        )
    column, srs_id = found[0]
    try:
        srs = con.execute(
            "select organization, organization_coordsys_id from gpkg_spatial_ref_sys where srs_id = ?", [srs_id]
        ).fetchone()
    except sqlite3.OperationalError:  # no gpkg_spatial_ref_sys: trust the conventional srs_id
        srs = None
    if srs is None:  # no gpkg_spatial_ref_sys: trust the conventional srs_id
        named = f"EPSG:{srs_id}"
    elif str(srs[0]).upper() == "EPSG":
        named = f"EPSG:{srs[1]}"
    elif srs_id == 0 or str(srs[0]).upper() == "NONE" and srs[1] == 0:
        named = "EPSG:4326"  # GeoPackage 1.3 §1.1.2.1.2: 0 is "undefined geographic", read as WGS 84
    else:
        named = None
    definition = None if named is not None else _srs_definition(con, srs_id)
    what = f"srs_id {srs_id}" + ("" if srs is None else f" ({srs[0]}:{srs[1]})")
    fix = f"Reproject the layer first, for example with ogr2ogr -t_srs EPSG:4326 out.gpkg {Path(source).name} {layer}"
    if named is None and definition is None:
        raise _unreadable(
            source,
            f"GeoPackage table {layer!r} stores its geometry in {what}, which names no EPSG code and has no "
            f"definition{' (GeoPackage: an undefined Cartesian system)' if srs_id == -1 else ''}, so kvarter "
            f"cannot place it on WGS 84 longitude/latitude (EPSG:4326). {fix}",
            Reason.unsupported_crs,
        )
    try:
        crs = check_crs(named if named is not None else definition)
    except CRSError as exc:
        raise _unreadable(
            source,
            f"GeoPackage table {layer!r} stores its geometry in {what}, which kvarter cannot reproject to "
            f"WGS 84 longitude/latitude (EPSG:4326): {exc}. {fix}",
            Reason.unsupported_crs,
        ) from None
    return layer, column, srs_id, crs


def _srs_definition(con: sqlite3.Connection, srs_id: int) -> str | None:
    """The WKT definition of ``srs_id`` in gpkg_spatial_ref_sys, if it gives one."""
    try:
        row = con.execute("select definition from gpkg_spatial_ref_sys where srs_id = ?", [srs_id]).fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None or not row[0] or str(row[0]).strip().lower() == "undefined" else str(row[0])



def read_gpkg_bytes(data: bytes, source: str = "<bytes>", *, layer: str | None = None) -> SourceTable:
    """Read a feature table of a GeoPackage: attributes become columns, geometry becomes GeoJSON text.

    ``layer`` names the feature table; by default the GeoPackage must hold
    exactly one. The geometry column (whatever its name) is read into a
    ``geometry`` column as GeoJSON text (``None`` for a NULL geometry), and a
    feature's ``rows`` entry is its feature id (the table's integer primary
    key, which is left out of the columns). Geometry in another system than
    EPSG:4326 (WGS 84 longitude/latitude), as ``gpkg_spatial_ref_sys`` names
    it, is reprojected with pyproj; a system PROJ does not know is refused
    (``unsupported_crs``). Failures raise
    :class:`~kvarter.errors.InputErrors` naming the file, the table and, for
    a bad geometry, the feature id.

    >>> import struct
    >>> con = sqlite3.connect(":memory:")
    >>> _ = con.executescript('''
    ...   create table gpkg_contents (table_name text, data_type text);
    ...   create table gpkg_geometry_columns (table_name text, column_name text, srs_id integer);
    ...   create table omr (fid integer primary key, area_id text, geom blob);
    ...   insert into gpkg_contents values ('omr', 'features');
    ...   insert into gpkg_geometry_columns values ('omr', 'geom', 4326);''')
    >>> blob = b"GP" + struct.pack("<BBi", 0, 1, 4326) + struct.pack("<BIdd", 1, 1, 12.5, 55.75)
    >>> _ = con.execute("insert into omr values (7, 'A1', ?)", [blob])
    >>> t = read_gpkg_bytes(con.serialize(), "omraader.gpkg")
    >>> t.frame.to_dict("records"), t.rows.tolist(), t.notes
    ([{'area_id': 'A1', 'geometry': '{"type": "Point", "coordinates": [12.5, 55.75]}'}], [7], ["layer 'omr'"])
    """
    sha = hashlib.sha256(data).hexdigest()
    con = _open_gpkg(data, source)
    try:
        table, geom_col, srs_id, crs = _gpkg_layer(con, source, layer)
        info = con.execute(f"pragma table_info({_quote_name(table)})").fetchall()
        if not info:
            raise _unreadable(source, f"GeoPackage table {table!r} is listed in gpkg_contents but does not exist")
        columns = [r[1] for r in info]
        pk = [r[1] for r in info if r[5] == 1 and str(r[2]).upper() == "INTEGER"]
        if geom_col not in columns:
            raise _unreadable(source, f"GeoPackage table {table!r} has no geometry column {geom_col!r}")
        fid = pk[0] if len(pk) == 1 and sum(r[5] > 0 for r in info) == 1 else None
        attrs = [c for c in columns if c not in (fid, geom_col)]
        if "geometry" in (c.lower() for c in attrs):
            raise _unreadable(
                source,
                f"GeoPackage table {table!r} has an attribute column named geometry besides its "
                f"geometry column {geom_col!r}; rename one of them",
            )
        select = ", ".join(_quote_name(c) for c in [fid or geom_col, geom_col, *attrs])
        order = f" order by {_quote_name(fid)}" if fid else ""
        try:
            fetched = con.execute(f"select {select} from {_quote_name(table)}{order}").fetchall()
        except sqlite3.Error as exc:
            reason = Reason.bad_encoding if "decode" in str(exc).lower() else Reason.unreadable_file
            raise _unreadable(source, f"cannot read GeoPackage table {table!r}: {exc}", reason) from None
    finally:
        con.close()
    failures: list[Failure] = []
    rows, records = [], []
    for i, (key, blob, *values) in enumerate(fetched, start=1):
        row = key if fid else i
        geometry = None
        if blob is not None:
            try:
                if not isinstance(blob, bytes):
                    raise WKBError(f"expected a GeoPackage geometry blob, found {type(blob).__name__} {blob!r:.40}")
                blob_srs, geom = gpkg_geometry(blob)
                if blob_srs != srs_id:
                    raise WKBError(f"the geometry's srs_id is {blob_srs} but its column's is {srs_id}")
                geometry = json.dumps(to_wgs84(geom, crs))
            except WKBError as exc:
                failures.append(Failure(
                    source, row, geom_col, None, Reason.unreadable_file,
                    f"GeoPackage table {table!r}, feature id {row}: cannot read the geometry: {exc}",
                ))
        rows.append(row)
        records.append([*values, geometry])
    if failures:
        raise InputErrors(failures, source=source)
    frame = pd.DataFrame(records, columns=[*attrs, "geometry"], dtype=object)
    notes = [f"layer {table!r}"] + ([] if crs == WGS84 else [f"reprojected from {crs} to EPSG:4326 (WGS 84)"])
    return SourceTable(frame, np.asarray(rows, dtype=np.int64), source, "gpkg", sha, notes=notes)


def _excel_column(i: int) -> str:
    """The sheet's letter name of the 0-based column ``i`` (0 → A, 26 → AA)."""
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(ord("A") + r) + name
    return name


def _excel_with_header(sheet: pd.DataFrame, source: str) -> pd.DataFrame:
    """The sheet's first row as column names (refusing a repeated one), the rest as data."""
    if sheet.empty:
        return pd.DataFrame()
    names = []
    for i, v in enumerate(sheet.iloc[0].tolist()):
        text = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
        names.append(text or f"Unnamed: {i}")
    seen: dict[str, int] = {}
    failures = []
    for i, name in enumerate(names):
        if name in seen:
            failures.append(Failure(
                source, 0, name, name, Reason.duplicate_column,
                f"the header row names column {name!r} twice, as columns {_excel_column(seen[name])} and "
                f"{_excel_column(i)}; rename one of them, as kvarter cannot tell which one to use",
            ))
        seen.setdefault(name, i)
    if failures:
        raise InputErrors(failures, source=source)
    frame = sheet.iloc[1:].reset_index(drop=True)
    frame.columns = names
    return frame


def read_table(
    path: str | Path,
    *,
    format: str | None = None,
    sheet: str | int = 0,
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
    layer: str | None = None,
    crs=None,
) -> SourceTable:
    """Read a CSV, Parquet, Excel (.xlsx), GeoJSON or GeoPackage file into a :class:`SourceTable`.

    ``format`` overrides the guess from the suffix (``csv``, ``parquet``,
    ``excel``, ``geojson``, ``gpkg``); ``sheet`` picks an Excel sheet and
    ``layer`` a GeoPackage feature table; ``crs`` (``"EPSG:25832"``) names the
    reference system of a GeoJSON file's coordinates when the file does not
    (see :func:`read_geojson_bytes`). A file that cannot be read raises
    :class:`~kvarter.errors.InputErrors` with reason ``unreadable_file`` or
    ``bad_encoding``, naming the file.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "omraader.csv")
    >>> _ = open(p, "wb").write("area_id\\tnavn\\nA1\\tÆblehaven\\n".encode("latin-1"))
    >>> t = read_table(p)
    >>> t.frame["navn"].tolist(), t.dialect.delimiter, t.format
    (['Æblehaven'], '\\t', 'csv')
    """
    path = Path(path)
    source = str(path)
    fmt = format or format_of(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(source, f"cannot read the file: {exc.strerror or exc}") from None
    if fmt == "csv":
        return read_csv_bytes(data, source, encoding=encoding, delimiter=delimiter, decimal=decimal)
    if fmt == "geojson":
        return read_geojson_bytes(data, source, crs=crs)
    if fmt == "gpkg":
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise _unreadable(
                source,
                f"the GeoPackage has unsaved changes in {wal.name}; close the program writing it "
                "(QGIS, ogr2ogr ...) so they are written into the file, then load it again",
            )
        return read_gpkg_bytes(data, source, layer=layer)
    sha = hashlib.sha256(data).hexdigest()
    if fmt == "parquet":
        try:
            frame = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # pyarrow raises several unrelated types for a bad file
            raise _unreadable(source, f"not a readable Parquet file: {exc}") from None
    elif fmt == "excel":
        try:
            # header=None: pandas would rename a repeated header name ("name.1") without a word.
            sheet_frame = pd.read_excel(io.BytesIO(data), sheet_name=sheet, dtype=object, engine="openpyxl",
                                        header=None)
        except Exception as exc:  # openpyxl raises zipfile, KeyError, ValueError ...
            raise _unreadable(source, f"not a readable Excel workbook (sheet {sheet!r}): {exc}") from None
        frame = _excel_with_header(sheet_frame, source)
        frame = frame.map(lambda v: v.strip() if isinstance(v, str) else v)
    else:
        raise _unreadable(source, f"unknown format {fmt!r}; use csv, parquet, excel, geojson or gpkg")
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    if fmt == "excel" and len(frame.columns):
        # Formatting can leave empty rows inside the used range; skip them but keep counting.
        blank = frame.isna().all(axis=1).to_numpy()
        frame, rows = frame.loc[~blank], rows[~blank]
    return SourceTable(frame.reset_index(drop=True), rows, source, fmt, sha)
