"""The standalone cluster itself, and person-year data read from Parquet files by the cluster."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kvarter.errors import InputError
from kvarter.indicators import compute
from kvarter.store import Store
from kvarter.store.engines import Engine

SPARK = [pytest.mark.slow, pytest.mark.spark]
KEY = ["indicator", "level", "unit_id", "year"]


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(KEY).reset_index(drop=True)


@pytest.fixture(scope="module")
def parquet_persons(tmp_path_factory, persons):
    """The persons as a folder of Parquet files, one per year (as a register extract would come)."""
    folder = tmp_path_factory.mktemp("persons-parquet")
    for year, rows in persons.groupby("year"):
        rows.to_parquet(folder / f"persons-{year}.parquet", index=False)
    return folder


@pytest.fixture(scope="module")
def duckdb_result(persons, areas):
    store = Store(":memory:")
    store.write_result("persons", persons)
    store.write_result("areas", areas)
    return _sorted(compute(store))


@pytest.mark.slow
@pytest.mark.spark
def test_the_session_runs_an_executor_on_each_worker(spark_cluster):
    import time

    from kvarter.store.engines import spark_session

    session = spark_session(spark_cluster.master)
    assert session.sparkContext.master == spark_cluster.master
    assert session.range(1000).selectExpr("sum(id)").first()[0] == 999 * 1000 // 2
    deadline = time.monotonic() + 60
    while session.sparkContext._jsc.sc().getExecutorIds().size() < 2 and time.monotonic() < deadline:
        time.sleep(1)
    assert session.sparkContext._jsc.sc().getExecutorIds().size() == 2
    assert spark_cluster.alive_workers() == 2


@pytest.mark.slow
@pytest.mark.spark
def test_cluster_reads_parquet_files_in_place(spark_cluster, parquet_persons, areas, duckdb_result):
    store = Store(":memory:")
    store.write_result("areas", areas)  # the store holds the areas only; the persons never enter it
    got = _sorted(compute(store, engine=Engine("spark", spark_cluster.master), source=f"parquet:{parquet_persons}"))
    assert not store.has_table("persons")
    pd.testing.assert_frame_equal(got, duckdb_result, check_exact=False, rtol=1e-9, atol=1e-9)


def test_duckdb_reads_the_same_parquet_files(parquet_persons, areas, duckdb_result):
    store = Store(":memory:")
    store.write_result("areas", areas)
    got = _sorted(compute(store, source=f"parquet:{parquet_persons}"))
    pd.testing.assert_frame_equal(got, duckdb_result, check_exact=False, rtol=1e-9, atol=1e-9)
    assert np.isfinite(got["value"]).any()


def test_a_parquet_source_without_the_keys_is_named(tmp_path, areas):
    pd.DataFrame({"person_id": ["a"], "year": [2020]}).to_parquet(tmp_path / "p.parquet")
    store = Store(":memory:")
    store.write_result("areas", areas)
    with pytest.raises(InputError, match=r"parquet:.*p\.parquet lacks the column\(s\) municipality, area_id"):
        compute(store, source=f"parquet:{tmp_path / 'p.parquet'}")
    with pytest.raises(InputError, match="does not exist"):
        compute(store, source=f"parquet:{tmp_path / 'nothing'}")


@pytest.mark.slow
@pytest.mark.spark
def test_indicators_command_on_the_cluster_from_parquet(spark_cluster, parquet_persons, areas, duckdb_result, tmp_path):
    from typer.testing import CliRunner

    from kvarter.cli.main import app

    db = tmp_path / "areas-only.duckdb"
    with Store(db) as st:
        st.write_result("areas", areas)
    res = CliRunner().invoke(app, ["indicators", "--store", str(db), "--engine", "spark",
                                   "--spark-master", spark_cluster.master, "--source", f"parquet:{parquet_persons}"])
    assert res.exit_code == 0, res.output + repr(res.exception)
    with Store(db) as st:
        stored = st.read("indicators")
        assert not st.has_table("persons")
    got, want = _sorted(stored), duckdb_result
    text = ["indicator", "level", "unit_id", "municipality", "region"]
    assert got[text].fillna("-").astype(str).values.tolist() == want[text].fillna("-").astype(str).values.tolist()
    pd.testing.assert_frame_equal(got.drop(columns=text), want.drop(columns=text), check_exact=False, rtol=1e-9,
                                  atol=1e-9, check_dtype=False)


def test_the_command_refuses_a_master_that_is_no_url(tmp_path, areas):
    from typer.testing import CliRunner

    from kvarter.cli.main import app

    db = tmp_path / "s.duckdb"
    with Store(db) as st:
        st.write_result("areas", areas)
    res = CliRunner().invoke(app, ["indicators", "--store", str(db), "--engine", "spark", "--spark-master", "host:7077"])
    assert res.exit_code != 0
    assert "The Spark master 'host:7077' is not a master URL; expected spark://HOST:PORT" in str(res.exception)
    res = CliRunner().invoke(app, ["indicators", "--store", str(db), "--spark-master", "spark://h:7077"])
    assert res.exit_code != 0 and "was given with the duckdb engine" in str(res.exception)


def test_published_from_parquet_equals_published_from_the_store(parquet_persons, persons, areas):
    """The dominance rule reads the Parquet persons too: nothing is published that the store path hides."""
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.indicators import load_catalogue
    from kvarter.jobs.indicators import refresh_indicators

    # The sums the dominance rule guards, and a count; a few indicators keep the protection quick.
    cat = load_catalogue().select(["income_gross_mean_15_64", "household_income_mean", "charges_per_1000", "residents"])
    full, files = Store(":memory:"), Store(":memory:")
    full.write_result("persons", persons)
    for st in (full, files):
        st.write_result("areas", areas)
    policy = DisclosurePolicy(min_count=5, dominance_n=20, dominance_k=0.3)  # strict, so dominance hides cells here
    want = refresh_indicators(full, policy, catalogue=cat, publish=True).published.frame
    got = refresh_indicators(files, policy, catalogue=cat, publish=True,
                             source=f"parquet:{parquet_persons}").published.frame
    key = ["indicator", "level", "unit_id", "year"]
    want, got = want.sort_values(key).reset_index(drop=True), got.sort_values(key).reset_index(drop=True)
    reasons = pd.concat([want[c] for c in want.columns if c.endswith("_reason")]).astype(str)
    assert reasons.str.startswith("dominance").sum() > 50
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, atol=1e-9)
