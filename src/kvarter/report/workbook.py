"""The Excel workbook: one sheet per protected table, a header row, numbers
stored as numbers, and beside every value column its status and reason, so a
suppressed cell is an empty cell that says why — never a zero.

Columns per sheet: the key columns, then for each value column ``v`` the
three columns ``v``, ``v_status`` and ``v_reason``. The header row is frozen
and filterable, and column widths fit the content.

Given a :class:`WorkbookGuide` (as the report's renderer gives one), the
workbook is one an analyst can hand on: a first sheet with the scope, the
disclosure policy, what was suppressed, the definitions and the sources;
headers in the report's language (the column ids of ``tables/`` listed on the
first sheet); area and indicator names beside their ids; shares formatted as
percent, counts as whole numbers.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import numpy as np
import pandas as pd

from kvarter.errors import InputError
from kvarter.report.frames import SUPPRESSED, PublishedTable, published, status_column
from kvarter.report.i18n import LABELS, in_words, label

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name for ``name``: the characters Excel
    forbids become "-", at most 31 characters, a number added on a clash.

    >>> taken = set()
    >>> sheet_name("Designations: DK/2021", taken)
    'Designations- DK-2021'
    >>> sheet_name("Designations- DK-2021", taken)
    'Designations- DK-2021 (2)'
    >>> len(sheet_name("x" * 40, taken))
    31
    """
    base = _BAD_SHEET_CHARS.sub("-", str(name)).strip("'").strip() or "Sheet"
    base = base[:31]
    candidate, k = base, 2
    while candidate.lower() in taken:
        suffix = f" ({k})"
        candidate, k = base[: 31 - len(suffix)] + suffix, k + 1
    taken.add(candidate.lower())
    return candidate


@dataclass(frozen=True)
class WorkbookGuide:
    """What the first sheet says and the data sheets add.

    ``scope`` lines (municipality, year, areas, population); ``policy`` the
    disclosure settings; ``definitions`` rows of ``indicator, name, unit,
    definition``; ``sources`` rows of ``dataset, source``; ``area_names`` maps
    an area id to its name; ``ratios`` the indicators that are ratios to a
    reference (formatted 0.00); ``goals`` the goal set in use, whose own
    names the goals sheet shows.
    """

    lang: str = "en"
    title: str = ""
    scope: tuple[str, ...] = ()
    policy: Mapping = field(default_factory=dict)
    definitions: tuple[Mapping, ...] = ()
    sources: tuple[Mapping, ...] = ()
    area_names: Mapping[str, str] = field(default_factory=dict)
    ratios: frozenset = frozenset()
    goals: object | None = None

    @property
    def names(self) -> dict[str, str]:
        return {str(d["indicator"]): str(d.get("name", d["indicator"])) for d in self.definitions}

    @property
    def units(self) -> dict[str, str]:
        return {str(d["indicator"]): str(d.get("unit", "")) for d in self.definitions}


#: Columns that hold numbers of persons (whole numbers in the workbook).
COUNT_COLUMNS = frozenset({"n", "persons", "numerator", "denominator", "residents", "pupils", "cells", "treated",
                           "control", "n_treated", "n_control", "households"})
_EXCEL_FORMAT = {"share": "0.0%", "count": "#,##0", "mean": "#,##0", "per_1000": "0.0", "ratio": "0.00"}


