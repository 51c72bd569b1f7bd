"""The benchmarks on the tables kvarter computes (the demo store's indicator
table) and on published aggregates (CBS 2019: The Hague's 114 neighbourhoods
against the city), each checked against a computation from the raw rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kvarter.benchmark import (
    compare,
    empirical_bayes,
    funnel,
    indicators_from_aggregates,
    reference_groups,
    spine_chart,
    trend,
    unit_table,
)
from kvarter.store import Store

CBS = "cbs_kwb2019_84583NED_denhaag.csv"


@pytest.fixture(scope="module")
def demo_indicators():
    from kvarter.demo import synthesize
    from kvarter.indicators.compute import compute

    data = synthesize(persons=6_000, areas=20, schools=6, years=range(2019, 2024), seed=4)
    store = Store(":memory:")
    for name, table in data.items():
        store.write_result(name, table)
    values = compute(store, indicators=["residents", "non_western_share", "outside_labour_education_share",
                                        "income_gross_mean_15_64", "charged_per_1000"])
    return data, values


def test_demo_areas_against_the_rest_of_their_city(demo_indicators):
    data, values = demo_indicators
    units = unit_table(values, "area", 2023, municipality="Demoby")
    groups = reference_groups(units, "country")  # all other areas of the table given: Demoby's
    c = compare(values, groups, year=2023, level="area")
    areas = values[(values.level == "area") & (values.year == 2023) & (values.municipality == "Demoby")]
    share = areas[areas.indicator == "non_western_share"].set_index("unit_id")
    a = share.index[0]
    rest = share.drop(index=a)
    row = c[(c.unit == a) & (c.indicator == "non_western_share") & (c.reference_kind == "pooled")].iloc[0]
    assert row["reference"] == pytest.approx(rest["numerator"].sum() / rest["denominator"].sum(), rel=1e-12)
    assert row["members"] == len(rest)
    assert row["difference_unit"] == "percentage points"
    assert row["difference"] == pytest.approx(100 * (share.loc[a, "value"] - row["reference"]), rel=1e-12)
    per1000 = c[(c.indicator == "charged_per_1000") & (c.reference_kind == "pooled")].iloc[0]
    ch = areas[areas.indicator == "charged_per_1000"].set_index("unit_id").drop(index=per1000["unit"])
    assert per1000["reference"] == pytest.approx(1000 * ch["numerator"].sum() / ch["denominator"].sum(), rel=1e-12)
    assert set(c.attrs["not_poolable"]) <= {"residents"}  # a count has no denominator to pool


def test_demo_municipalities_spine_and_trend(demo_indicators):
    data, values = demo_indicators
    units = unit_table(values, "municipality", 2023)
    groups = reference_groups(units, "country")
    s = spine_chart(values, groups, "Demoby", 2023, level="municipality")
    assert set(s["indicator"]) == {"residents", "non_western_share", "outside_labour_education_share",
                                   "income_gross_mean_15_64", "charged_per_1000"}
    nw = s.set_index("indicator").loc["non_western_share"]
    assert nw["group_min"] <= nw["q1"] <= nw["median"] <= nw["q3"] <= nw["group_max"]
    assert nw["funnel_class"] in {"below_998", "below_95", "inside", "above_95", "above_998"}
    assert pd.isna(s.set_index("indicator").loc["income_gross_mean_15_64", "funnel_class"])  # a mean needs an SE
    tr = trend(compare(values, groups, level="municipality"))
    assert tr[tr.unit == "Demoby"]["first_year"].min() == 2019
    assert tr["sentence"].str.endswith("2019-2023").all()


def test_demo_area_funnel_and_shrinkage(demo_indicators):
    _, values = demo_indicators
    a = values[(values.level == "area") & (values.year == 2023) & (values.indicator == "outside_labour_education_share")]
    a = a.dropna(subset=["value"])
    f = funnel(a["numerator"], a["denominator"], "proportion", units=a["unit_id"], adjust="CQC")
    assert len(f) == len(a)
    assert f["target"].iloc[0] == pytest.approx(a["numerator"].sum() / a["denominator"].sum(), rel=1e-12)
    assert (f["lower_998"] <= f["lower_95"]).all() and (f["upper_95"] <= f["upper_998"]).all()
    eb = empirical_bayes(a["numerator"], a["denominator"], a["region"], units=a["unit_id"], kind="share")
    assert ((eb["shrunk"] - eb["prior_mean"]).abs() <= (eb["raw"] - eb["prior_mean"]).abs() + 1e-15).all()


def _raw_cbs(reference_dir):
    raw = pd.read_csv(reference_dir / CBS, sep=";", dtype=str, encoding="utf-8-sig").apply(lambda c: c.str.strip())
    return raw[raw["SoortRegio_2"] == "Buurt"]


@pytest.fixture(scope="module")
def cbs(tmp_path_factory, reference_dir):
    with Store(tmp_path_factory.mktemp("cbs") / "k.duckdb") as store:
        store.load(reference_dir / CBS, table="aggregates", format="cbs")
        agg = store.read("aggregates")
    return indicators_from_aggregates(agg, unit_kind="neighbourhood")


def test_the_hague_neighbourhoods_against_the_city(cbs, reference_dir):
    raw = _raw_cbs(reference_dir)
    assert len(raw) == 114
    nw = cbs[cbs.indicator == "non_western_share"]
    ok = raw[(raw["AantalInwoners_5"] != ".") & (raw["NietWestersTotaal_18"] != ".")]
    ok = ok[ok["AantalInwoners_5"].astype(float) > 0]
    assert sorted(nw["unit_id"]) == sorted(ok["WijkenEnBuurten"])
    # the city as the reference: every neighbourhood's group is the whole city, itself included
    groups = reference_groups(nw[["unit_id"]], "country", include_self=True)
    c = compare(cbs, groups, kinds={"non_western_share": "share"})
    row = c[(c.indicator == "non_western_share") & (c.reference_kind == "pooled")].iloc[0]
    city = ok["NietWestersTotaal_18"].astype(float).sum() / ok["AantalInwoners_5"].astype(float).sum()
    assert row["reference"] == pytest.approx(city, rel=1e-12)
    assert c.attrs["include_self"] is True
    # a funnel of the neighbourhoods around the city: counts are rounded to 5 by CBS and wildly overdispersed
    f = funnel(nw["numerator"], nw["denominator"], "proportion", units=nw["unit_id"], adjust="CQC")
    assert f.attrs["overdispersed"] and f.attrs["overdispersion"].phi > 10
    assert f["target"].iloc[0] == pytest.approx(city, rel=1e-12)


def test_suppressed_education_counts_leave_their_neighbourhoods_out_by_name(cbs, reference_dir):
    raw = _raw_cbs(reference_dir)
    edu = ["OpleidingsniveauLaag_64", "OpleidingsniveauMiddelbaar_65", "OpleidingsniveauHoog_66"]
    dots = sorted(raw[(raw[edu] == ".").any(axis=1)]["WijkenEnBuurten"])
    assert len(dots) == 5
    left = cbs.attrs["left_out"]
    low = left[left.indicator == "education_low_share"]
    assert sorted(low["unit"]) == dots and set(low["reason"]) == {"a needed count is suppressed or missing"}
    e = cbs[cbs.indicator == "education_low_share"]
    assert not e["unit_id"].isin(dots).any()
    # by hand for one neighbourhood
    r = raw[~raw["WijkenEnBuurten"].isin(dots)].iloc[0]
    counts = r[edu].astype(float)
    got = e.set_index("unit_id").loc[r["WijkenEnBuurten"]]
    if counts.sum() > 0:
        assert got["value"] == counts.iloc[0] / counts.sum()
    eb = empirical_bayes(e["numerator"], e["denominator"], units=e["unit_id"], kind="share")
    assert len(eb) == len(e) and np.isfinite(eb["shrunk"]).all()
