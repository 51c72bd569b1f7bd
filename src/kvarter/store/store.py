"""Store: a DuckDB file with validated input tables, result tables and load records.

MINIMAL BOOTSTRAP VERSION — replaced by the io/store work (validation,
all-or-nothing loads, load records, schema version)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


class Store:
    """Open or create a store.

    >>> s = Store(":memory:")
    >>> s.write_result("t", pd.DataFrame({"a": [1, 2]}))
    >>> s.read("t")["a"].tolist()
    [1, 2]
    """

    def __init__(self, path: str | Path = "kvarter.duckdb", *, read_only: bool = False):
        self.path = str(path)
        self.read_only = read_only
        self.con = duckdb.connect(self.path, read_only=read_only)
        self._ibis = None

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
        return name in set(self.con.execute("select table_name from information_schema.tables").df()["table_name"])

    def read(self, name: str) -> pd.DataFrame:
        """The named table as a pandas DataFrame."""
        return self.con.execute(f'select * from "{name}"').df()

    def write_result(self, name: str, df: pd.DataFrame, *, replace: bool = True) -> None:
        """Store a result table (indicators, designations, segregation results)."""
        self.con.register("__kvarter_tmp", df)
        try:
            if replace:
                self.con.execute(f'create or replace table "{name}" as select * from __kvarter_tmp')
            else:
                self.con.execute(f'insert into "{name}" select * from __kvarter_tmp')
        finally:
            self.con.unregister("__kvarter_tmp")

    def close(self) -> None:
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
