"""The store: one DuckDB file holding validated tables, results and load records."""

from kvarter.store.store import SCHEMA_VERSION, LoadRecord, Store, StoreError

__all__ = ["SCHEMA_VERSION", "LoadRecord", "Store", "StoreError"]
