"""The installed ``kvarter`` command's exit codes, through a real subprocess
(CliRunner bypasses the entry point that turns errors into exit codes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

KVARTER = Path(sys.executable).with_name("kvarter")


def _run(*args, cwd):
    env = {**os.environ, "COLUMNS": "250"}  # Rich wraps messages at the terminal width
    return subprocess.run([str(KVARTER), *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def test_a_failing_load_exits_2_and_prints_the_failure_table(tmp_path):
    bad = tmp_path / "areas.csv"
    bad.write_bytes("area_id;name;municipality;region;kind\nA1;Nørrebro;København;Hovedstaden;housing_aera\n"
                    .encode("cp1252"))
    res = _run("load", str(bad), "--table", "areas", "--store", str(tmp_path / "k.duckdb"), cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "not_allowed" in res.stdout + res.stderr and "housing_aera" in res.stdout + res.stderr


def test_a_good_load_exits_0_and_keeps_the_letters(tmp_path):
    good = tmp_path / "areas.csv"
    good.write_bytes("area_id;name;municipality;region;kind\nA1;Nørrebro;København;Hovedstaden;neighbourhood\n"
                     .encode("cp1252"))
    res = _run("load", str(good), "--table", "areas", "--store", str(tmp_path / "k.duckdb"), cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    from kvarter.store import Store

    with Store(tmp_path / "k.duckdb", read_only=True) as s:
        assert s.read("areas")["name"].tolist() == ["Nørrebro"]


def test_a_library_error_exits_2_with_a_message(tmp_path):
    from kvarter.store import Store

    Store(tmp_path / "k.duckdb").close()  # screen reads a store; a missing one is a usage error
    res = _run("screen", "--ruleset", "dk-1999", "--year", "2024", "--store", str(tmp_path / "k.duckdb"), cwd=tmp_path)
    assert res.returncode == 2
    assert "Unknown rule set" in res.stdout + res.stderr or "no 'indicators' table" in res.stdout + res.stderr


def test_help_exits_0(tmp_path):
    assert _run("--help", cwd=tmp_path).returncode == 0
