"""The ``kvarter registry`` sub-app, run directly with Typer's CliRunner on a store file."""

from __future__ import annotations

import pandas as pd
import pytest
import typer
import yaml
from typer.testing import CliRunner

from kvarter.cli.registry import app, register
from kvarter.errors import InputError, InputErrors
from kvarter.registry import Registry
from kvarter.store import Store

from .conftest import initiative

runner = CliRunner()


def run(*args, ok=True):
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=True, env={"COLUMNS": "250"})
    if ok:
        assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_add_edit_withdraw_show_history(tmp_path, store_path):
    rec = tmp_path / "cafe.yaml"
    rec.write_text(yaml.safe_dump(initiative(), allow_unicode=True), encoding="utf-8")
    s = ["--store", store_path, "--author", "ana"]
    assert "Added initiative 'lektiecafe' (version 1)" in run("add", rec, *s).output
    assert "now at version 2" in run("edit", "lektiecafe", "participants=42", "areas=[DEM-H01, DEM-H02]",
                                     "--reason", "counted", *s).output
    out = run("show", "lektiecafe", "--store", store_path).output
    assert "version 2 (update by ana" in out and "participants: 42" in out
    assert "participants: 42" not in run("show", "lektiecafe", "--version", "1", "--store", store_path).output
    out = run("history", "lektiecafe", "--diff", "--store", store_path).output
    assert "counted" in out and "areas, participants" in out and "Version 1 → 2" in out
    assert "withdrawn (version 3)" in run("withdraw", "lektiecafe", "--reason", "duplicate", *s).output
    assert "0 initiative(s)" in run("list", "--store", store_path).output
    assert "1 initiative(s)" in run("list", "--all", "--store", store_path).output
    with Store(store_path) as st:
        h = Registry(st).history("lektiecafe")
        assert h[["version", "author", "reason"]].values.tolist() == [
            [1, "ana", "added"], [2, "ana", "counted"], [3, "ana", "duplicate"]]
    assert "consistent" in run("check", "--store", store_path).output


def test_import_export_list_search(tmp_path, store_path):
    src = tmp_path / "in.json"
    pd.DataFrame([initiative(), initiative(id="jobcafe", name="Jobcafé", target_groups=["unemployed"],
                                           principles=["gentofte:5"])]).to_json(src, orient="records")
    out = run("import", src, "--store", store_path, "--author", "bo").output
    assert "2 added, 0 updated, 0 unchanged" in out
    assert "1 initiative(s)" in run("list", "--principle", "gentofte:5", "--store", store_path).output
    listed = tmp_path / "list.csv"
    run("list", "--target-group", "age:10-12", "--out", listed, "--store", store_path)
    assert pd.read_csv(listed)["id"].tolist() == ["lektiecafe"]
    exported = tmp_path / "out.yaml"
    run("export", exported, "--store", store_path)
    assert [r["id"] for r in yaml.safe_load(exported.read_text(encoding="utf-8"))["initiatives"]] == ["jobcafe", "lektiecafe"]
    assert "0 updated, 2 unchanged" in run("import", exported, "--store", store_path, "--author", "bo").output
    assert "1 match(es)" in run("search", "ledige", "--store", store_path).output


def test_what_works_command(store_path):
    with Store(store_path) as st:
        Registry(st).add(initiative(id="job", target_groups=["unemployed"], evidence=[
            {"id": "e", "design": "randomised_trial", "scale": "sms", "level": 5, "effect": 0.05, "low": 0.02,
             "high": 0.08}]), author="ana")
        st.write_result("screening_criteria", pd.DataFrame({
            "ruleset": ["dk-2024"], "year": [2024], "area_id": ["DEM-H02"], "criterion": ["employment"], "value": [0.5],
            "threshold": [0.4], "reference": [None], "met": [True], "margin": [0.1], "note": [""]}))
    out = run("what-works", "DEM-H02", "--store", store_path).output
    assert "job" in out and "employment" in out


def test_errors_reach_the_main_boundary_as_kvarter_errors(tmp_path, store_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"initiatives": [initiative(areas=["NOPE"])]}), encoding="utf-8")
    result = run("import", bad, "--store", store_path, ok=False)
    assert isinstance(result.exception, InputErrors)
    assert result.exception.failures[0].reason.value == "unknown_area"
    result = run("edit", "lektiecafe", "participants", "--reason", "x", "--store", store_path, ok=False)
    assert isinstance(result.exception, InputError) and "field=value" in str(result.exception)
    result = run("add", tmp_path / "missing.yaml", "--store", store_path, ok=False)
    assert isinstance(result.exception, InputError)


def test_register_adds_the_group():
    main = typer.Typer()

    @main.command()
    def other() -> None:
        """Another command."""

    register(main)
    result = CliRunner().invoke(main, ["registry", "--help"])
    assert result.exit_code == 0
    for name in ("add", "edit", "withdraw", "list", "show", "history", "import", "export"):
        assert name in result.output
