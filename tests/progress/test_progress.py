"""Copenhagen's progress monitor end to end on tiny inputs: figures loaded
from a CSV through ``kvarter load`` (polling districts summed into areas),
life expectancy per group against a direct life table, goals read from the
published tables only, and the report's sentences."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kvarter.cli.main import app
from kvarter.disclosure import DisclosurePolicy, protect
from kvarter.goals import goals_from_dict
from kvarter.indicators.life_table import AGE_BANDS, life_table
from kvarter.publish import Publication
from kvarter.publish.progress import goal_table, protect_figures, protect_life_expectancy, published_series
from kvarter.report.progress import progress_sections
from kvarter.store import Store

runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})
POLICY = DisclosurePolicy()

AREAS = "area_id;name;municipality;region;kind\nA;Aksen;K;H;urban_area\nB;Bakken;K;H;urban_area\nC;Centrum;K;H;urban_area\n"
FIGURES = (
    "figure;unit_id;unit_kind;area_id;year;numerator;denominator;source\n"
    "turnout_share;V1;polling_district;A;2021;300;1000;KK 2021\n"
    "turnout_share;V2;polling_district;A;2021;365;1000;KK 2021\n"
    "turnout_share;V3;polling_district;B;2021;1200;2000;KK 2021\n"
    "turnout_share;V4;polling_district;C;2021;1190;2000;KK 2021\n"
    "noise_exposed_share;A;area;A;2022;3;4;noise map\n"
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    d = tmp_path_factory.mktemp("progress")
    (d / "areas.csv").write_text(AREAS, encoding="utf-8")
    (d / "figures.csv").write_text(FIGURES, encoding="utf-8")
    path = d / "k.duckdb"
    for name, table in (("areas.csv", "areas"), ("figures.csv", "area_figures")):
        result = runner.invoke(app, ["load", str(d / name), "--table", table, "--store", str(path)])
        assert result.exit_code == 0, result.output
    return path


def test_figures_load_and_pool_polling_districts_into_areas(store):
    with Store(store, read_only=True) as s:
        rows, areas = s.read("area_figures"), s.read("areas")
    t = protect_figures(rows, areas, {"A"}, "K", POLICY).frame
    turnout = t[t["figure"] == "turnout_share"].set_index("group")
    assert turnout.loc["designated", "value"] == pytest.approx((300 + 365) / 2000)  # 33.25 %
    assert turnout.loc["rest", "value"] == pytest.approx((1200 + 1190) / 4000)
    assert turnout.loc["designated", "units"] == 2 and turnout.loc["designated", "source"] == "KK 2021"
    noise = t[t["figure"] == "noise_exposed_share"].iloc[0]
    assert noise["value_status"] == "primary" and math.isnan(noise["value"])  # 4 dwellings: below the minimum


def test_a_bad_figures_file_is_refused_naming_row_and_column(tmp_path, store):
    bad = tmp_path / "bad.csv"
    bad.write_text("figure;unit_id;area_id;year;numerator;denominator;source\n"
                   "Turnout;V1;A;2021;10;100;x\nturnout_share;V2;Q;2021;120;100;x\n", encoding="utf-8")
    result = runner.invoke(app, ["load", str(bad), "--table", "area_figures", "--store", str(store)])
    assert result.exit_code == 2
    out = result.output
    assert "not a lowercase id" in out and "more than the row's denominator" in out and "'Q' is not a known" in out


def test_life_expectancy_of_the_groups_is_the_life_table_of_their_pooled_counts():
    rng = np.random.default_rng(3)
    rows = []
    for area, scale in (("A", 1.6), ("B", 1.0), ("C", 0.9)):
        for year in (2023, 2024):
            pop = rng.integers(400, 900, len(AGE_BANDS)).astype(float)
            rate = scale * np.exp(-9.5 + 0.085 * np.asarray(AGE_BANDS, dtype=float) + 2.5)
            deaths = rng.poisson(np.minimum(rate, 0.5) * pop).astype(float)
            deaths[-1] = max(deaths[-1], 5)
            rows += [{"area_id": area, "year": year, "band": b, "deaths": d, "population": p}
                     for b, d, p in zip(AGE_BANDS, deaths, pop)]
    counts = pd.DataFrame(rows)
    areas = pd.DataFrame({"area_id": list("ABC"), "name": list("ABC"), "municipality": "K"})
    g = protect_life_expectancy(counts, areas, {"A"}, "K", [2023, 2024], POLICY)["life_expectancy_groups"].frame
    last = g[g["year"] == 2024].set_index("group")
    period = last.loc["designated", "period"]
    use = [2024] if period == "2024" else [2023, 2024]

    def direct(ids):
        c = counts[counts["area_id"].isin(ids) & counts["year"].isin(use)].groupby("band")[["deaths", "population"]].sum()
        return life_table(c["deaths"], c["population"]).iloc[0]

    d, r = direct(["A"]), direct(["B", "C"])
    assert last.loc["designated", "value"] == pytest.approx(d["e"]) and last.loc["rest", "value"] == pytest.approx(r["e"])
    assert last.loc["difference", "value"] == pytest.approx(d["e"] - r["e"])
    half = 1.959963984540054 * math.hypot(d["se"], r["se"])
    assert last.loc["difference", "low"] == pytest.approx(d["e"] - r["e"] - half)
    assert last.loc["rest", "period"] == period  # both groups over the same years


def test_goals_use_only_published_values_and_the_report_says_it_in_words():
    t = pd.DataFrame({"year": [2020, 2020, 2021, 2021, 2022, 2022, 2023, 2023],
                      "group": ["designated", "rest"] * 4,
                      "value": [0.28, 0.1, 0.26, 0.1, 0.9, 0.1, 0.173, 0.1],
                      "persons": [500, 5000, 500, 5000, 3, 5000, 500, 5000]})
    p = protect(t, POLICY, key=["year", "group"], value_columns=["value"], count_column="persons")
    tables = {"progress_outside_labour_education_share": p}
    s = published_series(tables)
    assert math.isnan(s[("outside_labour_education_share", "deprived")][2022])  # 3 persons: suppressed
    gs = goals_from_dict({"kind": "goals", "version": 1, "id": "t", "source": {"document": "test"}, "goals": [
        {"id": "work", "indicator": "outside_labour_education_share", "group": "deprived", "target": 0.10,
         "target_year": 2035, "baseline_year": 2020, "better": "lower"}]})
    row = goal_table(gs, s, 500).iloc[0]
    slope, icept = np.polyfit([2020, 2021, 2023], [0.28, 0.26, 0.173], 1)  # 2022 left out
    assert row["projected"] == pytest.approx(slope * 2035 + icept) and row["status"] == "on_track"
    pub = Publication(tables=tables, policy=POLICY)
    (section,) = progress_sections(pub, "en")
    texts = [b.text for b in section.blocks if type(b).__name__ == "Paragraph"]
    assert ("The share of 18-64-year-olds without labour-market attachment (designated areas) fell from 28.0% (2020) "
            "to 17.3% (2023).") in texts
    assert any(t.startswith("In 2023 the share of 18-64-year-olds without labour-market attachment was 17.3% in the "
                            "designated areas against 10.0% in the rest") for t in texts)