def _with_names(frame: pd.DataFrame, guide: WorkbookGuide) -> pd.DataFrame:
    """Insert the area name after an area id column and the indicator name after ``indicator``."""
    out = frame.copy()
    for id_col in ("area_id", "unit_id", "area"):
        if id_col in out.columns and guide.area_names and "area_name" not in out.columns:
            names = out[id_col].astype(str).map(guide.area_names)
            if names.notna().any():
                out.insert(out.columns.get_loc(id_col) + 1, "area_name", names.fillna(""))
            break
    if "indicator" in out.columns and guide.definitions:
        ids, names = out["indicator"].astype(str), guide.names
        # an id outside the catalogue (a figure, life expectancy) by its label, not again by its id
        named = {x: names.get(x) or label(x, guide.lang) for x in ids.unique()}
        out.insert(out.columns.get_loc("indicator") + 1, "indicator_name", ids.map(named))
    if {"ruleset", "criterion"} <= set(out.columns) and "criterion_name" not in out.columns:
        # The criterion as the rule set names it in the workbook's language (its YAML's names).
        from kvarter.report.i18n import rule_name

        pairs = {(str(r), str(c)) for r, c in zip(out["ruleset"], out["criterion"])}
        named = {p: rule_name(p[0], p[1], guide.lang) for p in pairs}
        out.insert(out.columns.get_loc("criterion") + 1, "criterion_name",
                   [named[(str(r), str(c))] for r, c in zip(out["ruleset"], out["criterion"])])
    return _with_words(out, guide.lang, guide.goals)


#: Columns named above (or holding names, sources and statuses worded in the reason beside them).
_NOT_IDS = frozenset({"indicator", "indicator_name", "area_id", "unit_id", "area", "area_name", "name", "criterion",
                      "criterion_name", "ruleset", "source", "municipality"})
#: A cell that is an id and nothing else: ``work_gap``, ``atkinson_0.1``, ``education=long_tertiary``.
_ID = re.compile(r"[a-z][a-z0-9_.]*(?:=[a-z0-9_.]+)?")


def _with_words(out: pd.DataFrame, lang: str, goalset=None) -> pd.DataFrame:
    """Beside every other text column that holds ids (a goal, its status, a
    category, a covariate …), a ``<column>_name`` column with their words in
    ``lang`` (after the column's reason when it is a value column)."""
    from kvarter.report.i18n import covariate_name, goal_name

    word = {"goal": lambda v, lg: goal_name(v, lg, goalset), "covariate": covariate_name}
    for col in [c for c in out.columns if out[c].dtype == object or pd.api.types.is_string_dtype(out[c])]:
        col = str(col)
        if col in _NOT_IDS or col.endswith(("_status", "_reason", "_name")) or f"{col}_name" in out.columns:
            continue
        ids = [v for v in out[col].dropna().unique() if isinstance(v, str) and "_" in v and _ID.fullmatch(v)]
        if not ids:
            continue
        name = word.get(col, lambda v, lg: label(v, lg, default="") or in_words(v, lg))
        named = {v: name(v, lang) for v in ids}
        after = f"{col}_reason" if f"{col}_reason" in out.columns else col
        out.insert(out.columns.get_loc(after) + 1, f"{col}_name", out[col].map(lambda v: named.get(v, v)))
    return out


def _header(col: str, lang: str) -> str:
    """A column's header in ``lang``: ``share_status`` → "Share (status)".

    >>> _header("value_status", "da"), _header("persons", "nl"), _header("my_column", "en")
    ('Værdi (status)', 'Personen', 'my_column')
    """
    for part in ("status", "reason", "name"):
        if col.endswith(f"_{part}") and (part != "name" or col not in LABELS):
            base = col[: -len(part) - 1]
            return f"{label(base, lang)} ({label(part, lang).lower()})"
    return label(col, lang)


def _number_format(col: str, row: Mapping, guide: WorkbookGuide) -> str | None:
    """The Excel number format of one cell: by the row's indicator unit for ``value``, by name otherwise."""
    if col in ("value", "raw_value", "reference_value") and "indicator" in row:
        ind = str(row["indicator"])
        if ind in guide.ratios and col == "value":
            return _EXCEL_FORMAT["ratio"]
        unit = guide.units.get(ind, "")
        if unit.startswith("mean (") and len(unit) == 10:  # "mean (DKK)": an income, shown with its currency
            return f'#,##0 "{unit[6:9]}"'
        return _EXCEL_FORMAT.get(unit)
    if col in COUNT_COLUMNS:
        return _EXCEL_FORMAT["count"]
    if col == "share" or col.endswith("_share"):
        return _EXCEL_FORMAT["share"]
    return None


