"""``kvarter evaluate programme|areas`` through a real subprocess: the
protected curve and its reading printed, tables written; usage errors exit 2
with a short message; bad spells exit 2 naming table, row and column."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest


def _run(*args, cwd):
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "kvarter.cli.main", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, env=env)


@pytest.fixture(scope="module")
def spell_folder(tmp_path_factory):
    from kvarter.demo.evaluation import inflow_cohorts

    folder = tmp_path_factory.mktemp("spells")
    d = inflow_cohorts(n_persons=1500, months=60, seed=4)
    for key, name in {"persons": "inflows", "months": "person_months", "starts": "programme_starts",
                      "costs": "programme_costs"}.items():
        d[key].to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def test_programme_prints_the_curve_and_its_reading_and_writes_the_tables(tmp_path, spell_folder):
    res = _run("evaluate", "programme", "--spells", str(spell_folder), "--programme", "job_training", "--horizon", "6",
               "--boot", "10", "--monthly-value", "25000", "--out", str(tmp_path / "eff"), cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "effect on P(employed)" in res.stdout and "joining now vs waiting" in res.stdout
    assert "The programme" in res.stdout and "months of work over 7 months" in res.stdout
    curve = pd.read_csv(tmp_path / "eff" / "effects_curve.csv")
    assert list(curve["event_time"]) == list(range(7))
    assert {"effects_cost.csv", "effects_sensitivity.csv", "effects_balance.csv"} <= {
        p.name for p in (tmp_path / "eff").iterdir()}


@pytest.mark.parametrize("args, message", [
    (["evaluate", "programme", "--horizon", "6"], "Missing option '--programme'"),
    (["evaluate", "areas", "--ruleset", "dk-2018"], "Missing option '--indicator'"),
    (["evaluate", "programme", "--programme", "p", "--horizon", "-1"], "Invalid value for '--horizon'"),
])
def test_usage_errors_exit_2(tmp_path, args, message):
    res = _run(*args, cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr and message in res.stderr


def test_bad_input_is_a_clear_message_and_exit_2(tmp_path, spell_folder):
    bad = tmp_path / "bad"
    bad.mkdir()
    for p in spell_folder.iterdir():
        (bad / p.name).write_bytes(p.read_bytes())
    starts = pd.read_parquet(bad / "programme_starts.parquet")
    inflows = pd.read_parquet(bad / "inflows.parquet").set_index("person_id")
    first = starts.person_id.iloc[0]
    starts.loc[0, "start_month"] = int(inflows.loc[first, "inflow_month"]) - 1 if int(
        inflows.loc[first, "inflow_month"]) % 100 > 1 else int(inflows.loc[first, "inflow_month"]) - 89
    starts.to_parquet(bad / "programme_starts.parquet", index=False)
    res = _run("evaluate", "programme", "--spells", str(bad), "--programme", "job_training", cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    assert "before person" in res.stderr and "start_month" in res.stderr
    res = _run("evaluate", "programme", "--spells", str(spell_folder), "--programme", "job_training",
               "--method", "magic", cwd=tmp_path)
    assert res.returncode == 2 and "must be one of ipw, aipw, matching" in res.stderr
    res = _run("evaluate", "programme", "--spells", str(tmp_path / "nowhere"), "--programme", "x", cwd=tmp_path)
    assert res.returncode == 2 and "no inflows.parquet or inflows.csv there" in res.stderr
    res = _run("evaluate", "programme", "--store", str(tmp_path / "none.duckdb"), "--programme", "x", cwd=tmp_path)
    assert res.returncode == 2 and "does not exist" in res.stderr
