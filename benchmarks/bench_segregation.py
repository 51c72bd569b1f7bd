"""Full segregation analysis on the synthetic national school data set, against PySAL.

kvarter: all indices, standardised D, permutation p-values and bootstrap
intervals for every municipality x year x pair (24 + 1 municipalities, 10
years, 7 pairs). PySAL ``segregation`` (in ``.venv-pysal``): the same
indices with the same number of simulations, timed on a few cells with few
simulations and scaled up (it is far too slow to run in full).

Options: ``--scale F`` (pupils, default 1.0), ``--sims N`` (permutations and
bootstrap replicates each, default 1000), ``--pysal-cells K`` (default 2),
``--pysal-sims N`` (default 10).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

PYSAL_PY = Path(__file__).resolve().parents[1] / ".venv-pysal" / "bin" / "python"

PYSAL_RUNNER = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import numpy as np, pandas as pd
from segregation.singlegroup import Dissim, Entropy, CorrelationR, Gini, Isolation, Interaction, Atkinson
from segregation.inference import SingleValueTest
cases, sims = json.load(open(sys.argv[1])), int(sys.argv[2])
classes = [Dissim, Entropy, CorrelationR, Gini, Isolation, Interaction, Atkinson, Atkinson, Atkinson]
t0 = time.perf_counter()
for c in cases:
    df = pd.DataFrame({"a": c["a"], "t": [x + y for x, y in zip(c["a"], c["b"])]})
    for cls in classes:
        idx = cls(df, "a", "t")
        SingleValueTest(idx, iterations_under_null=sims, null_approach="person_permutation", n_jobs=1)
        SingleValueTest(idx, iterations_under_null=sims, null_approach="bootstrap", n_jobs=1)
print(json.dumps({"seconds": time.perf_counter() - t0}))
"""


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="bench segregation")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--sims", type=int, default=1000)
    ap.add_argument("--pysal-cells", type=int, default=2)
    ap.add_argument("--pysal-sims", type=int, default=10)
    args = ap.parse_args(argv)

    from kvarter.demo.school_panel import school_panel_counts
    from kvarter.segregation import INDICES, analyse_segregation

    t0 = time.perf_counter()
    counts = school_panel_counts(seed=0, scale=args.scale)
    t_gen = time.perf_counter() - t0
    pupils = int(counts.loc[counts.group == "total", "n"].sum())
    print(f"data: {pupils:,} pupil-years, {counts.loc[counts.group == 'total'].shape[0]:,} school-years "
          f"(generated in {t_gen:.1f} s)", flush=True)

    t0 = time.perf_counter()
    res = analyse_segregation(counts, permutations=args.sims, bootstrap=args.sims, seed=0)
    t_ours = time.perf_counter() - t0
    cells = res.results.groupby(["municipality", "year", "pair"]).ngroups
    units = int(res.results.loc[res.results["index"] == "dissimilarity", "units"].sum())
    print(f"kvarter: {cells} municipality x year x pair cells, {len(INDICES)} indices, "
          f"{args.sims} permutations + {args.sims} bootstrap replicates each: {t_ours:.1f} s "
          f"({pupils / t_ours:,.0f} pupil-years/s, {cells / t_ours:.1f} cells/s)", flush=True)
    print(f"target < 60 s: {'met' if t_ours < 60 else 'NOT met'}")

    if not PYSAL_PY.exists():
        print(f"PySAL environment missing at {PYSAL_PY}; no comparison (run `make pysal`).")
        return
    # A few cells of average size, as count arrays.
    wide = counts[counts.group != "total"].pivot_table(index=["municipality", "year", "unit"], columns="group",
                                                       values="n", fill_value=0)
    kept = set(res.results[["municipality", "year"]].itertuples(index=False, name=None))
    chosen = []
    for (m, y), sub in wide.groupby(level=[0, 1]):
        if (m, y) in kept and y == 2018:
            chosen.append({"a": sub["native"].astype(int).tolist(), "b": sub["non_western"].astype(int).tolist()})
    chosen = sorted(chosen, key=lambda c: len(c["a"]))
    mid = len(chosen) // 2
    sample = chosen[mid: mid + args.pysal_cells]
    mean_units_sample = sum(len(c["a"]) for c in sample) / len(sample)
    with tempfile.TemporaryDirectory() as tmp:
        f, script = Path(tmp) / "cases.json", Path(tmp) / "run.py"
        f.write_text(json.dumps(sample))
        script.write_text(PYSAL_RUNNER)
        out = subprocess.run([str(PYSAL_PY), str(script), str(f), str(args.pysal_sims)], capture_output=True,
                             text=True, timeout=1800)
    if out.returncode != 0:
        print("PySAL run failed:\n" + out.stderr[-2000:])
        return
    t_pysal = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
    # Scale: per cell and per simulation, 9 shared indices (PySAL has no standardised D
    # with an exact expectation), to all cells and the full number of simulations.
    per_sim = t_pysal / (len(sample) * 2 * args.pysal_sims)
    mean_units_all = units / cells
    t_pysal_full = per_sim * cells * 2 * args.sims * (mean_units_all / mean_units_sample)
    print(f"PySAL segregation: {len(sample)} cells x 9 indices x {args.pysal_sims} permutations + "
          f"{args.pysal_sims} bootstrap replicates: {t_pysal:.1f} s; scaled to the full analysis "
          f"({cells} cells, {args.sims} + {args.sims} simulations, by units per cell): {t_pysal_full:,.0f} s")
    print(f"ratio PySAL / kvarter: {t_pysal_full / t_ours:,.0f}x (target >= 100x: "
          f"{'met' if t_pysal_full / t_ours >= 100 else 'NOT met'})")
