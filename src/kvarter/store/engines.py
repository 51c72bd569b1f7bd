"""Compute engines: the one module that names DuckDB or Spark.

Everything above the store writes Ibis expressions; this module gives them
tables on the chosen engine. DuckDB works on the store's own connection.
Spark runs where its master says: PySpark local mode (``local[2]``, the
default) or any cluster (``spark://HOST:PORT``, YARN, Kubernetes). In local
mode the store's tables are exported from DuckDB to Parquet in a temporary
folder; on a cluster, whose executors may not see this machine's disk, they
travel as Arrow batches through the driver. Person-year data too big for the
store is read where it lies: :func:`parse_source` ``"parquet:PATH"`` gives a
source that DuckDB scans in place and each Spark executor reads its part of.

An engine is named by a string (``"duckdb"``, ``"spark"``) or an
:class:`Engine`, which also carries the Spark master:

>>> ENGINES
('duckdb', 'spark')
>>> engine_of("spark", master="spark://10.0.0.5:7077")
Engine(name='spark', master='spark://10.0.0.5:7077')
>>> connect("oracle")
Traceback (most recent call last):
...
kvarter.errors.EngineError: Unknown engine 'oracle'; choose one of duckdb, spark.
"""

from __future__ import annotations

import atexit
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kvarter.errors import EngineError, InputError, MissingFieldError

ENGINES = ("duckdb", "spark")
#: The Spark master when none is given: local mode on two cores.
LOCAL_MASTER = "local[2]"
_MASTER = re.compile(r"^(local(\[(\d+|\*)(,\d+)?\])?|spark://[^\s/]+(:\d+)?(,[^\s/]+(:\d+)?)*|yarn|k8s://\S+)$")
#: The columns a person-year source must have (the contract's keys), checked before any work.
SOURCE_COLUMNS = ("person_id", "year", "municipality", "area_id")


@dataclass(frozen=True)
class Engine:
    """A compute engine and, for Spark, the master to connect to.

    >>> str(Engine("spark", "spark://127.0.0.1:7077")), str(Engine())
    ('spark (spark://127.0.0.1:7077)', 'duckdb')
    """

    name: str = "duckdb"
    master: str | None = None

    def __str__(self) -> str:
        return self.name if self.master in (None, LOCAL_MASTER) else f"{self.name} ({self.master})"


def check_master(master: str) -> str:
    """``master`` when it is a Spark master URL Spark accepts; else an error that says what is.

    >>> check_master("spark://127.0.0.1:7077"), check_master("local[2]")
    ('spark://127.0.0.1:7077', 'local[2]')
    >>> check_master("127.0.0.1:7077")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The Spark master '127.0.0.1:7077' is not a master URL; expected spark://HOST:PORT (a standalone cluster), local[N] (local mode), yarn or k8s://URL.
    """
    if not isinstance(master, str) or not _MASTER.match(master):
        raise InputError(
            f"The Spark master {master!r} is not a master URL; expected spark://HOST:PORT (a standalone "
            "cluster), local[N] (local mode), yarn or k8s://URL."
        )
    return master


def engine_of(engine: str | Engine = "duckdb", master: str | None = None) -> Engine:
    """The :class:`Engine` named by ``engine`` (a name or an Engine), with ``master`` for Spark.

    >>> engine_of("spark")
    Engine(name='spark', master='local[2]')
    >>> engine_of("duckdb", master="spark://h:7077")
    Traceback (most recent call last):
    ...
    kvarter.errors.EngineError: A Spark master (spark://h:7077) was given with the duckdb engine; use --engine spark with --spark-master.
    """
    if isinstance(engine, Engine):
        name, master = engine.name, master or engine.master
    else:
        name = engine
    if name not in ENGINES:
        raise EngineError(f"Unknown engine {name!r}; choose one of {', '.join(ENGINES)}.")
    if name == "duckdb":
        if master not in (None, LOCAL_MASTER):
            raise EngineError(f"A Spark master ({master}) was given with the duckdb engine; "
                              "use --engine spark with --spark-master.")
        return Engine("duckdb")
    return Engine("spark", check_master(master or LOCAL_MASTER))


def _is_local(master: str) -> bool:
    return master.startswith("local")


