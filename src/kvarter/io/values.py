"""A user's table of criterion values per area and year, read and checked like any input.

Screening accepts, instead of the store's indicators, a table with one row
per area and year and one column per criterion, as the Danish ministry
publishes its lists (``area_id, year, residents,
outside_labour_education_share, ...``). Such tables often give shares in
percent (36.8 for 36.8 %); read as fractions, every area would exceed every
threshold. So a share column (one whose name ends in ``_share``, or one named
in ``shares``) must hold fractions in [0, 1], and a column given in percent
must be declared (``percent``): it is divided by 100 as it is read.

:func:`check_values` checks a frame and :func:`read_values` reads a file
(CSV in any encoding, Excel, Parquet, through :func:`~kvarter.io.readers.read_table`,
with an optional :class:`~kvarter.io.mapping.ColumnMapping`); both collect
every failure — file, row, column, value and reason — into one
:class:`~kvarter.errors.InputErrors`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from kvarter.errors import Failure, InputErrors, Reason
from kvarter.io.contracts import Column
from kvarter.io.mapping import ColumnMapping, apply_mapping
from kvarter.io.readers import SourceTable, read_table
from kvarter.io.validate import MAX_FAILURES_PER_CHECK, _check_column, _Collector, _parse_numbers

#: Columns kept as text.
TEXT_COLUMNS: tuple[str, ...] = ("area_id", "name", "municipality", "region", "kind", "parent_area")

#: A share column: ``<indicator>_share``, its pooled variants and their reference values.
SHARE_NAME = re.compile(r"_share(_\d+y)?(_reference)?$")


def is_share_column(name: str) -> bool:
    """Whether a values column holds a share (a fraction in [0, 1]) by its name.

    >>> is_share_column("non_western_share"), is_share_column("convicted_share_4y_reference")
    (True, True)
    >>> is_share_column("income_ratio_to_region"), is_share_column("residents")
    (False, False)
    """
    return SHARE_NAME.search(name) is not None


def check_values(
    frame: pd.DataFrame,
    *,
    source: str = "<values>",
    rows=None,
    percent: Iterable[str] = (),
    shares: Iterable[str] | None = None,
    decimal: str | None = None,
) -> tuple[pd.DataFrame, list[Failure]]:
    """Type and check a values table; return it (percent columns divided by 100) and every failure.

    ``area_id`` and ``year`` are required, the key (area_id, year) unique;
    text columns (:data:`TEXT_COLUMNS`) stay text, ``social_housing`` becomes
    boolean and every other column a number (decimal commas accepted) — or
    stays text if none of its values is a number. A share column
    (:func:`is_share_column`, plus ``shares``) must lie in [0, 1]; a column
    named in ``percent`` is a percentage, must lie in [0, 100] if a share, and
    is divided by 100.

    >>> df = pd.DataFrame({"area_id": ["Blågården", "Vollsmose"], "year": ["2010", "2010"],
    ...                    "non_western_share": ["65,5", "67,7"]})
    >>> _, failures = check_values(df, source="lister.csv")
    >>> print(failures[0].message)
    non_western_share 65.5 is above 1: a share is a fraction (0.655 for 65.5 %); if the column gives percent, declare it (percent=['non_western_share'], --percent non_western_share)
    >>> out, failures = check_values(df, source="lister.csv", percent=["non_western_share"])
    >>> out["non_western_share"].tolist(), failures
    ([0.655, 0.677], [])
    """
    n = len(frame)
    rows = np.arange(1, n + 1, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
    out = _Collector(source, rows)
    percent = list(dict.fromkeys(percent))
    share_cols = set(shares or ())
    columns = [str(c) for c in frame.columns]
    for name in [*percent, *share_cols]:
        if name not in columns:
            out.add(name, None, Reason.missing_column,
                    f"column {name!r} is declared as {'percent' if name in percent else 'a share'} but the "
                    f"table has no such column; it has {', '.join(map(repr, columns))}")
    for name in ("area_id", "year"):
        if name not in columns:
            out.add(name, None, Reason.missing_column,
                    f"required column {name!r} is missing; the table has {', '.join(map(repr, columns))}")
    if n == 0:
        out.add(None, None, Reason.empty_table, "the values table has no data rows")
    typed: dict[str, pd.Series] = {}
    for name in columns:
        raw = frame[name].reset_index(drop=True)
        if name in TEXT_COLUMNS:
            col = Column(name=name, type="string", nullable=name not in ("area_id",))
        elif name == "year":
            col = Column(name=name, type="integer", min=1900, max=2100)
        elif name == "social_housing":
            col = Column(name=name, type="boolean", nullable=True)
        else:
            values, bad = _parse_numbers(raw, decimal)
            declared = name in percent or name in share_cols or is_share_column(name)
            if bad.all() and not declared:
                typed[name] = raw.astype("str")  # a text column, such as a note
                continue
            col = Column(name=name, type="number", nullable=True)
        typed[name] = _check_column(raw, col, out, decimal)
        if col.type == "number":
            typed[name] = _scale(name, typed[name], raw, name in percent,
                                 name in share_cols or is_share_column(name), out)
    result = pd.DataFrame(typed, index=pd.RangeIndex(n))
    if {"area_id", "year"} <= set(result.columns):
        key = result[["area_id", "year"]]
        dup = (key.duplicated(keep=False) & key.notna().all(axis=1)).to_numpy()
        out.mask(dup, "area_id, year", result["area_id"].astype(object), Reason.duplicate_id,
                 lambda v: f"area {v!r} has two rows for one year; give each area one row per year")
    failures = sorted(out.failures, key=lambda f: (f.row is not None, f.row or 0))
    return result, failures


def _scale(name: str, values: pd.Series, raw: pd.Series, percent: bool, share: bool, out: _Collector) -> pd.Series:
    v = values.astype("float64").to_numpy(na_value=np.nan)
    with np.errstate(invalid="ignore"):
        negative = v < 0
        high = v > (100 if percent else 1) if share else np.zeros(len(v), dtype=bool)
    out.mask(negative, name, raw, Reason.out_of_range, lambda x: f"{name} {x!r} is negative; a share or ratio is >= 0")
    if percent:
        out.mask(high, name, raw, Reason.out_of_range,
                 lambda x: f"{name} {x!r} is above 100 but the column is declared as percent")
        v = v / 100
    else:
        out.mask(high, name, raw, Reason.out_of_range, lambda x: _above_one(name, x))
    bad = negative | high
    return pd.Series(np.where(bad, np.nan, v), index=values.index, dtype="float64")


def _above_one(name: str, raw) -> str:
    shown = str(raw).strip().replace(",", ".")
    try:
        x = float(shown)
        shown = f"{x:g}"
        example = f"{x / 100:g} for {x:g} %"
    except ValueError:
        example = "0.368 for 36.8 %"
    return (f"{name} {shown} is above 1: a share is a fraction ({example}); if the column gives percent, "
            f"declare it (percent=[{name!r}], --percent {name})")


def read_values(
    path: str | Path | SourceTable,
    *,
    mapping: ColumnMapping | None = None,
    percent: Iterable[str] = (),
    shares: Iterable[str] | None = None,
    **read_options,
) -> pd.DataFrame:
    """Read a user's criterion values (``kvarter screen --values FILE``), mapped, typed and checked.

    The file is read by :func:`~kvarter.io.readers.read_table` (so a ragged
    line, a UTF-16 file or a workbook renamed ``.csv`` are handled as for any
    input; ``read_options`` go there), ``mapping`` renames its columns and
    adds constant ones, and :func:`check_values` types and checks it;
    ``percent`` and ``shares`` may name columns by their name in the file or
    after the mapping. Column names are matched to :data:`TEXT_COLUMNS`
    ignoring case and spaces. Failures raise one
    :class:`~kvarter.errors.InputErrors`.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "lister.csv")
    >>> _ = open(p, "w", encoding="cp1252").write("list_year;area;nonwestern_pct\\n2010;Blågården;65,5\\n")
    >>> m = ColumnMapping.of({"list_year": "year", "area": ["area_id", "name"], "nonwestern_pct": "non_western_share"})
    >>> read_values(p, mapping=m, percent=["nonwestern_pct"]).to_dict("records")
    [{'area_id': 'Blågården', 'name': 'Blågården', 'year': 2010, 'non_western_share': 0.655}]
    """
    table = path if isinstance(path, SourceTable) else read_table(path, **read_options)
    table = apply_mapping(table, mapping)
    renamed = {src: dst for src, dst in (mapping.rename if mapping else ())}
    percent = [renamed.get(c, c) for c in percent]
    shares = None if shares is None else [renamed.get(c, c) for c in shares]
    frame = table.frame
    keys = {re.sub(r"[\s\-]+", "_", str(c).strip().lower()): c for c in reversed(list(frame.columns))}
    wanted = (*TEXT_COLUMNS, "year", "social_housing")
    frame = frame.rename(columns={keys[k]: k for k in wanted if k in keys and k not in frame.columns})
    first = [c for c in wanted if c in frame.columns]
    frame = frame[first + [c for c in frame.columns if c not in first]]
    decimal = None
    if table.dialect is not None:
        decimal = "," if table.dialect.decimal == "," else ("." if table.dialect.delimiter == "," else None)
    result, failures = check_values(frame, source=table.source, rows=table.rows, percent=percent, shares=shares,
                                    decimal=decimal)
    if failures:
        raise InputErrors(failures[: MAX_FAILURES_PER_CHECK * 4], source=table.source)
    result.attrs["source"] = table.source
    result.attrs["notes"] = list(table.notes)
    return result
