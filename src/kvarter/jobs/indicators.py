"""Refresh the store's indicator table and publish it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kvarter.disclosure import DisclosurePolicy, Protected
from kvarter.errors import InputError


def indicator_table(store, *, engine: str = "duckdb", recompute: bool = False, catalogue=None) -> pd.DataFrame:
    """The store's indicator table; computed and kept in the store when it is
    missing, stale (something was loaded after it) or partial (some years only).

    >>> from kvarter.store import Store
    >>> indicator_table(Store(":memory:"))
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The store has no 'persons' table to compute indicators from; load persons first (kvarter load FILE --table persons).
    """
    if store.has_table("indicators") and store.result_is_current("indicators") and not recompute:
        return store.read("indicators")
    if not store.has_table("persons") and store.has_table("aggregates"):
        # Published counts only (CBS): the indicators the aggregates support.
        from kvarter.indicators.aggregates import aggregate_indicators

        ind = aggregate_indicators(store.read("aggregates"), store_areas(store))
        store.write_result("indicators", ind)
        return ind
    if not store.has_table("persons"):
        raise InputError(
            "The store has no 'persons' table to compute indicators from; "
            "load persons first (kvarter load FILE --table persons)."
        )
    from kvarter.indicators import compute

    ind = compute(store, engine=engine, catalogue=catalogue)
    store.write_result("indicators", ind)
    return ind


def uses_aggregates(store) -> bool:
    """Whether the store's indicators come from published aggregates (no microdata loaded).

    >>> from kvarter.store import Store
    >>> st = Store(":memory:")
    >>> st.write_result("aggregates", pd.DataFrame({"unit_id": ["BU1"], "count": [5]}))
    >>> uses_aggregates(st)
    True
    """
    return not store.has_table("persons") and store.has_table("aggregates")


def store_areas(store) -> pd.DataFrame:
    """The store's areas; for an aggregates-only store without an areas table, the aggregates' finest units.

    >>> from kvarter.store import Store
    >>> st = Store(":memory:")
    >>> st.write_result("aggregates", pd.DataFrame({"unit_id": ["GM0518", "BU05180170"], "unit_name": None,
    ...                                             "unit_kind": ["municipality", "neighbourhood"]}))
    >>> store_areas(st)[["area_id", "municipality"]].values.tolist()
    [['BU05180170', 'GM0518']]
    """
    if store.has_table("areas"):
        return store.read("areas")
    if store.has_table("aggregates"):
        from kvarter.indicators.aggregates import areas_from_aggregates

        return areas_from_aggregates(store.read("aggregates"))
    return pd.DataFrame(columns=["area_id", "name", "municipality", "region"])


def catalogue_for(store, catalogue=None):
    """The catalogue in use: the caller's, else the aggregates' for an aggregates-only store, else the built-in.

    >>> from kvarter.store import Store
    >>> "education_low_share_15_74" in catalogue_for(Store(":memory:")).ids
    False
    """
    from kvarter.indicators import load_catalogue

    if catalogue is not None:
        return catalogue if hasattr(catalogue, "structure") else load_catalogue(catalogue)
    if uses_aggregates(store):
        from kvarter.indicators.aggregates import aggregate_catalogue

        return aggregate_catalogue()[0]
    return load_catalogue()


@dataclass(frozen=True)
class IndicatorsJob:
    """A refreshed indicator table: ``table`` (kept in the store, never
    published as it is), ``published`` (the protected table; None unless
    asked for) and ``country`` (the protected country rows of the latest
    year, what the command prints)."""

    table: pd.DataFrame
    published: Protected | None
    country: Protected
    notes: tuple[str, ...] = ()


def refresh_indicators(store, policy: DisclosurePolicy, *, engine="duckdb", catalogue=None,
                       years=None, publish: bool = False, source=None) -> IndicatorsJob:
    """Compute the catalogue over ``store`` for ``years`` (default: all), keep
    the table in the store (marked partial when some years only) and return
    it with its protected views. ``engine`` is a name or a
    :class:`kvarter.store.engines.Engine`; ``source="parquet:PATH"`` reads the
    persons from Parquet files in place (the store gives the areas).

    >>> from kvarter.store import Store
    >>> refresh_indicators(Store(":memory:"), DisclosurePolicy())
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The store has no 'persons' table to compute indicators from; load persons first (kvarter load FILE --table persons).
    """
    from kvarter.indicators import compute, load_catalogue
    from kvarter.publish.indicators import protect_indicators, protect_store_indicators

    from kvarter.store.engines import parse_source, store_tables

    if not store.has_table("persons") and parse_source(source).kind == "store":
        indicator_table(store)  # raises the one message for a store without persons
    cat = load_catalogue(catalogue) if isinstance(catalogue, (str, Path)) else catalogue
    result = compute(store, engine=engine, catalogue=cat, years=years, source=source)
    # A table for some years only is kept, but marked partial: the main job
    # recomputes rather than report on it.
    store.write_result("indicators", result, complete=years is None)
    published = None
    if publish:
        # Persons read in place are read again for the dominance rule's top contributions.
        persons = (store_tables(store, engine, ("persons",), source=source)["persons"]
                   if parse_source(source).kind != "store" else None)
        published = protect_store_indicators(store, result, policy, catalogue=cat, persons=persons)[0]
    latest = result[(result["level"] == "country") & (result["year"] == result["year"].max())]
    country = protect_indicators(latest, policy, catalogue=cat)
    notes = tuple(result.attrs.get("skipped", {}).values())
    return IndicatorsJob(table=result, published=published, country=country, notes=notes)