def _about_rows(guide: WorkbookGuide, sheets: Mapping[str, object], frames: Mapping[str, pd.DataFrame],
                sheet_names: Mapping[str, str], tables: Mapping[str, PublishedTable]) -> list[list]:
    """The first sheet as rows of cells (a heading row is a one-cell row in bold)."""
    lang = guide.lang
    rows: list[list] = [[("h1", guide.title or label("about_title", lang))], []]
    if guide.scope:
        rows += [[("h2", label("about_scope", lang))], *[[line] for line in guide.scope], []]
    rows += [[("h2", label("policy", lang))], [label("setting", lang), label("value", lang), label("name", lang)]]
    # the setting's id (what kvarter.yaml spells), its value, and its name
    rows += [[str(k), v if isinstance(v, (int, float)) else str(v), label(str(k), lang)]
             for k, v in guide.policy.items()]
    rows += [[label("about_suppressed", lang)], []]
    rows += [[("h2", label("disclosure", lang))],
             [label("table", lang), label("column", lang), label("status", lang), label("reason", lang),
              label("cells", lang)]]
    any_suppressed = False
    for name, obj in sheets.items():
        for column, status, reason, cells in _suppression_summary(obj, tables[name]):
            any_suppressed = True
            rows.append([sheet_names[name], _header(column, lang), status, in_words(reason, lang), int(cells)])
    if not any_suppressed:
        rows.append([label("nothing_suppressed", lang)])
    rows.append([])
    if guide.definitions:
        rows += [[("h2", label("definition", lang))],
                 [label("indicator", lang), label("indicator_name", lang), label("unit", lang),
                  label("definition", lang)]]
        rows += [[d["indicator"], d.get("name", ""), d.get("unit", ""), d.get("definition", "")]
                 for d in guide.definitions]
        rows.append([])
    if guide.sources:
        rows += [[("h2", label("source", lang))]]
        rows += [[str(d.get("dataset", "")), str(d.get("source", ""))] for d in guide.sources]
        rows.append([])
    rows += [[("h2", label("about_sheets", lang))],
             [label("sheet", lang), label("header", lang), label("column_id", lang)]]
    for name, frame in frames.items():
        rows += [[sheet_names[name], _header(c, lang), c] for c in frame.columns]
    return rows


def _suppression_summary(obj, table: PublishedTable) -> list[tuple[str, str, str, int]]:
    """What ``obj.suppression_summary(lang)`` lists, as ``(column, status,
    reason, cells)`` rows in its order (by column, status, reason), counted
    on the public frame the sheet is written from (``table``) rather than on
    reasons worded again for every row of every table.
    """
    if not hasattr(obj, "suppression_summary"):
        return []
    frame = table.frame
    counts: Counter = Counter()
    for c in obj.value_columns:
        status = frame[f"{c}_status"].to_numpy(dtype=object)
        hidden = status != "published"
        if hidden.any():
            counts.update(zip(repeat(c), status[hidden], frame[f"{c}_reason"].to_numpy(dtype=object)[hidden]))
    return [(*k, n) for k, n in sorted(counts.items())]


def _sheet_frame(obj, where: str, lang: str = "en") -> pd.DataFrame:
    """The frame written to one sheet: keys, then value, status and reason per
    value column (reason empty where the value is published).

    Only a protected table passes (see :func:`kvarter.report.frames.published`).
    """
    return _sheet_of(published(obj, where, lang))


def _sheet_of(table: PublishedTable) -> pd.DataFrame:
    """The sheet's frame (see :func:`_sheet_frame`) of a table already let through."""
    f = table.frame
    out = {k: f[k] for k in table.keys}
    for col in table.value_columns:
        status = table.status(col)
        out[col] = f[col].where(~status.isin(SUPPRESSED))
        out[status_column(col)] = status
        out[f"{col}_reason"] = table.reason(col).where(status != "published", "")
    return pd.DataFrame(out)


