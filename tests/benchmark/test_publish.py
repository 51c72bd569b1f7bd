"""The benchmark tables as published: references by hand, one reference per
group (the unit included, never beside the one without it), an outsider's
attack on the written files, links to the indicator table, funnels and
nearest neighbours from published values only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kvarter.benchmark import reference_groups
from kvarter.disclosure import DisclosurePolicy, attack, read_published
from kvarter.disclosure.status import SUPPRESSED
from kvarter.errors import InputError
from kvarter.jobs.benchmark import UnitValues, benchmark_tables
from kvarter.publish.benchmark import protect_benchmark, protect_comparison
from kvarter.report.files import write_tables

POLICY = DisclosurePolicy(min_count=5, protect_complement=False)


def _values(n=12, seed=3, small=("U03",)):
    rng = np.random.default_rng(seed)
    ids = [f"U{i:02d}" for i in range(n)]
    den = rng.integers(80, 2000, n).astype(float)
    for s in small:
        den[ids.index(s)] = 3.0
    num = np.round(den * rng.uniform(0.05, 0.4, n))
    num[[ids.index(s) for s in small]] = 1.0
    return pd.DataFrame({"indicator": "s", "unit_id": ids, "year": 2024, "value": num / den, "numerator": num,
                         "denominator": den, "persons": den}), ids


def _groups(ids):
    units = pd.DataFrame({"unit_id": ids, "region": ["N"] * (len(ids) // 2) + ["S"] * (len(ids) - len(ids) // 2)})
    return reference_groups(units, "region", include_self=True)


def test_the_reference_is_the_groups_pooled_value_with_the_unit_and_rests_on_its_persons():
    v, ids = _values()
    t = protect_benchmark(v, _groups(ids), POLICY, kinds={"s": "share"})
    c = t["benchmark_comparison"].frame
    for g, members in (("N", ids[:6]), ("S", ids[6:])):
        m = v[v["unit_id"].isin(members)]
        ref = c[(c["row"] == "reference") & (c["group"] == g)].iloc[0]
        assert ref["value"] == pytest.approx(m["numerator"].sum() / m["denominator"].sum(), rel=1e-12)
        assert ref["persons"] == m["denominator"].sum() and ref["members"] == 6
    a = c[(c["row"] == "unit") & (c["unit"] == "U08")].iloc[0]
    s = v[v["unit_id"].isin(ids[6:])]
    pooled = s["numerator"].sum() / s["denominator"].sum()
    own = v.set_index("unit_id").loc["U08", "value"]
    assert a["reference"] == pytest.approx(pooled) and a["index"] == pytest.approx(100 * own / pooled)
    assert a["difference"] == pytest.approx(100 * (own - pooled))
    # percentile rank and z over the published members (the unit included)
    others = s[s["unit_id"] != "U08"]["value"]
    assert a["percentile_rank"] == pytest.approx(100 * (others < own).sum() / len(others))
    assert a["z_score"] == pytest.approx((own - s["value"].mean()) / s["value"].std(ddof=1))
    # the relation: each reference row is the sum of its members' rows
    rels = {r.name: r for r in t["benchmark_comparison"].relations}
    assert len(rels["s N 2024"].parts) == 6 and rels["s N 2024"].complete


def test_a_small_unit_is_suppressed_with_a_complement_and_the_files_resist_an_outside_attack(tmp_path):
    v, ids = _values()
    t = protect_benchmark(v, _groups(ids), POLICY, kinds={"s": "share"})
    c = t["benchmark_comparison"].frame
    st = dict(zip(c["unit"], c["value_status"]))
    assert st["U03"] == "primary"
    assert sum(1 for u in ids[:6] if st[u] == "secondary") == 1  # one complement in U03's group
    assert "U03" not in set(t["benchmark_funnel"].frame["unit"]) | set(t["benchmark_spine"].frame["unit"])
    paths = write_tables(t, tmp_path)
    for name, path in paths.items():
        view = read_published(path)
        found = attack(view)
        assert not found["recovered"].any(), (name, found[found["recovered"]])
    # and the attacker who reads the reference and every published member: U03 + the complement, not U03
    ref = c[(c["row"] == "reference") & (c["group"] == "N")].iloc[0]
    shown = c[(c["row"] == "unit") & c["unit"].isin(ids[:6]) & (c["value_status"] == "published")]
    rest = ref["persons"] - shown["persons"].sum()
    assert rest > v.set_index("unit_id").loc["U03", "persons"] + POLICY.min_count - 1


def test_only_the_including_reference_is_published_never_the_excluding_one(tmp_path):
    """Fails if any published figure is a reference without the unit (beside the
    one with it, their difference is the unit)."""
    v, ids = _values(small=())
    groups = _groups(ids)
    t = protect_benchmark(v, groups, POLICY, kinds={"s": "share"})
    raw = v.set_index("unit_id")
    excluding = []
    for g, members in (("N", ids[:6]), ("S", ids[6:])):
        m = raw.loc[members]
        for u in members:
            excluding.append((m["numerator"].sum() - raw.loc[u, "numerator"]) /
                             (m["denominator"].sum() - raw.loc[u, "denominator"]))
    published = []
    for p in write_tables(t, tmp_path).values():
        f = read_published(p).frame
        for col in f.columns:
            if pd.api.types.is_numeric_dtype(f[col]):
                published += f[col].dropna().astype(float).tolist()
    published = np.array(published)
    for e in excluding:
        assert not np.isclose(published, e, rtol=1e-9, atol=0).any(), e
    with pytest.raises(InputError, match="include_self=True"):
        protect_benchmark(v, reference_groups(pd.DataFrame({"unit_id": ids, "region": "N"}), "region"), POLICY,
                          kinds={"s": "share"})


def test_cells_hidden_in_the_indicator_table_stay_hidden_and_published_ones_are_no_complement():
    v, ids = _values()
    c = protect_comparison(v, _groups(ids), POLICY, kinds={"s": "share"}, hidden={("s", "U09")}).frame
    assert c.set_index("unit").loc["U09", "value_reason"].startswith("depends on a figure suppressed")
    plain = protect_comparison(v, _groups(ids), POLICY, kinds={"s": "share"}).frame.set_index("unit")
    complement = plain[(plain["row"] == "unit") & (plain["value_status"] == "secondary")].index[0]
    c = protect_comparison(v, _groups(ids), POLICY, kinds={"s": "share"},
                           published_elsewhere={("s", u) for u in ids if u != "U03"}).frame.set_index("unit")
    # the unit another table publishes is not hidden as U03's complement: the reference goes instead
    assert c.loc[complement, "value_status"] == "published"
    assert c.loc["N", "value_status"] in SUPPRESSED and c.loc["S", "value_status"] == "published"
    # the units of N keep their values but not the index (it would give the reference back)
    rest = [u for u in ids[:6] if u != "U03"]
    assert (c.loc[rest, "value_status"] == "published").all()
    assert c.loc[rest, "index"].isna().all() and c.loc[rest, "reference"].isna().all()
    assert c.loc[ids[6:], "index"].notna().all()


def test_funnels_use_published_values_only_with_exact_binomial_limits():
    v, ids = _values()
    t = protect_benchmark(v, _groups(ids), POLICY, kinds={"s": "share"}, adjust=None)
    c, f = t["benchmark_comparison"].frame, t["benchmark_funnel"].frame
    pub = c[(c["row"] == "unit") & (c["value_status"] == "published")]
    assert set(f["unit"]) == set(pub["unit"])
    ref = c[c["row"] == "reference"].set_index("group")["value"]
    row = f[f["unit"] == "U08"].iloc[0]
    assert row["target"] == pytest.approx(ref["S"])
    n = v.set_index("unit_id").loc["U08", "denominator"]
    # Spiegelhalter's interpolated quantile at 0.999, by hand with scipy
    r = stats.binom.ppf(0.999, n, ref["S"])
    fr, fb = stats.binom.cdf(r, n, ref["S"]), stats.binom.cdf(r - 1, n, ref["S"])
    assert row["upper_998"] == pytest.approx((r - (fr - 0.999) / (fr - fb)) / n, rel=1e-9)
    assert row["class"] == row["class_unadjusted"]


def test_nearest_neighbours_rest_on_published_values_only():
    rng = np.random.default_rng(5)
    ids = [f"M{i:02d}" for i in range(30)]
    rows = []
    for ind in ("s", "t"):
        den = rng.integers(500, 5000, 30).astype(float)
        num = np.round(den * rng.uniform(0.1, 0.5, 30))
        rows.append(pd.DataFrame({"indicator": ind, "unit_id": ids, "year": 2024, "numerator": num,
                                  "denominator": den, "persons": den, "value": num / den}))
    v = pd.concat(rows, ignore_index=True)
    v.loc[(v["indicator"] == "t") & (v["unit_id"] == "M04"), ["numerator", "denominator", "persons"]] = [1, 4, 4]
    v["value"] = v["numerator"] / v["denominator"]
    units = pd.DataFrame({"unit_id": ids, "name": ids, "municipality": ids, "region": "R", "population": 1000.0})

    def run(values):
        uv = UnitValues(values=values, units=units, kinds={"s": "share", "t": "share"})
        t, notes = benchmark_tables(uv, POLICY, indicators=["s"], group="nearest:5", year=2024,
                                    nearest_indicators=["s", "t"])
        return t

    t = run(v)
    f = t["benchmark_funnel"].frame
    assert "M04" not in set(f["unit"])  # its t is suppressed: no distances from it
    nv = t["benchmark_nearest_values"].frame.set_index(["indicator", "unit_id"])
    assert nv.loc[("t", "M04"), "value_status"] == "primary"
    w = v.copy()
    w.loc[(w["indicator"] == "t") & (w["unit_id"] == "M04"), "numerator"] = 3  # another hidden value
    w["value"] = w["numerator"] / w["denominator"]
    g = run(w)["benchmark_funnel"].frame
    pd.testing.assert_series_equal(f["distance"], g["distance"])
    with pytest.raises(InputError, match="nearest:40 — k=40 is larger than the 28 other unit"):
        uv = UnitValues(values=v, units=units, kinds={"s": "share", "t": "share"})
        benchmark_tables(uv, POLICY, indicators=["s"], group="nearest:40", year=2024, nearest_indicators=["s", "t"])
