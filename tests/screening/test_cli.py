"""``kvarter screen`` on a user's table and on a store, with CliRunner."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from kvarter.cli.main import app
from kvarter.store import Store

runner = CliRunner(env={"COLUMNS": "250"})


def test_screen_user_values_writes_files_and_store(tmp_path, make_user_table):
    table = make_user_table([
        {"area_id": "H1", "outside_labour_education_share": 0.45, "income_ratio_to_region": 0.5, "non_western_share": 0.6},
        {"area_id": "H2"},
    ])
    csv = tmp_path / "values.csv"
    table.to_csv(csv, index=False, sep=";")
    store, out = tmp_path / "s.duckdb", tmp_path / "out"
    args = ["screen", "--ruleset", "dk-2024", "--ruleset", "dk-2018", "--year", "2024", "--values", str(csv),
            "--store", str(store), "--out", str(out), "--explain", "H1"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "Screening 2024: dk-2024, dk-2018" in res.output
    assert "employment: 0.45 > 0.4: met, margin +0.05" in res.output
    assert "dk-2024: udsat_boligomraade 1, parallelsamfund 1, omdannelsesomraade 0, forebyggelsesomraade 0" in res.output
    summary = pd.read_parquet(out / "summary.parquet")
    # Files leave through disclosure control: each value column carries its status.
    assert {"area_id", "name", "municipality", "dk-2024", "dk-2018", "dk-2024_status", "residents"} <= set(summary.columns)
    assert set(summary["dk-2024_status"]) == {"published"}
    assert summary.set_index("area_id")["dk-2024"].to_dict() == {
        "H1": "udsat_boligomraade, parallelsamfund", "H2": ""}
    assert summary.set_index("area_id")["dk-2018"].to_dict() == {"H1": "udsat_boligomraade, ghettoomraade", "H2": ""}
    designations = pd.read_csv(out / "designations.csv")
    assert len(designations) == 2 * 4 + 2 * 3
    with Store(store) as st:
        hist = st.read("designations")
        assert len(hist) == 14
        assert st.has_table("screening_criteria") and st.has_table("screening_what_if")
    # a second run of the same rule set and year replaces its rows, it does not add to them
    assert runner.invoke(app, args).exit_code == 0
    with Store(store) as st:
        assert len(st.read("designations")) == 14


def test_screen_bad_ruleset_is_an_error(tmp_path, make_user_table):
    csv = tmp_path / "values.csv"
    make_user_table([{}]).to_csv(csv, index=False)
    res = runner.invoke(app, ["screen", "--ruleset", "dk-1999", "--year", "2024", "--values", str(csv),
                              "--store", str(tmp_path / "s.duckdb")])
    assert res.exit_code != 0
    assert "Unknown rule set 'dk-1999'" in str(res.exception)


def test_screen_store_without_indicators(tmp_path):
    Store(tmp_path / "s.duckdb").close()  # an existing store; a missing one is refused before screening
    res = runner.invoke(app, ["screen", "--ruleset", "dk-2024", "--year", "2024", "--store", str(tmp_path / "s.duckdb")])
    assert res.exit_code != 0
    assert "has no 'indicators' table" in str(res.exception)