def write_workbook(path: str | Path, sheets: Mapping[str, object], *, guide: WorkbookGuide | None = None) -> Path:
    """Write one sheet per protected table in ``sheets`` (sheet title → table)
    to the Excel file ``path`` and return the path; with a ``guide``, a first
    sheet that explains the workbook and readable sheets (see the module text).

    Anything but a protected table raises
    :class:`~kvarter.errors.DisclosureError` before the file is created.

    >>> import pandas as pd, tempfile, os
    >>> write_workbook(os.path.join(tempfile.mkdtemp(), "k.xlsx"), {"profiles": pd.DataFrame({"n": [3]})})
    Traceback (most recent call last):
    ...
    kvarter.errors.DisclosureError: ...
    """
    if not sheets:
        raise InputError("sheets passed to write_workbook is empty; give at least one protected table.")
    lang = guide.lang if guide else "en"
    tables = {name: published(obj, f"workbook sheet {name!r}", lang) for name, obj in sheets.items()}
    frames = {name: _sheet_of(table) for name, table in tables.items()}
    if guide is not None:
        frames = {name: _with_names(f, guide) for name, f in frames.items()}
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    with xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": False}) as book:
        header = book.add_format({"bold": True, "bottom": 1, "bg_color": "#E8ECF2", "text_wrap": False})
        suppressed = book.add_format({"bg_color": "#E0E0E0"})
        formats: dict[tuple[str | None, bool], object] = {}

        def cell_format(number_format: str | None, grey: bool):
            if (number_format, grey) not in formats:
                spec = {"bg_color": "#E0E0E0"} if grey else {}
                if number_format:
                    spec["num_format"] = number_format
                formats[(number_format, grey)] = book.add_format(spec) if spec else None
            return formats[(number_format, grey)]

        about = book.add_worksheet(sheet_name(label("about_sheet", lang), taken)) if guide is not None else None
        sheet_names = {}
        for name, frame in frames.items():
            ws = book.add_worksheet(sheet_name(name, taken))
            sheet_names[name] = ws.get_name()
            columns = list(frame.columns)
            heads = [_header(c, lang) for c in columns] if guide is not None else [str(c) for c in columns]
            widths = [len(h) for h in heads]
            for j, h in enumerate(heads):
                ws.write_string(0, j, h, header)
            # Each cell's format is decided per column up front (greyed where
            # its status is suppressed, the number format by column or by the
            # row's indicator): deciding it cell by cell was most of the time.
            fmts = [_column_formats(frame, col, guide, cell_format) for col in columns]
            # Each column's cells are typed once (numbers, text, blanks), then
            # written row by row in the order the sheet had before (the shared
            # strings keep their order); typing cell by cell was most of the time.
            cells = [_column_cells(ws, frame.iloc[:, j], fmts[j]) for j in range(len(columns))]
            for j, (*_, width) in enumerate(cells):
                widths[j] = max(widths[j], width)
            rows = zip(zip(*(c[0] for c in cells)), zip(*(c[1] for c in cells)), zip(*(c[2] for c in cells)))
            for i, (writes, values, row_fmts) in enumerate(rows, start=1):
                for j, write in enumerate(writes):
                    write(i, j, values[j], row_fmts[j])
            for j, w in enumerate(widths):
                ws.set_column(j, j, min(max(w + 2, 8), 60))
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(len(frame), 1), max(len(columns) - 1, 0))
        if about is not None:
            _write_about(book, about, _about_rows(guide, sheets, frames, sheet_names, tables))
    return path


