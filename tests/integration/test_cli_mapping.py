"""The raw files users have load from the command line without hand editing:
the Copenhagen GIS layer (kvarter load --rename/--set) and the ministry's
published lists in percent (kvarter screen --values --rename --percent)."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from kvarter.cli.main import app
from kvarter.store import Store

runner = CliRunner()

LIST_RENAMES = [
    "list_year=year", "area=area_id", "area=name", "unemployed_18_64_pct=outside_labour_education_share",
    "nonwestern_pct=non_western_share", "convicted_18plus_pct=convicted_share",
    "basic_school_only_30_59_pct=basic_education_share", "gross_income_pct_of_region=income_ratio_to_region",
]
PERCENT = ["outside_labour_education_share", "non_western_share", "convicted_share", "basic_education_share",
           "income_ratio_to_region"]


def test_the_raw_copenhagen_layer_loads_with_rename_and_set(reference_dir, tmp_path):
    store = tmp_path / "k.duckdb"
    res = runner.invoke(app, [
        "load", str(reference_dir / "kk_udsatte_byomraader_2017.geojson"), "--table", "areas", "--store", str(store),
        "--rename", "ogc_fid=area_id", "--rename", "delomraade=name", "--set", "municipality=København",
        "--set", "region=Region Hovedstaden", "--set", "kind=urban_area"])
    assert res.exit_code == 0, res.output
    with Store(store, read_only=True) as st:
        areas = st.read("areas")
    assert len(areas) == 17 and set(areas["municipality"]) == {"København"}
    assert areas["geometry"].notna().all()


def test_the_ministry_lists_in_percent_screen_with_declared_percent(reference_dir, tmp_path):
    lists = reference_dir / "dk_ghettolister_2010_2017.csv"
    args = ["screen", "--ruleset", "dk-2010", "--year", "2012", "--values", str(lists), "--store",
            str(tmp_path / "k.duckdb")]
    for r in LIST_RENAMES:
        args += ["--rename", r]
    # Without the declaration, 36.8 for 36.8 % is refused, naming the fix.
    res = runner.invoke(app, args)
    assert res.exit_code != 0
    assert "--percent" in str(res.exception) or "percent" in res.output
    for p in PERCENT:
        args += ["--percent", p]
    res = runner.invoke(app, args + ["--out", str(tmp_path / "out")])
    assert res.exit_code == 0, (res.output, res.exception)
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    # Not every area listed: a percent read as a share would designate all of them.
    listed = summary["dk-2010"].fillna("").str.len() > 0
    assert 0 < listed.sum() < len(summary)
