"""``kvarter synth`` through the real CLI app."""

from __future__ import annotations

import duckdb
import pandas as pd
from typer.testing import CliRunner

from kvarter.cli.main import app

runner = CliRunner()


def test_synth_writes_the_files_and_prints_them(tmp_path):
    out = tmp_path / "demoby"
    result = runner.invoke(app, ["synth", "--out", str(out), "--persons", "800", "--areas", "16",
                                 "--schools", "4", "--years", "2022-2024", "--seed", "5"])
    assert result.exit_code == 0, result.output
    for name in ("persons.parquet", "areas.geojson", "areas.csv", "schools.csv"):
        assert (out / name).is_file()
        assert name in result.output
    persons = pd.read_parquet(out / "persons.parquet")
    assert sorted(persons["year"].unique()) == [2022, 2023, 2024]
    assert (persons["year"] == 2022).sum() == 800


def test_synth_loads_into_a_store(tmp_path):
    store = tmp_path / "k.duckdb"
    result = runner.invoke(app, ["synth", "--out", str(tmp_path / "o"), "--persons", "600", "--areas", "16",
                                 "--schools", "4", "--years", "2024", "--store", str(store)])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(store), read_only=True)
    try:
        assert con.execute("select count(*) from persons").fetchone()[0] == 600
        assert con.execute("select count(*) from schools").fetchone()[0] == 4
        assert con.execute("select count(*) from areas where kind = 'urban_area'").fetchone()[0] >= 4
    finally:
        con.close()


def test_synth_rejects_bad_years(tmp_path):
    result = runner.invoke(app, ["synth", "--out", str(tmp_path), "--years", "soon"])
    assert result.exit_code != 0
    assert "--years must be a year, a range like 2020-2024" in str(result.exception) + result.output


def test_synth_help():
    result = runner.invoke(app, ["synth", "--help"])
    assert result.exit_code == 0
    assert "--persons" in result.output and "--store" in result.output