def _column_formats(frame: pd.DataFrame, col: str, guide: WorkbookGuide | None, cell_format):
    """The formats of one column's cells: one format for all, or a list per row.

    The same choice :func:`_number_format` makes cell by cell (and grey where
    the column's status is a suppressed one), made once per column and per
    distinct indicator.
    """
    status = status_column(col)
    # ``in`` as before, not ``isin``: the statuses may be str enum members, whose hash is not the string's.
    grey = (np.fromiter((v in SUPPRESSED for v in frame[status]), bool, len(frame))
            if status in frame.columns else None)
    if guide is None:
        numbers = None
    elif col in ("value", "raw_value", "reference_value") and "indicator" in frame.columns:
        indicators = frame["indicator"].map(str)
        by_indicator = {ind: _number_format(col, {"indicator": ind}, guide) for ind in indicators.unique()}
        numbers = [by_indicator[ind] for ind in indicators]
    else:
        numbers = _number_format(col, {}, guide)
    if grey is None or not grey.any():
        if isinstance(numbers, list):
            return [cell_format(nf, False) if nf else None for nf in numbers]
        return cell_format(numbers, False) if numbers else None
    if not isinstance(numbers, list):
        numbers = [numbers] * len(frame)
    return [cell_format(nf, bool(g)) if (g or nf) else None for nf, g in zip(numbers, grey)]


def _column_cells(ws, column: pd.Series, fmt) -> tuple[list, list, list, int]:
    """How each cell of one column is written: the write method, the value and
    the format per cell (three lists, so that no object is made per cell), and
    the width of the widest text. :func:`_write` decides the same cell by
    cell; here it is decided for the whole column where its dtype allows.

    A float or integer column holds numbers and blanks (NaN, infinities); a
    text column strings and blanks (missing, empty); any other column is
    typed cell by cell as :func:`_write` does.
    """
    n = len(column)
    fmts = fmt if isinstance(fmt, list) else [fmt] * n
    dtype = column.dtype
    # The undecorated writers of XlsxWriter (the public ones only add A1-notation parsing).
    number = getattr(ws, "_write_number", ws.write_number)
    string = getattr(ws, "_write_string", ws.write_string)
    blank = getattr(ws, "_write_blank", ws.write_blank)
    if dtype.kind in "iuf" and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        numbers = column.to_numpy(dtype=float)
        finite = np.isfinite(numbers)
        values = numbers.tolist()
        writes = [number if ok else blank for ok in finite.tolist()]
        width = max((len(f"{v:g}") for v in numbers[finite].tolist()), default=0)
        return writes, values, fmts, width
    if isinstance(dtype, pd.StringDtype):
        values = column.tolist()
        writes = [string if isinstance(v, str) and v != "" else blank for v in values]
        width = max((len(v) for v in values if isinstance(v, str)), default=0)
        return writes, values, fmts, width
    writes, values, width = [], [], 0
    for value, f in zip(column.tolist(), fmts):
        write, shown, _, text = _cell(ws, value, f)
        writes.append(write)
        values.append(shown)
        width = max(width, len(text))
    return writes, values, fmts, width


def _cell(ws, value, fmt) -> tuple:
    """One cell as :func:`_write` writes it: ``(write, value, format, text)``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ws.write_blank, None, fmt, ""
    if isinstance(value, (bool, np.bool_)):
        return ws.write_boolean, bool(value), fmt, str(value)
    if isinstance(value, (int, float)) or hasattr(value, "dtype"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if number is not None:
            if not math.isfinite(number):
                return ws.write_blank, None, fmt, ""
            return ws.write_number, number, fmt, f"{number:g}"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if text == "":
        return ws.write_blank, None, fmt, ""
    return ws.write_string, text, fmt, text


def _write_about(book, ws, rows: list[list]) -> None:
    h1 = book.add_format({"bold": True, "font_size": 14})
    h2 = book.add_format({"bold": True, "font_size": 12})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if isinstance(value, tuple):
                ws.write_string(i, j, value[1], h1 if value[0] == "h1" else h2)
            else:
                _write(ws, i, j, value, wrap if j == 3 else None)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 2, 28)
    ws.set_column(3, 3, 90)


def _write(ws, i: int, j: int, value, fmt) -> str:
    """Write one cell with its natural type; return its text for the width."""
    write, shown, cell_format, text = _cell(ws, value, fmt)
    write(i, j, shown, cell_format)
    return text
