"""Segregation of pupils across schools or residents across areas, published."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from kvarter.disclosure import DisclosurePolicy
from kvarter.errors import MissingFieldError
from kvarter.publish import Publication, SegregationPart


@dataclass(frozen=True)
class SegregationJob:
    """An analysis (kept in the store, never published as it is), its
    publication, the names of the tables stored, and the units left out of
    published aggregates for a suppressed or missing count."""

    analysis: object
    publication: Publication
    stored: tuple[str, ...]
    left_out: pd.DataFrame


def segregation_job(store, policy: DisclosurePolicy, *, units: str = "school", permutations: int = 1000,
                    bootstrap: int = 1000, seed: int = 0, min_unit_size: int | None = None,
                    min_municipality_size: int | None = None, aggregates: str | None = None,
                    unit_kind: str = "neighbourhood",
                    progress: Callable[[int, int], None] | None = None,
                    engine="duckdb", source=None) -> SegregationJob:
    """Analyse the store's microdata (or, with ``aggregates``, its published
    counts by that variable), keep the analysis in the store and publish it
    (:func:`kvarter.publish.segregation.protect_segregation_files`). The
    microdata are counted on ``engine`` (a name or a
    :class:`kvarter.store.engines.Engine`), from the store's persons or, with
    ``source="parquet:PATH"``, from Parquet files read in place.

    >>> from kvarter.store import Store
    >>> segregation_job(Store(":memory:"), DisclosurePolicy(), aggregates="origin")
    Traceback (most recent call last):
    ...
    kvarter.errors.MissingFieldError: The store :memory: has no aggregates; load them with kvarter load FILE --table aggregates.
    """
    from kvarter.publish.segregation import protect_segregation_files
    from kvarter.segregation.export import store_analysis
    from kvarter.segregation.pipeline import analyse_segregation

    data, left_out = store, pd.DataFrame(columns=["unit"])
    if aggregates is not None:
        from kvarter.segregation.aggregates import counts_from_aggregates

        if not store.has_table("aggregates"):
            raise MissingFieldError(
                f"The store {store.path} has no aggregates; load them with kvarter load FILE --table aggregates.")
        got = counts_from_aggregates(store.read("aggregates"), aggregates, unit_kind=unit_kind)
        data, units, left_out = got.counts, "area", got.left_out
    analysis = analyse_segregation(data, units=units, permutations=permutations, bootstrap=bootstrap, seed=seed,
                                   min_unit_size=min_unit_size, min_municipality_size=min_municipality_size,
                                   progress=progress, engine=engine, persons_source=source)
    stored = tuple(store_analysis(analysis, store))
    tables = protect_segregation_files(analysis, policy)
    t1 = analysis.table1
    order = tuple(t1.sort_values("persons", ascending=False)["municipality"].astype(str)) \
        if "persons" in t1.columns else ()
    part = SegregationPart("segregation", "segregation", tables, order)
    return SegregationJob(analysis=analysis, publication=Publication(tables=tables, policy=policy, segregation=(part,)),
                          stored=stored, left_out=left_out)
