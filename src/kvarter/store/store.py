"""Store: a DuckDB file with validated input tables, result tables and load records.

The input tables (``areas``, ``schools``, ``persons``, ``aggregates`` and the housing tables)
are created from their contracts. Each is kept in a physical table
``<table>__rows`` that also records, for every row, the load it came from and
its row in the source file (so a duplicate id across two files names both);
the name users and engines read is a view over it with the contract columns
that the loaded data actually provided, so an optional field nobody gave stays
absent and the indicators that need it can say so.

Loading is all or nothing: a file is read, checked against its contract and
against what the store holds (unknown areas and schools, duplicate ids across
the existing rows and the new ones), and only when every check passes are
its rows inserted, with a record in ``load_records``, inside one transaction.
The schema is versioned in ``kvarter_meta``; a store written by a newer
kvarter is refused rather than misread.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from kvarter.errors import Failure, InputError, InputErrors, KvarterError, Reason
from kvarter.io.cbs import WIDE_FORMATS, wide_to_aggregates
from kvarter.io.contracts import TABLES, Contract, contract
from kvarter.io.mapping import ColumnMapping, apply_mapping
from kvarter.io.readers import SourceTable, read_table
from kvarter.io.validate import MAX_FAILURES_PER_CHECK, Checked, check_frame

#: Version of the store's layout; bump it (and add a migration) when tables change.
SCHEMA_VERSION = 1

SQL_TYPES: dict[str, str] = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN"}

#: How a missing table is made, for the error that finds it missing.
MAKES_TABLE: dict[str, str] = {
    **{t: f"Load it with kvarter load FILE --table {t}." for t in TABLES},
    "indicators": "Compute it with kvarter indicators (or kvarter.indicators.compute).",
    "designations": "Screen first with kvarter screen --ruleset RULESET --year YEAR.",
    "screening_criteria": "Screen first with kvarter screen --ruleset RULESET --year YEAR.",
    "screening_what_if": "Screen first with kvarter screen --ruleset RULESET --year YEAR.",
    **{t: "Run kvarter segregation first." for t in ("segregation_results", "segregation_table1",
                                                      "segregation_trends", "segregation_correlations")},
}

#: Tables that belong to the store's machinery rather than to the user.
META_TABLE = "kvarter_meta"
LOADS_TABLE = "load_records"
RESULTS_TABLE = "result_records"
#: Tables other store modules own (store/registry_tables.py): readable, never overwritten by write_result.
OWNED_TABLES = frozenset({"registry_versions"})


class StoreError(KvarterError, RuntimeError):
    """The store file cannot be opened or used as asked."""


def kvarter_version() -> str:
    """The installed kvarter version (``0+unknown`` when running from a bare checkout).

    >>> kvarter_version() != ""
    True
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kvarter")
    except PackageNotFoundError:
        return "0+unknown"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rows_table(table: str) -> str:
    return f"{table}__rows"


@dataclass(frozen=True)
class LoadRecord:
    """One completed load: what was loaded from where, when, by which kvarter."""

    load_id: int
    table: str
    source: str
    sha256: str
    rows: int
    replace: bool
    loaded_at: datetime
    kvarter_version: str
    contract_version: int
    format: str
    columns: tuple[str, ...]
    notes: str = ""


def missing_store_message(path: str | Path) -> str:
    """What to say when a command that reads a store finds no file at ``path``:
    the path, the stores that do exist beside it (a mistyped name), and how to
    make one.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "kvarter.duckdb").write_bytes(b"")
    >>> print(missing_store_message(d / "kvarter.duckbd").replace(str(d), "DIR"))
    The store DIR/kvarter.duckbd does not exist. Stores in DIR: kvarter.duckdb. Check --store, or create the store by loading data into it: kvarter load FILE --table persons --store DIR/kvarter.duckbd (or kvarter synth --store / kvarter demo --store for synthetic data).
    """
    p = Path(path)
    what = "is a folder, not a DuckDB file" if p.is_dir() else "does not exist"
    folder = p.parent
    found = sorted(f.name for f in folder.glob("*.duckdb")) if folder.is_dir() else []
    beside = f" Stores in {folder}: {', '.join(found[:5])}{', ...' if len(found) > 5 else ''}." if found else ""
    return (
        f"The store {p} {what}.{beside} Check --store, or create the store by loading data into "
        f"it: kvarter load FILE --table persons --store {p} (or kvarter synth --store / kvarter demo --store "
        "for synthetic data)."
    )


