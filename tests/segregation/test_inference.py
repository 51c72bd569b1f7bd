"""Exact expectation of D, simulations, permutation test and bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import hypergeom

from kvarter.errors import InputError
from kvarter.segregation import (
    INDICES,
    bootstrap,
    dissimilarity,
    expected_dissimilarity,
    permutation_test,
    standardised_dissimilarity,
    summarise_indices,
)


def brute_force_expected_d(a, b):
    """E[D] straight from scipy.stats.hypergeom, unit by unit, point by point."""
    a, b = np.asarray(a), np.asarray(b)
    A, B = a.sum(), b.sum()
    T = A + B
    e = 0.0
    for t in a + b:
        for x in range(0, t + 1):
            e += hypergeom.pmf(x, T, A, t) * abs(x / A - (t - x) / B)
    return 0.5 * e


@pytest.mark.parametrize(
    "a,b",
    [([2, 13], [6, 3]), ([1, 1], [1, 1]), ([5, 0, 3, 9, 1], [2, 4, 4, 0, 7]), ([40, 3, 17], [12, 30, 8])],
)
def test_exact_expectation_matches_scipy_hypergeom(a, b):
    assert expected_dissimilarity(a, b) == pytest.approx(brute_force_expected_d(a, b), abs=1e-12)


def test_exact_expectation_by_hand_two_by_two():
    # Units of 2, one a and one b each: both a's together with prob 1/3 -> D = 1.
    assert expected_dissimilarity([1, 1], [1, 1]) == pytest.approx(1 / 3, abs=1e-14)


def test_exact_expectation_agrees_with_simulation_and_stays_finite_for_big_units():
    rng = np.random.default_rng(5)
    t = rng.integers(50, 400, size=60)
    a = rng.binomial(t, rng.uniform(0.1, 0.7, size=60))
    b = t - a
    exact = expected_dissimilarity(a, b)
    sim = permutation_test(a, b, iterations=4000, seed=11)
    assert np.isfinite(exact) and 0 < exact < 0.2
    assert sim.null_mean == pytest.approx(exact, abs=4 * sim.null_sd / np.sqrt(4000))


def test_same_seed_same_numbers_different_seed_different_numbers():
    a, b = [20, 80, 50, 5], [80, 20, 50, 9]
    assert permutation_test(a, b, seed=3) == permutation_test(a, b, seed=3)
    assert bootstrap(a, b, seed=3) == bootstrap(a, b, seed=3)
    assert bootstrap(a, b, seed=3).interval != bootstrap(a, b, seed=4).interval
    gen1, gen2 = np.random.default_rng(9), np.random.default_rng(9)
    assert summarise_indices(a, b, seed=gen1) == summarise_indices(a, b, seed=gen2)


def test_permutation_p_value_small_for_segregated_and_large_for_even():
    seg = permutation_test([50, 5, 45, 2], [5, 50, 3, 40], iterations=999, seed=1)
    assert seg.p_value == pytest.approx(1 / 1000)
    even = permutation_test([25, 25, 25, 25], [25, 25, 25, 25], iterations=999, seed=1)
    assert even.p_value == 1.0  # every random allocation is at least as uneven


def test_interaction_p_value_counts_the_lower_tail():
    r = permutation_test([50, 5, 45, 2], [5, 50, 3, 40], index="interaction", iterations=499, seed=2)
    assert r.observed < r.null_mean and r.p_value == pytest.approx(1 / 500)


@pytest.mark.parametrize("name", sorted(INDICES))
def test_every_index_works_by_name_in_both_procedures(name):
    a, b = [30, 8, 22, 14, 3], [10, 25, 9, 16, 12]
    p = permutation_test(a, b, index=name, iterations=200, seed=0)
    bs = bootstrap(a, b, index=name, replicates=200, seed=0)
    assert p.observed == pytest.approx(INDICES[name](a, b))
    assert bs.estimate == pytest.approx(INDICES[name](a, b))
    assert bs.interval[0] <= bs.interval[1]
    assert 0 < p.p_value <= 1


def test_bootstrap_bias_correction_by_definition():
    a, b = [12, 3, 8, 1, 9], [2, 11, 5, 7, 1]
    r = bootstrap(a, b, replicates=500, seed=8)
    # Redo the draws with the same seed: bias_corrected = 2 D - mean(D*).
    rng = np.random.default_rng(8)
    cells = np.array(a + b, dtype=float)
    draws = rng.multinomial(int(cells.sum()), cells / cells.sum(), size=500).astype(float)
    reps = [dissimilarity(x[:5] + 0.0, x[5:] + 0.0) if x[:5].sum() and x[5:].sum() else np.nan for x in draws]
    assert r.bias_corrected == pytest.approx(2 * dissimilarity(a, b) - np.nanmean(reps), abs=1e-12)
    assert r.bias_corrected < r.estimate  # D is biased upwards with small units


def test_simulations_refuse_weighted_counts_and_bad_arguments():
    with pytest.raises(InputError, match="non-integer"):
        permutation_test([1.5, 2], [1, 3])
    with pytest.raises(InputError, match="non-integer"):
        bootstrap([1.5, 2], [1, 3])
    with pytest.raises(InputError, match="Unknown index 'dissim'"):
        permutation_test([1, 2], [2, 1], index="dissim")
    with pytest.raises(InputError, match="'iterations' parameter of permutation_test"):
        permutation_test([1, 2], [2, 1], iterations=0)


def test_empty_units_are_ignored_and_reported():
    r = permutation_test([3, 0, 5], [1, 0, 6], iterations=50, seed=0)
    assert r.empty_units == 1
    assert r.observed == pytest.approx(dissimilarity([3, 5], [1, 6]))


def test_standardised_uses_the_exact_expectation():
    a, b = [5, 0, 3, 9, 1], [2, 4, 4, 0, 7]
    d, e = dissimilarity(a, b), brute_force_expected_d(a, b)
    assert standardised_dissimilarity(a, b) == pytest.approx((d - e) / (1 - e), abs=1e-12)
