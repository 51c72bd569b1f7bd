"""The fast paths of staggered_did against the plain computations they replace:
unit codes for a panel sorted by unit against hashing a shuffled one, and the
bootstrap draws taken from the basis against the multipliers themselves."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from kvarter.demo.evaluation import designation_panel
from kvarter.evaluation import staggered_did
from kvarter.evaluation.did import mammen_multipliers


@pytest.fixture(scope="module")
def panel():
    return designation_panel(n_units=400, first_year=2011, last_year=2018, seed=4)[0]


@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
def test_a_shuffled_panel_gives_the_same_cells_as_a_sorted_one(panel, control):
    kw = dict(control=control, method="dr", covariates=["x"])
    a = staggered_did(panel, "unit", "year", "first_treated", "outcome", **kw)
    b = staggered_did(panel.sample(frac=1.0, random_state=1), "unit", "year", "first_treated", "outcome", **kw)
    np.testing.assert_allclose(a.att_gt[["att", "se"]].to_numpy(), b.att_gt[["att", "se"]].to_numpy(),
                               rtol=0, atol=1e-13)
    assert a.aggregate("dynamic").se == pytest.approx(b.aggregate("dynamic").se, abs=1e-13)


def test_bootstrap_errors_are_the_interquartile_range_of_the_multiplier_draws(panel):
    res = staggered_did(panel, "unit", "year", "first_treated", "outcome", control="never_treated",
                        covariates=["x"], inference="bootstrap", n_boot=299, seed=11)
    n = res.influence.shape[0]
    V = mammen_multipliers(n, 299, seed=11)
    draws = V @ res.influence / n
    q75, q25 = np.percentile(draws, [75, 25], axis=0)
    expected = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    np.testing.assert_allclose(res.att_gt.se.to_numpy(), expected, rtol=1e-10)
    # An aggregation with the same multipliers: the simple ATT's influence function
    # built by hand (group-size weights and their estimation effect, R did's wif).
    tab = res.att_gt
    keep = np.flatnonzero(tab.post.to_numpy())
    G = res.unit_group
    pg = np.array([np.mean(G == g) for g in tab.group.to_numpy()[keep]])
    w = pg / pg.sum()
    ind = np.column_stack([(G == g).astype(float) - p for g, p in zip(tab.group.to_numpy()[keep], pg)])
    wif = ind / pg.sum() - np.outer(ind.sum(axis=1), pg / pg.sum() ** 2)
    vec = res.influence[:, keep] @ w + wif @ tab.att.to_numpy()[keep]
    d = V @ vec / n
    q75, q25 = np.percentile(d, [75, 25])
    assert res.aggregate("simple").se == pytest.approx((q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25)),
                                                       rel=1e-10)


def _reference_cells(panel, control, method, covariates):
    """Every ATT(g, t) the plain way: the cell's rows picked out of the long table,
    its outcome change, and the one-cell estimator of drdid with the general logit
    of propensity.py (no batches, no warm starts, no shared designs)."""
    from kvarter.evaluation.drdid import ESTIMATORS
    from kvarter.evaluation.propensity import design

    wide = panel.pivot(index="unit", columns="year", values="outcome")
    G = panel.groupby("unit")["first_treated"].first().reindex(wide.index).to_numpy(dtype=float)
    years = wide.columns.to_numpy()
    G[G > years[-1]] = 0            # first treated after the panel: never treated (as R's did)
    keep = ~((G > 0) & (G <= years[0]))
    wide, G = wide[keep], G[keep]
    X = panel.groupby("unit")[covariates].first().reindex(wide.index).to_numpy(dtype=float) if covariates else None
    n = len(G)
    out = {}
    for g in np.unique(G[G > 0]):
        for c in range(1, len(years)):
            t = years[c]
            b = np.flatnonzero(years == g)[0] - 1 if g <= t else c - 1
            ctrl = (G == 0) if control == "never_treated" else ((G == 0) | ((G > t) & (G != g)))
            rows = (G == g) | ctrl
            dy = wide.to_numpy()[rows, c] - wide.to_numpy()[rows, b]
            Z = design(X[rows]) if covariates else np.ones((rows.sum(), 1))
            two = ESTIMATORS[method](dy, (G[rows] == g).astype(float), Z)
            inf = np.zeros(n)
            inf[rows] = two.influence * n / rows.sum()
            out[(g, t)] = (two.att, inf)
    return out


@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_every_cell_equals_the_one_cell_estimator_on_its_own_rows(panel, control, method):
    # The batched fast path (shared comparison sets, warm-started lean logit,
    # influence columns written in place) against each cell computed alone.
    res = staggered_did(panel, "unit", "year", "first_treated", "outcome", control=control, method=method,
                        covariates=["x"])
    ref = _reference_cells(panel, control, method, ["x"])
    tab = res.att_gt
    assert len(tab) == len(ref)
    for j, (g, t) in enumerate(zip(tab.group, tab.time)):
        att, inf = ref[(g, t)]
        assert tab.att.iloc[j] == pytest.approx(att, abs=1e-12)
        np.testing.assert_allclose(res.influence[:, j], inf, rtol=0, atol=1e-11)
        assert tab.se.iloc[j] == pytest.approx(np.sqrt(np.sum(inf**2)) / len(inf), rel=1e-11)


@pytest.mark.parametrize("case", ["plain", "far_start", "steep_scores", "three_covariates"])
def test_cell_logit_reaches_the_maximum_of_fit_logit(case):
    # The lean per-cell logit against propensity.fit_logit (the general one): the same
    # maximum from a start far off (step halving on the log-likelihood), with steep
    # scores near 0 and 1, and with more covariates.
    from kvarter.evaluation.cell_logit import cell_logit, cell_propensity
    from kvarter.evaluation.propensity import design, fit_logit, logit_propensity

    rng = np.random.default_rng(7)
    n = 2000
    X = rng.normal(size=(n, 3 if case == "three_covariates" else 1))
    slope = 40.0 if case == "steep_scores" else 0.8
    d = (rng.random(n) < 1 / (1 + np.exp(-(slope * X[:, 0] - 0.5)))).astype(float)
    Z = design(X)
    start = np.full(Z.shape[1], 5.0) if case == "far_start" else None
    coef, p, ok = cell_logit(Z, d, start=start)
    ref, ok_ref = fit_logit(Z, d, start=start)
    assert ok and ok_ref
    np.testing.assert_allclose(coef, ref, rtol=1e-12, atol=1e-12)
    a, b = cell_propensity(Z, d, start=start), logit_propensity(Z, d, start=start)
    np.testing.assert_allclose(a.ps, b.ps, rtol=0, atol=1e-13)
    np.testing.assert_allclose(a.linear_rep, b.linear_rep, rtol=1e-10, atol=1e-10)


def test_cell_logit_overflowing_scores_keep_a_finite_log_likelihood():
    from kvarter.evaluation.cell_logit import _loglik

    m = np.array([800.0, -3.0, 0.5])            # m = -eta: the first score underflows to 0
    d = np.array([0.0, 1.0, 0.0])
    with np.errstate(over="ignore"):
        e = np.exp(m)
    eta = -m
    expected = float(np.sum(d * eta - np.logaddexp(0.0, eta)))
    assert _loglik(m, e, d) == pytest.approx(expected, rel=1e-14)


def test_cell_propensity_rejects_non_finite_covariates():
    from kvarter.errors import InputError
    from kvarter.evaluation.cell_logit import cell_propensity

    Z = np.column_stack([np.ones(4), [0.0, np.nan, 1.0, 2.0]])
    with pytest.raises(InputError, match="NaN or inf"):
        cell_propensity(Z, np.array([0.0, 1.0, 0.0, 1.0]))
