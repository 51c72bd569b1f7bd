"""``kvarter load`` on real files in tmp_path and a real DuckDB file."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kvarter.cli.main import app
from kvarter.store import Store

runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})

AREAS_CP1252 = (
    "area_id;name;municipality;region;kind\n"
    "A1;Blågårdsgade;101;Hovedstaden;housing_area\n"
    "A2;Ærøparken;101;Hovedstaden;housing_area\n"
).encode("cp1252")

PERSONS_BAD = (
    "person_id;year;municipality;area_id;age;origin;income_gross\n"
    "p1;2023;101;A1;34;native;312000,5\n"
    "p1;2023;101;A2;35;native;1\n"          # duplicate of row 1
    "p3;2023;101;Q7;-4;danish;12,5\n"       # unknown area, age below 0, origin not allowed
).encode("cp1252")


@pytest.fixture
def files(tmp_path):
    (tmp_path / "omraader.csv").write_bytes(AREAS_CP1252)
    (tmp_path / "personer.csv").write_bytes(PERSONS_BAD)
    return tmp_path


def test_load_good_file(files):
    store = files / "k.duckdb"
    result = runner.invoke(app, ["load", str(files / "omraader.csv"), "--table", "areas", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "Loaded 2 rows" in result.output and "into areas" in result.output
    with Store(store, read_only=True) as s:
        assert s.read("areas")["name"].tolist() == ["Blågårdsgade", "Ærøparken"]


def test_failing_load_exits_2_prints_the_table_and_stores_nothing(files):
    store = files / "k.duckdb"
    assert runner.invoke(app, ["load", str(files / "omraader.csv"), "-t", "areas", "--store", str(store)]).exit_code == 0
    result = runner.invoke(app, ["load", str(files / "personer.csv"), "-t", "persons", "--store", str(store)])
    assert result.exit_code == 2, result.output
    out = result.output
    assert "5 failure(s)" in out and "nothing was stored" in out
    for fragment in ("duplicate_id", "unknown_area", "out_of_range", "not_allowed", "'Q7'", "'danish'",
                     "personer.csv", "also in row(s) 2"):
        assert fragment in out, fragment
    with Store(store, read_only=True) as s:
        assert not s.has_table("persons")
        assert s.loads()["table"].tolist() == ["areas"]


def test_replace_flag(files):
    store = files / "k.duckdb"
    for _ in range(2):
        result = runner.invoke(app, ["load", str(files / "omraader.csv"), "-t", "areas", "--store", str(store),
                                     "--replace"])
        assert result.exit_code == 0, result.output
    assert "Replaced 2 rows" in result.output and "(2 rows now)" in result.output


def test_duplicate_load_without_replace_fails(files):
    store = files / "k.duckdb"
    runner.invoke(app, ["load", str(files / "omraader.csv"), "-t", "areas", "--store", str(store)])
    result = runner.invoke(app, ["load", str(files / "omraader.csv"), "-t", "areas", "--store", str(store)])
    assert result.exit_code == 2
    assert "already in the store" in result.output


def test_cbs_format(reference_dir, tmp_path):
    store = tmp_path / "k.duckdb"
    result = runner.invoke(app, ["load", str(reference_dir / "cbs_kwb2019_84583NED_denhaag.csv"),
                                 "--format", "cbs", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "Loaded 2,067 rows" in result.output
    with Store(store, read_only=True) as s:
        assert s.con.execute("select count(*) from aggregates where status = 'suppressed'").fetchone()[0] == 18


def test_unknown_table_and_missing_table(files):
    result = runner.invoke(app, ["load", str(files / "omraader.csv"), "-t", "pupils", "--store", str(files / "k.duckdb")])
    assert result.exit_code == 2 and "unknown table 'pupils'" in result.output
    result = runner.invoke(app, ["load", str(files / "omraader.csv"), "--store", str(files / "k.duckdb")])
    assert result.exit_code == 2 and "--table is required" in result.output


def test_help():
    result = runner.invoke(app, ["load", "--help"])
    assert result.exit_code == 0
    assert "--table" in result.output and "--format" in result.output and "--replace" in result.output


def test_store_that_cannot_be_opened_exits_1(files):
    bad = files / "not-a-store.duckdb"
    bad.write_text("hello")
    result = runner.invoke(app, ["load", str(files / "omraader.csv"), "-t", "areas", "--store", str(bad)])
    assert result.exit_code == 1 and "Cannot open the store" in result.output
