"""The Excel workbook: one sheet per protected table, a header row, numbers
stored as numbers, and beside every value column its status and reason, so a
suppressed cell is an empty cell that says why — never a zero.

Columns per sheet: the key columns, then for each value column ``v`` the
three columns ``v``, ``v_status`` and ``v_reason``. The header row is frozen
and filterable, and column widths fit the content.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from kvarter.errors import InputError
from kvarter.report.frames import SUPPRESSED, published, status_column

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


def _sheet_frame(obj, where: str) -> pd.DataFrame:
    """The frame written to one sheet: keys, then value, status and reason per
    value column (reason empty where the value is published).

    Only a protected table passes (see :func:`kvarter.report.frames.published`).
    """
    table = published(obj, where)
    f = table.frame
    out = {k: f[k] for k in table.keys}
    for col in table.value_columns:
        status = table.status(col)
        out[col] = f[col].where(~status.isin(SUPPRESSED))
        out[status_column(col)] = status
        out[f"{col}_reason"] = table.reason(col).where(status != "published", "")
    return pd.DataFrame(out)


def write_workbook(path: str | Path, sheets: Mapping[str, object]) -> Path:
    """Write one sheet per protected table in ``sheets`` (sheet title → table)
    to the Excel file ``path`` and return the path.

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
    frames = {name: _sheet_frame(obj, f"workbook sheet {name!r}") for name, obj in sheets.items()}
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    with xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": False}) as book:
        header = book.add_format({"bold": True, "bottom": 1, "bg_color": "#E8ECF2", "text_wrap": False})
        suppressed = book.add_format({"bg_color": "#E0E0E0"})
        for name, frame in frames.items():
            ws = book.add_worksheet(sheet_name(name, taken))
            columns = list(frame.columns)
            widths = [len(str(c)) for c in columns]
            for j, col in enumerate(columns):
                ws.write_string(0, j, str(col), header)
            status_cols = {c: status_column(c) for c in columns if status_column(c) in frame.columns}
            for i, row in enumerate(frame.itertuples(index=False), start=1):
                for j, (col, value) in enumerate(zip(columns, row)):
                    fmt = None
                    if col in status_cols and frame[status_cols[col]].iat[i - 1] in SUPPRESSED:
                        fmt = suppressed
                    text = _write(ws, i, j, value, fmt)
                    widths[j] = max(widths[j], len(text))
            for j, w in enumerate(widths):
                ws.set_column(j, j, min(max(w + 2, 8), 60))
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(len(frame), 1), max(len(columns) - 1, 0))
    return path


def _write(ws, i: int, j: int, value, fmt) -> str:
    """Write one cell with its natural type; return its text for the width."""
    if value is None or value is pd.NA or value is pd.NaT:
        ws.write_blank(i, j, None, fmt)
        return ""
    if isinstance(value, (bool, np.bool_)):
        ws.write_boolean(i, j, bool(value), fmt)
        return str(value)
    if isinstance(value, (int, float)) or hasattr(value, "dtype"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if number is not None:
            if not math.isfinite(number):
                ws.write_blank(i, j, None, fmt)
                return ""
            ws.write_number(i, j, number, fmt)
            return f"{number:g}"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if text == "":
        ws.write_blank(i, j, None, fmt)
        return ""
    ws.write_string(i, j, text, fmt)
    return text
