"""The permutation test of D near its draw floor (issue 14) gives the numbers of the general path."""

from __future__ import annotations

import numpy as np
import pytest

from kvarter.segregation import permutation_test, summarise_indices


def _units(seed=0, units=60):
    rng = np.random.default_rng(seed)
    t = rng.integers(5, 300, units)
    a = rng.binomial(t, rng.uniform(0.05, 0.6, units))
    return a, t - a


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dissimilarity_permutations_match_the_general_path(seed):
    a, b = _units(seed)
    fast = permutation_test(a, b, index="dissimilarity", iterations=300, seed=seed)
    general = summarise_indices(a, b, ["dissimilarity"], iterations=300, replicates=0, seed=seed)["dissimilarity"]
    assert fast.p_value == general.p_value
    assert fast.observed == pytest.approx(general.estimate, abs=1e-15)
    assert fast.null_mean == pytest.approx(general.null_mean, abs=1e-12)
    assert fast.null_sd == pytest.approx(general.null_sd, abs=1e-12)


def test_the_same_seed_gives_the_same_numbers_and_another_seed_others():
    a, b = _units(5)
    r1, r2 = (permutation_test(a, b, iterations=200, seed=11) for _ in range(2))
    assert r1 == r2
    assert permutation_test(a, b, iterations=200, seed=12).null_mean != r1.null_mean