class Store:
    """Open or create a store (a DuckDB file; ``":memory:"`` for a throw-away one).

    ``create=False`` opens an existing store only: a missing file raises
    :class:`~kvarter.errors.InputError` naming the path (see
    :func:`missing_store_message`) instead of creating an empty store, so a
    mistyped path fails before anything is written. Everything that only
    reads a store should pass it; loading data is what creates one.
    ``read_only=True`` never creates a file either.

    >>> s = Store(":memory:")
    >>> s.write_result("t", pd.DataFrame({"a": [1, 2]}))
    >>> s.read("t")["a"].tolist()
    [1, 2]
    >>> rec = s.load_frame(pd.DataFrame({"area_id": ["A1"], "name": ["Mjølnerparken"],
    ...     "municipality": ["101"], "region": ["1084"], "kind": ["housing_area"]}), table="areas")
    >>> rec.rows, s.read("areas")["name"].tolist(), s.tables()
    (1, ['Mjølnerparken'], ['areas', 'load_records', 't'])
    """

    def __init__(self, path: str | Path = "kvarter.duckdb", *, read_only: bool = False, create: bool = True):
        self.path = str(path)
        self.read_only = read_only
        self.create = create
        if (read_only or not create) and self.path != ":memory:" and not Path(self.path).is_file():
            raise InputError(missing_store_message(self.path))
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except (duckdb.IOException, duckdb.InvalidInputException, duckdb.CatalogException) as exc:
            raise StoreError(
                f"Cannot open the store {self.path}: {exc}. Is it a DuckDB file, and not open "
                "in another program?"
            ) from None
        self._ibis = None
        try:
            self._prepare()
        except BaseException:
            self.con.close()
            raise

    # ----------------------------------------------------------------- schema
    def _prepare(self) -> None:
        version = self.schema_version
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(
                f"The store {self.path} has schema version {version}, but this kvarter "
                f"({kvarter_version()}) reads schema versions up to {SCHEMA_VERSION}. "
                "Upgrade kvarter, or use a new store file."
            )
        if self.read_only:
            return
        self.con.begin()
        try:
            self.con.execute(f"create table if not exists {META_TABLE} (key varchar primary key, value varchar)")
            if version is None:
                self.con.execute(
                    f"insert into {META_TABLE} values ('schema_version', ?), ('created_by', ?), ('created_at', ?)",
                    [str(SCHEMA_VERSION), kvarter_version(), datetime.now(timezone.utc).isoformat()],
                )
            self.con.execute(
                f"""create table if not exists {LOADS_TABLE} (
                    load_id bigint, table_name varchar, source varchar, sha256 varchar,
                    rows bigint, replace boolean, loaded_at timestamp, kvarter_version varchar,
                    contract_version integer, format varchar, columns varchar, notes varchar)"""
            )
            for table in TABLES:
                spec = contract(table)
                cols = ", ".join(f"{_q(c.name)} {SQL_TYPES[c.type]}" for c in spec.columns)
                self.con.execute(
                    f"create table if not exists {_q(_rows_table(table))} "
                    f"({cols}, _load_id bigint, _source_row bigint)"
                )
                # A column a newer contract added (aggregates.unit) reaches stores made before it.
                for c in spec.columns:
                    self.con.execute(
                        f"alter table {_q(_rows_table(table))} add column if not exists {_q(c.name)} {SQL_TYPES[c.type]}"
                    )
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    @property
    def schema_version(self) -> int | None:
        """The schema version written in the store, or ``None`` for a file kvarter never set up."""
        if not self._exists(META_TABLE):
            return None
        row = self.con.execute(f"select value from {META_TABLE} where key = 'schema_version'").fetchone()
        return None if row is None else int(row[0])

    def _exists(self, name: str) -> bool:
        return bool(
            self.con.execute(
                "select count(*) from information_schema.tables where table_name = ?", [name]
            ).fetchone()[0]
        )

    # ----------------------------------------------------------------- reading
    def ibis(self):
        """An Ibis DuckDB backend over this store's connection."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def table(self, name: str):
        """The named table as an Ibis expression (engine: DuckDB)."""
        return self.ibis().table(name)

    def has_table(self, name: str) -> bool:
        """Whether ``name`` can be read: a loaded input table, a result table or ``load_records``.

        >>> s = Store(":memory:")
        >>> s.has_table("persons")
        False
        """
        return self._exists(name)

    def tables(self) -> list[str]:
        """Names that can be read: loaded input tables, result tables and ``load_records``."""
        names = self.con.execute("select table_name from information_schema.tables").fetchall()
        internal = {META_TABLE, RESULTS_TABLE} | {_rows_table(t) for t in TABLES}
        return sorted(n for (n,) in names if n not in internal)

    def read(self, name: str) -> pd.DataFrame:
        """The named table as a pandas DataFrame."""
        if not self._exists(name):
            have = ", ".join(map(repr, self.tables())) or "no tables yet"
            how = MAKES_TABLE.get(name, "")
            raise InputError(
                f"The store {self.path} has no table {name!r}; it has {have}." + (f" {how}" if how else "")
            )
        return self.con.execute(f"select * from {_q(name)}").df()

    def row_count(self, name: str) -> int:
        """Rows in the named table.

        >>> s = Store(":memory:")
        >>> s.write_result("indicators", pd.DataFrame({"x": [1, 2]}))
        >>> s.row_count("indicators")
        2
        """
        if not self._exists(name):
            raise InputError(f"The store {self.path} has no table {name!r}.")
        return int(self.con.execute(f"select count(*) from {_q(name)}").fetchone()[0])

    def has_values(self, name: str, column: str) -> bool:
        """Whether table ``name`` exists, has ``column`` and a non-null value in it.

        >>> s = Store(":memory:")
        >>> s.has_values("persons", "school_id")
        False
        """
        if not self._exists(name) or column not in self.table(name).columns:
            return False
        return bool(self.con.execute(
            f"select count(*) from {_q(name)} where {_q(column)} is not null").fetchone()[0])

    def loads(self) -> pd.DataFrame:
        """Every load so far, oldest first: load_id, table, source, sha256, rows, replace,
        loaded_at, kvarter_version, contract_version, format, columns, notes."""
        return self.con.execute(
            f"select load_id, table_name as \"table\", source, sha256, rows, replace, loaded_at, "
            f"kvarter_version, contract_version, format, columns, notes from {LOADS_TABLE} order by load_id"
        ).df()

    # ----------------------------------------------------------------- writing
    def write_result(self, name: str, df: pd.DataFrame, *, replace: bool = True, complete: bool = True) -> None:
        """Store a result table (indicators, designations, segregation results), unvalidated.

        The write is recorded with the last load it was computed after, so
        :meth:`result_is_current` can tell a stale result from a fresh one;
        ``complete=False`` marks a partial result (e.g. some years only).

        Writing under an input table's name (``persons``, ``areas``, ...) is an
        escape hatch for tests and experts: the frame replaces the validated
        table as it is, unchecked, and a later :meth:`load` into that table
        must use ``replace=True``.
        """
        self._check_writable()
        internal = {META_TABLE, LOADS_TABLE, RESULTS_TABLE} | {_rows_table(t) for t in TABLES} | OWNED_TABLES
        if name in internal:
            raise InputError(f"{name!r} is one of the store's own tables; choose another name for a result.")
        self.con.register("__kvarter_tmp", df)
        try:
            self.con.begin()
            try:
                if self._is_view(name):
                    self.con.execute(f"drop view {_q(name)}")
                if replace or not self._exists(name):
                    self.con.execute(f"create or replace table {_q(name)} as select * from __kvarter_tmp")
                else:
                    self.con.execute(f"insert into {_q(name)} by name select * from __kvarter_tmp")
                self.con.execute(
                    f"create table if not exists {RESULTS_TABLE} (name varchar primary key, written_at timestamp, "
                    "after_load bigint, complete boolean)"
                )
                self.con.execute(
                    f"insert or replace into {RESULTS_TABLE} values (?, current_timestamp, ?, ?)",
                    [name, self._last_load_id(), bool(complete)],
                )
                self.con.commit()
            except BaseException:
                self.con.rollback()
                raise
        finally:
            self.con.unregister("__kvarter_tmp")

    def _last_load_id(self) -> int:
        if not self._exists(LOADS_TABLE):
            return 0
        return int(self.con.execute(f"select coalesce(max(load_id), 0) from {LOADS_TABLE}").fetchone()[0])

    def result_is_current(self, name: str) -> bool:
        """True when the result table ``name`` exists, was written complete,
        and nothing has been loaded since.

        >>> import pandas as pd
        >>> s = Store(":memory:")
        >>> s.write_result("indicators", pd.DataFrame({"v": [1]}))
        >>> s.result_is_current("indicators"), s.result_is_current("designations")
        (True, False)
        >>> s.write_result("indicators", pd.DataFrame({"v": [1]}), complete=False)
        >>> s.result_is_current("indicators")
        False
        """
        if not self.has_table(name) or not self._exists(RESULTS_TABLE):
            return False
        row = self.con.execute(f"select after_load, complete from {RESULTS_TABLE} where name = ?", [name]).fetchone()
        return row is not None and bool(row[1]) and int(row[0]) == self._last_load_id()

    def _is_view(self, name: str) -> bool:
        return bool(
            self.con.execute(
                "select count(*) from information_schema.tables where table_name = ? and table_type = 'VIEW'",
                [name],
            ).fetchone()[0]
        )

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError(f"The store {self.path} is open read-only; open it with read_only=False to load.")

    def load(
        self,
        path: str | Path,
        table: str,
        *,
        replace: bool = False,
        format: str | None = None,
        sheet: str | int = 0,
        extra: str = "ignore",
        layer: str | None = None,
        crs=None,
        mapping: ColumnMapping | None = None,
    ) -> LoadRecord:
        """Read, validate and insert a file into an input table, all or nothing.

        ``format`` overrides the reader chosen by the file suffix (``csv``,
        ``parquet``, ``excel``, ``geojson``, ``gpkg``) or names a wide layout to
        reshape into aggregates (``cbs``: Statistics Netherlands' neighbourhood
        figures); ``sheet`` picks an Excel sheet and ``layer`` a GeoPackage
        feature table (by default its only one). A load appends;
        ``replace=True`` replaces the table's rows. ``crs`` names the
        reference system of a GeoJSON file that does not declare one;
        ``mapping`` (a :class:`~kvarter.io.mapping.ColumnMapping`) renames the
        file's columns and adds constant ones before validation. Any failure raises
        :class:`~kvarter.errors.InputErrors` listing every failure, and the
        store is left exactly as it was.
        """
        contract(table)  # an unknown table name fails before the file is read
        src = self._read(path, table, format=format, sheet=sheet, layer=layer, crs=crs, mapping=mapping)
        return self._load_sources({table: src}, replace=replace, extra=extra)[0]

    def load_frame(
        self,
        df: pd.DataFrame,
        table: str,
        *,
        source: str = "<frame>",
        replace: bool = False,
        rows=None,
        extra: str = "ignore",
    ) -> LoadRecord:
        """Validate and insert a DataFrame into an input table, all or nothing (see :meth:`load`)."""
        contract(table)
        src = _frame_source(df, source, rows)
        return self._load_sources({table: src}, replace=replace, extra=extra)[0]

    def load_many(
        self,
        items: dict[str, str | Path | pd.DataFrame],
        *,
        replace: bool = False,
        extra: str = "ignore",
    ) -> list[LoadRecord]:
        """Load several tables (``{table: path or DataFrame}``) in one transaction.

        The tables are checked in dependency order (areas, schools, persons,
        aggregates) against each other as they will be after the load, so a
        whole data set can replace another whose area ids differ: with
        ``replace=True`` a person's area must be among the new areas, not the
        old ones. Either every table is loaded or none is.

        >>> s = Store(":memory:")
        >>> recs = s.load_many({
        ...     "persons": pd.DataFrame({"person_id": ["p"], "year": [2024], "municipality": ["0301"],
        ...                              "area_id": ["N1"], "age": [9], "origin": ["native"]}),
        ...     "areas": pd.DataFrame({"area_id": ["N1"], "name": ["Furuset"], "municipality": ["0301"],
        ...                            "region": ["Oslo"], "kind": ["urban_area"]})}, replace=True)
        >>> [(r.table, r.rows) for r in recs]
        [('areas', 1), ('persons', 1)]
        """
        for table in items:
            contract(table)
        sources = {}
        for table in (t for t in TABLES if t in items):
            item = items[table]
            if isinstance(item, pd.DataFrame):
                sources[table] = _frame_source(item, f"<{table} frame>", None)
            else:
                sources[table] = self._read(item, table)
        return self._load_sources(sources, replace=replace, extra=extra)

    def _read(
        self, path, table: str, *, format: str | None = None, sheet: str | int = 0, layer: str | None = None,
        crs=None, mapping: ColumnMapping | None = None,
    ) -> SourceTable:
        if format in WIDE_FORMATS:
            if table != "aggregates":
                raise InputError(f"--format {format} reshapes a file into aggregates; got table {table!r}. "
                                 "Load it with --table aggregates (or leave --table out).")
            return wide_to_aggregates(apply_mapping(read_table(path, sheet=sheet), mapping), WIDE_FORMATS[format])
        return apply_mapping(read_table(path, format=format, sheet=sheet, layer=layer, crs=crs), mapping)

    def _load_sources(self, sources: dict[str, SourceTable], *, replace: bool, extra: str) -> list[LoadRecord]:
        self._check_writable()
        for table in sources:
            if not replace and self._exists(table) and not self._is_view(table):
                raise StoreError(
                    f"The {table} table in {self.path} was written unvalidated (write_result); "
                    "load with replace=True (--replace) to replace it with validated rows."
                )
        checked: dict[str, Checked] = {}
        failures: list[Failure] = []
        for table, src in sources.items():
            spec = contract(table)
            decimal = None
            if src.dialect is not None:
                decimal = "," if src.dialect.decimal == "," else ("." if src.dialect.delimiter == "," else None)
            result = check_frame(
                src.frame, spec, source=src.source, rows=src.rows, decimal=decimal,
                references=self._references(spec, replace, checked), extra=extra,
            )
            checked[table] = result
            found = list(result.failures)
            if not replace:
                found += self._existing_duplicates(result.frame, result.rows, spec, src.source)
            elif all(k in result.provided for k in spec.primary_key):
                found += self._dangling_references(result.frame, spec, src.source, skip=set(sources))
            failures += found
        if failures:
            failures.sort(key=lambda f: (f.file, f.row is not None, f.row or 0))
            raise InputErrors(failures, source=", ".join(src.source for src in sources.values()))

        records = []
        self.con.begin()
        try:
            for table, src in sources.items():
                records.append(self._insert(table, src, checked[table], replace))
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        return records

    def _insert(self, table: str, src: SourceTable, checked: Checked, replace: bool) -> LoadRecord:
        """Insert checked rows and their load record; the caller holds the transaction."""
        spec = contract(table)
        notes = list(src.notes)
        if checked.ignored_columns:
            notes.append("ignored columns not in the contract: " + ", ".join(checked.ignored_columns))
        new = checked.frame.copy()
        new["_source_row"] = checked.rows
        rows_table = _q(_rows_table(table))
        load_id = self.con.execute(f"select coalesce(max(load_id), 0) + 1 from {LOADS_TABLE}").fetchone()[0]
        new["_load_id"] = load_id
        if replace:
            self.con.execute(f"delete from {rows_table}")
        self.con.register("__kvarter_new", pa.Table.from_pandas(new, preserve_index=False))
        try:
            with self._one_thread():
                self.con.execute(f"insert into {rows_table} by name select * from __kvarter_new")
        finally:
            self.con.unregister("__kvarter_new")
        record = LoadRecord(
            load_id=int(load_id), table=table, source=src.source, sha256=src.sha256,
            rows=len(new), replace=replace, loaded_at=datetime.now(timezone.utc).replace(tzinfo=None),
            kvarter_version=kvarter_version(), contract_version=spec.version,
            format=src.format, columns=tuple(checked.provided), notes="; ".join(notes),
        )
        self._record(record)
        self._refresh_view(table)
        return record

    @contextmanager
    def _one_thread(self):
        """Run the block on one DuckDB thread. An insertion-ordered insert on
        one thread writes its row groups to the file as it goes; on several
        it keeps them for the checkpoint, which then compresses them again
        (the demo's 500,000 persons: half the CPU time of the load, a file
        twice the size). The rows and their order are the same."""
        threads = self.con.execute("select current_setting('threads')").fetchone()[0]
        self.con.execute("set threads = 1")
        try:
            yield
        finally:
            self.con.execute(f"set threads = {int(threads)}")

    def _record(self, r: LoadRecord) -> None:
        self.con.execute(
            f"insert into {LOADS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [r.load_id, r.table, r.source, r.sha256, r.rows, r.replace, r.loaded_at,
             r.kvarter_version, r.contract_version, r.format, ",".join(r.columns), r.notes],
        )

    def _refresh_view(self, table: str) -> None:
        """(Re)create the view with the contract columns provided by the loads that still have rows."""
        spec = contract(table)
        given = self.con.execute(
            f"select columns from {LOADS_TABLE} where load_id in "
            f"(select distinct _load_id from {_q(_rows_table(table))})"
        ).fetchall()
        provided = {c for (cols,) in given for c in cols.split(",") if c}
        cols = [c for c in spec.names if c in provided or spec.column(c).required]
        if self._exists(table) and not self._is_view(table):
            self.con.execute(f"drop table {_q(table)}")
        self.con.execute(
            f"create or replace view {_q(table)} as select {', '.join(map(_q, cols))} "
            f"from {_q(_rows_table(table))}"
        )

    # ----------------------------------------------------------------- store-side checks
    def _references(self, spec: Contract, replace: bool, batch: dict[str, Checked] | None = None) -> dict[str, set]:
        """Known values of every column this contract references, as they will be after the load.

        A referenced table loaded in the same batch counts with its new rows
        (only those when replacing); otherwise the store's rows count, and a
        referenced table without rows is not checked against.
        """
        batch = batch or {}
        known: dict[str, set] = {}
        for col in spec.columns:
            if col.references is None:
                continue
            table, target = col.references.split(".")
            new = set(batch[table].frame[target].dropna()) if table in batch else None
            if (table == spec.table or new is not None) and replace:
                if new is not None:
                    known[col.references] = new
                continue  # only the new rows count; a self-reference is checked within the frame
            values = {v for (v,) in self.con.execute(
                f"select distinct {_q(target)} from {_q(_rows_table(table))} where {_q(target)} is not null"
            ).fetchall()}
            if new is not None:
                values |= new
            if values or table == spec.table:
                known[col.references] = values
        return known

    def _existing_duplicates(self, frame: pd.DataFrame, rows: np.ndarray, spec: Contract, source: str) -> list[Failure]:
        key = list(spec.primary_key)
        rows_table = _q(_rows_table(spec.table))
        if not key or not self.con.execute(f"select count(*) > 0 from {rows_table}").fetchone()[0]:
            return []
        keys = frame[key].copy()
        keys["_new_row"] = rows
        self.con.register("__kvarter_keys", pa.Table.from_pandas(keys, preserve_index=False))
        try:
            on = " and ".join(f"k.{_q(c)} = e.{_q(c)}" for c in key)
            hits = self.con.execute(
                f"select {', '.join('k.' + _q(c) for c in key)}, k._new_row, e._source_row, l.source, l.load_id "
                f"from __kvarter_keys k join {rows_table} e on {on} "
                f"left join {LOADS_TABLE} l on l.load_id = e._load_id order by k._new_row "
                f"limit {MAX_FAILURES_PER_CHECK + 1}"
            ).fetchall()
        finally:
            self.con.unregister("__kvarter_keys")
        label = ", ".join(key)
        failures = []
        for hit in hits[:MAX_FAILURES_PER_CHECK]:
            values, new_row, old_row, old_source, load_id = hit[: len(key)], hit[-4], hit[-3], hit[-2], hit[-1]
            shown = ", ".join(f"{c}={v!r}" for c, v in zip(key, values))
            failures.append(Failure(
                source, int(new_row), label, ", ".join(str(v) for v in values), Reason.duplicate_id,
                f"duplicate id ({shown}): already in the store from {old_source} row {old_row} (load {load_id})",
            ))
        if len(hits) > MAX_FAILURES_PER_CHECK:
            failures.append(Failure(source, None, label, None, Reason.duplicate_id,
                                    "... and more rows already in the store"))
        return failures

    def _dangling_references(
        self, frame: pd.DataFrame, spec: Contract, source: str, skip: set[str] = frozenset()
    ) -> list[Failure]:
        """Replacing a referenced table must not orphan rows of the tables that refer to it
        (tables in ``skip`` are replaced in the same load and checked against the new rows)."""
        failures: list[Failure] = []
        for other in TABLES:
            if other == spec.table or other in skip:
                continue
            for col in contract(other).columns:
                if col.references is None or col.references.split(".")[0] != spec.table:
                    continue
                target = col.references.split(".")[1]
                kept = pa.table({"v": pa.array(frame[target].dropna().astype(str).tolist(), pa.string())})
                self.con.register("__kvarter_kept", kept)
                try:
                    orphans = self.con.execute(
                        f"select {_q(col.name)}, count(*) from {_q(_rows_table(other))} "
                        f"where {_q(col.name)} is not null and {_q(col.name)} not in (select v from __kvarter_kept) "
                        f"group by 1 order by 1 limit {MAX_FAILURES_PER_CHECK}"
                    ).fetchall()
                finally:
                    self.con.unregister("__kvarter_kept")
                for value, n in orphans:
                    failures.append(Failure(
                        source, None, target, value, Reason.inconsistent,
                        f"{target} {value!r} is missing from the new {spec.table}, but {n} {other} row(s) "
                        f"refer to it in {col.name}; include it or replace {other} first",
                    ))
        return failures

    # ----------------------------------------------------------------- lifecycle
    def close(self) -> None:
        """Close the connection (pending work was committed by each load)."""
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _frame_source(df: pd.DataFrame, source: str, rows) -> SourceTable:
    """A DataFrame as a source table, hashed by content and column names."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    digest.update(json.dumps([str(c) for c in df.columns]).encode())
    row_numbers = np.arange(1, len(df) + 1, dtype=np.int64) if rows is None else np.asarray(rows)
    return SourceTable(df, row_numbers, source, "frame", digest.hexdigest())