def _on_loopback(master: str) -> bool:
    return bool(re.match(r"^spark://(127\.0\.0\.1|localhost)(:\d+)?$", master))


_SESSION: dict[str, object] = {}


def spark_session(master: str = LOCAL_MASTER):
    """The SparkSession on ``master``, kept for the process (UI off, 4 shuffle partitions).

    A process holds one Spark context: asking for another master stops the
    current session first. On a cluster the executors need what the driver
    has: Java and the same Python packages (see docs/spark.md). Raises
    :class:`~kvarter.errors.EngineError` when PySpark or Java is missing or
    the master cannot be reached; a master that is no URL fails before Spark starts:

    >>> spark_session("master-host")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The Spark master 'master-host' is not a master URL; ...
    """
    master = check_master(master)
    current = _SESSION.get("session")
    if current is not None and _SESSION.get("master") == master and not _stopped(current):
        return current
    if shutil.which("java") is None:
        raise EngineError("The spark engine needs a Java runtime (java not found on PATH); install Java 17 or use --engine duckdb.")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError("The spark engine needs PySpark; install kvarter[spark] or use --engine duckdb.") from None
    if current is not None:
        current.stop()
        _SESSION.clear()
    builder = (
        SparkSession.builder.master(master)
        .appName("kvarter")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if _on_loopback(master):
        # A cluster on this machine: executors call the driver back on loopback
        # and start this very Python (a remote cluster sets both in its spark-defaults.conf).
        builder = (builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.pyspark.python", sys.executable))
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # py4j / JVM errors carry no common base
        raise EngineError(f"Cannot start a Spark session on {master}: {str(exc).splitlines()[0] if str(exc) else exc!r}") from None
    session.sparkContext.setLogLevel("ERROR")
    _SESSION.update(session=session, master=master)
    return session


def stop_spark() -> None:
    """Stop the process's Spark session, if one runs (the driver leaves its cluster).

    >>> stop_spark()  # nothing runs: nothing to do
    """
    session = _SESSION.pop("session", None)
    _SESSION.clear()
    if session is not None:
        session.stop()


def _stopped(session) -> bool:
    sc = session.sparkContext
    return getattr(sc, "_jsc", None) is None


def connect(engine: str | Engine = "duckdb", store=None):
    """An Ibis backend for ``engine`` (DuckDB: over ``store``'s connection when given).

    >>> connect("duckdb").name
    'duckdb'
    """
    import ibis

    eng = engine_of(engine)
    if eng.name == "duckdb":
        return store.ibis() if store is not None else ibis.duckdb.connect()
    return ibis.pyspark.connect(spark_session(eng.master))


@lru_cache(maxsize=1)
def _export_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="kvarter-spark-"))
    atexit.register(shutil.rmtree, path, True)
    return path


@dataclass(frozen=True)
class Source:
    """Where person-year rows come from: the store (``kind="store"``) or Parquet files at ``path``."""

    kind: str = "store"
    path: str | None = None

    def __str__(self) -> str:
        return "the store" if self.kind == "store" else f"parquet:{self.path}"


def parse_source(text: str | Source | None) -> Source:
    """The :class:`Source` named by ``text``: None or ``"store"``, or ``"parquet:PATH"``.

    PATH is a Parquet file, a folder of them (a Spark or Hive-style dataset) or
    a glob; a path with a scheme (``hdfs://``, ``s3a://``) is passed to the
    engine as it is, so a cluster reads it from its own storage.

    >>> parse_source(None), parse_source("parquet:/data/persons")
    (Source(kind='store', path=None), Source(kind='parquet', path='/data/persons'))
    >>> parse_source("csv:/data/persons.csv")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: --source must be 'store' or parquet:PATH (a Parquet file, a folder of Parquet files or a glob); got 'csv:/data/persons.csv'.
    """
    if isinstance(text, Source):
        return text
    if text is None or text == "store":
        return Source()
    if isinstance(text, str) and text.startswith("parquet:") and len(text) > len("parquet:"):
        return Source("parquet", text[len("parquet:"):])
    raise InputError(
        f"--source must be 'store' or parquet:PATH (a Parquet file, a folder of Parquet files or a glob); got {text!r}."
    )


