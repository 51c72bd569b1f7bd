"""A one-year store, the most likely first try (issue 9's blocker): ``kvarter
indicators``, ``screen`` and ``report`` run, and screening and segregation
say what a single year cannot give instead of crashing."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kvarter.cli.main import app
from kvarter.demo import synthesize
from kvarter.store import Store

WIDE = {"COLUMNS": "250"}  # Rich wraps at the terminal width; keep each note on one line


@pytest.fixture(scope="module")
def one_year(tmp_path_factory):
    """Demoby in 2024 only, large enough for housing areas of 1,000 residents (dk-2024's population)."""
    path = tmp_path_factory.mktemp("one") / "k.duckdb"
    data = synthesize(persons=50_000, seed=1, years=[2024])
    with Store(path) as s:
        s.load_many({t: data[t] for t in ("areas", "schools", "persons")}, replace=True)
    return path


def _run(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env=WIDE)


def test_indicators_on_one_year_print_why_pooled_ones_are_empty(one_year):
    res = _run("indicators", "--store", one_year)
    assert res.exit_code == 0, res.output
    assert ("convicted_ratio_to_national_2y has no values: it pools 2 consecutive years (t-1..t) and the data "
            "hold 2024 only; load at least 2 consecutive years for it.") in res.output
    with Store(one_year, read_only=True) as s:
        ind = s.read("indicators")
    assert set(ind["year"]) == {2024} and "non_western_share" in set(ind["indicator"])
    assert not ind["indicator"].str.endswith(("_2y", "_4y")).any()


def test_screen_on_one_year_says_which_criteria_cannot_be_computed(one_year):
    assert _run("indicators", "--store", one_year).exit_code == 0
    res = _run("screen", "--ruleset", "dk-2024", "--ruleset", "dk-2010", "--year", 2024, "--store", one_year)
    assert res.exit_code == 0, res.output
    with Store(one_year, read_only=True) as s:
        crit = s.read("screening_criteria")
        lists = s.read("designations")
    row = crit[(crit["ruleset"] == "dk-2024") & (crit["area_id"] == "NOR-H01") & (crit["criterion"] == "employment")]
    assert row["note"].tolist() == [
        "outside_labour_education_share missing for 2023; the 2-year average cannot be formed"]
    row = crit[(crit["ruleset"] == "dk-2010") & (crit["area_id"] == "NOR-H01") & (crit["criterion"] == "crime")]
    assert row["note"].tolist() == ["convicted_share missing for 2021, 2022, 2023; the 4-year average cannot be formed"]
    # A list that needs earlier years says so in its rule text.
    omd = lists[(lists["list"] == "omdannelsesomraade") & (lists["area_id"] == "NOR-H01")]
    assert "no list in force in the history for 2020, 2021, 2022, 2023 (counts as not listed)" in omd["rule"].iloc[0]


def test_segregation_on_one_year_has_no_trend(one_year):
    from kvarter.segregation import analyse_segregation

    with Store(one_year, read_only=True) as s:
        a = analyse_segregation(s, units="area", permutations=10, bootstrap=10, seed=0)
    assert set(a.results["year"]) == {2024}
    assert set(a.trends["direction"]) == {"insufficient"} and a.trends["slope"].isna().all()


def test_report_on_one_year_runs(one_year, tmp_path):
    res = _run("report", "--store", one_year, "--out", tmp_path / "out", "--permutations", 10, "--bootstrap", 10)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "report.html").is_file() and (tmp_path / "out" / "kvarter.xlsx").is_file()
