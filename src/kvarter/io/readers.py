"""Read an input file into a pandas DataFrame that remembers where each row came from.

Every reader returns a :class:`SourceTable`: the frame, the row number of each
record in the file (the header is row 0, the first data record row 1; in a
GeoJSON file the first feature is row 1), the file's SHA-256 and, for text
files, the sniffed :class:`~kvarter.io.sniff.Dialect`. Delimited text is read
as strings, stripped of quotes and padding, so that validation sees the value
exactly as written and can name it in an error; typing is validation's job.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kvarter.errors import Failure, InputErrors, Reason
from kvarter.io.sniff import Dialect, detect_encoding, sniff

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
    >>> format_of("areas.geojson")
    'geojson'
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
    guessed = sniff(data)
    if encoding is None:
        encoding = guessed.encoding
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise _unreadable(
            source, f"cannot decode the file as {encoding}: {exc}", Reason.bad_encoding
        ) from None
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


def read_geojson_bytes(data: bytes, source: str = "<bytes>") -> SourceTable:
    """Read a GeoJSON FeatureCollection: properties become columns, geometry stays GeoJSON text.

    >>> fc = {"type": "FeatureCollection", "features": [{"type": "Feature",
    ...     "properties": {"area_id": "A1", "name": "Mjølnerparken"},
    ...     "geometry": {"type": "Point", "coordinates": [12.5, 55.7]}}]}
    >>> t = read_geojson_bytes(json.dumps(fc).encode())
    >>> t.frame.loc[0, "name"], t.frame.loc[0, "geometry"]
    ('Mjølnerparken', '{"type": "Point", "coordinates": [12.5, 55.7]}')
    """
    sha = hashlib.sha256(data).hexdigest()
    try:
        doc = json.loads(data.decode(detect_encoding(data)))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _unreadable(source, f"not valid JSON: {exc}") from None
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        features = [doc]
    elif isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        features = doc.get("features") or []
    else:
        raise _unreadable(source, "a GeoJSON file must hold a FeatureCollection or a Feature")
    records = []
    for feat in features:
        props = dict(feat.get("properties") or {})
        geom = feat.get("geometry")
        props["geometry"] = None if geom is None else json.dumps(geom, ensure_ascii=False)
        records.append(props)
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    return SourceTable(frame, rows, source, "geojson", sha)


def read_table(
    path: str | Path,
    *,
    format: str | None = None,
    sheet: str | int = 0,
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
) -> SourceTable:
    """Read a CSV, Parquet, Excel (.xlsx) or GeoJSON file into a :class:`SourceTable`.

    ``format`` overrides the guess from the suffix (``csv``, ``parquet``,
    ``excel``, ``geojson``). A file that cannot be read raises
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
        return read_geojson_bytes(data, source)
    sha = hashlib.sha256(data).hexdigest()
    if fmt == "parquet":
        try:
            frame = pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # pyarrow raises several unrelated types for a bad file
            raise _unreadable(source, f"not a readable Parquet file: {exc}") from None
    elif fmt == "excel":
        try:
            frame = pd.read_excel(io.BytesIO(data), sheet_name=sheet, dtype=object, engine="openpyxl")
        except Exception as exc:  # openpyxl raises zipfile, KeyError, ValueError ...
            raise _unreadable(source, f"not a readable Excel workbook (sheet {sheet!r}): {exc}") from None
        frame.columns = [str(c).strip() for c in frame.columns]
        frame = frame.map(lambda v: v.strip() if isinstance(v, str) else v)
    else:
        raise _unreadable(source, f"unknown format {fmt!r}; use csv, parquet, excel or geojson")
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    if fmt == "excel" and len(frame.columns):
        # Formatting can leave empty rows inside the used range; skip them but keep counting.
        blank = frame.isna().all(axis=1).to_numpy()
        frame, rows = frame.loc[~blank], rows[~blank]
    return SourceTable(frame.reset_index(drop=True), rows, source, fmt, sha)
