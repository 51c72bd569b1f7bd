"""The evaluation's published tables: an effect leaves only for groups whose
treated and comparison counts each reach the minimum, nothing per person
leaves, and what is published equals the estimate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kvarter.disclosure import DisclosurePolicy
from kvarter.errors import DisclosureError
from kvarter.publish.evaluation import protect_areas, protect_programme, refuse_persons, subgroup_links

MIN = 5


@pytest.fixture(scope="module")
def programme():
    from kvarter.demo.evaluation import inflow_cohorts
    from kvarter.evaluation import cost_effectiveness, dynamic_effects, load_spells

    d = inflow_cohorts(n_persons=2500, months=72, seed=3)
    inf = d["persons"].copy()
    inf["group"] = np.where(inf.age < 30, "rare", np.where(inf.age < 45, "young", "old"))
    sp = load_spells(inf, d["months"], d["starts"], d["costs"])
    res = dynamic_effects(sp, "job_training", 6, n_boot=10, seed=1, subgroups=["group"])
    # The publishing rule under test: make "rare" rest on 3 treated persons.
    import dataclasses

    sc = res.subgroup_cumulative.copy()
    sc.loc[sc.level == "rare", "n_treated"] = 3
    bs = res.by_subgroup.copy()
    bs.loc[bs.level == "rare", "n_treated"] = 3
    res = dataclasses.replace(res, subgroup_cumulative=sc, by_subgroup=bs)
    ce = cost_effectiveness(res, [25_000, 15_000], discount_rate=[0.03, 0.0])
    return res, ce


def test_published_effects_equal_the_estimate_and_rest_on_both_groups(programme):
    res, ce = programme
    t = protect_programme(res, DisclosurePolicy(min_count=MIN), ce)
    curve = t["effects_curve"].frame
    assert (curve["effect_status"] == "published").all()
    np.testing.assert_array_equal(curve["effect"].to_numpy(), res.curve["effect"].to_numpy())
    assert (curve["persons"] == np.minimum(res.curve.n_treated, res.curve.n_control)).all()
    assert float(t["effects_summary"].frame["cumulative"].iloc[0]) == pytest.approx(res.cumulative_effect, abs=0)
    assert set(t) >= {"effects_cost", "effects_sensitivity", "effects_subgroups", "effects_subgroup_summary"}


def test_a_policy_above_the_counts_suppresses_every_effect(programme):
    res, ce = programme
    n = int(min(res.curve.n_treated.iloc[0], res.curve.n_control.iloc[0]))
    t = protect_programme(res, DisclosurePolicy(min_count=n + 1), ce)
    for name in ("effects_curve", "effects_cumulative", "effects_summary", "effects_cost"):
        f = t[name].public_frame()
        value = [c for c in f.columns if c.endswith("_status")][1][: -len("_status")]
        assert (f[f"{value}_status"] != "published").all(), name
        assert f[value].isna().all(), name


def test_a_small_subgroup_level_and_its_complement_are_suppressed(programme):
    res, ce = programme
    t = protect_programme(res, DisclosurePolicy(min_count=MIN), ce)
    f = t["effects_subgroup_summary"].frame.set_index("level")
    assert res.subgroup_cumulative.set_index("level").loc["rare", "n_treated"] < MIN
    assert f.loc["rare", "cumulative_status"] == "primary"
    # "young" and "old": the smaller (by the fewer of treated and comparison) goes too, linked.
    sc = res.subgroup_cumulative.set_index("level")
    smaller = min(["young", "old"], key=lambda lv: min(sc.loc[lv, "n_treated"], sc.loc[lv, "n_control"]))
    other = ({"young", "old"} - {smaller}).pop()
    assert f.loc[smaller, "cumulative_status"] != "published"
    pub = t["effects_subgroup_summary"].public_frame().set_index("level")
    assert "another published table" in pub.loc[smaller, "cumulative_reason"]
    assert np.isnan(pub.loc[smaller, "cumulative"]) and np.isnan(pub.loc["rare", "cumulative"])
    assert f.loc[other, "cumulative_status"] == "published"
    sub = t["effects_subgroups"].frame
    assert set(sub.loc[sub.effect_status == "published", "level"]) == {other}


def test_nothing_per_person_leaves(programme):
    res, ce = programme
    t = protect_programme(res, DisclosurePolicy(min_count=MIN), ce)
    for name, p in t.items():
        assert not {"person_id", "duration"} & set(p.frame.columns), name
        assert "propensity" not in name and "replicate" not in name
    with pytest.raises(DisclosureError, match="per-person"):
        refuse_persons(res.treated_persons, "treated persons")


def test_subgroup_links_by_hand():
    f = pd.DataFrame({"subgroup": ["a"] * 3 + ["b"] * 3, "level": ["x", "y", "z", "x", "y", "z"],
                      "n_treated": [3, 50, 20, 2, 3, 40], "n_control": [100, 60, 500, 80, 90, 100]})
    # a: only x is small -> z (20) is the next smallest; b: two small levels protect each other.
    assert subgroup_links(f, 5).tolist() == [False, False, True, False, False, False]


def test_area_effects_use_the_residents_of_both_groups():
    from kvarter.demo.evaluation import designation_panel
    from kvarter.evaluation import staggered_did

    panel, _ = designation_panel(n_units=80, seed=5)
    res = staggered_did(panel, "unit", "year", "first_treated", "outcome", method="reg")
    units = pd.Index(res.units).astype(str)
    big = {u: 1000.0 for u in units}
    t = protect_areas(res, "demo", DisclosurePolicy(min_count=MIN), residents=big)
    es = t["effects_areas"].frame
    assert (es["att_status"] == "published").all()
    dyn = res.aggregate("dynamic").table
    np.testing.assert_array_equal(es["att"].to_numpy(), dyn["att"].to_numpy())
    # The treated areas of the earliest cohort hold no residents: the event times resting only on them go.
    G = res.unit_group
    g0 = G[G > 0].min()
    tiny = {u: (0.0 if g == g0 else 1000.0) for u, g in zip(units, G)}
    es = protect_areas(res, "demo", DisclosurePolicy(min_count=MIN), residents=tiny)["effects_areas"].frame
    late = es["event_time"] > (res.periods[-1] - G[(G > 0) & (G != g0)].min())
    # No residents behind them: shown as empty, never as an estimate.
    assert es.loc[late, "att"].isna().all() and (es.loc[late, "att_status"] != "published").all()
    tiny[units[np.flatnonzero(G == g0)[0]]] = 3.0
    es = protect_areas(res, "demo", DisclosurePolicy(min_count=MIN), residents=tiny)["effects_areas"].frame
    only_g0 = es["event_time"] > (res.periods[-1] - G[(G > 0) & (G != g0)].min())
    assert only_g0.any()
    assert (es.loc[only_g0, "att_status"] == "primary").all()
    assert (es.loc[~only_g0, "att_status"] == "published").all()
