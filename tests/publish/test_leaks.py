"""Leaks an outside attack found in the published indicator table, each
checked from the published table alone with an independent intruder
(plain pandas and scipy's linprog), on more than one seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from kvarter.disclosure import DisclosurePolicy

MIN = 5
SEEDS = (3, 11)


@pytest.fixture(scope="module", params=SEEDS)
def published(request, tmp_path_factory):
    from kvarter.demo import synthesize
    from kvarter.indicators import compute
    from kvarter.publish.indicators import protect_store_indicators
    from kvarter.store import Store

    data = synthesize(persons=8_000, seed=request.param)
    store = Store(tmp_path_factory.mktemp(f"leaks{request.param}") / "k.duckdb")
    store.load_many({k: data[k] for k in ("areas", "schools", "persons")})
    ind = compute(store, indicators=["charges_per_1000", "charged_per_1000", "convicted_share",
                                     "convicted_per_1000", "residents"])
    p, _ = protect_store_indicators(store, ind, DisclosurePolicy(min_count=MIN))
    persons = data["persons"]
    return p.public_frame(), persons, data["areas"]


def test_a_sum_of_counts_publishes_only_on_enough_persons(published):
    # 10 charges by 3 persons are 3 persons' records: every published charges
    # cell of an area rests on at least MIN charged persons (or on none).
    frame, persons, _ = published
    pub = frame[(frame["indicator"] == "charges_per_1000") & (frame["level"] == "area")
                & (frame["value_status"] == "published")]
    charged = persons[(persons["age"] >= 15) & (persons["charges"].fillna(0) > 0)]
    behind = charged.groupby(["area_id", "year"]).size()
    n = [int(behind.get((a, int(y)), 0)) for a, y in zip(pub["unit_id"], pub["year"])]
    assert len(pub) > 20
    small = [(a, y, k) for a, y, k in zip(pub["unit_id"], pub["year"], n) if 0 < k < MIN]
    assert not small, small[:10]


def _numerators(frame: pd.DataFrame, indicator: str) -> pd.DataFrame:
    f = frame[frame["indicator"] == indicator].copy()
    f["x"] = np.where(f["value_status"] == "published", f["share_numerator"], np.nan)
    f["n"] = np.where(f["persons_status"] == "published", f["persons"], np.nan)
    return f


def test_a_subset_does_not_pin_its_hidden_cells(published):
    # Convicted 18+ lies inside convicted 15+ in every area: an intruder who
    # knows this, the published area and municipality numerators and that
    # areas add up to their municipality must not pin a hidden count to fewer
    # than MIN possible values (nor show it below MIN).
    frame, _, areas = published
    muni_of = dict(zip(areas["area_id"].astype(str), areas["municipality"].astype(str)))
    worst = []
    for year in sorted(frame["year"].unique()):
        fy = frame[frame["year"] == year]
        a18, a15 = (_numerators(fy[fy["level"] == "area"], i) for i in ("convicted_share", "convicted_per_1000"))
        m18, m15 = (_numerators(fy[fy["level"] == "municipality"], i) for i in ("convicted_share", "convicted_per_1000"))
        units = sorted(set(a18["unit_id"]) & set(a15["unit_id"]))
        var = {(i, u): k for k, (i, u) in enumerate((i, u) for i in (18, 15) for u in units)}
        known = {18: dict(zip(a18["unit_id"], a18["x"])), 15: dict(zip(a15["unit_id"], a15["x"]))}
        cap = {18: dict(zip(a18["unit_id"], a18["n"])), 15: dict(zip(a15["unit_id"], a15["n"]))}
        bounds = []
        for (i, u) in var:
            x = known[i][u]
            bounds.append((x, x) if np.isfinite(x) else (0, cap[i][u] if np.isfinite(cap[i][u]) else None))
        a_ub, b_ub, a_eq, b_eq = [], [], [], []
        for u in units:  # x18 <= x15
            row = np.zeros(len(var))
            row[var[(18, u)]], row[var[(15, u)]] = 1, -1
            a_ub.append(row)
            b_ub.append(0)
        for i, m in ((18, m18), (15, m15)):
            for muni, total in zip(m["unit_id"], m["x"]):
                if not np.isfinite(total):
                    continue
                row = np.zeros(len(var))
                for u in units:
                    if muni_of.get(u) == muni:
                        row[var[(i, u)]] = 1
                a_eq.append(row)
                b_eq.append(total)
        for (i, u), k in var.items():
            if np.isfinite(known[i][u]):
                continue
            c = np.zeros(len(var))
            c[k] = 1
            kw = dict(A_ub=np.array(a_ub) if a_ub else None, b_ub=b_ub or None,
                      A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None, bounds=bounds, method="highs")
            lo, hi = linprog(c, **kw), linprog(-c, **kw)
            if lo.status != 0 or hi.status != 0:
                continue
            bottom, top = np.ceil(lo.fun - 1e-7), np.floor(-hi.fun + 1e-7)
            if top < MIN or top - bottom + 1 < MIN:
                worst.append((i, u, int(year), bottom, top))
    assert not worst, worst[:10]
