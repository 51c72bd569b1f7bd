"""kvarter indicators through Typer's CliRunner."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from kvarter.cli.main import app
from kvarter.errors import InputError
from kvarter.store import Store


@pytest.fixture()
def store_path(tmp_path):
    path = tmp_path / "k.duckdb"
    rows = [{"person_id": f"p{i}", "year": y, "municipality": "K", "area_id": "A1" if i < 3 else "A2",
             "age": 30 + i, "origin": "non_western" if i % 2 else "native"} for i in range(6) for y in (2020, 2021, 2022)]
    with Store(path) as s:
        s.write_result("persons", pd.DataFrame(rows))
        s.write_result("areas", pd.DataFrame({"area_id": ["A1", "A2"], "region": ["R", "R"]}))
    return path


def test_indicators_command_stores_writes_and_summarises(store_path, tmp_path):
    out_csv = tmp_path / "ind.csv"
    result = CliRunner().invoke(app, ["indicators", "--store", str(store_path), "--years", "2021-2022", "--out", str(out_csv)])
    assert result.exit_code == 0, result.output
    assert "non_western_share" in result.output and "residents" in result.output
    assert "renting_share skipped: the data has no tenure column." in result.output
    with Store(store_path) as s:
        stored = s.read("indicators")
    assert sorted(stored["year"].unique()) == [2021, 2022]
    nw = stored[(stored["indicator"] == "non_western_share") & (stored["unit_id"] == "A2") & (stored["year"] == 2022)]
    assert nw["value"].tolist() == [pytest.approx(2 / 3)]  # p3 and p5 of p3-p5
    # The file leaves the program: base indicators only, behind disclosure control.
    written = pd.read_csv(out_csv)
    base = stored[~stored["indicator"].str.contains("_ratio_to_|_2y$|_4y$")]
    assert len(written) == len(base)
    a2 = written[(written["indicator"] == "non_western_share") & (written["unit_id"] == "A2") & (written["year"] == 2022)]
    assert a2["value_status"].tolist() == ["suppressed"] and a2["value"].isna().all()  # 3 persons < 5
    country = written[(written["indicator"] == "residents") & (written["level"] == "country") & (written["year"] == 2022)]
    assert country["value"].tolist() == [6.0]


def test_parquet_out(store_path, tmp_path):
    out = tmp_path / "ind.parquet"
    result = CliRunner().invoke(app, ["indicators", "--store", str(store_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert set(pd.read_parquet(out)["year"]) == {2020, 2021, 2022}


@pytest.mark.parametrize("args, message", [
    (["--years", "20x0"], "--years must be a year"),
    (["--out", "x.xlsx"], "--out must end in .csv or .parquet"),
])
def test_bad_arguments_raise_input_errors(store_path, args, message):
    result = CliRunner().invoke(app, ["indicators", "--store", str(store_path), *args])
    assert isinstance(result.exception, InputError) and message in str(result.exception)


def test_missing_store(tmp_path):
    result = CliRunner().invoke(app, ["indicators", "--store", str(tmp_path / "none.duckdb")])
    assert isinstance(result.exception, InputError) and "does not exist" in str(result.exception)


def test_help():
    result = CliRunner().invoke(app, ["indicators", "--help"])
    assert result.exit_code == 0 and "--engine" in result.output and "--catalogue" in result.output


def test_the_printed_table_names_indicators_in_the_language_and_formats_values_by_unit(tmp_path):
    """Issue 9: no scientific notation (5e+04), shares as percent, persons whole, labels translated."""
    from kvarter.demo import synthesize
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.publish.indicators import protect_indicators
    from kvarter.report.i18n import format_number, format_percent

    data = synthesize(persons=2_000, areas=20, schools=6, years=range(2023, 2025), seed=5)
    path = tmp_path / "k.duckdb"
    with Store(path) as s:
        s.load_many({"areas": data["areas"], "persons": data["persons"]})
    res = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["indicators", "--store", str(path), "--lang", "da"])
    assert res.exit_code == 0, res.output
    assert "e+0" not in res.output
    with Store(path) as s:
        ind = s.read("indicators")
    latest = ind[(ind["level"] == "country") & (ind["year"] == 2024)]
    shown = protect_indicators(latest, DisclosurePolicy()).frame.set_index("indicator")["value"]
    # An independent rendering of two rows: Danish label, id, the value in Danish format.
    lines = {line.split("│")[2].strip(): line for line in res.output.splitlines() if line.count("│") >= 5}
    assert "Beboere" in lines["residents"]
    assert format_number(shown["residents"], "da", 0) in lines["residents"]
    assert "." in format_number(shown["residents"], "da", 0)  # thousands grouped, not 2e+03
    assert format_percent(shown["non_western_share"], "da", 1) in lines["non_western_share"]
