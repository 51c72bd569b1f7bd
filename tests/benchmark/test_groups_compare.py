"""Reference groups and the comparison, each against a second, plainer
implementation; bad input gets errors naming the file, row and value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from kvarter.benchmark import (
    compare,
    empirical_bayes,
    funnel,
    load_grouping,
    nearest_neighbours,
    rank_intervals,
    reference_groups,
    trend,
)
from kvarter.errors import InputError, InputErrors


def _panel(n_units=40, years=(2020, 2021, 2022), seed=1, missing=3):
    rng = np.random.default_rng(seed)
    units = pd.DataFrame({"unit_id": [f"M{i:02d}" for i in range(n_units)],
                          "population": rng.integers(1500, 300_000, n_units),
                          "region": rng.choice(["North", "South", "East"], n_units)})
    rows = []
    for y in years:
        for u, pop in zip(units.unit_id, units.population):
            den = float(pop)
            num = float(rng.binomial(pop, rng.uniform(0.05, 0.3)))
            rows.append({"indicator": "share_x", "unit_id": u, "year": y, "numerator": num, "denominator": den,
                         "value": num / den})
            inc = float(rng.normal(300_000, 40_000))
            rows.append({"indicator": "income_x", "unit_id": u, "year": y, "numerator": inc * den,
                         "denominator": den, "value": inc})
    t = pd.DataFrame(rows)
    # suppressed cells: a value (and its counts) that is not there
    hide = rng.choice(len(t), missing, replace=False)
    t.loc[hide, ["value", "numerator", "denominator"]] = np.nan
    return units, t


def _plain_compare(t, groups, kinds):
    """The comparison by loops over units and members: the oracle."""
    out = []
    v = t.set_index(["indicator", "unit_id", "year"])
    for (unit, group), g in groups.groupby(["unit", "group"]):
        for (ind, year) in sorted(set(zip(t.indicator, t.year))):
            if (ind, unit, year) not in v.index or np.isnan(v.loc[(ind, unit, year), "value"]):
                continue
            own = v.loc[(ind, unit, year), "value"]
            mv = [v.loc[(ind, m, year)] for m in g.member if (ind, m, year) in v.index]
            mv = [r for r in mv if not np.isnan(r["value"])]
            if not mv:
                continue
            vals = np.array([r["value"] for r in mv])
            pooled = sum(r["numerator"] for r in mv) / sum(r["denominator"] for r in mv)
            mean = vals.mean()
            below = sum(x < own for x in vals) + 0.5 * sum(x == own for x in vals)
            for kind, ref in (("pooled", pooled), ("mean", mean)):
                diff = (own - ref) * (100 if kinds[ind] == "share" else 1)
                out.append({"unit": unit, "indicator": ind, "year": year, "reference_kind": kind, "reference": ref,
                            "members": len(vals), "index": 100 * own / ref, "difference": diff,
                            "percentile_rank": 100 * below / len(vals),
                            "z_score": (own - mean) / vals.std(ddof=1) if len(vals) > 1 else np.nan})
    return pd.DataFrame(out)


KINDS = {"share_x": "share", "income_x": "mean"}


@pytest.mark.parametrize("method, opts", [("region", {}), ("size_class", {}), ("country", {}),
                                          ("size_class", {"bands": "no_kostra_2020", "include_self": True})])
def test_compare_agrees_with_a_plain_loop(method, opts):
    units, t = _panel()
    groups = reference_groups(units, method, **opts)
    got = compare(t, groups, kinds=KINDS)
    want = _plain_compare(t, groups, KINDS)
    cols = ["unit", "indicator", "year", "reference_kind"]
    got = got.sort_values(cols).reset_index(drop=True)
    want = want.sort_values(cols).reset_index(drop=True)
    assert len(got) == len(want) > 0
    for c in ["reference", "members", "index", "difference", "percentile_rank", "z_score"]:
        np.testing.assert_allclose(got[c].to_numpy(float), want[c].to_numpy(float), rtol=1e-9, err_msg=c)


def test_partition_shortcut_equals_the_pair_join():
    units, t = _panel(seed=5, missing=6)
    groups = reference_groups(units, "region")
    fast = compare(t, groups, kinds=KINDS)
    plain_groups = pd.DataFrame(groups)  # a copy without attrs takes the pair join
    plain_groups.attrs = {}
    slow = compare(t, plain_groups, kinds=KINDS)
    pd.testing.assert_frame_equal(fast.reset_index(drop=True), slow.reset_index(drop=True), check_exact=False,
                                  rtol=1e-10)


def test_suppressed_own_value_leaves_the_unit_out_by_name():
    units, t = _panel(missing=0)
    t.loc[(t.unit_id == "M03") & (t.year == 2021) & (t.indicator == "share_x"), ["value", "numerator"]] = np.nan
    c = compare(t, reference_groups(units, "country"), kinds=KINDS)
    assert not ((c.unit == "M03") & (c.year == 2021) & (c.indicator == "share_x")).any()
    assert c.attrs["left_out"].values.tolist() == [["share_x", "M03", 2021]]
    # and M03 is not read as zero in anyone else's reference
    other = c[(c.unit == "M00") & (c.year == 2021) & (c.indicator == "share_x") & (c.reference_kind == "mean")]
    assert other["members"].item() == 38


def test_trend_sentences():
    c = pd.DataFrame({"unit": "A", "group": "g", "indicator": "s", "year": [2015, 2024] * 3,
                      "reference_kind": "pooled"})
    c["indicator"] = ["a", "a", "b", "b", "c", "c"]
    c["index"] = [131.0, 122.0, 90.0, 104.0, 110.0, 100.2]
    got = trend(c).set_index("indicator")
    assert got.loc["a", "sentence"] == "the gap to the reference group narrowed from 31 to 22 points, 2015-2024"
    assert got.loc["b", "direction"] == "reversed"
    assert got.loc["b", "sentence"] == ("the unit moved from 10 points below to 4 points above the reference group, "
                                        "2015-2024")
    assert got.loc["c", "direction"] == "closed"


def test_nearest_neighbours_against_brute_force():
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.normal(size=(60, 5)), columns=list("abcde"), index=[f"u{i}" for i in range(60)])
    w = {"a": 2.0, "c": 0.5}
    nn = nearest_neighbours(x, k=7, weights=w)
    z = (x - x.mean()) / x.std(ddof=0)
    ww = np.array([w.get(c, 1.0) for c in x.columns])
    d = cdist(z.to_numpy(), z.to_numpy(), metric="euclidean", w=ww)
    d = d / d.max()
    for i, u in enumerate(x.index):
        order = [j for j in np.argsort(d[i], kind="stable") if j != i][:7]
        got = nn[nn.unit == u]
        assert got["member"].tolist() == list(x.index[order])
        np.testing.assert_allclose(got["distance"].to_numpy(), d[i, order], rtol=1e-9)
    # drivers: the largest share of the squared distance first
    first = nn.iloc[0]
    diff2 = ww * (z.loc[first.unit] - z.loc[first.member]) ** 2
    assert first.drivers.startswith(diff2.idxmax())


def test_nearest_via_reference_groups_excludes_self_unless_asked():
    units, _ = _panel()
    units["a"] = np.arange(40.0)
    units["b"] = np.arange(40.0) ** 2
    g = reference_groups(units, "nearest", indicators=["a", "b"], k=3)
    assert len(g) == 120 and not g["is_self"].any()
    assert g[g.unit == "M10"]["member"].tolist() == ["M09", "M11", "M08"]
    g2 = reference_groups(units, "nearest", indicators=["a", "b"], k=3, include_self=True)
    assert g2["is_self"].sum() == 40


def test_k_larger_than_the_units_available():
    units, _ = _panel(n_units=10)
    units["a"] = np.arange(10.0)
    with pytest.raises(InputError, match=r"k=15 is larger than the 9 other unit\(s\) available"):
        reference_groups(units, "nearest", indicators=["a"])


def test_group_file_naming_unknown_units(tmp_path):
    units, _ = _panel(n_units=5)
    f = tmp_path / "peers.csv"
    f.write_text("unit;group\nM00;A\nM01;A\nM99;A\nM02;B\n", encoding="utf-8")
    with pytest.raises(InputErrors) as exc:
        reference_groups(units, "file", path=f)
    failures = exc.value.table()
    assert failures[["file", "row", "column", "value", "reason"]].values.tolist() == [
        [str(f), 3, "unit", "M99", "unknown_area"]]
    assert str(f) in str(exc.value) and "row 3" in str(exc.value) and "'M99'" in str(exc.value)


def test_a_unit_in_two_groups_of_one_grouping(tmp_path):
    units, _ = _panel(n_units=5)
    f = tmp_path / "groups.yaml"
    f.write_text("groups:\n  big: [M00, M01]\n  small: [M02, M01]\n", encoding="utf-8")
    with pytest.raises(InputErrors) as exc:
        reference_groups(units, "file", path=f)
    (fail,) = exc.value.failures
    assert (fail.file, fail.row, fail.value, fail.reason.value) == (str(f), 4, "M01", "duplicate_id")
    assert "group 'small' here and in group 'big' at row 2" in fail.message


def test_file_groups_give_each_member_the_others(tmp_path):
    units, _ = _panel(n_units=5)
    f = tmp_path / "groups.yaml"
    f.write_text("groups:\n  big: [M00, M01, M02]\n  small: [M03, M04]\n", encoding="utf-8")
    g = reference_groups(units, "file", path=f)
    assert g[g.unit == "M00"]["member"].tolist() == ["M01", "M02"]
    assert g[g.unit == "M04"][["group", "member"]].values.tolist() == [["small", "M03"]]


def test_kostra_definitions_and_a_mapping_file(tmp_path):
    g = load_grouping("kostra_2020")
    assert [d.id for d in g.groups] == [f"{i:02d}" for i in range(1, 18)]
    assert g.source.document.endswith("Rapporter 2020/48 (published 9 December 2020)")
    assert g.table().loc[12, "description"] == "Oslo, low bound costs"
    units = pd.DataFrame({"unit_id": ["0301", "4601", "5001", "1103"]})
    f = tmp_path / "kostra.csv"
    f.write_text("unit,group\n0301,13\n4601,12\n5001,12\n1103,12\n", encoding="utf-8")
    rg = reference_groups(units, "fixed", grouping="kostra_2020", mapping=f)
    assert rg[rg.unit == "4601"]["member"].tolist() == ["5001", "1103"]
    assert rg[rg.unit == "0301"].empty  # Oslo is a group of its own
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,group\n0301,13\n4601,18\n", encoding="utf-8")
    with pytest.raises(InputErrors) as exc:
        reference_groups(units, "fixed", grouping="kostra_2020", mapping=bad)
    assert exc.value.table()[["row", "column", "value", "reason"]].values.tolist() == [[2, "group", "18", "not_allowed"]]


def test_zero_or_negative_denominators_are_named():
    with pytest.raises(InputError, match=r"first at unit 'B': 0\.0"):
        funnel([1, 2], [10, 0], "proportion", units=["A", "B"])
    with pytest.raises(InputError, match=r"unit 'C' has -5\.0"):
        empirical_bayes([1, 2, 3], [10, 20, -5], units=["A", "B", "C"])
    units, t = _panel(missing=0)
    t.loc[2, "denominator"] = -10.0
    with pytest.raises(InputError, match=r"indicator 'share_x' has 1 row\(s\) .* \(first: unit 'M01', 2020, "
                                         r"denominator -10\.0\)"):
        compare(t, reference_groups(units, "country"), kinds=KINDS)
    # a zero denominator without a value is a unit without that indicator: left out, not an error
    t.loc[2, ["denominator", "value"]] = [0.0, np.nan]
    c = compare(t, reference_groups(units, "country"), kinds=KINDS)
    assert c.attrs["left_out"].values.tolist() == [["share_x", "M01", 2020]]


def test_empirical_bayes_within_groups_equals_global_per_group():
    rng = np.random.default_rng(0)
    e = rng.poisson(20, 30).astype(float)
    n = rng.integers(500, 5000, 30).astype(float)
    g = np.repeat(["a", "b", "c"], 10)
    within = empirical_bayes(e, n, g)
    for grp in "abc":
        m = g == grp
        np.testing.assert_allclose(within["shrunk"][m], empirical_bayes(e[m], n[m])["shrunk"], rtol=1e-12)


def test_a_tiny_area_does_not_top_the_league_table():
    # 60 areas of 2,000-20,000 residents around 1 %, and one of 12 residents with 2 events (17 %)
    rng = np.random.default_rng(11)
    n = np.r_[rng.integers(2000, 20000, 60), 12].astype(float)
    e = np.r_[rng.poisson(0.01 * n[:60]), 2].astype(float)
    units = [f"a{i}" for i in range(60)] + ["tiny"]
    r = rank_intervals(e, n, units=units, n_sims=2000, rng=1)
    tiny = r[r.unit == "tiny"].iloc[0]
    assert tiny["raw_rank"] == 1 and tiny["rank"] > 1
    assert tiny.rank_upper - tiny.rank_lower > 20  # and its rank is very uncertain
    eb = empirical_bayes(e, n, units=units)
    t = eb[eb.unit == "tiny"].iloc[0]
    assert t.lower < t.shrunk < t.upper and t.shrunk < 0.05


def test_many_funnels_in_one_call_equal_separate_calls():
    rng = np.random.default_rng(2)
    n = rng.integers(50, 5000, 90).astype(float)
    e = rng.binomial(n.astype(int), rng.uniform(0.05, 0.3, 90)).astype(float)
    by = np.repeat(["x", "y", "z"], 30)
    for adjust in (None, "SHMI", "CQC", "multiplicative"):
        together = funnel(e, n, "proportion", adjust=adjust, by=by)
        for g in "xyz":
            alone = funnel(e[by == g], n[by == g], "proportion", adjust=adjust)
            part = together[together["funnel"] == g].drop(columns="funnel").reset_index(drop=True)
            pd.testing.assert_frame_equal(part.drop(columns="unit"), alone.drop(columns="unit"), rtol=1e-12)


def test_binomial_quantiles_equal_scipy():
    from scipy import stats

    from kvarter.benchmark.funnel import binomial_ppf

    rng = np.random.default_rng(4)
    n = rng.integers(1, 200_000, 5000).astype(float)
    t = rng.uniform(0, 1, 5000)
    for p in (0.001, 0.025, 0.5, 0.975, 0.999):
        assert (binomial_ppf(p, n, t) == stats.binom.ppf(p, n, t)).all()