def _has_scheme(path: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", path))


def _parquet_table(con, eng: Engine, path: str, name: str):
    """The Parquet files at ``path`` as an Ibis table on ``con``, their key columns checked."""
    target = path
    if not _has_scheme(path):
        p = Path(path)
        if not any(c in path for c in "*?[") and not p.exists():
            raise InputError(f"The person-year source parquet:{path} does not exist; give a Parquet file, "
                             "a folder of Parquet files or a glob.")
        if p.is_dir() and eng.name == "duckdb":
            target = str(p / "**" / "*.parquet")
        elif p.is_dir() or p.exists():
            target = str(p.resolve())
    try:
        table = con.read_parquet(target, table_name=name)
    except Exception as exc:  # DuckDB and Spark raise their own errors for unreadable files
        raise InputError(f"Cannot read the person-year source parquet:{path}: {str(exc).splitlines()[0]}") from None
    absent = [c for c in SOURCE_COLUMNS if c not in table.columns]
    if absent:
        raise InputError(
            f"The person-year source parquet:{path} lacks the column(s) {', '.join(absent)}; person-year "
            f"data needs {', '.join(SOURCE_COLUMNS)} (see the persons contract in docs/data-model.md)."
        )
    return table


def _via_driver(eng: Engine, name: str, data, key: str):
    """One table (Arrow or pandas) on a Spark cluster, sent as Arrow batches through the driver."""
    view = f"kvarter_{name}_{key}"
    spark_session(eng.master).createDataFrame(data).createOrReplaceTempView(view)
    return connect(eng).table(view)


def store_tables(store, engine: str | Engine = "duckdb", names=("persons", "areas"), source=None) -> dict:
    """The store's tables ``names`` as Ibis tables on ``engine``.

    ``persons`` must exist, in the store or, with ``source="parquet:PATH"``
    (see :func:`parse_source`), in Parquet files the engine reads in place;
    other absent tables are left out of the result.

    >>> import pandas as pd
    >>> from kvarter.store import Store
    >>> s = Store(":memory:")
    >>> s.write_result("persons", pd.DataFrame({"person_id": ["a"]}))
    >>> sorted(store_tables(s))
    ['persons']
    """
    eng = engine_of(engine)
    src = parse_source(source)
    from_files = src.kind == "parquet" and "persons" in names
    present = [n for n in names if store.has_table(n) and not (from_files and n == "persons")]
    if "persons" in names and "persons" not in present and not from_files:
        raise MissingFieldError(
            f"The store {store.path} has no persons table; load person-year data first: "
            f"kvarter load FILE --table persons --store {store.path} (or read Parquet files in place: --source parquet:PATH)."
        )
    con = connect(eng, store)
    out = {}
    if from_files:
        out["persons"] = _parquet_table(con, eng, src.path, f"kvarter_persons_source_{id(store)}")
    for n in present:
        if eng.name == "duckdb":
            out[n] = store.table(n)
        elif _is_local(eng.master):
            target = _export_dir() / f"{n}-{id(store)}.parquet"
            store.con.execute(f"COPY (SELECT * FROM \"{n}\") TO '{target}' (FORMAT parquet)")
            out[n] = con.read_parquet(str(target), table_name=f"kvarter_{n}_{id(store)}")
        else:
            out[n] = _via_driver(eng, n, store.con.execute(f'SELECT * FROM "{n}"').to_arrow_table(), str(id(store)))
    return {n: out[n] for n in names if n in out}


def to_engine(tables: dict, engine: str | Engine) -> dict:
    """Put pandas DataFrames on ``engine`` as Ibis tables (for work outside a store).

    >>> import pandas as pd
    >>> t = to_engine({"x": pd.DataFrame({"a": [1, 2]})}, "duckdb")["x"]
    >>> int(t.a.sum().execute())
    3
    """
    eng = engine_of(engine)
    con = connect(eng)
    out = {}
    for name, df in tables.items():
        if eng.name == "duckdb":
            out[name] = con.create_table(name, df, overwrite=True)
        elif _is_local(eng.master):
            target = _export_dir() / f"{name}-{id(df)}.parquet"
            df.to_parquet(target, index=False)
            out[name] = con.read_parquet(str(target), table_name=f"kvarter_{name}_{id(df)}")
        else:
            out[name] = _via_driver(eng, name, df, str(id(df)))
    return out
