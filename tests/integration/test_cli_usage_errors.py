"""Usage errors of the installed ``kvarter`` command, through a real subprocess
(issue 9): a short message and exit 2, never a traceback. Before the fix every
one of these printed a traceback and exited 1, because the pinned Typer raises
its own bundled click's exceptions, which are no ``click.ClickException``."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

KVARTER = Path(sys.executable).with_name("kvarter")


def _run(*args, cwd):
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run([str(KVARTER), *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize("args, usage, message", [
    (["--bogus"], "Usage: kvarter [OPTIONS] COMMAND [ARGS]...", "Error: No such option: --bogus"),
    (["indicators", "--yearz", "2020"], "Usage: kvarter indicators [OPTIONS]",
     "Error: No such option: --yearz (Possible options: --years)"),
    (["segregation", "--permutations", "many"], "Usage: kvarter segregation [OPTIONS]",
     "Error: Invalid value for '--permutations': Input should be a valid integer"),
    (["frobnicate"], "Usage: kvarter [OPTIONS] COMMAND [ARGS]...", "Error: No such command 'frobnicate'."),
    (["load"], "Usage: kvarter load [OPTIONS] {path}", "Error: Missing argument 'path'."),
    (["screen", "--year", "2024"], "Usage: kvarter screen [OPTIONS]", "Error: Missing option '--ruleset'."),
])
def test_a_usage_error_is_a_short_message_and_exit_2(tmp_path, args, usage, message):
    res = _run(*args, cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert lines[0] == usage
    assert lines[1] == f"Try '{usage.split(' [')[0].removeprefix('Usage: ')} --help' for help."
    assert lines[-1].startswith(message) and len(lines) == 4
    assert list(tmp_path.iterdir()) == []  # nothing written: no store, no out/


def test_bare_kvarter_prints_the_help_and_exits_2(tmp_path):
    res = _run(cwd=tmp_path)
    assert res.returncode == 2
    assert "Traceback" not in res.stdout + res.stderr
    assert "Usage: kvarter [OPTIONS] COMMAND [ARGS]..." in res.stdout
    for command in ("load", "indicators", "screen", "segregation", "report", "demo"):
        assert f" {command} " in res.stdout


def test_version(tmp_path):
    res = _run("--version", cwd=tmp_path)
    assert res.returncode == 0 and res.stdout == f"kvarter {version('kvarter')}\n"


@pytest.mark.parametrize("command", [
    ["indicators"], ["screen", "--ruleset", "dk-2024", "--year", "2024"], ["segregation"], ["report"],
])
def test_a_mistyped_store_is_refused_and_nothing_is_created(tmp_path, command):
    res = _run(*command, "--store", "kvarter.duckbd", cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert (res.stdout + res.stderr).strip() == (
        "Error: The store kvarter.duckbd does not exist. Check --store, or create the store by loading data into it: kvarter load FILE --table persons --store kvarter.duckbd "
        "(or kvarter synth --store / kvarter demo --store for synthetic data).")
    assert list(tmp_path.iterdir()) == []  # no empty store, no out/


def test_load_still_creates_its_store(tmp_path):
    (tmp_path / "areas.csv").write_text("area_id,name,municipality,region,kind\nA1,Vest,K,R,neighbourhood\n")
    res = _run("load", "areas.csv", "--table", "areas", "--store", "new.duckdb", cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert (tmp_path / "new.duckdb").is_file()
