"""Compute engines: the one module that names DuckDB or Spark.

Everything above the store writes Ibis expressions; this module gives them
tables on the chosen engine. DuckDB works on the store's own connection.
Spark (PySpark local mode, ``local[2]``, UI off, few shuffle partitions) gets
the store's tables exported from DuckDB to Parquet in a temporary folder.

>>> ENGINES
('duckdb', 'spark')
>>> connect("oracle")
Traceback (most recent call last):
...
kvarter.errors.EngineError: Unknown engine 'oracle'; choose one of duckdb, spark.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from kvarter.errors import EngineError, MissingFieldError

ENGINES = ("duckdb", "spark")


def _check(engine: str) -> str:
    if engine not in ENGINES:
        raise EngineError(f"Unknown engine {engine!r}; choose one of {', '.join(ENGINES)}.")
    return engine


@lru_cache(maxsize=1)
def spark_session():
    """A cached local SparkSession (``local[2]``, UI off, 4 shuffle partitions).

    Raises :class:`~kvarter.errors.EngineError` when PySpark or Java is missing.
    """
    if shutil.which("java") is None:
        raise EngineError("The spark engine needs a Java runtime (java not found on PATH); install Java 17 or use --engine duckdb.")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError("The spark engine needs PySpark; install kvarter[spark] or use --engine duckdb.") from None
    session = (
        SparkSession.builder.master("local[2]")
        .appName("kvarter")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def connect(engine: str = "duckdb", store=None):
    """An Ibis backend for ``engine`` (DuckDB: over ``store``'s connection when given).

    >>> connect("duckdb").name
    'duckdb'
    """
    import ibis

    _check(engine)
    if engine == "duckdb":
        return store.ibis() if store is not None else ibis.duckdb.connect()
    return ibis.pyspark.connect(spark_session())


@lru_cache(maxsize=1)
def _export_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="kvarter-spark-"))
    atexit.register(shutil.rmtree, path, True)
    return path


def store_tables(store, engine: str = "duckdb", names=("persons", "areas")) -> dict:
    """The store's tables ``names`` as Ibis tables on ``engine``.

    ``persons`` must exist; other absent tables are left out of the result.

    >>> import pandas as pd
    >>> from kvarter.store import Store
    >>> s = Store(":memory:")
    >>> s.write_result("persons", pd.DataFrame({"person_id": ["a"]}))
    >>> sorted(store_tables(s))
    ['persons']
    """
    _check(engine)
    present = [n for n in names if store.has_table(n)]
    if "persons" in names and "persons" not in present:
        raise MissingFieldError(
            f"The store {store.path} has no persons table; load person-year data first: "
            f"kvarter load FILE --table persons --store {store.path}."
        )
    if engine == "duckdb":
        return {n: store.table(n) for n in present}
    con = connect("spark")
    out = {}
    for n in present:
        target = _export_dir() / f"{n}-{id(store)}.parquet"
        store.con.execute(f"COPY (SELECT * FROM \"{n}\") TO '{target}' (FORMAT parquet)")
        out[n] = con.read_parquet(str(target), table_name=f"kvarter_{n}_{id(store)}")
    return out


def to_engine(tables: dict, engine: str) -> dict:
    """Put pandas DataFrames on ``engine`` as Ibis tables (for work outside a store).

    >>> import pandas as pd
    >>> t = to_engine({"x": pd.DataFrame({"a": [1, 2]})}, "duckdb")["x"]
    >>> int(t.a.sum().execute())
    3
    """
    _check(engine)
    con = connect(engine)
    out = {}
    for name, df in tables.items():
        if engine == "duckdb":
            out[name] = con.create_table(name, df, overwrite=True)
        else:
            target = _export_dir() / f"{name}-{id(df)}.parquet"
            df.to_parquet(target, index=False)
            out[name] = con.read_parquet(str(target), table_name=f"kvarter_{name}_{id(df)}")
    return out
