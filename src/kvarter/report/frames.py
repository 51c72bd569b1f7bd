"""The report's one door in: read a :class:`kvarter.disclosure.Protected`
table after :func:`kvarter.disclosure.ensure_protected` has let it through,
and reshape it for charts (a heat-map grid, line series, bar groups) without
losing which cells are suppressed and why.

Every publishing entry point of ``kvarter.report`` (tables in the HTML
report, workbook sheets, the chart helpers here) goes through
:func:`published`, so nothing but a protected table can reach an output.

A protected table's frame holds the published values (NaN where
suppressed), and for every value column ``v`` a status column ``v_status``
(``published``, ``primary``, ``secondary``, ``structural_zero``) and a reason,
either per column (``v_reason``) or shared (``reason``).
"""

from __future__ import annotations

import weakref
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kvarter.disclosure.status import STATUSES, SUPPRESSED  # noqa: F401 (the one vocabulary)
from kvarter.errors import DisclosureError


def status_column(column: str) -> str:
    """The name of the status column that goes with value column ``column``.

    >>> status_column("share")
    'share_status'
    """
    return f"{column}_status"


@dataclass(frozen=True)
class PublishedTable:
    """A protected table as the report reads it.

    ``frame`` is the published frame; ``value_columns`` the columns that carry
    a status; ``keys`` the other, descriptive columns.
    """

    frame: pd.DataFrame
    value_columns: tuple[str, ...]
    keys: tuple[str, ...]
    where: str

    def status(self, column: str) -> pd.Series:
        """Per-row status of ``column``."""
        return self.frame[status_column(column)].astype(str)

    def reason(self, column: str) -> pd.Series:
        """Per-row reason text of ``column`` ("" where the value is published)."""
        for name in (f"{column}_reason", "reason"):
            if name in self.frame.columns:
                return self.frame[name].fillna("").astype(str)
        return pd.Series("", index=self.frame.index)

    def reasons(self, column: str) -> list[str | None]:
        """The chart functions' ``reasons``: the reason for suppressed cells, else ``None``."""
        status, reason = self.status(column), self.reason(column)
        return [
            (r if isinstance(r, str) and r else s) if s in SUPPRESSED else None
            for s, r in zip(status, reason)
        ]


def published(obj, where: str, lang: str = "en") -> PublishedTable:
    """Let ``obj`` through only if it is a protected table; raise
    :class:`~kvarter.errors.DisclosureError` naming ``where`` otherwise.

    The reasons are given in ``lang`` where the table can word them so
    (``Protected.display_frame``).

    >>> import pandas as pd
    >>> published(pd.DataFrame({"n": [3]}), "report table 'profiles'")
    Traceback (most recent call last):
    ...
    kvarter.errors.DisclosureError: ...
    """
    try:
        from kvarter.disclosure import ensure_protected
    except ImportError as exc:  # the gate must exist; publishing without it is refused
        raise DisclosureError(
            f"{where}: cannot publish because kvarter.disclosure is not available ({exc})."
        ) from None
    checked = ensure_protected(obj, where)
    obj = checked if checked is not None else obj
    # What readers see: statuses and reasons as published (no rule's bound).
    frame = _public_frame(obj, lang) if hasattr(obj, "public_frame") else obj.frame
    localised = None
    declared = getattr(obj, "value_columns", None)
    # A column with a status twin is a value column even if not declared (the count column).
    values = tuple(dict.fromkeys(
        list(declared or ()) + [c for c in frame.columns if status_column(str(c)) in frame.columns]
    ))
    missing = [c for c in values if status_column(c) not in frame.columns]
    if missing:
        raise DisclosureError(
            f"{where}: value column(s) {', '.join(map(repr, missing))} have no status column; "
            f"expected {', '.join(repr(status_column(c)) for c in missing)}."
        )
    helpers = {status_column(c) for c in values} | {f"{c}_reason" for c in values} | {"reason"}
    keys = tuple(c for c in frame.columns if c not in values and c not in helpers)
    frame = _reasons_in_words(frame, [f"{c}_reason" for c in values] + ["reason"], lang)
    if localised is not None:
        for c in values:
            name = f"{c}_reason"
            if name in frame.columns and name in localised.columns and len(localised) == len(frame):
                frame[name] = localised[name].to_numpy()
    return PublishedTable(frame=frame.reset_index(drop=True), value_columns=values, keys=keys, where=where)


