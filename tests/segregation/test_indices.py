"""Index values by hand, the report's Appendix A, and registry-wide properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kvarter.errors import InputError
from kvarter.segregation import (
    INDICES,
    atkinson,
    classify,
    correlation_ratio,
    decompose_mutual_information,
    dissimilarity,
    gini,
    interaction,
    isolation,
    local_mutual_information,
    moves_to_evenness,
    mutual_information,
    standardised_dissimilarity,
    theil_h,
    theil_h_multigroup,
)
from kvarter.segregation import registry as R

A, B = [2, 13], [6, 3]  # Appendix A: school I 2 A + 6 B, school II 13 A + 3 B


def test_appendix_a_dissimilarity_is_8_over_15():
    assert dissimilarity(A, B) == pytest.approx(8 / 15, abs=1e-15)
    by_hand = 0.5 * (abs(2 / 15 - 6 / 9) + abs(13 / 15 - 3 / 9))
    assert dissimilarity(A, B) == pytest.approx(by_hand, abs=1e-15)


def test_appendix_a_moves_and_their_directions():
    m = moves_to_evenness(A, B)
    assert m.group_a_moved == pytest.approx(8.0)  # D x 15
    assert m.group_b_moved == pytest.approx(4.8)  # D x 9
    # A moves from school II (index 1) to school I (index 0); B the other way.
    assert [(s, r) for s, r, _ in m.a_flows] == [(1, 0)]
    assert [(s, r) for s, r, _ in m.b_flows] == [(0, 1)]
    assert m.a_change == pytest.approx((8.0, -8.0))
    # After the moves every school has the municipality's mix, 62.5 % A.
    a_after = np.array(A) + np.array(m.a_change)
    assert a_after / 15 == pytest.approx(np.array(B) / 9)
    b_after = np.array(B) + np.array(m.b_change)
    assert (np.array(A) / (np.array(A) + b_after)) == pytest.approx([0.625, 0.625])


def test_moves_with_three_units_and_an_empty_unit_keep_numbering():
    m = moves_to_evenness([10, 0, 0, 5], [0, 0, 10, 5])
    assert m.group_a_moved == pytest.approx(dissimilarity([10, 0, 5], [0, 10, 5]) * 15)
    assert sum(x for _, _, x in m.a_flows) == pytest.approx(m.group_a_moved)
    assert all(1 not in (s, r) for s, r, _ in m.a_flows)  # the empty unit moves nothing


def test_hand_values_other_indices():
    # P = 15/24, p = (2/8, 13/16), t = (8, 16)
    iso = (2 / 15) * (2 / 8) + (13 / 15) * (13 / 16)
    assert isolation(A, B) == pytest.approx(iso, abs=1e-15)
    assert interaction(A, B) == pytest.approx((2 / 15) * (6 / 8) + (13 / 15) * (3 / 16), abs=1e-15)
    assert correlation_ratio(A, B) == pytest.approx((iso - 0.625) / 0.375, abs=1e-14)
    g = 2 * 8 * 16 * abs(2 / 8 - 13 / 16) / (2 * 24**2 * 0.625 * 0.375)
    assert gini(A, B) == pytest.approx(g, abs=1e-14)

    def ent(p):
        return -(p * math.log(p) + (1 - p) * math.log(1 - p))

    h = (8 * (ent(0.625) - ent(0.25)) + 16 * (ent(0.625) - ent(13 / 16))) / (24 * ent(0.625))
    assert theil_h(A, B) == pytest.approx(h, abs=1e-14)
    for b in (0.1, 0.5, 0.9):
        s = (0.75 ** (1 - b) * 0.25**b * 8 + (3 / 16) ** (1 - b) * (13 / 16) ** b * 16) / (0.625 * 24)
        assert atkinson(A, B, b) == pytest.approx(1 - 0.625 / 0.375 * s ** (1 / (1 - b)), abs=1e-14)


def test_standardised_dissimilarity_branches():
    e = 0.15243565008001675  # exact E[D] for Appendix A, by scipy.stats.hypergeom in test_inference
    assert standardised_dissimilarity(A, B) == pytest.approx((8 / 15 - e) / (1 - e), abs=1e-12)
    # Below its expectation: (D - E) / E; perfectly even gives -1.
    assert standardised_dissimilarity([3, 3], [3, 3]) == pytest.approx(-1.0)
    assert standardised_dissimilarity([1, 1], [1, 1]) == pytest.approx((0 - 1 / 3) / (1 / 3))


def test_classification_bands_and_configurable_bounds():
    assert [classify(x) for x in (0.0, 0.29, 0.3, 0.59, 0.6, 1.0)] == ["low", "low", "medium", "medium", "high", "high"]
    assert classify(0.5, bounds=(0.25, 0.5, 0.75), labels=("a", "b", "c", "d")) == "c"
    with pytest.raises(InputError, match="one label more"):
        classify(0.5, bounds=(0.3,), labels=("a", "b", "c"))


# ---- registry sweeps -------------------------------------------------------

@pytest.mark.parametrize("prop", sorted(R.PROPERTIES))
def test_property_lists_cover_the_registry_exactly(prop):
    have, have_not = R.PROPERTIES[prop]
    assert set(have).isdisjoint(have_not)
    assert sorted(have + have_not) == sorted(INDICES)


counts = st.lists(st.integers(0, 60), min_size=2, max_size=12)


@st.composite
def two_group_tables(draw):
    a = draw(counts)
    b = draw(st.lists(st.integers(0, 60), min_size=len(a), max_size=len(a)))
    if sum(a) == 0:
        a[0] = 1
    if sum(b) == 0:
        b[-1] = 1
    return np.array(a), np.array(b)


@pytest.mark.parametrize("name", sorted(INDICES))
@settings(max_examples=40, deadline=None)
@given(tab=two_group_tables(), seed=st.integers(0, 2**16))
def test_every_index_is_float_and_invariant_to_unit_order(name, tab, seed):
    a, b = tab
    f = INDICES[name]
    v = f(a, b)
    assert type(v) is float and math.isfinite(v)
    perm = np.random.default_rng(seed).permutation(len(a))
    assert f(a[perm], b[perm]) == pytest.approx(v, abs=1e-12)
    if name in R.BOUNDED_0_1:
        assert -1e-12 <= v <= 1 + 1e-12
    else:
        assert -1 - 1e-12 <= v <= 1 + 1e-12
    if name in R.SYMMETRIC:
        assert f(b, a) == pytest.approx(v, abs=1e-12)
    if name in R.SCALE_INVARIANT:
        assert f(3 * a, 3 * b) == pytest.approx(v, abs=1e-12)
    # Adding an empty unit changes nothing.
    assert f(np.append(a, 0), np.append(b, 0)) == pytest.approx(v, abs=1e-12)


@pytest.mark.parametrize("name", R.ZERO_WHEN_EVEN)
def test_zero_when_every_unit_has_the_overall_mix(name):
    assert INDICES[name]([10, 20, 40], [5, 10, 20]) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", R.ONE_WHEN_SEPARATED)
def test_one_under_complete_separation(name):
    assert INDICES[name]([10, 0, 7, 0], [0, 4, 0, 9]) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", R.NOT_ONE_WHEN_SEPARATED)
def test_interaction_is_zero_under_complete_separation(name):
    assert INDICES[name]([10, 0, 7, 0], [0, 4, 0, 9]) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", R.ASYMMETRIC)
def test_asymmetric_indices_really_are(name):
    assert INDICES[name]([2, 13, 5], [6, 3, 1]) != pytest.approx(INDICES[name]([6, 3, 1], [2, 13, 5]))


@pytest.mark.parametrize("name", sorted(INDICES))
@pytest.mark.parametrize(
    "a,b,match",
    [
        ([1, -2, 3], [1, 1, 1], r"group_a passed to .* 1 negative count\(s\) \(first at unit 1\)"),
        ([1, 2, 3], [1, float("nan"), 1], r"group_b passed to .* NaN or infinite value\(s\) \(first at unit 1\)"),
        ([1, 2, 3], [1, 1], r"inconsistent lengths: group_a has 3, group_b has 2"),
        ([0, 0, 0], [1, 2, 3], r"group_a passed to .* has no members in any of the 3 units"),
        ([1, 2], [0, 0], r"group_b passed to .* has no members"),
    ],
)
def test_bad_input_is_a_clear_error_naming_input_and_unit(name, a, b, match):
    with pytest.raises(InputError, match=match):
        INDICES[name](a, b)


@pytest.mark.parametrize("name", R.ACCEPTS_WEIGHTED_COUNTS)
def test_weighted_counts_are_accepted_by_point_estimates(name):
    assert math.isfinite(INDICES[name]([1.5, 2.25, 0.5], [0.5, 1.0, 3.75]))


@pytest.mark.parametrize("name", R.NEEDS_INTEGER_COUNTS)
def test_weighted_counts_refused_where_individuals_are_allocated(name):
    with pytest.raises(InputError, match=r"non-integer count\(s\) \(first at unit 0\)"):
        INDICES[name]([1.5, 2.0], [1.0, 3.0])


# ---- multigroup -----------------------------------------------------------

def test_mutual_information_by_hand_and_h_equals_two_group_h():
    c = np.array([[2, 6], [13, 3]], dtype=float)
    p = c / c.sum()
    m = sum(p[u, g] * math.log(p[u, g] / (p[u].sum() * p[:, g].sum())) for u in range(2) for g in range(2))
    assert mutual_information(c) == pytest.approx(m, abs=1e-15)
    assert theil_h_multigroup(c) == pytest.approx(theil_h(A, B), abs=1e-14)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 30), min_size=3, max_size=3), min_size=4, max_size=10),
    st.lists(st.sampled_from("xyz"), min_size=10, max_size=10),
)
def test_decomposition_is_exact_and_local_scores_sum_to_m(rows, blocks):
    c = np.array(rows, dtype=float)
    c[0] += 1  # no empty group column
    blocks = blocks[: len(c)]
    d = decompose_mutual_information(c, blocks)
    assert d.total == pytest.approx(d.between + d.within, abs=1e-12)
    assert d.total == pytest.approx(mutual_information(c), abs=1e-12)
    assert 0.0 <= theil_h_multigroup(c) <= 1.0
    assert local_mutual_information(c).contributions.sum() == pytest.approx(d.total, abs=1e-12)


def test_multigroup_bad_input():
    with pytest.raises(InputError, match="group column 2 with no members"):
        mutual_information([[1, 2, 0], [3, 4, 0]])
    with pytest.raises(InputError, match="inconsistent lengths"):
        decompose_mutual_information([[1, 2], [3, 4]], ["x"])
    with pytest.raises(InputError, match="negative"):
        theil_h_multigroup([[1, -2], [3, 4]])
