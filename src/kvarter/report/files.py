"""Protected tables written as files: CSV and Parquet with status columns and a
``.disclosure.json`` sidecar, and the segregation heat-maps."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pandas as pd

from kvarter.disclosure import Protected, ensure_protected


def write_tables(tables: Mapping[str, Protected], out_dir: str | Path) -> dict[str, Path]:
    """Write each protected table as ``<name>.csv`` and ``<name>.parquet`` (with
    status columns and a ``.disclosure.json`` sidecar); return the CSV paths.

    >>> write_tables({"x": pd.DataFrame()}, "/tmp")
    Traceback (most recent call last):
    ...
    kvarter.errors.DisclosureError: ...
    """
    out = Path(out_dir)
    checked = {name: ensure_protected(p, f"table file {name}") for name, p in tables.items()}
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, p in checked.items():
        p.to_files(out / f"{name}.csv", out / f"{name}.parquet")
        paths[name] = out / f"{name}.csv"
    return paths


def write_segregation(tables: Mapping[str, Protected], out_dir: str | Path, *, order=None,
                      charts: bool = True) -> dict[str, Path]:
    """Write the protected tables of a segregation publication
    (:func:`kvarter.publish.segregation.protect_segregation_files`) and, with
    ``charts``, one heat-map per pair (``heatmap_<pair>.png``/``.svg``) drawn
    from the published estimates, suppressed cells left blank; ``order`` lists
    the municipalities top to bottom (default: by name).

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.publish.segregation import protect_segregation_files
    >>> from kvarter.segregation import analyse_segregation
    >>> from kvarter.segregation.groups import ThemeSet
    >>> ts = ThemeSet.model_validate({"kind": "segregation_themes", "version": 1, "source": "doctest",
    ...     "themes": [{"name": "origin", "field": "origin", "pairs": [["native", "western"]],
    ...                 "groups": {"native": {"values": ["native"]}, "western": {"values": ["western"]}}}]})
    >>> c = pd.DataFrame({"municipality": "M", "year": 2020, "unit": ["s1"] * 3 + ["s2"] * 3,
    ...                   "group": ["native", "western", "total"] * 2, "n": [40, 10, 50, 10, 40, 50]})
    >>> analysis = analyse_segregation(c, themes=ts, indices=("dissimilarity",), permutations=0, bootstrap=0,
    ...                                min_unit_size=0, min_municipality_size=0)
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     paths = write_segregation(protect_segregation_files(analysis, DisclosurePolicy()), d, charts=False)
    ...     sorted(p.name for p in Path(d).iterdir() if p.suffix == ".csv")
    ['segregation_results.csv', 'segregation_table1.csv', 'segregation_trends.csv', 'segregation_trends_d.csv']
    >>> sorted(paths) == ['segregation_results', 'segregation_table1', 'segregation_trends', 'segregation_trends_d']
    True
    """
    from kvarter.segregation.charts import write_heatmaps

    paths = write_tables(tables, out_dir)
    if charts:
        res = tables["segregation_results"].frame
        d = res[res["index"] == "dissimilarity"]
        order = list(order) if order is not None else sorted(d["municipality"].unique())
        grids = {}
        for pair, g in d.groupby("pair", sort=False):
            wide = g.pivot_table(index="municipality", columns="year", values="estimate", dropna=False)
            grids[pair] = wide.reindex([m for m in order if m in wide.index])
        for p in write_heatmaps(grids, out_dir):
            paths[p.stem + p.suffix] = p
    return paths