def _reasons_in_words(frame: pd.DataFrame, columns, lang: str) -> pd.DataFrame:
    """``frame`` with the reason columns' ids in words: a reason that names the
    cell it rests on names it by the indicator's label, not its id
    (:func:`~kvarter.report.i18n.in_words`); each distinct reason is worded once."""
    from kvarter.report.i18n import in_words

    present = [c for c in columns if c in frame.columns]
    if not present:
        return frame
    copied = False
    for c in present:
        col = frame[c]
        worded = {t: in_words(t, lang) for t in col.dropna().unique() if isinstance(t, str) and "_" in t}
        worded = {t: w for t, w in worded.items() if w != t}
        if worded:
            if not copied:
                frame, copied = frame.copy(), True
            frame[c] = col.map(lambda r: worded.get(r, r) if isinstance(r, str) else r)
    return frame


#: Public frames already built, per protected table and language: a report
#: reads each table several times (sections, methods, workbook), and a
#: protected table cannot change (ensure_protected checks it every time).
_PUBLIC_FRAMES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _public_frame(obj, lang: str) -> pd.DataFrame:
    """``obj.public_frame(lang)``, built once per table and language; a copy each time."""
    try:
        by_lang = _PUBLIC_FRAMES.setdefault(obj, {})
    except TypeError:  # not weakly referenceable: nothing to keep
        return obj.public_frame(lang)
    if lang not in by_lang:
        by_lang[lang] = obj.public_frame(lang)
    return by_lang[lang].copy()


def grid(obj, *, index: str, columns: str, value: str, where: str = "heat-map", lang: str = "en"):
    """A protected long table as a rows × columns grid for :func:`~kvarter.report.charts.heatmap`.

    Returns ``(values, reasons, row_labels, col_labels)``; rows and columns keep
    the order in which they first appear (sort the table by pupils first),
    and cells absent from the table are NaN with no reason.

    >>> import pandas as pd
    >>> from kvarter.disclosure import DisclosurePolicy, protect
    >>> t = pd.DataFrame({"area": ["A", "A", "B", "B"], "year": [2021, 2020, 2020, 2021],
    ...                   "persons": [10, 12, 3, 20]})
    >>> p = protect(t, DisclosurePolicy(), key=["area", "year"], value_columns=["persons"],
    ...             count_column="persons")
    >>> values, reasons, rows, cols = grid(p, index="area", columns="year", value="persons")
    >>> values.tolist(), reasons.tolist(), rows, cols
    ([[12.0, 10.0], [nan, 20.0]], [[None, None], ['to protect the confidentiality of persons', None]], ['A', 'B'], [2020, 2021])
    """
    table = published(obj, where, lang)
    f = table.frame
    rows = list(dict.fromkeys(f[index]))
    cols = sorted(dict.fromkeys(f[columns]), key=_sort_key)
    vals = np.full((len(rows), len(cols)), np.nan)
    why = np.full((len(rows), len(cols)), None, dtype=object)
    r_at = {r: i for i, r in enumerate(rows)}
    c_at = {c: j for j, c in enumerate(cols)}
    reasons = table.reasons(value)
    for k, (r, c, v) in enumerate(zip(f[index], f[columns], f[value])):
        i, j = r_at[r], c_at[c]
        vals[i, j] = v
        why[i, j] = reasons[k]
    return vals, why, [str(r) for r in rows], cols


