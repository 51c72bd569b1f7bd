"""Concurrent writers on one store file: throughput and losses (which must be 0).

kvarter: ``--writers`` processes, each making ``--adds`` additions,
``--increments`` optimistic increments of one shared counter and ``--edits``
blind edits through ``Registry(path)``
(:func:`kvarter.registry.stress.concurrent_writers`). Baseline: one writer
making the same writes alone, in the same run; the ratio shows what waiting
for the file costs.

Options: ``--writers N`` (default 4), ``--adds N`` (20), ``--increments N``
(40), ``--edits N`` (40).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from kvarter.registry.stress import concurrent_writers
from kvarter.store import Store

AREAS = pd.DataFrame({"area_id": ["A1"], "name": ["Area"], "municipality": ["M"], "region": ["R"],
                      "kind": ["housing_area"]})


def _store(folder: Path, name: str) -> Path:
    path = folder / name
    with Store(path) as s:
        s.load_frame(AREAS, "areas")
    return path


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="bench_registry")
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--adds", type=int, default=20)
    ap.add_argument("--increments", type=int, default=40)
    ap.add_argument("--edits", type=int, default=40)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        alone = concurrent_writers(_store(folder, "alone.duckdb"), writers=1, adds=args.adds * args.writers,
                                   increments=args.increments * args.writers, edits=args.edits * args.writers)
        many = concurrent_writers(_store(folder, "many.duckdb"), writers=args.writers, adds=args.adds,
                                  increments=args.increments, edits=args.edits)
    print(f"baseline, one writer: {alone.summary()}")
    print(f"kvarter, {args.writers} writers: {many.summary()}")
    print(f"throughput ratio (many / one): {many.writes_per_second / alone.writes_per_second:.2f}")
    if alone.losses or many.losses:
        raise SystemExit(f"LOSSES: {alone.problems + many.problems}")
