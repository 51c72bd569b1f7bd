"""The report's analysis from microdata and from counts, filters, tables and the command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kvarter.demo.school_panel import school_panel, school_panel_counts
from kvarter.errors import InputError, MissingFieldError
from kvarter.segregation import analyse_segregation, dissimilarity, load_themes
from kvarter.segregation.pipeline import counts_from_microdata, trend


@pytest.fixture(scope="module")
def pupils():
    return school_panel(seed=4, municipalities=3, years=range(2015, 2019), scale=0.3)


@pytest.fixture(scope="module")
def analysis(pupils):
    return analyse_segregation(pupils, permutations=100, bootstrap=100, seed=2, min_municipality_size=4000)


def test_microdata_counts_equal_the_counts_variant_of_the_generator(pupils):
    uc = counts_from_microdata(pupils, load_themes())
    direct = school_panel_counts(seed=4, municipalities=3, years=range(2015, 2019), scale=0.3)
    direct = direct[direct.group != "total"]
    key = ["municipality", "year", "unit", "group"]
    a = uc.counts.sort_values(key).reset_index(drop=True)
    b = direct.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[key + ["n"]], b[key + ["n"]], check_dtype=False)


def test_groups_follow_the_report_definitions(pupils):
    uc = counts_from_microdata(pupils, load_themes())
    y = uc.counts[uc.counts.year == 2018].groupby("group")["n"].sum()
    n_income = pupils[(pupils.year == 2018)]["household_disposable_income"].notna().sum()
    # National quintiles: each of high, middle, low holds a fifth of pupils with an income.
    for g in ("income_high", "income_middle", "income_low"):
        assert abs(y[g] - n_income / 5) <= 1
    p18 = pupils[pupils.year == 2018]
    assert y["education_low"] == (p18.parents_education == "basic").sum()
    assert y["education_high"] == p18.parents_education.isin(["short_tertiary", "medium_tertiary", "long_tertiary"]).sum()
    assert y["native"] == (p18.origin == "native").sum()


def test_results_match_direct_index_calls_and_filters(pupils, analysis):
    r = analysis.results
    assert set(r.columns) >= {"municipality", "year", "pair", "index", "estimate", "low", "high", "class", "p_value"}
    assert r["pair"].nunique() == 7 and r["year"].nunique() == 4
    # The municipality under the threshold is gone, and named in dropped.
    small = analysis.dropped.municipalities["municipality"].unique().tolist()
    assert small and not set(small) & set(r["municipality"])
    # One value recomputed by hand from the pupils, after dropping small schools.
    m, y = r["municipality"].iloc[0], 2017
    p = pupils[(pupils.municipality == m) & (pupils.year == y)]
    sizes = p.groupby("school_id", observed=True).size()
    p = p[p.school_id.isin(sizes[sizes >= 50].index)]
    a = p[p.origin == "native"].groupby("school_id", observed=True).size()
    b = p[p.origin == "non_western"].groupby("school_id", observed=True).size()
    a, b = a.align(b, fill_value=0)
    row = r[(r.municipality == m) & (r.year == y) & (r.pair == "native_vs_non_western") & (r["index"] == "dissimilarity")]
    assert row["estimate"].iloc[0] == pytest.approx(dissimilarity(a, b), abs=1e-14)
    dropped_units = analysis.dropped.units
    assert (dropped_units["size"] < 50).all() and len(dropped_units) > 0
    d = r[r["index"] == "dissimilarity"]
    assert d["class"].isin(["low", "medium", "high"]).all()
    assert (d["low"] <= d["high"]).all()


def test_same_seed_same_results(pupils, analysis):
    again = analyse_segregation(pupils, permutations=100, bootstrap=100, seed=2, min_municipality_size=4000)
    pd.testing.assert_frame_equal(analysis.results, again.results)


def test_table1_trends_correlations_heatmaps(pupils, analysis):
    t1 = analysis.table1
    assert t1["persons"].is_monotonic_decreasing
    m = t1["municipality"].iloc[0]
    p = pupils[pupils.municipality == m]
    sizes = p.groupby(["year", "school_id"], observed=True).size()
    kept = sizes[sizes >= 50]
    assert t1["persons"].iloc[0] == pytest.approx(kept.groupby("year").sum().mean())
    assert t1["units_per_1000"].iloc[0] == pytest.approx((1000 * kept.groupby("year").size() / kept.groupby("year").sum()).mean())
    assert {"share_native", "share_income_high", "share_education_low"} <= set(t1.columns)
    tr = analysis.trends
    assert set(tr["direction"]) <= {"rising", "falling", "stable", "insufficient"}
    assert "disagrees_direction" in tr.columns and "disagrees_level" in tr.columns
    c = analysis.correlations
    r = analysis.correlation(2018, "income_high_vs_income_low", "standardised_dissimilarity",
                             "education_high_vs_education_low", "standardised_dissimilarity")
    assert -1 <= r <= 1 and len(c) > 0
    hm = analysis.heatmaps["native_vs_non_western"]
    assert list(hm.index) == [x for x in t1["municipality"] if x in hm.index]
    assert list(hm.columns) == [2015, 2016, 2017, 2018]


def test_trend_reading():
    assert trend([1, 2, 3, 4], [1.0, 2.0, 3.0, 4.1])[3] == "rising"
    assert trend([1, 2, 3, 4], [4.0, 3.0, 2.0, 1.1])[3] == "falling"
    assert trend([1, 2, 3, 4], [1.0, 1.2, 0.9, 1.1])[3] == "stable"
    assert trend([1, 2], [1.0, 2.0])[3] == "insufficient"


def test_counts_input_and_empty_group_note():
    c = pd.DataFrame({
        "municipality": "M", "year": 2018, "unit": ["u1", "u1", "u2", "u2", "u3", "u3"],
        "group": ["native", "non_western"] * 3, "n": [40, 20, 10, 50, 30, 30],
    })
    res = analyse_segregation(c, permutations=20, bootstrap=20, min_unit_size=0, min_municipality_size=0)
    d = res.results[(res.results.pair == "native_vs_non_western") & (res.results["index"] == "dissimilarity")]
    assert d["estimate"].iloc[0] == pytest.approx(dissimilarity([40, 10, 30], [20, 50, 30]))
    w = res.results[res.results.pair == "native_vs_western"]
    assert w["estimate"].isna().all() and w["note"].str.contains("western has no members").all()


def test_bad_counts_and_bad_arguments():
    c = pd.DataFrame({"municipality": "M", "year": 2018, "unit": ["u1", "u2"], "group": "native", "n": [3, -1]})
    with pytest.raises(InputError, match=r"negative n \(first at row 1: unit 'u2', group 'native', n=-1\)"):
        analyse_segregation(c)
    with pytest.raises(InputError, match="'units' parameter"):
        analyse_segregation(c, units="block")
    with pytest.raises(InputError, match="lacks required column"):
        analyse_segregation(pd.DataFrame({"year": [2018]}))


def test_residents_across_areas(pupils):
    res = analyse_segregation(pupils, units="area", permutations=0, bootstrap=0)
    assert res.units == "area" and len(res.dropped.units) == 0
    assert res.results["estimate"].notna().any()


def test_store_without_pupils_says_so(tmp_path):
    from kvarter.store import Store

    with Store(tmp_path / "s.duckdb") as st:
        with pytest.raises(MissingFieldError, match="has no persons table"):
            analyse_segregation(st)
        st.write_result("persons", pd.DataFrame({
            "person_id": ["1"], "year": [2018], "municipality": ["M"], "school_id": pd.Series([None], dtype=object),
            "origin": ["native"], "household_disposable_income": [1.0], "parents_education": ["basic"]}))
        with pytest.raises(MissingFieldError, match="holds no pupils"):
            analyse_segregation(st)


def test_command_writes_outputs_and_stores_results(tmp_path, pupils):
    from kvarter.cli.main import app
    from kvarter.store import Store

    db = tmp_path / "k.duckdb"
    with Store(db) as st:
        st.write_result("persons", pupils[pupils.year >= 2017])
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["segregation", "--store", str(db), "--out", str(out),
                                   "--permutations", "20", "--bootstrap", "20", "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert "native_vs_non_western" in res.output and "Dropped" in res.output
    for f in ("segregation_results.csv", "segregation_results.parquet", "segregation_table1.csv",
              "segregation_trends.csv", "segregation_correlations.csv", "heatmap_native_vs_non_western.png",
              "heatmap_native_vs_non_western.svg"):
        assert (out / f).stat().st_size > 0, f
    with Store(db) as st:
        stored = st.read("segregation_results")
    written = pd.read_csv(out / "segregation_results.csv")  # the published, protected table
    assert len(stored) == len(written) > 0
    published = (written["estimate_status"] == "published").to_numpy()
    assert published.any()
    assert written.loc[~published, "estimate"].isna().all()
    key = ["municipality", "year", "pair", "index"]
    both = stored.merge(written[published], on=key, suffixes=("", "_pub"))
    assert np.allclose(both["estimate"], both["estimate_pub"], equal_nan=True)


def test_command_on_a_store_without_persons(tmp_path):
    from kvarter.cli.main import app
    from kvarter.store import Store

    db = tmp_path / "e.duckdb"
    Store(db).close()
    res = CliRunner().invoke(app, ["segregation", "--store", str(db), "--out", str(tmp_path / "o")])
    assert res.exit_code != 0
    assert "no persons table" in str(res.exception)
