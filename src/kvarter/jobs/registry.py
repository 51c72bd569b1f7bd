"""Publish the registry of initiatives: what runs where, its evidence, the
principles it serves and its outcome indicators, behind disclosure control."""

from __future__ import annotations

import pandas as pd

from kvarter.disclosure import DisclosurePolicy, Protected
from kvarter.publish import Publication


def registry_tables(store, indicators: pd.DataFrame, hidden: set, areas: pd.DataFrame, year: int,
                    policy: DisclosurePolicy, *, catalogue=None) -> dict[str, Protected]:
    """The registry's protected tables for ``year`` when the store holds initiatives, else none.

    ``indicators`` is the store's indicator table and ``hidden`` the cells
    its protected version hides (:func:`kvarter.publish.links.hidden_cells`);
    the monitor report passes its own, so the registry's figures are linked
    to the very table it publishes.

    >>> from kvarter.store import Store
    >>> registry_tables(Store(":memory:"), pd.DataFrame(), set(), pd.DataFrame(), 2024, DisclosurePolicy())
    {}
    """
    if not store.has_table("registry_versions"):
        return {}
    from kvarter.publish.registry import protect_registry
    from kvarter.registry import Registry

    reg = Registry(store, catalogue=catalogue)
    initiatives = reg.initiatives()
    if not initiatives:
        return {}
    return protect_registry(initiatives, reg.principle_sets(), indicators, year, policy, areas=areas, hidden=hidden,
                            catalogue=catalogue)


def registry_publication(store, policy: DisclosurePolicy, *, year: int | None = None, engine: str = "duckdb",
                         catalogue=None) -> Publication:
    """The registry's publication on its own: its tables (see
    :func:`registry_tables`) beside the protected indicator table they are
    linked to, for ``year`` (default: the latest with indicators).

    >>> from kvarter.store import Store
    >>> registry_publication(Store(":memory:"), DisclosurePolicy())
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The store has no 'persons' table to compute indicators from; load persons first (kvarter load FILE --table persons).
    """
    from kvarter.errors import InputError
    from kvarter.jobs.indicators import indicator_table
    from kvarter.publish.indicators import protect_store_indicators
    from kvarter.publish.links import hidden_cells

    ind = indicator_table(store, engine=engine, catalogue=catalogue)
    years = sorted(int(y) for y in ind["year"].unique())
    year = int(year or years[-1])
    if year not in years:
        raise InputError(f"No indicators for year {year}; the store has {years[0]}-{years[-1]}.")
    published, _ = protect_store_indicators(store, ind, policy, catalogue=catalogue)
    areas = store.read("areas") if store.has_table("areas") else pd.DataFrame(columns=["area_id", "name", "municipality"])
    areas = areas.astype({"area_id": str})
    tables = {"indicators": published,
              **registry_tables(store, ind, hidden_cells(published), areas, year, policy, catalogue=catalogue)}
    notes = () if len(tables) > 1 else ("The registry holds no initiatives; add some with kvarter registry add or import.",)
    keep = [c for c in ("area_id", "name", "municipality", "region", "kind", "parent_area") if c in areas.columns]
    return Publication(tables=tables, policy=policy, year=year, areas=areas[keep], notes=notes)
