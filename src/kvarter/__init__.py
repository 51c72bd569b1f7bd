"""kvarter: monitor neighbourhoods and social housing.

The library is the product; the ``kvarter`` command and the report are thin
layers over it. Start with :class:`Store`::

    import kvarter
    store = kvarter.Store("kvarter.duckdb")
    store.load("persons.csv", table="persons")
"""

from kvarter.store import Store

__version__ = "0.1.0"
__all__ = ["Store", "__version__"]
