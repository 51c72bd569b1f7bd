"""Evaluation speed, against csdid on the same data in the same run.

1. ``dynamic_effects`` on the synthetic inflow cohorts (20,000 persons, 96
   months) with 200 bootstrap replicates and a horizon of 24 months; the
   target is under 60 s.
2. ``staggered_did`` on an mpdta-shaped panel (5,000 units x 10 years,
   four adoption cohorts and never-treated units, one covariate), doubly
   robust with never-treated comparison units, against csdid's ``ATTgt``
   (analytic errors); the target is at least 10x faster, with the same
   ATT(g, t) (largest absolute difference printed).

BLAS runs single-threaded: these are many small least-squares problems, for
which threads only contend on a shared machine. Both sides are single-threaded,
so the CPU times printed beside the wall-clock times compare the work done
even when other processes load the machine (a run of a few hundredths of a
second can lose several times its length to the scheduler there).

Options: ``--persons N`` (20000), ``--months N`` (96), ``--boot N`` (200),
``--units N`` (5000), ``--repeat N`` (3; the staggered timings are the best
of N runs on each side, after one untimed run of both on a small panel),
``--no-csdid``, ``--no-dynamic``.
"""

from __future__ import annotations

import argparse
import time
import warnings


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="bench evaluation")
    ap.add_argument("--persons", type=int, default=20_000)
    ap.add_argument("--months", type=int, default=96)
    ap.add_argument("--boot", type=int, default=200)
    ap.add_argument("--units", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=3, help="staggered_did: best of this many runs on each side.")
    ap.add_argument("--no-csdid", action="store_true")
    ap.add_argument("--no-dynamic", action="store_true", help="Only the staggered_did part.")
    args = ap.parse_args(argv)

    import numpy as np
    from threadpoolctl import threadpool_limits

    from kvarter.demo.evaluation import designation_panel, inflow_cohorts
    from kvarter.evaluation import dynamic_effects, load_spells, staggered_did

    with threadpool_limits(1):
        if not args.no_dynamic:
            _dynamic(args, inflow_cohorts, load_spells, dynamic_effects)

        panel, _ = designation_panel(n_units=args.units, first_year=2011, last_year=2020, seed=0)
        # Both sides once on a small panel first, untimed: one-time costs (imports, lazy
        # initialisation in pandas/pyarrow/SciPy) would otherwise fall on whichever runs first.
        small, _ = designation_panel(n_units=300, first_year=2011, last_year=2020, seed=1)
        staggered_did(small, "unit", "year", "first_treated", "outcome", method="dr", covariates=["x"],
                      inference="bootstrap", n_boot=99, seed=0).aggregate("dynamic")
        if not args.no_csdid:
            from csdid.att_gt import ATTgt

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ATTgt(yname="outcome", gname="first_treated", idname="unit", tname="year", data=small,
                      control_group="notyettreated", xformla="outcome ~ x").fit(est_method="dr", bstrap=True
                                                                                ).aggte(typec="dynamic")
        for control, cs_control in (("never_treated", "nevertreated"), ("not_yet_treated", "notyettreated")):
            for boot in (False, True):
                # Best of --repeat runs on each side: one run of a few hundredths of a second
                # is at the mercy of whatever else the machine does.
                t_ours = c_ours = np.inf
                for _ in range(args.repeat):
                    t0, c0 = time.perf_counter(), time.process_time()
                    ours = staggered_did(panel, "unit", "year", "first_treated", "outcome", control=control,
                                         method="dr", covariates=["x"], inference="bootstrap" if boot else "analytic",
                                         n_boot=999, seed=0)
                    ours.aggregate("dynamic")
                    t_ours = min(t_ours, time.perf_counter() - t0)
                    c_ours = min(c_ours, time.process_time() - c0)
                what = (f"staggered_did + dynamic aggregation, {args.units:,} units x 10 years, {control}, "
                        f"{'multiplier bootstrap (999)' if boot else 'analytic'} errors: {t_ours:.3f} s "
                        f"(CPU {c_ours:.3f} s)")
                if args.no_csdid:
                    print(what)
                    continue
                from csdid.att_gt import ATTgt

                t_cs = c_cs = np.inf
                for _ in range(args.repeat):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        t0, c0 = time.perf_counter(), time.process_time()
                        ref = ATTgt(yname="outcome", gname="first_treated", idname="unit", tname="year", data=panel,
                                    control_group=cs_control, xformla="outcome ~ x").fit(est_method="dr", bstrap=boot)
                        ref.aggte(typec="dynamic")
                        t_cs = min(t_cs, time.perf_counter() - t0)
                        c_cs = min(c_cs, time.process_time() - c0)
                diff = float(np.max(np.abs(ours.att_gt.att.to_numpy() - np.asarray(ref.results["att"]))))
                ratio = t_cs / t_ours
                print(f"{what}; csdid {t_cs:.2f} s (CPU {c_cs:.2f} s): {ratio:.1f}x faster, CPU {c_cs / c_ours:.1f}x "
                      f"(target >= 10x: {'ok' if ratio >= 10 else 'MISSED'}); largest |ATT difference| {diff:.1e}",
                      flush=True)


def _dynamic(args, inflow_cohorts, load_spells, dynamic_effects) -> None:
    data = inflow_cohorts(n_persons=args.persons, months=args.months, seed=0)
    t0 = time.perf_counter()
    spells = load_spells(data["persons"], data["months"], data["starts"], data["costs"])
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = dynamic_effects(spells, "job_training", 24, n_boot=args.boot, seed=0)
    t_dyn = time.perf_counter() - t0
    print(f"dynamic_effects: {args.persons:,} persons x {args.months} months ({len(data['months']):,} "
          f"person-months, {int(res.curve.n_treated.iloc[0]):,} starts used), {args.boot} replicates: "
          f"{t_dyn:.1f} s (load_spells {t_load:.1f} s); target < 60 s: {'ok' if t_dyn < 60 else 'MISSED'}",
          flush=True)