def series(obj, *, x: str, by: str, value: str, where: str = "line chart", lang: str = "en"):
    """A protected long table as ``(xs, series, reasons)`` for
    :func:`~kvarter.report.charts.line_chart` (one series per value of ``by``)
    or :func:`~kvarter.report.charts.bar_chart` (``x`` = category, ``by`` = group).

    >>> import pandas as pd
    >>> from kvarter.disclosure import DisclosurePolicy, protect
    >>> t = pd.DataFrame({"area": ["A", "A", "B", "B"], "year": [2021, 2020, 2020, 2021],
    ...                   "persons": [10, 12, 3, 20]})
    >>> p = protect(t, DisclosurePolicy(), key=["area", "year"], value_columns=["persons"],
    ...             count_column="persons")
    >>> xs, lines, reasons = series(p, x="year", by="area", value="persons")
    >>> xs, lines["A"].tolist(), lines["B"].tolist(), reasons["B"]
    ([2020, 2021], [12.0, 10.0], [nan, 20.0], ['to protect the confidentiality of persons', None])
    """
    table = published(obj, where, lang)
    f = table.frame
    xs = list(dict.fromkeys(f[x]))
    if all(isinstance(v, (int, np.integer)) for v in xs):
        xs = sorted(xs)
    at = {v: i for i, v in enumerate(xs)}
    reasons = table.reasons(value)
    out: dict[str, np.ndarray] = {}
    why: dict[str, list] = {}
    for k, (g, xv, v) in enumerate(zip(f[by], f[x], f[value])):
        name = str(g)
        if name not in out:
            out[name] = np.full(len(xs), np.nan)
            why[name] = [None] * len(xs)
        out[name][at[xv]] = v
        why[name][at[xv]] = reasons[k]
    return xs, out, why


def suppression_summary(tables: dict[str, PublishedTable], lang: str = "en") -> pd.DataFrame:
    """Count suppressed cells per table, column, status and reason (for the
    methods section's "what was suppressed and why"). A cell that names the
    cell of another table it rests on is counted under the one reason for
    all such cells (in ``lang``), so the list says why without one row per
    dependency.

    >>> import pandas as pd
    >>> from kvarter.disclosure import DisclosurePolicy, protect
    >>> t = pd.DataFrame({"area": ["A", "A", "B", "B"], "year": [2021, 2020, 2020, 2021],
    ...                   "persons": [10, 12, 3, 20]})
    >>> p = protect(t, DisclosurePolicy(), key=["area", "year"], value_columns=["persons"],
    ...             count_column="persons")
    >>> suppression_summary({"persons by year": published(p, "doctest")}).to_dict("records")
    [{'table': 'persons by year', 'column': 'persons', 'status': 'suppressed', 'reason': 'to protect the confidentiality of persons', 'cells': 1}]
    """
    rows = []
    for name, table in tables.items():
        for col in table.value_columns:
            status = table.status(col)
            mask = status.isin(SUPPRESSED)
            if not mask.any():
                continue
            # Counted in plain Python over the suppressed cells only, in the
            # order of the (status, reason) pairs, as value_counts gave them.
            reason = table.reason(col)[mask].tolist()
            linked = {r: _linked_reason(r, lang) for r in set(reason)}
            counts = Counter(zip(status[mask].tolist(), (linked[r] for r in reason)))
            for (s, r), n in sorted(counts.items()):
                rows.append({"table": name, "column": col, "status": s, "reason": r, "cells": int(n)})
    return pd.DataFrame(rows, columns=["table", "column", "status", "reason", "cells"])


def _linked_reason(reason: str, lang: str) -> str:
    """A reason naming the cell it rests on, as the one reason for all such cells.

    >>> _linked_reason("depends on the suppressed cell r (area A, 2024) of the published table 'indicators'", "en")
    'depends on a figure suppressed in another published table'
    >>> _linked_reason("to protect the confidentiality of persons", "en")
    'to protect the confidentiality of persons'
    """
    from kvarter.disclosure.protected import REASONS

    words = REASONS.get(lang, REASONS["en"])
    head = words["linked_on"].split("{cell}")[0]
    return words["linked"] if reason.startswith(head) else reason


def _sort_key(v):
    return (0, v, "") if isinstance(v, (int, float, np.integer, np.floating)) else (1, 0, str(v))
