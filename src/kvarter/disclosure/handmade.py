"""Checking a table made by hand, before it leaves the office.

A researcher's own CSV has no disclosure description beside it: nothing says
which columns count persons, which cells were suppressed or which rows are
totals of others. :func:`check_plain_table` takes those facts from the user
(the count columns, optionally the key columns and the label of total rows)
and the conventions statistics offices print, then runs the same two checks
as :func:`~kvarter.disclosure.check.check_output`: published counts under the
minimum, and suppressed cells an intruder can recompute from the totals
(:func:`~kvarter.disclosure.attack.assess`).

Conventions read from the cells:

* a suppressed cell is empty or one of the usual marks (``.``, ``..``, ``x``,
  ``-``, ``:``, ``*``, ``c``, ``[c]``); a mark such as ``<5`` hides the value
  but tells its range, which is itself a problem;
* a total row has ``Total`` (or ``I alt``, ``Totalt``, ``Totaal``, ``Alle``,
  ``All``, or the label given) in one key column; it is taken as the sum of
  the rows that share its other key values. When every cell of such a group
  is published and the parts do not add up to the total, the parts are taken
  to leave a group out, and that unpublished remainder is checked too.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import pandas as pd

from kvarter.disclosure.attack import assess, findings_frame, published_problems
from kvarter.disclosure.policy import DisclosurePolicy
from kvarter.disclosure.protected import PublishedView
from kvarter.disclosure.relations import Relation
from kvarter.disclosure.status import CellStatus
from kvarter.errors import InputError

#: Cell texts that stand for a suppressed value (compared case-insensitively).
SUPPRESSION_MARKS = frozenset({"", ".", "..", "...", "x", "-", "–", ":", "*", "c", "[c]", "s", "nan", "na"})
#: Key values that mark a total row, in the four report languages.
TOTAL_LABELS = frozenset({"total", "i alt", "ialt", "totalt", "totaal", "alle", "all", "sum"})

_BOUND = re.compile(r"^\s*(<|<=|≤|under|fewer than)\s*(\d+)\s*$", re.IGNORECASE)

COLUMNS = ["file", "cell", "column", "problem"]


def parse_count_cell(text: str, *, where: str) -> tuple[float, bool, str]:
    """One cell of a count column: ``(value, hidden, problem)``.

    >>> parse_count_cell("12", where="t.csv line 2, column persons")
    (12.0, False, '')
    >>> parse_count_cell("..", where="")
    (nan, True, '')
    >>> parse_count_cell("<5", where="")
    (nan, True, "is marked '<5', which tells the value is below 5")
    >>> parse_count_cell("12.5", where="t.csv line 2, column persons")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: t.csv line 2, column persons: '12.5' is not a whole number of persons ...
    """
    raw = str(text).strip()
    if raw.lower() in SUPPRESSION_MARKS:
        return np.nan, True, ""
    m = _BOUND.match(raw)
    if m:
        return np.nan, True, f"is marked {raw!r}, which tells the value is below {m.group(2)}"
    cleaned = raw.replace("\u00a0", "").replace(" ", "")
    # Thousands separators ("1.234", "1,234") are common in hand-made tables.
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", cleaned):
        cleaned = re.sub(r"[.,]", "", cleaned)
    try:
        value = float(cleaned.replace(",", "."))
    except ValueError:
        raise InputError(
            f"{where}: {raw!r} is not a count; expected a whole number of persons, an empty cell "
            "or a suppression mark such as '.' or 'x'."
        ) from None
    if not np.isfinite(value) or value < 0 or not float(value).is_integer():
        raise InputError(
            f"{where}: {raw!r} is not a whole number of persons (a count column was named with --counts; "
            "shares and averages cannot be checked without the counts behind them)."
        )
    return value, False, ""


def _is_total(value, label: str | None) -> bool:
    v = str(value).strip().lower()
    return v == label.strip().lower() if label else v in TOTAL_LABELS


def total_relations(keys: pd.DataFrame, values: np.ndarray, hidden: np.ndarray,
                    total_label: str | None = None) -> list[Relation]:
    """``total row = sum of the rows sharing its other key values``, for every key column with totals.

    >>> keys = pd.DataFrame({"area": ["Total", "A", "B"]})
    >>> [(r.total, r.parts, r.complete) for r in total_relations(keys, np.array([9., 4., 5.]), np.zeros(3, bool))]
    [(('Total',), (('A',), ('B',)), True)]
    >>> total_relations(keys, np.array([10., 4., 5.]), np.zeros(3, bool))[0].complete
    False
    """
    relations: list[Relation] = []
    cols = list(keys.columns)
    for c in cols:
        is_total = keys[c].map(lambda v: _is_total(v, total_label)).to_numpy()
        if not is_total.any():
            continue
        others = [o for o in cols if o != c]
        group = keys[others].astype(str).agg("\x1f".join, axis=1) if others else pd.Series([""] * len(keys))
        for g in pd.unique(group[is_total]):
            rows = np.flatnonzero((group == g).to_numpy())
            totals = [r for r in rows if is_total[r]]
            parts = [r for r in rows if not is_total[r]]
            if len(totals) != 1 or not parts:
                continue
            t = totals[0]
            complete = True
            if not hidden[[t, *parts]].any() and values[parts].sum() != values[t]:
                complete = False  # the parts leave an unpublished group out
            label = lambda r: tuple(keys.iloc[r].astype(str))  # noqa: E731
            name = f"{c} = {keys.iloc[t][c]}" + (f" ({', '.join(map(str, keys.iloc[t][others]))})" if others else "")
            relations.append(Relation(name, label(t), tuple(label(r) for r in parts), complete=complete))
    return relations


def check_plain_table(
    frame: pd.DataFrame,
    *,
    counts: Sequence[str],
    key: Sequence[str] | None = None,
    total_label: str | None = None,
    policy: DisclosurePolicy | None = None,
    source: str = "table",
    rows: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Every disclosure problem in a hand-made table, one row each (columns ``file, cell, column, problem``).

    ``frame`` holds the cells as text (as :func:`kvarter.io.readers.read_table`
    gives them); ``counts`` names the columns that count persons; ``key`` the
    columns that name a row (default: every other column); ``rows`` the file's
    line numbers of the rows, for messages.

    >>> t = pd.DataFrame({"area": ["Total", "A", "B", "C"], "persons": ["40", "3", "17", "20"]})
    >>> check_plain_table(t, counts=["persons"])[["cell", "problem"]].values.tolist()
    [['A', 'rests on 3 persons (minimum 5)']]
    >>> t["persons"] = ["40", "x", "17", "20"]
    >>> check_plain_table(t, counts=["persons"])[["cell", "problem"]].values.tolist()
    [['A', 'can be recovered: recomputable exactly (3)']]
    >>> t["persons"] = ["40", "x", "x", "20"]
    >>> check_plain_table(t, counts=["persons"]).empty
    True
    """
    policy = policy or DisclosurePolicy()
    counts = list(counts)
    missing = [c for c in counts if c not in frame.columns]
    if missing:
        raise InputError(f"{source}: no column(s) {missing!r}; the table has {list(frame.columns)!r}.")
    key = [c for c in frame.columns if c not in counts] if key is None else list(key)
    missing = [c for c in key if c not in frame.columns]
    if missing:
        raise InputError(f"{source}: no key column(s) {missing!r}; the table has {list(frame.columns)!r}.")
    if not key:
        raise InputError(f"{source}: every column is a count; name the rows' key with --key or keep a label column.")
    keys = frame[key].astype(str).reset_index(drop=True)
    dup = keys.duplicated(keep=False)
    if dup.any():
        first = keys[dup].iloc[0].tolist()
        raise InputError(f"{source}: rows repeat the key {first!r} in {key!r}; name the key columns with --key.")
    lines = list(rows) if rows is not None else [i + 2 for i in range(len(frame))]
    records: list[tuple] = []
    for col in counts:
        parsed = [parse_count_cell(v, where=f"{source} line {lines[i]}, column {col}")
                  for i, v in enumerate(frame[col].tolist())]
        values = np.array([p[0] for p in parsed], float)
        hidden = np.array([p[1] for p in parsed], bool)
        for i, p in enumerate(parsed):
            if p[2]:
                records.append((source, ", ".join(keys.iloc[i]), col, p[2]))
        status = np.where(hidden, CellStatus.SUPPRESSED.value, CellStatus.PUBLISHED.value)
        table = keys.copy()
        table[col] = values
        table[f"{col}_status"] = status
        table[f"{col}_reason"] = ""
        view = PublishedView(
            frame=table, policy=policy, key=tuple(key), value_columns=(col,), count_column=col,
            numerator_column=None, sum_column=None,
            relations=tuple(total_relations(keys, values, hidden, total_label)), name=f"{source}:{col}",
        )
        for _, p in published_problems(view).iterrows():
            records.append((source, ", ".join(map(str, p["key"])), p["column"], p["problem"]))
        k = view.knowledge()
        found = findings_frame(k, [f for f in assess(k, policy) if f.recovered], key)
        for _, f in found.iterrows():
            cell = ", ".join(str(f[c]) for c in key)
            what = col if f["where"] == "row" else f"{col} of the difference in {f['relation']!r}"
            records.append((source, cell, what, f"can be recovered: {f['problem']}"))
    return pd.DataFrame.from_records(records, columns=COLUMNS)
