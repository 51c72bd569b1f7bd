"""staggered_did against published numbers, two reference packages, a
second simpler implementation, data with the truth stored, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kvarter.errors import InputError
from kvarter.evaluation import staggered_did

# R package did 2.5.1, README: att_gt(yname="lemp", gname="first.treat",
# idname="countyreal", tname="year", xformla=~1, data=mpdta, est_method="reg").
README_ATT_GT = [
    (2004, 2004, -0.0105), (2004, 2005, -0.0704), (2004, 2006, -0.1373), (2004, 2007, -0.1008),
    (2006, 2004, 0.0065), (2006, 2005, -0.0028), (2006, 2006, -0.0046), (2006, 2007, -0.0412),
    (2007, 2004, 0.0305), (2007, 2005, -0.0027), (2007, 2006, -0.0311), (2007, 2007, -0.0261),
]
README_DYNAMIC = {-3: 0.0305, -2: -0.0006, -1: -0.0245, 0: -0.0199, 1: -0.0510, 2: -0.1373, 3: -0.1008}
README_GROUP = {2004: -0.0797, 2006: -0.0229, 2007: -0.0261}


def _mp(mpdta, **kw):
    return staggered_did(mpdta, "countyreal", "year", "first.treat", "lemp", **kw)


def test_mpdta_matches_the_did_readme(mpdta):
    res = _mp(mpdta, control="never_treated", method="reg")
    got = res.att_gt[["group", "time", "att"]].to_numpy()
    assert [(int(g), int(t)) for g, t, _ in got] == [(g, t) for g, t, _ in README_ATT_GT]
    np.testing.assert_allclose(got[:, 2], [a for *_, a in README_ATT_GT], atol=5e-5)
    assert round(res.pretrend["p_value"], 5) == 0.16812
    dyn = res.aggregate("dynamic")
    assert round(dyn.estimate, 4) == -0.0772
    assert dict(zip(dyn.table.event_time, dyn.table.att.round(4))) == README_DYNAMIC
    grp = res.aggregate("group")
    assert round(grp.estimate, 3) == -0.031
    assert dict(zip(grp.table.group, grp.table.att.round(4))) == README_GROUP


def test_mpdta_unconditional_cells_equal_differences_of_mean_changes(mpdta):
    # A second, simpler implementation: ATT(g, t) without covariates is the
    # treated group's mean change minus the comparison units' mean change.
    res = _mp(mpdta, control="not_yet_treated", method="dr")
    wide = mpdta.pivot(index="countyreal", columns="year", values="lemp")
    g = mpdta.groupby("countyreal")["first.treat"].first()
    for row in res.att_gt.itertuples():
        base = row.group - 1 if row.time >= row.group else row.time - 1
        dy = wide[row.time] - wide[base]
        ctrl = (g == 0) | ((g > row.time) & (g != row.group))
        expected = dy[g == row.group].mean() - dy[ctrl].mean()
        assert row.att == pytest.approx(expected, abs=1e-12)
        assert row.n_treated == (g == row.group).sum() and row.n_control == ctrl.sum()


@pytest.mark.slow
@pytest.mark.parametrize("method", ["reg", "ipw", "dr"])
@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
@pytest.mark.parametrize("covariates", [None, ["lpop"]], ids=["unconditional", "lpop"])
def test_mpdta_equals_moderndid(mpdta, method, control, covariates):
    moderndid = pytest.importorskip("moderndid")
    ours = _mp(mpdta, control=control, method=method, covariates=covariates)
    ref = moderndid.att_gt(mpdta, "lemp", "year", "countyreal", "first.treat",
                           xformla="~lpop" if covariates else None, est_method=method,
                           control_group=control.replace("_", ""), boot=False, cband=False)
    np.testing.assert_allclose(ours.att_gt.att, np.asarray(ref.att_gt), atol=1e-6)
    np.testing.assert_allclose(ours.att_gt.se, np.asarray(ref.se_gt), atol=1e-6)
    for kind in ("simple", "dynamic", "group", "calendar"):
        a = ours.aggregate(kind)
        b = moderndid.aggte(ref, type=kind, boot=False, cband=False)
        assert a.estimate == pytest.approx(b.overall_att, abs=1e-6)
        assert a.se == pytest.approx(b.overall_se, abs=1e-6)
        if a.table is not None:
            np.testing.assert_allclose(a.table.att, np.asarray(b.att_by_event), atol=1e-6)
            np.testing.assert_allclose(a.table.se, np.asarray(b.se_by_event), atol=1e-6)


@pytest.mark.slow
def test_mpdta_equals_csdid(mpdta):
    pytest.importorskip("csdid")
    from csdid.att_gt import ATTgt

    for method, xformla, cov in [("dr", None, None), ("reg", "lemp ~ lpop", ["lpop"])]:
        ref = ATTgt(yname="lemp", gname="first.treat", idname="countyreal", tname="year", data=mpdta,
                    control_group="nevertreated", xformla=xformla).fit(est_method=method, bstrap=False)
        ours = _mp(mpdta, control="never_treated", method=method, covariates=cov)
        np.testing.assert_allclose(ours.att_gt.att, np.asarray(ref.results["att"]), atol=1e-6)


def test_df_het_recovers_the_stored_true_effect(df_het):
    treated = df_het[(df_het.g > 0) & (df_het.year >= df_het.g)]
    truth = (treated.te + treated.te_dynamic).mean()
    assert round(truth, 3) == 2.220
    for control in ("not_yet_treated", "never_treated"):
        res = staggered_did(df_het, "unit", "year", "g", "dep_var", control=control, method="reg")
        simple = res.aggregate("simple")
        assert simple.ci[0] < truth < simple.ci[1]
        assert simple.estimate == pytest.approx(truth, abs=0.03)
        by_e = treated.assign(e=treated.year - treated.g).groupby("e").apply(
            lambda x: (x.te + x.te_dynamic).mean(), include_groups=False)
        dyn = res.aggregate("dynamic").table.set_index("event_time")
        post = dyn.loc[by_e.index]
        covered = ((post.lower <= by_e) & (by_e <= post.upper)).mean()
        assert covered >= 0.9


def test_designation_panel_needs_its_covariate_and_twfe_is_off(designation):
    import statsmodels.formula.api as smf

    panel, truth = designation
    true_simple = np.average(truth.att, weights=truth.n_units)
    adjusted = staggered_did(panel, "unit", "year", "first_treated", "outcome", covariates=["x"])
    simple = adjusted.aggregate("simple")
    assert simple.ci[0] < true_simple < simple.ci[1]
    assert adjusted.pretrend["p_value"] > 0.05
    cells = adjusted.att_gt[adjusted.att_gt.post].merge(truth, on=["group", "time"], suffixes=("", "_true"))
    assert ((cells.lower <= cells.att_true) & (cells.att_true <= cells.upper)).mean() >= 0.9
    naive = staggered_did(panel, "unit", "year", "first_treated", "outcome")
    assert naive.pretrend["p_value"] < 0.001
    assert not naive.aggregate("simple").ci[0] < true_simple < naive.aggregate("simple").ci[1]
    d = ((panel.first_treated > 0) & (panel.year >= panel.first_treated)).astype(float)
    twfe = smf.ols("outcome ~ d + C(unit) + C(year)", panel.assign(d=d)).fit().params["d"]
    assert not simple.ci[0] < twfe < simple.ci[1]


def test_bootstrap_is_seeded_and_close_to_analytic(mpdta):
    a = _mp(mpdta, method="reg", inference="bootstrap", n_boot=499, seed=5)
    b = _mp(mpdta, method="reg", inference="bootstrap", n_boot=499, seed=5)
    an = _mp(mpdta, method="reg")
    pd.testing.assert_frame_equal(a.att_gt, b.att_gt)
    ratio = a.att_gt.se / an.att_gt.se
    assert ratio.between(0.8, 1.25).all()


def test_clustering_by_the_unit_itself_changes_nothing(mpdta):
    a = _mp(mpdta, method="dr", cluster="countyreal")
    b = _mp(mpdta, method="dr")
    np.testing.assert_allclose(a.att_gt.se, b.att_gt.se, rtol=1e-12)


def test_coarser_clusters_use_cluster_sums(mpdta):
    state = mpdta.countyreal // 1000
    res = _mp(mpdta.assign(state=state), method="reg", cluster="state")
    n = res.influence.shape[0]
    codes = pd.factorize(res.clusters)[0]
    sums = np.zeros((codes.max() + 1, res.influence.shape[1]))
    np.add.at(sums, codes, res.influence)
    np.testing.assert_allclose(res.att_gt.se, np.sqrt((sums**2).sum(axis=0)) / n)


# --- bad input ----------------------------------------------------------------

def _small():
    return pd.DataFrame({"unit": np.repeat([1, 2, 3, 4, 5, 6], 3), "t": [1, 2, 3] * 6,
                         "g": np.repeat([2, 2, 3, 3, 0, 0], 3),
                         "y": np.arange(18, dtype=float) % 5, "x": np.repeat([1.0, 2, 3, 1, 2, 3], 3)})


def test_a_panel_with_gaps_is_an_error_or_dropped_when_asked():
    df = _small().drop(index=4)   # unit 2 lacks period 2
    with pytest.raises(InputError, match=r"gaps: 1 of 6 unit\(s\).*unit=2 lacks 2.*unbalanced='drop'"):
        staggered_did(df, "unit", "t", "g", "y", method="reg")
    res = staggered_did(df, "unit", "t", "g", "y", method="reg", unbalanced="drop")
    assert any("left those 1 unit(s) out" in n for n in res.notes)
    assert res.att_gt.query("group == 2").n_treated.eq(1).all()


def test_no_comparison_unit_left_gives_nan_and_a_note():
    df = _small()
    df = df[~df.unit.isin([5, 6])]   # no never-treated: nobody is left to compare with in period 3
    res = staggered_did(df, "unit", "t", "g", "y", method="reg")
    last = res.att_gt.query("time == 3")
    assert last.att.isna().all() and (last.n_control == 0).all()
    assert any("no comparison unit" in n for n in res.notes)
    assert np.isfinite(res.aggregate("simple").estimate)
    with pytest.raises(InputError, match="no unit is never treated"):
        staggered_did(df, "unit", "t", "g", "y", control="never_treated")


def test_covariate_without_variation_is_an_error():
    df = _small().assign(c=1.0)
    with pytest.raises(InputError, match="Covariate 'c' passed to staggered_did has no variation"):
        staggered_did(df, "unit", "t", "g", "y", covariates=["c"])


@pytest.mark.parametrize("change, message", [
    (lambda d: pd.concat([d, d.iloc[[0]]]), r"repeat a \(unit, t\) pair"),
    (lambda d: d.assign(g=np.where(d.index == 0, 3, d.g)), "changes within unit 1"),
    (lambda d: d.assign(y=d.y.astype(object).where(d.index != 3, "n/a")), "row 4 holds 'n/a'"),
    (lambda d: d.assign(y=d.y.where(d.index != 3)), "1 empty value"),
    (lambda d: d.assign(g=np.where(d.unit == 1, 2.5, d.g)), "not one of the panel's periods"),
    (lambda d: d.drop(columns="g"), "lacks required column"),
])
def test_bad_panels_name_the_problem(change, message):
    with pytest.raises(InputError, match=message):
        staggered_did(change(_small()), "unit", "t", "g", "y")


def test_always_treated_and_late_units_are_noted():
    df = _small()
    df.loc[df.unit == 1, "g"] = 1
    df.loc[df.unit == 3, "g"] = 9
    res = staggered_did(df, "unit", "t", "g", "y", method="reg")
    assert any("treated from the first period" in n for n in res.notes)
    assert any("after the last period" in n for n in res.notes)
    assert set(res.att_gt.group) == {2, 3}


@pytest.mark.slow
@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
def test_mpdta_with_anticipation_equals_moderndid(mpdta, control):
    moderndid = pytest.importorskip("moderndid")
    ours = _mp(mpdta, control=control, method="dr", covariates=["lpop"], anticipation=1)
    ref = moderndid.att_gt(mpdta, "lemp", "year", "countyreal", "first.treat", xformla="~lpop", est_method="dr",
                           control_group=control.replace("_", ""), boot=False, cband=False, anticipation=1)
    assert len(ours.att_gt) == 8   # the 2004 group has no period before 2003 left
    np.testing.assert_allclose(ours.att_gt.att, np.asarray(ref.att_gt), atol=1e-6)
    np.testing.assert_allclose(ours.att_gt.se, np.asarray(ref.se_gt), atol=1e-6)
    dyn, ref_dyn = ours.aggregate("dynamic"), moderndid.aggte(ref, type="dynamic", boot=False, cband=False)
    assert dyn.estimate == pytest.approx(ref_dyn.overall_att, abs=1e-6)
    assert dyn.se == pytest.approx(ref_dyn.overall_se, abs=1e-6)
