"""The store: one DuckDB file holding validated tables, results and load records."""

from kvarter.store.store import Store

__all__ = ["Store"]
