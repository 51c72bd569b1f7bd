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
