"""The output check behind ``kvarter check-output``: re-read published files and attack them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from kvarter.disclosure.attack import assess, findings_frame, published_problems
from kvarter.disclosure.protected import read_published
from kvarter.errors import KvarterError

COLUMNS = ["file", "cell", "column", "problem"]
PUBLISHED_SUFFIXES = (".csv", ".parquet")


def published_files(directory) -> list[Path]:
    """CSV and Parquet files under ``directory`` (or the file itself), sorted.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     for name in ("b.csv", "sub/a.parquet", "notes.txt"):
    ...         p = Path(d, name)
    ...         p.parent.mkdir(exist_ok=True)
    ...         _ = p.write_text("")
    ...     [p.relative_to(d).as_posix() for p in published_files(d)]
    ['b.csv', 'sub/a.parquet']
    """
    directory = Path(directory)
    if directory.is_file():
        return [directory]
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in PUBLISHED_SUFFIXES)


def check_output(directory, min_count: int | None = None) -> pd.DataFrame:
    """Every disclosure problem in the published files under ``directory``, one row each.

    A file is a problem when it has no disclosure description (it did not
    come out of :func:`~kvarter.disclosure.protect`), when a published cell
    rests on fewer persons than the minimum, or when an intruder can recover
    a suppressed cell from the file. ``min_count`` checks against a stricter
    minimum than the one the file was protected with (never a weaker one). An empty
    result means the folder passes.

    >>> import tempfile, pandas as pd
    >>> from kvarter.disclosure import DisclosurePolicy, protect
    >>> d = tempfile.mkdtemp()
    >>> t = pd.DataFrame({"area": ["A", "B"], "persons": [3, 17]})
    >>> _ = protect(t, DisclosurePolicy(), key=["area"], value_columns=["persons"],
    ...             count_column="persons").to_csv(f"{d}/persons.csv")
    >>> len(check_output(d))
    0
    >>> check_output(d, min_count=20)["problem"].tolist()
    ['rests on 17 persons (minimum 20)']
    """
    records = []
    for path in published_files(directory):
        try:
            view = read_published(path)
            if min_count is not None:
                # Never weaker than the policy the file was published under.
                policy = dataclasses.replace(view.policy, min_count=max(min_count, view.policy.min_count))
                view = dataclasses.replace(view, policy=policy)
            for _, p in published_problems(view).iterrows():
                records.append((str(path), _cell(p["key"]), p["column"], p["problem"]))
            k = view.knowledge()
            found = findings_frame(k, [f for f in assess(k, view.policy) if f.recovered], list(view.key))
            for _, f in found.iterrows():
                cell = _cell(tuple(f[c] for c in view.key))
                what = f["quantity"] if f["where"] == "row" else f"{f['quantity']} of the difference in {f['relation']!r}"
                records.append((str(path), cell, what, f"can be recovered: {f['problem']}"))
        except KvarterError as exc:
            records.append((str(path), "", "", str(exc)))
    return pd.DataFrame.from_records(records, columns=COLUMNS)


def _cell(label) -> str:
    return ", ".join(str(v) for v in label)


def check_plain_file(path, *, counts, key=None, total_label: str | None = None, policy=None) -> pd.DataFrame:
    """:func:`~kvarter.disclosure.handmade.check_plain_table` on a file made by hand (CSV, Excel, Parquet).

    No disclosure description is needed: the count columns (and, if not
    every other column, the key) are named by the caller, as
    ``kvarter check-output table.csv --counts persons`` does; ``policy`` is
    the caller's resolved disclosure policy (default: the documented one).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "mine.csv")
    >>> _ = open(p, "w", encoding="utf-8").write("område;personer\\nI alt;40\\nA;x\\nB;17\\nC;20\\n")
    >>> check_plain_file(p, counts=["personer"])[["cell", "problem"]].values.tolist()
    [['A', 'can be recovered: recomputable exactly (3)']]
    """
    from kvarter.disclosure.handmade import check_plain_table
    from kvarter.disclosure.policy import DisclosurePolicy
    from kvarter.io.readers import read_table

    table = read_table(path)
    frame = table.frame.astype(object).where(table.frame.notna(), "").astype(str)
    # CSV rows are numbered below the header; a person reads the file's line numbers.
    lines = [int(r) + 1 for r in table.rows] if table.format == "csv" else [int(r) for r in table.rows]
    policy = policy or DisclosurePolicy()
    return check_plain_table(frame, counts=counts, key=key, total_label=total_label, policy=policy,
                             source=str(path), rows=lines)
