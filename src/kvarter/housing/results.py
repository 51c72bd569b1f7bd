"""Result types of the housing analyses: what may leave the library and what may not.

A **working list** (:class:`WorkingList`) holds one row per household or
dwelling — a caseworker's list with personal data. It is not a DataFrame and
cannot be passed where a table is expected; only :meth:`WorkingList.write`
puts it in a file, marked internal, and the attribute ``__kvarter_internal__``
lets the publication layer refuse it outright.

An **area table** is a plain long DataFrame with the columns of
:data:`AREA_COLUMNS`: every figure carries the count behind it
(``numerator``) and its base (``denominator``), so a minimum-count rule can be
applied before anything is published. Only these are meant for publishing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kvarter.errors import InputError

#: Columns of every aggregate table the housing analyses return.
AREA_COLUMNS = ["measure", "level", "unit_id", "municipality", "year", "category", "value", "numerator", "denominator"]

INTERNAL_NOTE = "INTERNAL: caseworker's working list with personal data; do not publish, share or attach to reports"


class WorkingList:
    """A per-household (or per-dwelling) working list: internal, never published.

    ``kind`` says what it lists (``pathways``, ``checklist``); ``frame``
    returns a copy of the rows for a caseworker's own use.

    >>> wl = WorkingList(pd.DataFrame({"household_id": ["H1"], "pathway": ["1"]}), "pathways")
    >>> wl
    <WorkingList pathways: 1 row(s) — INTERNAL, personal data; write() it to a local file, never publish it>
    >>> wl.__kvarter_internal__
    True
    """

    __kvarter_internal__ = True

    def __init__(self, frame: pd.DataFrame, kind: str, source: str = ""):
        self._frame = frame.reset_index(drop=True)
        self.kind = kind
        self.source = source

    @property
    def frame(self) -> pd.DataFrame:
        """A copy of the rows (for the caseworker; never a published table)."""
        return self._frame.copy()

    @property
    def columns(self) -> list[str]:
        """Column names of the list."""
        return list(self._frame.columns)

    def __len__(self) -> int:
        return len(self._frame)

    def __repr__(self) -> str:
        return (f"<WorkingList {self.kind}: {len(self)} row(s) — INTERNAL, personal data; "
                "write() it to a local file, never publish it>")

    def write(self, path: str | Path) -> Path:
        """Write the list to a local CSV file marked internal; returns the path written.

        The file name must contain ``internal`` (``pathways.internal.csv``) so
        the file says what it is wherever it ends up, and its first line is a
        comment saying so (read it back with ``pd.read_csv(path, comment="#")``).

        >>> import tempfile, os
        >>> wl = WorkingList(pd.DataFrame({"household_id": ["H1"]}), "pathways")
        >>> p = wl.write(os.path.join(tempfile.mkdtemp(), "pathways.internal.csv"))
        >>> p.read_text(encoding="utf-8").splitlines()[0].startswith("# INTERNAL")
        True
        """
        path = Path(path)
        if "internal" not in path.name.lower():
            raise InputError(
                f"A working list is written only to a file whose name says it is internal "
                f"(e.g. {path.stem}.internal{path.suffix or '.csv'}); got {path.name!r}."
            )
        with path.open("w", encoding="utf-8", newline="") as fh:
            fh.write(f"# {INTERNAL_NOTE} ({self.kind}{', ' + self.source if self.source else ''})\n")
            self._frame.to_csv(fh, index=False)
        return path


def area_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Put a long aggregate table in :data:`AREA_COLUMNS` order with typed columns.

    >>> area_table(pd.DataFrame({"measure": ["m"], "level": ["area"], "unit_id": ["A"],
    ...     "municipality": ["0301"], "year": [2024], "category": [None], "numerator": [3],
    ...     "denominator": [4]}))[["value", "numerator", "denominator"]].iloc[0].tolist()
    [0.75, 3.0, 4.0]
    """
    out = rows.copy()
    if "value" not in out.columns:
        den = out["denominator"].astype("float64")
        out["value"] = out["numerator"].astype("float64") / den.where(den > 0)
    for col in AREA_COLUMNS:
        if col not in out.columns:
            out[col] = None
    out = out[AREA_COLUMNS]
    out["year"] = out["year"].astype("int64")
    for col in ("value", "numerator", "denominator"):
        out[col] = out[col].astype("float64")
    for col in ("measure", "level", "unit_id", "municipality", "category"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out.reset_index(drop=True)


def by_levels(frame: pd.DataFrame, keys: list[str], sums: dict[str, str]) -> pd.DataFrame:
    """Sum per area, per municipality and over everything (``level`` all), per year and ``keys``.

    ``sums`` maps output columns to input columns; rows get ``level`` and ``unit_id``.

    >>> f = pd.DataFrame({"area_id": ["A", "B"], "municipality": ["m", "m"], "year": [2024, 2024], "x": [1, 2]})
    >>> by_levels(f, [], {"n": "x"})[["level", "unit_id", "n"]].values.tolist()
    [['area', 'A', 1], ['area', 'B', 2], ['municipality', 'm', 3], ['all', 'all', 3]]
    """
    parts = []
    group = ["area_id", "municipality", "year", *keys]
    area = frame.groupby(group, as_index=False, dropna=False).agg(**{k: (v, "sum") for k, v in sums.items()})
    parts.append(area.assign(level="area", unit_id=area["area_id"]).drop(columns="area_id"))
    mun = frame.groupby(["municipality", "year", *keys], as_index=False, dropna=False).agg(**{k: (v, "sum") for k, v in sums.items()})
    parts.append(mun.assign(level="municipality", unit_id=mun["municipality"]))
    tot = frame.groupby(["year", *keys], as_index=False, dropna=False).agg(**{k: (v, "sum") for k, v in sums.items()})
    parts.append(tot.assign(level="all", unit_id="all", municipality=None))
    return pd.concat(parts, ignore_index=True)
