"""The segregation pipeline's counting step on the engines equals the pandas counting.

The pandas counting (:func:`counts_from_microdata`) ranks equal incomes by
row order; a table on an engine has none, so the engine ranks them by
municipality, then unit. Given the pupils in that order, the pandas counting
must give exactly the engine's counts, on DuckDB, on Spark in local mode and
on the loopback cluster.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kvarter.demo.school_panel import school_panel
from kvarter.segregation import analyse_segregation, load_themes
from kvarter.segregation.counting import counts_on_engine
from kvarter.segregation.pipeline import counts_from_microdata
from kvarter.store import Store
from kvarter.store.engines import Engine, store_tables

ENGINES = [
    pytest.param("duckdb", id="duckdb"),
    # The cluster before local mode: the suite before this one ends on the cluster, and
    # every change of master restarts the Spark context.
    pytest.param("spark_cluster", id="spark-cluster", marks=[pytest.mark.slow, pytest.mark.spark]),
    pytest.param("spark", id="spark", marks=[pytest.mark.slow, pytest.mark.spark]),
]


@pytest.fixture(scope="module")
def pupils() -> pd.DataFrame:
    # Incomes rounded to tens: many equal values, some at the quintile boundaries.
    return school_panel(seed=5, municipalities=2, years=[2017, 2018], scale=0.15)


@pytest.fixture(scope="module")
def pupil_store(pupils):
    store = Store(":memory:")
    store.write_result("persons", pupils.astype({c: str for c in ("municipality", "area_id", "school_id")}))
    return store


@pytest.fixture(scope="module")
def expected(pupils):
    """The pandas counting over the pupils in the engine's order of equal values."""
    ordered = pupils.assign(_m=pupils["municipality"].astype(str), _u=pupils["school_id"].astype(str)).sort_values(
        ["household_disposable_income", "_m", "_u"], kind="stable").drop(columns=["_m", "_u"])
    return counts_from_microdata(ordered, load_themes())


def _engine(request, name):
    if name == "spark":
        request.getfixturevalue("spark_session")
    if name == "spark_cluster":
        return Engine("spark", request.getfixturevalue("spark_cluster").master)
    return name


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype({"municipality": str, "unit": str, "year": "int64"}).reset_index(drop=True)


def test_the_data_has_equal_incomes_at_a_quintile_boundary(pupils):
    # Otherwise the order of equal values would not be tested.
    inc = pupils[pupils.year == 2018]["household_disposable_income"].dropna().sort_values().to_numpy()
    cuts = [len(inc) * k // 5 for k in range(1, 5)]
    assert any(inc[c - 1] == inc[c] for c in cuts)


@pytest.mark.slow
@pytest.mark.spark
def test_cluster_counts_parquet_pupils_in_place(spark_cluster, pupils, pupil_store, tmp_path):
    folder = tmp_path / "pupils"
    folder.mkdir()
    plain = pupils.astype({c: str for c in ("municipality", "area_id", "school_id")})
    for year, rows in plain.groupby("year"):
        rows.to_parquet(folder / f"pupils-{year}.parquet", index=False)
    empty = Store(":memory:")  # the pupils never enter a store
    kw = dict(permutations=0, bootstrap=0, min_municipality_size=1000)
    got = analyse_segregation(empty, engine=Engine("spark", spark_cluster.master),
                              persons_source=f"parquet:{folder}", **kw)
    want = analyse_segregation(pupil_store, **kw)
    assert not empty.has_table("persons")
    pd.testing.assert_frame_equal(got.results, want.results, check_dtype=False)
    pd.testing.assert_frame_equal(got.table1, want.table1, check_dtype=False)


@pytest.mark.parametrize("name", ENGINES)
def test_engine_counts_equal_the_pandas_counting(request, name, pupil_store, expected):
    persons = store_tables(pupil_store, _engine(request, name), ("persons",))["persons"]
    counts, sizes = counts_on_engine(persons, load_themes())
    pd.testing.assert_frame_equal(_plain(counts), _plain(expected.counts), check_dtype=False)
    pd.testing.assert_frame_equal(_plain(sizes), _plain(expected.sizes), check_dtype=False)
    assert len(counts) > 1000 and counts["group"].nunique() == 8


def test_store_analysis_counts_on_the_engine_and_equals_the_frame_analysis(pupils, pupil_store):
    ordered = pupils.assign(_m=pupils["municipality"].astype(str), _u=pupils["school_id"].astype(str)).sort_values(
        ["household_disposable_income", "_m", "_u"], kind="stable").drop(columns=["_m", "_u"])
    kw = dict(permutations=20, bootstrap=20, seed=3, min_municipality_size=1000)
    from_store = analyse_segregation(pupil_store, **kw)
    from_frame = analyse_segregation(ordered, **kw)
    pd.testing.assert_frame_equal(from_store.results, from_frame.results, check_dtype=False)
    pd.testing.assert_frame_equal(from_store.table1, from_frame.table1, check_dtype=False)



def test_segregation_command_reads_parquet_pupils_in_place(pupils, pupil_store, tmp_path):
    from typer.testing import CliRunner

    from kvarter.cli.main import app

    folder = tmp_path / "pupils"
    folder.mkdir()
    pupils.astype({c: str for c in ("municipality", "area_id", "school_id")}).to_parquet(folder / "p.parquet")
    db = tmp_path / "empty.duckdb"
    Store(db).close()
    res = CliRunner().invoke(app, ["segregation", "--store", str(db), "--out", str(tmp_path / "out"),
                                   "--permutations", "0", "--bootstrap", "0", "--min-municipality-size", "1000",
                                   "--no-charts", "--source", f"parquet:{folder}"])
    assert res.exit_code == 0, res.output + repr(res.exception)
    want = analyse_segregation(pupil_store, permutations=0, bootstrap=0, min_municipality_size=1000).results
    with Store(db) as st:
        assert not st.has_table("persons")
        got = st.read("segregation_results")
    key = ["municipality", "year", "pair", "index"]
    cols = key + ["estimate", "n_a", "n_b", "units"]
    pd.testing.assert_frame_equal(got.sort_values(key)[cols].reset_index(drop=True),
                                  want.sort_values(key)[cols].reset_index(drop=True), check_dtype=False)
