"""The minimum count set once — in kvarter.yaml or KVARTER_MIN_CELL_COUNT —
reaches every output path: report tables, workbook, screen, indicators,
segregation files and the command line's printed check."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

pytestmark = pytest.mark.slow

MIN = 10


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    from kvarter.demo import synthesize
    from kvarter.store import Store

    root = tmp_path_factory.mktemp("settings")
    # The demo's size: small regions make secondary suppression slow (many small cells).
    data = synthesize(seed=4)
    with Store(root / "kvarter.duckdb") as st:
        st.load_many({k: data[k] for k in ("areas", "schools", "persons")})
    return root / "kvarter.duckdb"


def _published_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.csv") if Path(f"{p}.disclosure.json").exists())


def _assert_minimum(files: list[Path]) -> int:
    """Every sidecar names the minimum, and no published value rests on 1..MIN-1 persons."""
    checked = 0
    assert files
    for path in files:
        meta = json.loads(Path(f"{path}.disclosure.json").read_text())
        assert meta["policy"]["min_count"] == MIN, path
        count = meta["count_column"]
        df = pd.read_csv(path)
        for sc in [c for c in df.columns if c.endswith("_status") and c[: -len("_status")] in df.columns]:
            published = df[sc] == "published"
            n = pd.to_numeric(df[count], errors="coerce").fillna(0)
            assert not (published & n.between(1, MIN - 1)).any(), f"{path.name}.{sc}: published on fewer than {MIN}"
            checked += int(published.sum())
    return checked


def _commands(store: Path, out: Path) -> list[list[str]]:
    return [
        ["indicators", "--store", str(store), "--out", str(out / "ind" / "indicators.csv")],
        ["screen", "--ruleset", "dk-2024", "--year", "2024", "--store", str(store), "--out", str(out / "screen")],
        ["segregation", "--units", "area", "--permutations", "0", "--bootstrap", "0", "--no-charts",
         "--store", str(store), "--out", str(out / "seg")],
        ["report", "--store", str(store), "--out", str(out / "report"), "--permutations", "0", "--bootstrap", "0"],
    ]


@pytest.mark.parametrize("how", ["kvarter.yaml", "environment"])
def test_the_minimum_from_settings_reaches_every_output(store_path, tmp_path, monkeypatch, how):
    # Before the settings were resolved once at the edge, every command fell
    # back to the default minimum of 5 whatever kvarter.yaml said.
    from kvarter.cli.main import app

    monkeypatch.chdir(tmp_path)
    if how == "kvarter.yaml":
        (tmp_path / "kvarter.yaml").write_text(f"min_cell_count: {MIN}\n", encoding="utf-8")
    else:
        monkeypatch.setenv("KVARTER_MIN_CELL_COUNT", str(MIN))
    runner = CliRunner()
    # Every output path with the file; the environment variable on the command
    # line's own table (the same resolution, kvarter.cli.options.use_settings).
    commands = _commands(store_path, tmp_path / "out")
    if how == "environment":
        commands = commands[:1]
    for args in commands:
        res = runner.invoke(app, args)
        assert res.exit_code == 0, (args, res.output, res.exception)
    files = _published_files(tmp_path / "out")
    if how == "environment":
        assert {p.parent.name for p in files} == {"ind"} and _assert_minimum(files) > 500
        return
    assert {p.parent.name for p in files} >= {"ind", "screen", "seg", "tables"}
    assert _assert_minimum(files) > 500
    # The workbook shows only what the tables publish: its status column says so.
    wb = pd.read_excel(tmp_path / "out" / "report" / "kvarter.xlsx", sheet_name=None)
    assert wb
    # The checker run by the command applies the same minimum.
    res = runner.invoke(app, ["check-output", str(tmp_path / "out" / "report" / "tables")])
    assert res.exit_code == 0, res.output


def test_without_settings_the_default_minimum_applies(store_path, tmp_path, monkeypatch):
    from kvarter.cli.main import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KVARTER_MIN_CELL_COUNT", raising=False)
    res = CliRunner().invoke(app, _commands(store_path, tmp_path / "out")[1])
    assert res.exit_code == 0, res.output
    meta = json.loads((tmp_path / "out" / "screen" / "criteria.csv.disclosure.json").read_text())
    assert meta["policy"]["min_count"] == 5
