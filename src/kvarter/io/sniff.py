"""Guess how a delimited text file is written: encoding, delimiter and decimal mark.

Register extracts reach municipalities as whatever the producing system wrote:
UTF-8 with or without a byte-order mark, Windows-1252 from Excel, UTF-16 from
Excel's "Unicode text", Latin-1 from older systems, commas or semicolons (the Danish, Norwegian and Dutch
Excel default, because the comma is the decimal mark there) or tabs. The
guesses here are deterministic and cheap: strict decodings tried in order,
and delimiter counts over the first lines, with quotes respected.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

#: Delimiters tried, in order of preference when two fit equally well.
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

#: Leading bytes of binary files people save or rename as ``.csv``, and what they are.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive, such as an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Excel workbook (.xls)"),
    (b"PAR1", "a Parquet file"),
    (b"SQLite format 3\x00", "an SQLite database, such as a GeoPackage (.gpkg)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"%PDF", "a PDF document"),
)
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_DECIMAL_POINT = re.compile(r"^[+-]?\d+\.\d+$")


@dataclass(frozen=True)
class Dialect:
    """How a delimited text file is written.

    ``encoding`` is a Python codec name (``utf-8-sig`` when the file starts
    with a byte-order mark), ``delimiter`` the field separator and ``decimal``
    the decimal mark of its numbers (``.`` or ``,``).
    """

    encoding: str
    delimiter: str
    decimal: str


def binary_kind(data: bytes) -> str | None:
    """What a binary file is, from its first bytes, or ``None`` for what may be text.

    A workbook renamed ``.csv`` would otherwise reach the text parser and fail
    with a tokenizer message about its zip bytes.

    >>> binary_kind(b"PK\\x03\\x04\\x14\\x00")
    'a zip archive, such as an Excel workbook (.xlsx)'
    >>> binary_kind("område;navn".encode("utf-16")) is None, binary_kind(b"a;b") is None
    (True, True)
    """
    for magic, kind in MAGIC:
        if data.startswith(magic):
            return kind
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the NUL bytes fall on one parity, as in BOM-less UTF-16 text."""
    head = data[:4096]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    nul_even, nul_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    # Latin letters, digits and delimiters have a zero high byte in UTF-16.
    if nul_odd > 0.3 and nul_even < 0.05:
        return "utf-16-le"
    if nul_even > 0.3 and nul_odd < 0.05:
        return "utf-16-be"
    return None


def detect_encoding(data: bytes) -> str:
    """The codec that decodes ``data``: UTF-16 (Excel's "Unicode text"), UTF-8 (with or without
    BOM), else CP1252, else Latin-1.

    UTF-16 is recognised by its byte-order mark, or without one by NUL bytes
    on every other position (the high byte of ASCII letters); Python's
    ``utf-16`` codec reads the mark and drops it.

    Strict UTF-8 almost never decodes text written in a single-byte code page
    (``ø`` is the lone byte ``0xF8`` there, an invalid UTF-8 start byte), so
    trying it first is safe. CP1252 is a superset of Latin-1's printable
    characters, so ``æøåÆØÅ`` come out the same from either; Latin-1 is the
    fallback for the five bytes CP1252 leaves undefined.

    >>> detect_encoding("Nørrebro".encode("utf-8"))
    'utf-8'
    >>> detect_encoding(b"\\xef\\xbb\\xbf" + "Ærø".encode("utf-8"))
    'utf-8-sig'
    >>> detect_encoding("Blåbærgården".encode("cp1252"))
    'cp1252'
    >>> detect_encoding("Tromsø".encode("latin-1") + b"\\x81")
    'latin-1'
    >>> detect_encoding("område\\tnavn".encode("utf-16")), detect_encoding("Ø;1".encode("utf-16-le"))
    ('utf-16', 'utf-16-le')
    """
    if data.startswith(_BOM):
        return "utf-8-sig"
    if data.startswith(_UTF16_BOMS):
        return "utf-16"
    bomless = _utf16_without_bom(data)
    if bomless is not None:
        return bomless
    for codec in ("utf-8", "cp1252"):
        try:
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec
    return "latin-1"


def _field_counts(lines: list[str], delimiter: str) -> list[int]:
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, quotechar='"')
    try:
        return [len(row) for row in reader if row]
    except csv.Error:
        return []


def detect_delimiter(text: str, *, sample_lines: int = 50) -> str:
    """The delimiter that splits the first lines of ``text`` into the same number of fields.

    Each candidate is scored by how many of the sampled lines share the header's
    field count (more than one field); quoted fields are respected, so a
    ``"12,5"`` value inside a semicolon file does not count for the comma.

    >>> detect_delimiter("a;b;c\\n1;2,5;3\\n")
    ';'
    >>> detect_delimiter("a,b\\n1,2\\n")
    ','
    >>> detect_delimiter("a\\tb\\n1\\t2\\n")
    '\\t'
    >>> detect_delimiter('"x, y";"z"\\n"1, 2";"3"\\n')
    ';'
    """
    lines = [ln for ln in text.splitlines()[:sample_lines] if ln.strip()]
    if not lines:
        return ","
    best, best_score = ",", (0, 0)
    for delim in DELIMITERS:
        counts = _field_counts(lines, delim)
        if not counts or counts[0] < 2:
            continue
        header = counts[0]
        score = (sum(1 for c in counts if c == header), header)
        if score > best_score:
            best, best_score = delim, score
    return best


def detect_decimal(values, delimiter: str) -> str:
    """``","`` when the numbers among ``values`` use a decimal comma, else ``"."``.

    A decimal comma is only possible when the comma is not the delimiter, and
    is chosen when some value looks like ``12,5`` and none looks like ``12.5``.

    >>> detect_decimal(["12,5", "3", "x"], ";")
    ','
    >>> detect_decimal(["12,5", "3.25"], ";")
    '.'
    >>> detect_decimal(["12,5"], ",")
    '.'
    """
    if delimiter == ",":
        return "."
    comma = point = False
    for v in values:
        s = str(v).strip()
        if not comma and _DECIMAL_COMMA.match(s):
            comma = True
        elif _DECIMAL_POINT.match(s):
            point = True
            break
    return "," if comma and not point else "."


def sniff(data: bytes, *, sample_lines: int = 200) -> Dialect:
    """Encoding, delimiter and decimal mark of a delimited text file's bytes.

    >>> sniff("navn;indkomst\\nÅse;12,5\\n".encode("cp1252"))
    Dialect(encoding='cp1252', delimiter=';', decimal=',')
    """
    encoding = detect_encoding(data)
    cut = 1 << 20  # even, so a UTF-16 head is cut between two code units
    head = data[:cut].decode(encoding, errors="replace")
    delimiter = detect_delimiter(head)
    lines = head.splitlines()[1:sample_lines]
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, quotechar='"', skipinitialspace=True)
    try:
        values = [v.strip().strip('"') for row in reader for v in row]
    except csv.Error:
        values = []
    return Dialect(encoding, delimiter, detect_decimal(values, delimiter))
