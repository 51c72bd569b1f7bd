"""All indices over replicate arrays at once, against the single-index kernels and by hand."""

from __future__ import annotations

import itertools
from dataclasses import astuple

import numpy as np
import pandas as pd
import pytest

from kvarter.segregation import INDICES, summarise_indices
from kvarter.segregation.groups import load_themes
from kvarter.segregation.inference import summarise_tables
from kvarter.segregation.pipeline import UnitCounts, index_results
from kvarter.segregation.registry import KERNELS
from kvarter.segregation.replicates import replicate_indices

NAMES = list(INDICES)


def _tables(seed, rows, units, top):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, top, size=(rows, units))
    a = rng.binomial(t, rng.uniform(0, 1, size=units))
    b = t - a
    a[:3] = 0           # group a drawn empty
    b[3:6] = 0          # group b drawn empty
    a[6:8], b[6:8] = 0, 0  # nobody at all
    a[8:10] = b[8:10]   # the same mix everywhere
    return a, b


@pytest.mark.parametrize(
    "rows,units,top",
    [(40, 1, 5), (40, 2, 3), (60, 7, 40), (50, 25, 3000), (3000, 30, 200), (40, 6, 40000)],
)
def test_every_index_equals_its_own_kernel(rows, units, top):
    # (3000, 30): evaluated in blocks; top 40000: counts too big for the packed Gini sort.
    a, b = _tables(rows + units, rows, units, top)
    e = 0.25
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = {n: KERNELS[n](a.astype(float), b.astype(float), e) for n in NAMES}
    for got in (replicate_indices(a, b, NAMES, e), replicate_indices(a.astype(float), b.astype(float), NAMES, e)):
        assert list(got) == NAMES
        for n in NAMES:
            finite = np.isfinite(ref[n])
            assert np.array_equal(np.isfinite(got[n]), finite), n
            np.testing.assert_allclose(got[n][finite], ref[n][finite], rtol=0, atol=1e-13, err_msg=n)


def _gini_by_pairs(a, b):
    t = a + b
    num = sum(abs(a[i] * t[j] - a[j] * t[i]) for i, j in itertools.combinations(range(len(a)), 2))
    A, B = a.sum(), b.sum()
    return num / (A * B)


def test_gini_of_every_replicate_by_all_pairs():
    # t_i t_j |p_i - p_j| = |a_i t_j - a_j t_i| in integers, over T^2 P (1 - P) = A B.
    rng = np.random.default_rng(3)
    t = rng.integers(1, 30, size=(25, 9))
    a = rng.binomial(t, 0.4)
    a[:, 0] = t[:, 0] // 2
    a[:, 1] = t[:, 1] - t[:, 1] // 2   # ties in the share from different sizes
    b = t - a
    got = replicate_indices(a, b, ["gini"])["gini"]
    want = [_gini_by_pairs(a[r], b[r]) for r in range(len(a))]
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)


def test_gini_keeps_order_of_shares_that_differ_by_one_over_t_squared():
    # 1000/1999 and 1001/2001 differ by 1/(1999 * 2001); one replicate each way round.
    a = np.array([[1000, 1001, 0], [1001, 1000, 0]])
    t = np.array([[1999, 2001, 5], [2001, 1999, 5]])
    got = replicate_indices(a, t - a, ["gini"])["gini"]
    want = [_gini_by_pairs(a[r], t[r] - a[r]) for r in range(2)]
    assert got[0] == got[1]
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)


def test_batch_of_tables_gives_the_numbers_of_one_generator_in_turn():
    rng = np.random.default_rng(0)
    tables = []
    for k in range(5):
        t = rng.integers(5, 60, size=4 + k)
        a = rng.binomial(t, 0.3)
        tables.append((a, t - a, 30 * k, 40 if k != 2 else 0))
    got = list(summarise_tables(tables, NAMES, seed=11, ahead=2))
    gen = np.random.default_rng(11)
    want = [summarise_indices(a, b, NAMES, iterations=i, replicates=r, seed=gen) for a, b, i, r in tables]
    for g, w in zip(got, want):
        assert list(g) == NAMES
        for n in NAMES:
            np.testing.assert_array_equal(np.array(astuple(g[n])[1:], dtype=float), np.array(astuple(w[n])[1:], dtype=float))


def test_pipeline_progress_once_per_municipality_year_in_order():
    counts = pd.DataFrame({
        "municipality": ["A"] * 4 + ["B"] * 4, "year": [2018, 2018, 2019, 2019] * 2,
        "unit": ["u1", "u2"] * 4, "group": "native", "n": [5, 3, 4, 6, 2, 2, 7, 1],
    })
    counts = pd.concat([counts, counts.assign(group="non_western", n=[1, 4, 2, 2, 3, 1, 1, 5])])
    sizes = counts.groupby(["municipality", "year", "unit"])["n"].sum().rename("size").reset_index()
    seen = []
    res = index_results(UnitCounts(counts, sizes), load_themes(), permutations=20, bootstrap=20, seed=1,
                        progress=lambda k, n: seen.append((k, n)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    d = res[(res.pair == "native_vs_non_western") & (res["index"] == "dissimilarity")]
    assert d["p_value"].notna().all() and len(d) == 4
