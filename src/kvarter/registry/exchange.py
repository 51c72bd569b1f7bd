"""Registry files in and out: YAML, JSON and CSV.

A YAML or JSON file is a mapping ``{kind: initiative_registry, version: 1,
initiatives: [...], experiences: [...], principle_sets: [...]}`` (or a bare
list of initiatives). A CSV file holds initiatives, one per row: the list
fields ``areas``, ``target_groups`` and ``principles`` are separated by ``;``,
and the nested ``partners``, ``outcomes`` and ``evidence`` are JSON text in
their cells. The CSV reader is ``kvarter load``'s, so CP1252 files with
semicolons and decimal commas read as they do there.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from kvarter.errors import Failure, InputErrors, Reason
from kvarter.io.readers import read_csv_bytes
from kvarter.io.validate import FALSE_WORDS, TRUE_WORDS
from kvarter.registry.checks import shown
from kvarter.registry.models import Initiative

FILE_KIND = "initiative_registry"
FILE_VERSION = 1
#: Keys of a registry file and the record kind each holds.
SECTIONS = {"initiatives": "initiative", "experiences": "experience", "principle_sets": "principle_set"}
LIST_FIELDS = ("areas", "target_groups", "principles")
NESTED_FIELDS = ("partners", "outcomes", "evidence")
BOOL_FIELDS = ("example", "withdrawn")
NUMBER_FIELDS = ("budget", "cost_per_participant")
#: Largest file imported at once, in bytes.
MAX_FILE_BYTES = 200_000_000


@dataclass(frozen=True)
class Item:
    """One record read from a file: its kind, its row (1-based position or CSV line) and its fields."""

    kind: str
    row: int
    data: object


def file_format(path: str | Path) -> str:
    """``yaml``, ``json`` or ``csv`` from the file suffix.

    >>> file_format("initiativer.YML"), file_format("x.json")
    ('yaml', 'json')
    """
    suffix = Path(path).suffix.lower()
    formats = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv", ".txt": "csv"}
    if suffix not in formats:
        raise InputErrors([Failure(str(path), None, None, suffix, Reason.unreadable_file,
                                   f"registry files are .yaml, .yml, .json or .csv; got {suffix or 'no suffix'!r}")],
                          source=str(path))
    return formats[suffix]


def _fail(path, message, reason=Reason.unreadable_file) -> InputErrors:
    return InputErrors([Failure(str(path), None, None, None, reason, message)], source=str(path))


def read_items(path: str | Path) -> tuple[list[Item], list[Failure]]:
    """The records of a registry file and the failures found while reading its cells.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "i.csv")
    ...     _ = open(p, "w", encoding="cp1252").write('id;name;areas;start;status;budget\\n'
    ...                                               'a;Lektiecafé;"A1; A2";2024-01-01;running;12500,5\\n')
    ...     items, failures = read_items(p)
    >>> items[0].data["areas"], items[0].data["budget"], failures
    (['A1', 'A2'], '12500.5', [])
    """
    path = Path(path)
    fmt = file_format(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _fail(path, f"the file has {size:,} bytes; registry imports take at most {MAX_FILE_BYTES:,}")
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(path, f"cannot read the file: {exc}") from None
    if fmt == "csv":
        return _csv_items(data, str(path))
    try:
        text = data.decode("utf-8-sig")
        parsed = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except UnicodeDecodeError as exc:
        raise _fail(path, f"a {fmt.upper()} file must be UTF-8: {exc}", Reason.bad_encoding) from None
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise _fail(path, f"not valid {fmt.upper()}: {exc}") from None
    if isinstance(parsed, list):
        parsed = {"initiatives": parsed}
    if not isinstance(parsed, dict):
        raise _fail(path, f"expected a mapping with {', '.join(SECTIONS)} or a list of initiatives; "
                          f"got {type(parsed).__name__}")
    failures = []
    kind = parsed.get("kind", FILE_KIND)
    if kind != FILE_KIND:
        failures.append(Failure(str(path), None, "kind", shown(kind), Reason.not_allowed,
                                f"a registry file has kind {FILE_KIND!r}; got {kind!r}"))
    unknown = sorted(set(parsed) - set(SECTIONS) - {"kind", "version", "exported_at", "as_of"})
    for key in unknown:
        failures.append(Failure(str(path), None, key, None, Reason.unknown_column,
                                f"unknown section {key!r}; a registry file has {', '.join(SECTIONS)}"))
    items = []
    for key, kind in SECTIONS.items():
        records = parsed.get(key) or []
        if not isinstance(records, list):
            failures.append(Failure(str(path), None, key, None, Reason.wrong_type, f"{key} must be a list"))
            continue
        items += [Item(kind, i, rec) for i, rec in enumerate(records, start=1)]
    return items, failures


def _csv_items(data: bytes, source: str) -> tuple[list[Item], list[Failure]]:
    table = read_csv_bytes(data, source)
    decimal = table.dialect.decimal if table.dialect is not None else "."
    failures: list[Failure] = []
    known = set(Initiative.model_fields)
    for col in table.frame.columns:
        if col not in known:
            failures.append(Failure(source, None, col, None, Reason.unknown_column,
                                    f"column {col!r} is not an initiative field; fields are {', '.join(Initiative.model_fields)}"))
    items = []
    for row, rec in zip(table.rows, table.frame.to_dict("records")):
        out: dict = {}
        for key, value in rec.items():
            if key not in known or value == "":
                continue
            if key in LIST_FIELDS:
                out[key] = json.loads(value) if value.startswith("[") and _is_json(value) else \
                    [v.strip() for v in value.split(";") if v.strip()]
            elif key in NESTED_FIELDS:
                try:
                    out[key] = json.loads(value)
                except json.JSONDecodeError as exc:
                    failures.append(Failure(source, int(row), key, shown(value), Reason.wrong_type,
                                            f"initiative {rec.get('id')!r}: {key}: the cell must be JSON ({exc})"))
            elif key in BOOL_FIELDS:
                word = value.strip().lower()
                out[key] = True if word in TRUE_WORDS else False if word in FALSE_WORDS else value
            elif key in NUMBER_FIELDS:
                out[key] = number_text(value, decimal)
            else:
                out[key] = value
        items.append(Item("initiative", int(row), out))
    return items, failures


_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")


def number_text(value: str, decimal: str | None = None) -> str:
    """A number written with a decimal comma (``12,5``; ``1.250.000,50``) as Python reads it.

    >>> number_text("1.250.000,50"), number_text("12,5"), number_text("12.5"), number_text("1,234.5", ".")
    ('1250000.50', '12.5', '12.5', '1234.5')
    """
    v = value.strip().replace(" ", "")
    if _THOUSANDS_DOT.match(v):
        return v.replace(".", "").replace(",", ".")
    if _COMMA_DECIMAL.match(v) and decimal != ".":
        return v.replace(",", ".")
    if decimal == ".":
        return v.replace(",", "")
    return v


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def write_file(path: str | Path, sections: dict[str, list[dict]], header: dict) -> Path:
    """Write registry records (``{"initiatives": [...], ...}``, as JSON-ready dicts) to ``path`` by its suffix.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_file(os.path.join(d, "x.yaml"), {"initiatives": [{"id": "a"}]}, {})
    ...     print(open(p, encoding="utf-8").read().strip())
    kind: initiative_registry
    version: 1
    initiatives:
    - id: a
    """
    path = Path(path)
    fmt = file_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        _write_csv(path, sections.get("initiatives", []))
        return path
    doc = {"kind": FILE_KIND, "version": FILE_VERSION, **header}
    doc.update({k: v for k, v in sections.items() if v})
    if fmt == "json":
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _write_csv(path: Path, records: list[dict]) -> None:
    import pandas as pd

    rows = []
    for rec in records:
        row = {}
        for key in Initiative.model_fields:
            value = rec.get(key)
            if value is None:
                row[key] = ""
            elif key in LIST_FIELDS:
                row[key] = "; ".join(value)
            elif key in NESTED_FIELDS:
                row[key] = json.dumps(value, ensure_ascii=False) if value else ""
            elif isinstance(value, bool):
                row[key] = "true" if value else "false"
            else:
                row[key] = value
        rows.append(row)
    pd.DataFrame(rows, columns=list(Initiative.model_fields)).to_csv(path, index=False, encoding="utf-8")
